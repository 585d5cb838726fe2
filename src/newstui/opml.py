"""OPML import and export, so newsboat and other readers' users can bring their feeds.

An OPML file comes from elsewhere and is hostile input: entities and DTDs are refused before
any XML parser sees the text (billion laughs, XXE), outlines are walked without recursion
(2000-deep nesting), URLs follow the same rules as feeds.toml (http/https only; ``file:``
never comes from an import) and every title goes through the sanitiser.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Iterable, Sequence

from newstui.config import FeedConfig, check_feed_url
from newstui.errors import ConfigError
from newstui.sanitize import MAX_TAG, MAX_TAGS, MAX_TITLE, clean_line, normalize_url

MAX_OPML_BYTES = 20 * 1024 * 1024
"""Real subscription lists are kilobytes; anything this big is not one."""

_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_DECL_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._\-]+)[\"']")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FEED_TYPES = frozenset({"rss", "atom", "feed", "rdf", "json"})


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """A feed found in an OPML file: URL already checked, title and tags sanitised."""

    url: str
    title: str | None
    tags: tuple[str, ...]

    def as_feed_config(self) -> FeedConfig:
        return FeedConfig(url=self.url, title=self.title, tags=self.tags)


@dataclass(frozen=True, slots=True)
class OpmlImport:
    feeds: list[OpmlFeed]
    skipped: list[str]
    """One line each: ``skipped <url or title>: <reason>``."""


def _decode(data: bytes) -> str:
    """Bytes to text the way an XML parser would: BOM, then UTF-16/32 NUL patterns, then the declaration."""
    for bom, enc in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                     (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                     (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    head = data[:4]
    for pattern, enc in ((b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
                         (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if head.startswith(pattern):
            return data.decode(enc, errors="replace")
    m = _DECL_ENCODING.match(data.lstrip()[:200])
    enc = "utf-8"
    if m:
        try:
            enc = codecs.lookup(m.group(1).decode("ascii")).name
        except LookupError:
            enc = "utf-8"
        if enc.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
            enc = "utf-8"  # declared wide but no BOM/NUL pattern: the bytes are not wide
    return data.decode(enc, errors="replace")


def _attr(el: ET.Element, name: str) -> str | None:
    """Attribute lookup ignoring case (exporters write xmlUrl, xmlurl and xmlURL)."""
    value = el.get(name)
    if value is not None:
        return value
    low = name.lower()
    for k, v in el.attrib.items():
        if k.lower() == low:
            return v
    return None


def _category_tags(value: str | None) -> list[str]:
    """OPML 2.0 ``category``: comma-separated, slash-delimited paths ("/Boston/Weather,/news")."""
    if not value:
        return []
    tags: list[str] = []
    for item in value.split(","):
        for part in item.split("/"):
            tag = clean_line(part, MAX_TAG)
            if tag:
                tags.append(tag)
    return tags


def read_opml(data: bytes, *, existing: Iterable[str] = ()) -> OpmlImport:
    """Feeds of an OPML document; URLs in ``existing`` (or repeated) are skipped as duplicates.

    Raises ConfigError for a DTD or entity declaration, malformed XML, or a document that is not OPML.
    """
    if len(data) > MAX_OPML_BYTES:
        raise ConfigError(f"OPML: file too large ({len(data) // (1024 * 1024)} MB; at most "
                          f"{MAX_OPML_BYTES // (1024 * 1024)} MB)")
    text = _decode(data)
    if _DTD.search(text):
        raise ConfigError("OPML: entities/DTD refused (a <!DOCTYPE or <!ENTITY declaration; "
                          "subscription lists need neither)")
    # Parse what was checked: the decoded text, without a declaration that could re-decode it.
    text = _XML_DECL.sub("", text, count=1)
    # Raw controls are not XML 1.0; exporters leak them from feed titles. Drop them rather
    # than refuse the whole list (titles are sanitised again below).
    text = _XML_INVALID.sub("", text)
    if not text.strip():
        raise ConfigError("OPML: empty file")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ConfigError(f"OPML: malformed XML: {clean_line(str(exc), 200)}") from None
    except RecursionError:
        raise ConfigError("OPML: malformed XML: nested too deeply") from None
    if root.tag.rpartition("}")[2].lower() != "opml":
        raise ConfigError(f"OPML: not an OPML document (root element <{clean_line(root.tag, 40)}>, expected <opml>)")
    body = next((c for c in root if isinstance(c.tag, str) and c.tag.rpartition("}")[2].lower() == "body"), None)
    if body is None:
        raise ConfigError("OPML: not an OPML document (no <body>)")

    seen = {normalize_url(u) for u in existing}
    feeds: list[OpmlFeed] = []
    skipped: list[str] = []
    # Iterative walk: (outline, folder tags of its ancestors), in document order.
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [(c, ()) for c in reversed(list(body))]
    while stack:
        el, folder_tags = stack.pop()
        if not isinstance(el.tag, str) or el.tag.rpartition("}")[2].lower() != "outline":
            continue
        title = clean_line(_attr(el, "title") or _attr(el, "text") or "", MAX_TITLE) or None
        xml_url = _attr(el, "xmlUrl")
        kind = (_attr(el, "type") or "").strip().lower()
        if xml_url is None and kind not in _FEED_TYPES:
            # A folder: its name tags every feed inside it.
            tag = clean_line(_attr(el, "text") or _attr(el, "title") or "", MAX_TAG)
            inner = folder_tags
            if tag and tag not in folder_tags and len(folder_tags) < MAX_TAGS:
                inner = folder_tags + (tag,)
            stack.extend((c, inner) for c in reversed(list(el)))
            continue
        label = title or "(untitled outline)"
        if not xml_url or not xml_url.strip():
            why = "no xmlUrl" if xml_url is None else "empty xmlUrl"
            skipped.append(f"skipped {clean_line(label, 120)}: {why}")
            continue
        url, why = check_feed_url(xml_url, allow_file=False, quote_url=False)
        shown = clean_line(normalize_url(xml_url) or xml_url, 120)
        if url is None:
            skipped.append(f"skipped {shown}: {why}")
            continue
        if url in seen:
            skipped.append(f"skipped {shown}: duplicate")
            continue
        seen.add(url)
        if title == url:
            title = None  # exporters (write_opml too) put the URL in a required text attribute
        tags = list(folder_tags) + _category_tags(_attr(el, "category"))
        feeds.append(OpmlFeed(url=url, title=title, tags=tuple(dict.fromkeys(tags))[:MAX_TAGS]))
    return OpmlImport(feeds=feeds, skipped=skipped)


def _xml_safe(s: str, limit: int) -> str:
    # clean_line removes every character XML 1.0 cannot hold except U+FFFE/U+FFFF.
    return clean_line(s, limit).replace("\ufffe", "").replace("\uffff", "")


def write_opml(feeds: Sequence[FeedConfig], title: str = "newstui subscriptions") -> bytes:
    """OPML 2.0 with one outline per feed; tags go in ``category`` as "/tag" paths."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_safe(title, MAX_TITLE)
    body = ET.SubElement(root, "body")
    for f in feeds:
        url = _xml_safe(f.url, 8192)
        name = _xml_safe(f.title or "", MAX_TITLE) or url
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": url}
        # "," and "/" separate categories and path parts, so they cannot appear inside a tag.
        cats = [_xml_safe(t.replace(",", " ").replace("/", " "), MAX_TAG) for t in f.tags]
        cats = [c for c in cats if c]
        if cats:
            attrs["category"] = ",".join(f"/{c}" for c in cats)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
