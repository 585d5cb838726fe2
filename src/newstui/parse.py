"""Feed document bytes -> :class:`ParsedFeed`, safely and fast.

Why not just ``feedparser.parse``: it costs ~0.8-1.4 ms per item (its SAX layer, HTML
sanitiser and URI resolution, see docs/parsing.md), it expands the quadratic-blowup entity
shape, and its author regex is quadratic. newstui never emits HTML (the renderer turns it
into text itself), so the fast path here is a strict RSS 2.0 / RSS 1.0 (RDF) / Atom reader
on stdlib ElementTree (C expat, tree built in C). feedparser is only the fallback for
documents expat rejects even after a light repair, and runs in a killable child process.

Order of work (every step bounded):

1. sniff: empty, too large, JSON (``jsonfeed``), HTML, binary junk;
2. decode to ``str`` ourselves (BOM, UTF-16/32 NUL patterns, valid UTF-8, HTTP charset,
   XML declaration, windows-1252); expat then never sees an encoding declaration;
3. remove the DOCTYPE with its internal subset: every entity is then undefined, so
   nothing can expand and nothing external is ever read;
4. strict parse; on failure repair (drop XML-invalid controls, escape undefined entities,
   declare unbound prefixes) and parse again; a truncated document keeps its complete
   items; anything else goes to feedparser (bytes only, author fields capped);
5. every string through :mod:`newstui.sanitize`; links resolved (xml:base, feed URL) and
   re-checked; dates through :func:`parse_date`; keys through :func:`entry_key`.
"""

from __future__ import annotations

import atexit
import calendar
import codecs
import hashlib
import html
import os
import pickle
import re
import select
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from email.utils import parsedate_tz
from html.entities import html5 as _HTML5
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from newstui.errors import ParseError
from newstui.models import Enclosure, ParsedEntry, ParsedFeed
from newstui.sanitize import (
    MAX_AUTHOR,
    MAX_CONTENT,
    MAX_ENCLOSURES,
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
    SAFE_SCHEMES,
    UNTITLED,
    clean_line,
    clean_text,
    clean_url,
    normalize_url,
    url_scheme,
)

MAX_BODY = 64 * 1024 * 1024
"""Refuse bigger documents outright ("too large"); fetch has its own, smaller cap."""
MAX_KEY = 512
"""Longer identities are replaced by a hash so the store's index stays small."""
MAX_TTL = 7 * 24 * 3600
FALLBACK_AUTHOR_CAP = 256
"""Author-like fields are cut to this many characters before feedparser sees them
(its e-mail regex is quadratic: ~10 s for 30k characters, ~1 ms for 256)."""
FALLBACK_IN_SUBPROCESS = True
"""Run the feedparser fallback in a child process that is killed at the deadline."""
MAX_XHTML_DEPTH = 200
"""Markup nested deeper than this inside a body is flattened to its text when serialised."""

_XML_NS = "{http://www.w3.org/XML/1998/namespace}"
_XML_BASE = _XML_NS + "base"
_ATOM = "http://www.w3.org/2005/Atom"
_ATOM03 = "http://purl.org/atom/ns#"
_RSS1 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_MEDIA = ("http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss")
_ITUNES = ("http://www.itunes.com/dtds/podcast-1.0.dtd", "http://www.itunes.com/DTDs/Podcast-1.0.dtd")

# Namespaces offered to documents that use a well-known prefix without declaring it.
_KNOWN_PREFIXES = {
    "dc": _DC, "dcterms": _DCTERMS, "content": _CONTENT, "atom": _ATOM, "rdf": _RDF,
    "media": _MEDIA[0], "itunes": _ITUNES[0], "slash": "http://purl.org/rss/1.0/modules/slash/",
    "wfw": "http://wellformedweb.org/CommentAPI/", "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "feedburner": "http://rssnamespace.org/feedburner/ext/1.0", "georss": "http://www.georss.org/georss",
}


# --------------------------------------------------------------------------- public API


def parse_feed(body: bytes, *, url: str, headers: Mapping[str, str] | None = None,
               max_items: int = 1000, deadline: float = 20.0) -> ParsedFeed:
    """Parse a feed document (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1).

    Args:
        body: the response body, already decompressed.
        url: the feed's final URL, the base for relative links.
        headers: HTTP response headers with lower-case names (charset, content type).
        max_items: keep only the first N entries of the document (feeds list newest first).
        deadline: seconds this call may take; the fallback parser is killed after it.

    Raises:
        ParseError: with a one-line reason when the body is not a usable feed.
    """
    t_end = time.monotonic() + deadline
    headers = headers or {}
    if not isinstance(body, (bytes, bytearray)):
        raise ParseError("not a feed (no bytes)")
    if len(body) > MAX_BODY:
        raise ParseError("too large")
    body = bytes(body)
    start = _first_significant(body)
    if start < 0:
        raise ParseError("empty response")
    ctype = (headers.get("content-type") or "").lower()
    first = body[start:start + 1]
    if first in (b"{", b"["):
        from newstui.jsonfeed import parse_json_feed
        return parse_json_feed(body, url=url, max_items=max_items)
    if first != b"<" and not _utf16_or_32(body):
        if "json" in ctype:
            raise ParseError("not a feed (JSON without items)")
        junk_end = _find_markup_start(body)
        if junk_end < 0:
            raise ParseError("not a feed")
        body = body[junk_end:]  # e.g. a PHP notice printed before the XML declaration
        text, encoding, warnings = decode_document(body, ctype)
        warnings.insert(0, "ignored junk before the XML")
    else:
        text, encoding, warnings = decode_document(body, ctype)
    clean = encoding == "utf-8" and utf8_text_is_clean(body)
    return _parse_xml(text, url=url, max_items=max_items, t_end=t_end, warnings=warnings, clean=clean)


def entry_key(guid: str | None, link: str | None, title: str, content: str, date: int | None) -> str:
    """The identity of an entry inside its feed: guid, else normalised link, else a hash.

    ``guid`` is compared after ``strip()`` and is case-sensitive (RSS says it is opaque);
    the link is compared with scheme and host lower-cased and the fragment dropped; the
    hash covers title, content and date, so an item with none of guid/link is a new item
    whenever its text changes. Keys longer than :data:`MAX_KEY` are hashed.
    """
    if guid:
        g = clean_text(guid, MAX_CONTENT).strip()
        if g:
            return g if len(g) <= MAX_KEY else "sha1:" + hashlib.sha1(g.encode()).hexdigest()
    if link:
        n = _normalise_link(link)
        if n:
            return n if len(n) <= MAX_KEY else "sha1:" + hashlib.sha1(n.encode()).hexdigest()
    h = hashlib.sha1()
    for part in (title or "", content or "", "" if date is None else str(date)):
        h.update(part.encode("utf-8", "replace"))
        h.update(b"\x00")
    return "sha1:" + h.hexdigest()


def parse_date(value: object) -> int | None:
    """Unix seconds UTC from an RFC 822 or ISO 8601/W3CDTF date, or ``None``.

    None when the text is not a date we recognise, is a bare number (an epoch number is
    ambiguous: feedparser turns 1700000000 into 1699), is before 1970, or is more than one
    day ahead (a year-9999 item would otherwise sit on top of the list forever). Never raises.
    """
    try:
        if isinstance(value, time.struct_time) or (isinstance(value, tuple) and len(value) >= 6):
            y, mo, d, h, mi, s = (int(v) for v in value[:6])  # type: ignore[index]
            return _epoch(y, mo, d, h, mi, s, 0)
        if not isinstance(value, str):
            return None
        s = value.strip()
        if not s or len(s) > 2048 or _BARE_NUMBER.match(s):
            return None
        m = _ISO_DATE.match(s)
        if m:
            return _from_iso(m)
        m = _RFC_DATE.match(s)
        if m:
            return _from_rfc(m)
        if len(s) > 200:
            return None
        tup = parsedate_tz(s)
        if tup is None:
            return None
        y, mo, d, h, mi, sec = tup[:6]
        off = tup[9] or 0
        if abs(off) >= 24 * 3600 or y < 100:
            return None
        return _epoch(y, mo, d, h, mi, sec, off)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


# --------------------------------------------------------------------------- dates

_BARE_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?\Z", re.ASCII)
_ISO_DATE = re.compile(
    r"([0-9]{4})-([0-9]{2})(?:-([0-9]{2})"
    r"(?:(?:[Tt]|\s+)([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?"
    r"(?:\s*(Z|z|UTC|GMT|[+-][0-9]{2}(?::?[0-9]{2})?))?)?)?\Z",
    re.ASCII,
)
_RFC_DATE = re.compile(
    r"(?:[A-Za-z]+\.?,?\s*)?"                      # day name
    r"([0-9]{1,2})[\s-]+([A-Za-z]+)\.?[\s-]+([0-9]{2,4})"  # day month year
    r"(?:[\sT,]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)?"
    r"(?:\s*([+-][0-9]{2}:?[0-9]{2}|[A-Za-z]{1,5}))?"
    r"(?:\s*\([^()]*\))?\Z",
    re.ASCII,
)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_TZ_HOURS = {
    "ut": 0, "utc": 0, "gmt": 0, "z": 0, "wet": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
    "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10, "ast": -4,
    "adt": -3, "cet": 1, "cest": 2, "met": 1, "mest": 2, "west": 1, "bst": 1, "eet": 2,
    "eest": 3, "msk": 3, "jst": 9, "kst": 9, "hkt": 8, "sgt": 8, "aest": 10, "aedt": 11,
    "nzst": 12, "nzdt": 13,
}


def _offset(zone: str | None) -> int | None:
    """Seconds east of UTC; None when the offset is impossible (e.g. +2400, -9999)."""
    if not zone:
        return 0
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        hh = int(digits[:2])
        mm = int(digits[2:4] or 0)
        if hh > 23 or mm > 59:
            return None
        off = hh * 3600 + mm * 60
        return -off if zone[0] == "-" else off
    # Unknown alphabetic zones (and military letters) count as UTC, as RFC 5322 says.
    return _TZ_HOURS.get(zone.lower(), 0) * 3600


def _epoch(y: int, mo: int, d: int, h: int, mi: int, s: int, off: int) -> int | None:
    if not (1969 <= y <= 9999 and 1 <= mo <= 12 and 1 <= d <= 31 and 0 <= h <= 23
            and 0 <= mi <= 59 and 0 <= s <= 60):
        return None
    if d > calendar.monthrange(y, mo)[1]:
        return None
    t = calendar.timegm((y, mo, d, h, mi, min(s, 59), 0, 0, 0)) - off
    if t < 0 or t > time.time() + 86400:
        return None
    return t


def _from_iso(m: re.Match[str]) -> int | None:
    y, mo, d, h, mi, s, zone = m.groups()
    off = _offset(zone if zone not in ("Z", "z", "UTC", "GMT") else None)
    if off is None:
        return None
    return _epoch(int(y), int(mo), int(d or 1), int(h or 0), int(mi or 0), int(s or 0), off)


def _from_rfc(m: re.Match[str]) -> int | None:
    d, mon, y, h, mi, s, zone = m.groups()
    mon_l = mon.lower()
    month = _MONTHS.get(mon_l[:3])
    if month is None or (len(mon_l) > 3 and mon_l != "sept" and not _full_month(mon_l)):
        return None
    year = int(y)
    if len(y) == 2:
        year += 2000 if year < 70 else 1900
    elif len(y) == 3:
        return None
    off = _offset(zone)
    if off is None:
        return None
    return _epoch(year, month, int(d), int(h or 0), int(mi or 0), int(s or 0), off)


_FULL_MONTHS = frozenset(("january", "february", "march", "april", "may", "june", "july", "august",
                          "september", "october", "november", "december"))


def _full_month(name: str) -> bool:
    return name in _FULL_MONTHS


# --------------------------------------------------------------------------- decoding

_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:\-]{1,40})""", re.I)
_MARKUP_START = re.compile(rb"<(?:\?xml|rss[\s>]|feed[\s>]|rdf:RDF[\s>])")
_REFUSED_CODECS = frozenset(("utf-7", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                             "utf-32-be", "utf-8-sig"))


def _first_significant(body: bytes) -> int:
    """Index of the first byte that is not whitespace, a UTF-8 BOM or NUL padding; -1 if none
    (0 for UTF-16/32, whose NULs are not padding)."""
    i = 3 if body.startswith(b"\xef\xbb\xbf") else 0
    n = len(body)
    while i < n and body[i] in b" \t\r\n\x0c\x00":
        i += 1
    if i >= n:
        return -1
    return 0 if _utf16_or_32(body) else i


def _utf16_or_32(body: bytes) -> str | None:
    """The UTF-16/32 flavour announced by a BOM or by the NUL pattern of ``<?`` / ``<r``."""
    if body.startswith(b"\xff\xfe\x00\x00"):
        return "utf-32-le"
    if body.startswith(b"\x00\x00\xfe\xff"):
        return "utf-32-be"
    if body.startswith(b"\xff\xfe"):
        return "utf-16-le"
    if body.startswith(b"\xfe\xff"):
        return "utf-16-be"
    head = body[:4]
    if len(head) < 4 or b"\x00" not in head:
        return None
    if head[:3] == b"\x00\x00\x00" and head[3]:
        return "utf-32-be"
    if head[0] and head[1:] == b"\x00\x00\x00":
        return "utf-32-le"
    if head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be"
    if head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le"
    return None


def _find_markup_start(body: bytes) -> int:
    m = _MARKUP_START.search(body, 0, 4096)
    return m.start() if m else -1


def _codec(name: str | None) -> str | None:
    """Normalised Python codec name for a label, or None if unknown, non-text or refused."""
    if not name:
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    if info.name in _REFUSED_CODECS:
        return None
    return info.name


def decode_document(body: bytes, content_type: str = "") -> tuple[str, str, list[str]]:
    """Decode a feed to ``str``: BOM, UTF-16/32 patterns, valid UTF-8, labels, windows-1252.

    Valid UTF-8 wins over a single-byte label (a UTF-8 body labelled ISO-8859-1 is the
    classic mojibake source; the reverse, Latin-1 text that happens to be valid UTF-8,
    practically never occurs). UTF-7 is refused. Returns (text, codec name, warning lines).
    """
    warnings: list[str] = []
    wide = _utf16_or_32(body)
    if wide:
        return body.decode(wide, "replace").lstrip("\ufeff"), wide, warnings
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace"), "utf-8", warnings
    try:
        return body.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    labels: list[str] = []
    m = _CHARSET.search(content_type)
    if m:
        labels.append(m.group(1))
    m = _DECL_ENCODING.match(body[:1024])
    if m:
        labels.append(m.group(1).decode("ascii"))
    for label in labels:
        codec = _codec(label)
        if codec is None or codec == "utf-8":
            continue
        try:
            return body.decode(codec), codec, warnings
        except UnicodeDecodeError:
            continue
    as_utf8 = body.decode("utf-8", "replace")
    bad = as_utf8.count("\ufffd")
    good = len(as_utf8) - len(as_utf8.encode("ascii", "ignore")) - bad
    if good < bad:
        try:
            text = body.decode("cp1252")
            warnings.append("not valid UTF-8: decoded as windows-1252")
            return text, "cp1252", warnings
        except UnicodeDecodeError:
            pass
    warnings.append("invalid UTF-8 bytes replaced")
    return as_utf8, "utf-8", warnings


_C0_DEL = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(14, 32)) + b"\x7f"
_DIRTY_AFTER_LEAD = {
    b"\xc2": re.compile(rb"\xc2[\x80-\x9f]"),                          # C1 controls
    b"\xcc": re.compile(rb"\xcc"),                                      # combining U+0300-033F
    b"\xcd": re.compile(rb"\xcd[\x80-\xaf]"),                          # combining U+0340-036F
    b"\xe1": re.compile(rb"\xe1(?:\xaa[\xb0-\xbf]|\xab|\xb7)"),         # combining 1AB0-1AFF, 1DC0-1DFF
    b"\xe2": re.compile(rb"\xe2(?:\x80[\xaa-\xae]|\x81[\xa6-\xa9]|\x83[\x90-\xbf])"),  # bidi, combining 20D0-20FF
    b"\xef": re.compile(rb"\xef(?:\xb8[\xa0-\xaf]|\xbf[\xb9-\xbb])"),   # combining FE20-FE2F, FFF9-FFFB
}
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,8}));")


def _dirty_codepoint(cp: int) -> bool:
    return (cp < 32 and cp not in (9, 10)) or 0x7F <= cp <= 0x9F or 0x202A <= cp <= 0x202E \
        or 0x2066 <= cp <= 0x2069 or 0xFFF9 <= cp <= 0xFFFB or 0xD800 <= cp <= 0xDFFF \
        or 0x0300 <= cp <= 0x036F or 0x1AB0 <= cp <= 0x1AFF or 0x1DC0 <= cp <= 0x1DFF \
        or 0x20D0 <= cp <= 0x20FF or 0xFE20 <= cp <= 0xFE2F


def utf8_text_is_clean(body: bytes) -> bool:
    """True when no string parsed from this (valid UTF-8) XML can hold anything
    :func:`clean_text` would change: no C0 but tab/LF/CR (the XML parser turns CR into LF),
    no DEL, C1, bidi controls or combining marks, and no character reference to one.

    It lets the fast path skip the sanitiser's regex passes over every article body
    (about 0.1 ms per item); it is conservative: any doubt gives False.
    """
    if len(body.translate(None, _C0_DEL)) != len(body):
        return False
    for lead, pattern in _DIRTY_AFTER_LEAD.items():
        if lead in body and pattern.search(body):
            return False
    if b"&#" in body:
        for m in _CHARREF.finditer(body):
            hexa, dec = m.groups()
            if _dirty_codepoint(int(hexa, 16) if hexa else int(dec)):
                return False
    return True


# --------------------------------------------------------------------------- prolog

_NAME_START = re.compile(r"<([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)")
_SUBSET_TOKEN = re.compile(r"\"[^\"]*\"|'[^']*'|<!--.*?-->|\]|[^\"'\]<]+|<", re.S)
_DOCTYPE_HEAD = re.compile(r"<!DOCTYPE\s*([^\s\[>]*)", re.I)


def strip_prolog(text: str) -> tuple[str, str, str]:
    """Remove the DOCTYPE (with its internal subset) and anything else expat would refuse
    before the root element (leading whitespace, a misplaced XML declaration).

    Returns (document, root tag name, doctype name); the document is ``text`` itself when
    nothing had to go (no copy of a large string), else it starts at the root element.
    Without the DOCTYPE every entity reference is undefined: nothing can expand (billion
    laughs, quadratic blowup) and nothing external (XXE, external DTD) is ever resolved.
    ``text`` is already decoded, so the encoding declaration is moot.
    """
    i = 0
    n = len(text)
    doctype = ""
    cut = False
    while i < n:
        j = i
        while i < n and text[i] in " \t\r\n\ufeff\x00":
            i += 1
        if i > j and j == 0:
            cut = True  # expat wants the XML declaration at offset 0
        if text.startswith("<?", i):
            if i > 0 and text.startswith("<?xml", i) and text[i + 5:i + 6].isspace():
                cut = True
            j = text.find("?>", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            i = n if j < 0 else j + 3
        elif text[i:i + 9].upper() == "<!DOCTYPE":
            m = _DOCTYPE_HEAD.match(text, i)
            doctype = m.group(1) if m else ""
            cut = True
            i = _doctype_end(text, i + 9)
        else:
            break
    if i >= n:
        return "", "", doctype
    m = _NAME_START.match(text, i)
    return (text[i:] if cut else text), (m.group(1) if m else ""), doctype


def _doctype_end(text: str, i: int) -> int:
    """Index just past the DOCTYPE that started before ``i`` (quotes, subset and comments aware)."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = text.find(c, i + 1)
            i = n if j < 0 else j + 1
        elif c == "[":
            i += 1
            while i < n:
                m = _SUBSET_TOKEN.match(text, i)
                if m is None:
                    i += 1
                    continue
                i = m.end()
                if m.group() == "]":
                    break
        elif c == ">":
            return i + 1
        else:
            i += 1
    return n


# --------------------------------------------------------------------------- repair

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AMP = re.compile(r"&(?:(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9._\-]{0,40});)?")
_XML_ENTITIES = frozenset(("amp", "lt", "gt", "quot", "apos"))
_PREFIX_USE = re.compile(r"</?([A-Za-z_][\w.\-]*):[A-Za-z_]|\s([A-Za-z_][\w.\-]*):[A-Za-z_][\w.\-]*\s*=")


def _fix_amp(m: re.Match[str]) -> str:
    ref = m.group(1)
    if ref is None:
        return "&amp;"
    if ref[0] == "#":
        try:
            cp = int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:])
        except ValueError:
            return ""
        if cp in (9, 10, 13) or 0x20 <= cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF:
            return m.group()
        return ""  # a reference to a control/NUL/surrogate: the sanitiser would drop it anyway
    if ref in _XML_ENTITIES:
        return m.group()
    value = _HTML5.get(ref + ";")
    if value is None:
        return "&amp;" + ref + ";"  # undefined (DOCTYPE removed): keep the text literally
    return "".join(f"&#{ord(ch)};" for ch in value)


def _fix_segment(seg: str) -> str:
    seg = _XML_INVALID.sub("", seg)
    if "&" in seg:
        seg = _AMP.sub(_fix_amp, seg)
    return seg


def repair_xml(text: str) -> str:
    """Make common near-XML well-formed: drop XML-invalid controls, map HTML entities to
    character references, escape undefined entities and bare ``&`` (outside CDATA), and
    declare well-known namespace prefixes that the document uses without declaring."""
    out: list[str] = []
    i = 0
    while True:
        j = text.find("<![CDATA[", i)
        if j < 0:
            out.append(_fix_segment(text[i:]))
            break
        out.append(_fix_segment(text[i:j]))
        k = text.find("]]>", j)
        k = len(text) if k < 0 else k + 3
        out.append(_XML_INVALID.sub("", text[j:k]))
        i = k
    fixed = "".join(out)
    return _declare_prefixes(fixed)


def _declare_prefixes(text: str) -> str:
    used = {a or b for a, b in _PREFIX_USE.findall(text)}
    used.discard("xml")
    used.discard("xmlns")
    missing = [p for p in sorted(used) if f"xmlns:{p}=" not in text]
    if not missing:
        return text
    m = _NAME_START.search(text)
    if not m:
        return text
    decl = "".join(f' xmlns:{p}="{_KNOWN_PREFIXES.get(p.lower(), "urn:newstui:undeclared:" + p)}"'
                   for p in missing)
    return text[:m.end()] + decl + text[m.end():]


# --------------------------------------------------------------------------- XML driver

_EMBEDDED_FEED = re.compile(r"<(?:[\w.\-]+:)?(?:feed|rss|RDF)[\s>/]")
_TRUNCATION_CODES = frozenset((3, 5, 6, 20))  # no element found, unclosed token, partial char, unclosed CDATA


class _XMLFailure(Exception):
    def __init__(self, err: ET.ParseError) -> None:
        super().__init__(str(err))
        self.code = getattr(err, "code", 0)
        self.msg = str(err)


def _strict(text: str) -> tuple[ET.Element, list[str]]:
    tb = ET.TreeBuilder()
    parser = ET.XMLParser(target=tb)
    try:
        parser.feed(text)
        return parser.close(), []
    except ET.ParseError as err:
        if getattr(err, "code", 0) == 9:  # junk after document element: the tree is complete
            try:
                return tb.close(), [f"ignored junk after the document ({err})"]
            except Exception:  # noqa: BLE001 - TreeBuilder gives no usable tree: report the parse error
                pass
        raise _XMLFailure(err) from None


def _salvage(text: str) -> ET.Element | None:
    """Parse a truncated document incrementally; keep the root with only completed entries."""
    pp = ET.XMLPullParser(events=("start", "end"))
    root = None
    ended: set[int] = set()
    started: list[tuple[ET.Element, ET.Element | None]] = []
    stack: list[ET.Element] = []
    try:
        pp.feed(text)
        pp.close()
    except ET.ParseError:
        pass
    try:
        for event, el in pp.read_events():
            if event == "start":
                if root is None:
                    root = el
                local = _local(el.tag)
                if local in ("item", "entry"):
                    started.append((el, stack[-1] if stack else None))
                stack.append(el)
            else:
                if stack:
                    stack.pop()
                ended.add(id(el))
    except ET.ParseError:
        pass
    if root is None:
        return None
    for el, parent in started:
        if id(el) not in ended and parent is not None:
            try:
                parent.remove(el)
            except ValueError:
                pass
    return root


def _parse_xml(text: str, *, url: str, max_items: int, t_end: float, warnings: list[str],
               clean: bool = False) -> ParsedFeed:
    doc, root_name, doctype = strip_prolog(text)
    if (doctype.lower() == "html" or root_name.lower() == "html") and not _EMBEDDED_FEED.search(doc):
        raise ParseError("not a feed (got HTML)")
    if not doc:
        raise ParseError("not a feed")
    try:
        root, w = _strict(doc)
    except _XMLFailure as first:
        clean = False
        repaired = repair_xml(doc)
        try:
            root, w = _strict(repaired)
            w = ["repaired malformed XML (" + first.msg + ")", *w]
        except _XMLFailure as second:
            if second.code in _TRUNCATION_CODES:
                # Cut short: keep the complete entries, never feedparser's half entry.
                salvaged = _salvage(repaired)
                feed = _read_tree(salvaged, url, max_items, t_end) if salvaged is not None else None
                if feed is None or not feed.entries:
                    raise ParseError(f"malformed XML: {second.msg}") from None
                feed.warnings[:0] = [*warnings, f"kept the complete entries of a truncated document ({second.msg})"]
                return feed
            return _fallback(repaired, url=url, max_items=max_items, t_end=t_end,
                             reason=second.msg, malformed=True, warnings=warnings)
    feed = _read_tree(root, url, max_items, t_end, clean)
    if feed is None:
        local = _local(root.tag).lower()
        if local == "html":
            # A feed wrapped in an XHTML page (seen in the wild; feedparser reads it too).
            inner = next((el for el in root.iter() if _local(el.tag) in ("feed", "rss", "RDF")), None)
            feed = _read_tree(inner, url, max_items, t_end, clean) if inner is not None else None
            if feed is None:
                raise ParseError("not a feed (got HTML)")
            feed.warnings[:0] = [*warnings, *w, "feed found inside an HTML page"]
            return feed
        if local == "opml":
            raise ParseError("not a feed (got OPML)")
        # An unknown vocabulary: feedparser knows a few more (CDF, odd RSS variants).
        return _fallback(doc, url=url, max_items=max_items, t_end=t_end,
                         reason=f"unknown root element <{clean_line(local, 40)}>", malformed=False,
                         warnings=warnings)
    feed.warnings[:0] = [*warnings, *w]
    return feed


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1] if tag[:1] == "{" else tag


def _ns(tag: str) -> str:
    return tag[1:tag.index("}")] if tag[:1] == "{" else ""


def _read_tree(root: ET.Element, url: str, max_items: int, t_end: float,
               clean: bool = False) -> ParsedFeed | None:
    """Read an RSS / RDF / Atom tree; None for any other vocabulary.

    ``clean``: the document's text is known to need no sanitising (see utf8_text_is_clean).
    """
    local = _local(root.tag)
    ns = _ns(root.tag)
    base = _join_base(url, root)
    if local == "rss" or (local == "channel" and ns == ""):
        channel = root if local == "channel" else _child(root, "channel")
        items: list[ET.Element] = []
        if channel is not None:
            items = [el for el in channel if _local(el.tag) == "item"]
        items += [el for el in root if _local(el.tag) == "item"]
        chan = channel if channel is not None else root
        return _assemble(_rss_feed_info(chan, base), (_rss_item(el, base) for el in items),
                         len(items), max_items, t_end, clean)
    if local == "RDF":
        channel = _child(root, "channel")
        items = [el for el in root if _local(el.tag) == "item"]
        if channel is not None:
            items += [el for el in channel if _local(el.tag) == "item" and len(el)]
        info = _rss_feed_info(channel, base) if channel is not None else ("", None, None)
        return _assemble(info, (_rss_item(el, base) for el in items), len(items), max_items, t_end, clean)
    if local == "feed" and ns in (_ATOM, _ATOM03, ""):
        entries = [el for el in root if _local(el.tag) == "entry"]
        title, link, feed_author = _atom_feed_info(root, base)
        return _assemble((title, link, None), (_atom_entry(el, base, feed_author) for el in entries),
                         len(entries), max_items, t_end, clean)
    return None


def _child(el: ET.Element, local: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == local:
            return c
    return None


def _join_base(base: str, el: ET.Element) -> str:
    xb = el.get(_XML_BASE)
    if not xb:
        return base
    try:
        return urljoin(base, xb.strip())
    except ValueError:
        return base


def _assemble(info: tuple[str, str | None, int | None], raws: Iterable[RawEntry | None], total: int,
              max_items: int, t_end: float, clean: bool) -> ParsedFeed:
    title, link, ttl = info
    feed = ParsedFeed(title=clean_line(title, MAX_TITLE), link=link, ttl=ttl)
    collect_entries(feed, raws, total, max_items, t_end, clean=clean)
    return feed


def collect_entries(feed: ParsedFeed, raws: Iterable[RawEntry | None], total: int, max_items: int,
                    t_end: float | None = None, *, clean: bool = False) -> None:
    """Finish raw entries into ``feed.entries``: first N unique keys, later duplicates dropped."""
    seen: set[str] = set()
    dups = 0
    skipped = 0
    entries = feed.entries
    cut = False
    for n, raw in enumerate(raws):
        if t_end is not None and n % 256 == 255 and time.monotonic() > t_end:
            raise ParseError("parse timed out")
        if len(entries) >= max_items:
            cut = True
            break
        entry = finish_entry(raw, clean=clean) if raw is not None else None
        if entry is None:
            skipped += 1
            continue
        if entry.key in seen:
            dups += 1
            continue
        seen.add(entry.key)
        entries.append(entry)
    if dups:
        feed.warnings.append(f"{dups} duplicate entries dropped (first occurrence kept)")
    if skipped:
        feed.warnings.append(f"{skipped} empty or unusable entries skipped")
    if cut:
        feed.warnings.append(f"kept the first {max_items} of {total} entries")


# --------------------------------------------------------------------------- entries


class RawEntry:
    """One entry's unsanitised fields as a format reader found them; :func:`finish_entry`
    cleans them. Shared by the RSS, Atom, JSON Feed and feedparser readers."""

    __slots__ = ("guid", "guid_is_link", "link", "base", "title", "title_kind", "author",
                 "published", "updated", "summary", "content", "enclosures", "tags")

    def __init__(self, base: str) -> None:
        self.guid: str | None = None
        self.guid_is_link = False
        self.link: str | None = None
        self.base = base
        """Base URL for relative links and enclosures."""
        self.title = ""
        self.title_kind = "guess"
        """"html": strip tags and decode entities; "text": as is; "guess": decode entities."""
        self.author = ""
        self.published: object = None
        self.updated: object = None
        self.summary = ""
        """HTML (plain-text fields are converted with :func:`text_to_html` by the reader)."""
        self.content = ""
        self.enclosures: list[tuple[Any, Any, Any]] = []
        """(url, type, length) as found."""
        self.tags: list[Any] = []


_TAG = re.compile(r"<[^<>]*>")
_MAILTO_NAME = re.compile(r"\s*[^\s@()]{1,200}@[^\s@()]{1,200}\s*\(([^()]{1,300})\)\s*\Z")
_LENGTH = re.compile(r"\s*([0-9]{1,18})\s*\Z")


def finish_entry(raw: RawEntry, *, clean: bool = False) -> ParsedEntry:
    """Sanitise one entry. Even an empty entry is kept (as "(untitled)"), as feedparser and
    newsboat do; readers decide what is unusable (JSON Feed skips items with no content).

    ``clean=True`` (the document passed :func:`utf8_text_is_clean`) only caps the bodies:
    :func:`clean_text` would return them unchanged.
    """
    link = resolve_url(raw.link, raw.base)
    if link is None and raw.guid_is_link and raw.guid:
        link = clean_url(raw.guid)
    title = clean_line(_title_text(raw.title, raw.title_kind), MAX_TITLE) if raw.title else ""
    if clean:
        summary = raw.summary[:MAX_CONTENT]
        content = raw.content[:MAX_CONTENT]
    else:
        summary = clean_text(raw.summary, MAX_CONTENT) if raw.summary else ""
        content = clean_text(raw.content, MAX_CONTENT) if raw.content else ""
    enclosures = _enclosures(raw.enclosures, raw.base) if raw.enclosures else ()
    published = parse_date(raw.published)
    updated = parse_date(raw.updated)
    if published is None:
        published = updated
    author = clean_line(_author_text(raw.author), MAX_AUTHOR) if raw.author else ""
    tags = _tags(raw.tags) if raw.tags else ()
    title = title or UNTITLED
    return ParsedEntry(
        key=entry_key(raw.guid, link, title, content or summary, published),
        title=title, link=link, author=author, published=published, updated=updated,
        summary=summary, content=content, enclosures=enclosures, tags=tags,
    )


def resolve_url(raw: object, base: str) -> str | None:
    """An absolute http(s) URL from a possibly relative one, else None.

    Resolution happens only for scheme-less references, and the result is checked again:
    ``xml:base="file:///etc/"`` plus ``href="passwd"`` gives ``file:`` and is dropped.
    """
    if not isinstance(raw, str) or not raw:
        return None
    s = normalize_url(raw)
    if not s:
        return None
    scheme = url_scheme(s)
    if scheme in SAFE_SCHEMES:
        return clean_url(s)
    if scheme:
        return None
    try:
        return clean_url(urljoin(base, s))
    except ValueError:
        return None


def _normalise_link(link: str) -> str:
    try:
        p = urlsplit(link.strip())
        return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path, p.query, ""))
    except ValueError:
        return link.strip()


def _title_text(title: str, kind: str) -> str:
    t = title[: MAX_TITLE * 8]
    if kind == "text":
        return t
    if kind == "html":
        if "<" in t:
            t = _TAG.sub("", t)
        return html.unescape(t) if "&" in t else t
    # RSS and JSON titles are text by the spec but often carry (double-)escaped entities;
    # decode only complete references, so "Terms&notes" does not become "Terms¬es".
    return _ENTITY_REF.sub(_unescape_ref, t) if "&" in t else t


_ENTITY_REF = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")


def _unescape_ref(m: re.Match[str]) -> str:
    return html.unescape(m.group())


def _author_text(author: str) -> str:
    a = author[: MAX_AUTHOR * 4]
    m = _MAILTO_NAME.match(a)
    return m.group(1) if m else a


def _enclosures(items: list[tuple[Any, Any, Any]], base: str) -> tuple[Enclosure, ...]:
    out: list[Enclosure] = []
    seen: set[str] = set()
    for url, typ, length in items:
        u = resolve_url(url, base)
        if u is None or u in seen:
            continue
        seen.add(u)
        n: int | None = None
        if isinstance(length, int) and not isinstance(length, bool) and 0 <= length < 2**63:
            n = length
        elif isinstance(length, str):
            m = _LENGTH.match(length)
            n = int(m.group(1)) if m else None
        out.append(Enclosure(url=u, type=clean_line(typ if isinstance(typ, str) else "", 128), length=n))
        if len(out) >= MAX_ENCLOSURES:
            break
    return tuple(out)


def _tags(items: list[Any]) -> tuple[str, ...]:
    out: list[str] = []
    seen: set[str] = set()
    for t in items:
        if not isinstance(t, str):
            continue
        c = clean_line(t, MAX_TAG)
        if c and c not in seen:
            seen.add(c)
            out.append(c)
            if len(out) >= MAX_TAGS:
                break
    return tuple(out)


def text_to_html(text: str) -> str:
    """Plain text (Atom ``type="text"``, JSON ``content_text``) as HTML: escaped, line breaks kept."""
    t = html.escape(text[:MAX_CONTENT], quote=False)
    return t.replace("\n", "<br>\n") if "\n" in t.strip() else t


# --------------------------------------------------------------------------- element text

_VOID = frozenset(("br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source",
                   "track", "wbr", "param"))


def _text(el: ET.Element) -> str:
    """Text of a simple element; inline (unescaped) markup is serialised back to HTML."""
    if len(el):
        return inner_xml(el)
    return el.text or ""


def inner_xml(el: ET.Element, limit: int = MAX_CONTENT) -> str:
    """The children of ``el`` as HTML (local names, no namespaces); iterative, depth-capped."""
    out: list[str] = []
    size = 0
    if el.text:
        out.append(html.escape(el.text, quote=False))
    stack: list[tuple[Iterator[ET.Element], str, str | None]] = [(iter(el), "", None)]
    while stack:
        if size > limit:
            break
        it, closer, tail = stack[-1]
        child = next(it, None)
        if child is None:
            stack.pop()
            if closer:
                out.append(closer)
            if tail:
                out.append(html.escape(tail, quote=False))
            continue
        name = _local(child.tag)
        if not name:  # comments and PIs (when a builder keeps them)
            if child.tail:
                out.append(html.escape(child.tail, quote=False))
            continue
        attrs = "".join(f' {_local(k)}="{html.escape(v)}"' for k, v in child.items() if _local(k))
        if len(stack) > MAX_XHTML_DEPTH:
            piece = html.escape("".join(child.itertext()), quote=False)
            out.append(piece)
            size += len(piece)
            if child.tail:
                out.append(html.escape(child.tail, quote=False))
            continue
        if name in _VOID and not len(child) and not child.text:
            out.append(f"<{name}{attrs}/>")
            if child.tail:
                out.append(html.escape(child.tail, quote=False))
            continue
        out.append(f"<{name}{attrs}>")
        if child.text:
            out.append(html.escape(child.text, quote=False))
            size += len(child.text)
        stack.append((iter(child), f"</{name}>", child.tail))
    return "".join(out)


# --------------------------------------------------------------------------- RSS

(_T_TITLE, _T_LINK, _T_DESC, _T_GUID, _T_PUB, _T_AUTHOR, _T_CAT, _T_ENCL, _T_CONTENT, _T_CREATOR,
 _T_DCDATE, _T_SUBJECT, _T_ALINK, _T_UPDATED, _T_MEDIA, _T_IAUTHOR, _T_ISUMMARY, _T_ID, _T_SUMMARY,
 _T_PUBLISHED, _T_PERSON) = range(21)


def _rss_table() -> dict[str, int]:
    t: dict[str, int] = {}
    for ns in ("", _RSS1, _RSS090):
        q = f"{{{ns}}}" if ns else ""
        t.update({q + "title": _T_TITLE, q + "link": _T_LINK, q + "description": _T_DESC})
    t.update({
        "guid": _T_GUID, "pubDate": _T_PUB, "pubdate": _T_PUB, "author": _T_AUTHOR, "category": _T_CAT,
        "enclosure": _T_ENCL,
        f"{{{_CONTENT}}}encoded": _T_CONTENT, f"{{{_DC}}}creator": _T_CREATOR, f"{{{_DC}}}date": _T_DCDATE,
        f"{{{_DC}}}subject": _T_SUBJECT, f"{{{_DC}}}title": _T_TITLE, f"{{{_DC}}}description": _T_DESC,
        f"{{{_DCTERMS}}}modified": _T_UPDATED, f"{{{_DCTERMS}}}issued": _T_DCDATE,
        f"{{{_ATOM}}}link": _T_ALINK, f"{{{_ATOM}}}updated": _T_UPDATED,
    })
    for m in _MEDIA:
        t.update({f"{{{m}}}{name}": _T_MEDIA for name in ("content", "group", "description", "title")})
    for i in _ITUNES:
        t.update({f"{{{i}}}author": _T_IAUTHOR, f"{{{i}}}summary": _T_ISUMMARY})
    return t


_RSS_ITEM = _rss_table()
_RDF_ABOUT = f"{{{_RDF}}}about"


def _rss_feed_info(channel: ET.Element, base: str) -> tuple[str, str | None, int | None]:
    title = ""
    link: str | None = None
    ttl: int | None = None
    for child in channel:
        local = _local(child.tag)
        ns = _ns(child.tag)
        if ns not in ("", _RSS1, _RSS090):
            continue
        if local == "title" and not title:
            title = _title_text(_text(child), "guess")
        elif local == "link" and link is None:
            link = resolve_url(child.text, base)
        elif local == "ttl" and child.text:
            m = _LENGTH.match(child.text)
            if m and 0 < int(m.group(1)) * 60 <= MAX_TTL:
                ttl = int(m.group(1)) * 60
    return title, link, ttl


def _rss_item(item: ET.Element, base: str) -> RawEntry:
    raw = RawEntry(_join_base(base, item))
    title = link = alink = desc = pub = author = creator = dcdate = iauthor = isummary = None
    media: dict[str, str] = {}
    table = _RSS_ITEM
    for child in item:
        code = table.get(child.tag)  # type: ignore[arg-type]
        if code is None:
            continue
        if code == _T_TITLE:
            if title is None:
                title = _text(child)
        elif code == _T_LINK:
            if link is None and child.text:
                link = child.text
        elif code == _T_DESC:
            if desc is None:
                desc = _text(child)
        elif code == _T_GUID:
            if raw.guid is None and child.text:
                raw.guid = child.text
                raw.guid_is_link = (child.get("isPermaLink") or "true").strip().lower() != "false"
        elif code == _T_PUB:
            if pub is None:
                pub = child.text
        elif code == _T_CONTENT:
            if not raw.content:
                raw.content = _text(child)
        elif code == _T_CAT or code == _T_SUBJECT:
            if child.text:
                raw.tags.append(child.text)
        elif code == _T_ENCL:
            raw.enclosures.append((child.get("url"), child.get("type"), child.get("length")))
        elif code == _T_AUTHOR:
            if author is None:
                author = child.text
        elif code == _T_CREATOR:
            if creator is None:
                creator = child.text
        elif code == _T_DCDATE:
            if dcdate is None:
                dcdate = child.text
        elif code == _T_UPDATED:
            if raw.updated is None:
                raw.updated = child.text
        elif code == _T_ALINK:
            rel = (child.get("rel") or "alternate").strip().lower()
            href = child.get("href")
            if rel == "alternate" and alink is None and href:
                alink = urljoin(_join_base(raw.base, child), href.strip()) if _XML_BASE in child.attrib else href
            elif rel == "enclosure":
                raw.enclosures.append((href, child.get("type"), child.get("length")))
        elif code == _T_MEDIA:
            _media(child, raw, media, 0)
        elif code == _T_IAUTHOR:
            if iauthor is None:
                iauthor = child.text
        elif code == _T_ISUMMARY:
            if isummary is None:
                isummary = child.text
    if raw.guid is None:
        about = item.get(_RDF_ABOUT)
        if about:
            raw.guid = about
            raw.guid_is_link = True
    raw.title = title or media.get("title", "")
    raw.link = link or alink
    raw.summary = desc or media.get("description", "") or (text_to_html(isummary) if isummary else "")
    raw.published = pub or dcdate
    raw.author = author or creator or iauthor or ""
    return raw


def _media(el: ET.Element, raw: RawEntry, found: dict[str, str], depth: int) -> None:
    """Media RSS: content (an enclosure), group, and description/title used as fallbacks."""
    local = _local(el.tag)
    if local == "content":
        raw.enclosures.append((el.get("url"), el.get("type"), el.get("fileSize")))
    elif local == "description":
        if "description" not in found and el.text:
            typ = (el.get("type") or "plain").strip().lower()
            found["description"] = el.text if typ == "html" else text_to_html(el.text)
        return
    elif local == "title":
        if "title" not in found and el.text:
            found["title"] = el.text
        return
    if depth < 2:  # group > content > description is as deep as Media RSS goes
        for c in el:
            if _ns(c.tag) in _MEDIA:
                _media(c, raw, found, depth + 1)


# --------------------------------------------------------------------------- Atom


def _atom_table() -> dict[str, int]:
    t: dict[str, int] = {}
    for ns in (_ATOM, _ATOM03, ""):
        q = f"{{{ns}}}" if ns else ""
        t.update({q + "title": _T_TITLE, q + "link": _T_ALINK, q + "id": _T_ID, q + "summary": _T_SUMMARY,
                  q + "content": _T_CONTENT, q + "author": _T_PERSON, q + "category": _T_CAT})
    t.update({f"{{{_ATOM}}}published": _T_PUBLISHED, f"{{{_ATOM}}}updated": _T_UPDATED,
              "published": _T_PUBLISHED, "updated": _T_UPDATED,
              f"{{{_ATOM03}}}issued": _T_PUBLISHED, f"{{{_ATOM03}}}modified": _T_UPDATED,
              f"{{{_ATOM03}}}created": _T_DCDATE,
              f"{{{_DC}}}creator": _T_CREATOR, f"{{{_DC}}}date": _T_DCDATE, f"{{{_DC}}}subject": _T_SUBJECT})
    for m in _MEDIA:
        t.update({f"{{{m}}}{name}": _T_MEDIA for name in ("content", "group", "description", "title")})
    return t


_ATOM_ENTRY = _atom_table()


def _atom_text(el: ET.Element) -> tuple[str, str]:
    """An Atom text construct as (value, kind) where kind is "html" or "text"."""
    typ = (el.get("type") or "").strip().lower()
    mode = (el.get("mode") or "").strip().lower()  # Atom 0.3
    if mode == "base64" or el.get("src"):
        return "", "text"
    if typ in ("xhtml", "application/xhtml+xml") or (mode == "xml" and len(el)):
        inner = el
        if len(el) == 1 and _local(el[0].tag) == "div" and not (el.text or "").strip():
            inner = el[0]
        return inner_xml(inner), "html"
    if typ in ("html", "text/html") or mode == "escaped":
        return _text(el), "html"
    if typ in ("", "text") or typ.startswith("text/"):
        return _text(el), "text" if not len(el) else "html"
    return "", "text"  # some other media type (e.g. base64 data): not text


def _atom_links(el: ET.Element, base: str) -> tuple[str | None, list[tuple[Any, Any, Any]]]:
    """The alternate link (preferring text/html) and the enclosure links of an entry/feed."""
    best: str | None = None
    best_html = False
    encl: list[tuple[Any, Any, Any]] = []
    for child in el:
        if _ATOM_ENTRY.get(child.tag) != _T_ALINK:  # type: ignore[arg-type]
            continue
        href = child.get("href")
        if not href:
            continue
        if _XML_BASE in child.attrib:
            try:
                href = urljoin(_join_base(base, child), href.strip())
            except ValueError:
                continue
        rel = (child.get("rel") or "alternate").strip().lower()
        if rel == "alternate":
            typ = (child.get("type") or "text/html").lower()
            is_html = "html" in typ
            if best is None or (is_html and not best_html):
                best, best_html = href, is_html
        elif rel == "enclosure":
            encl.append((href, child.get("type"), child.get("length")))
    return best, encl


def _person(el: ET.Element) -> str:
    name = email = ""
    for c in el:
        local = _local(c.tag)
        if local == "name" and not name:
            name = c.text or ""
        elif local == "email" and not email:
            email = c.text or ""
    if not name and not email and not len(el):
        return el.text or ""
    return name.strip() or email.strip()


def _atom_feed_info(root: ET.Element, base: str) -> tuple[str, str | None, str]:
    title = ""
    author = ""
    for child in root:
        code = _ATOM_ENTRY.get(child.tag)  # type: ignore[arg-type]
        if code == _T_TITLE and not title:
            value, kind = _atom_text(child)
            title = _title_text(value, kind)
        elif code == _T_PERSON and not author:
            author = _person(child)
    link, _ = _atom_links(root, base)
    return title, resolve_url(link, base), author


def _atom_entry(entry: ET.Element, base: str, feed_author: str) -> RawEntry:
    raw = RawEntry(_join_base(base, entry))
    published = updated = dcdate = creator = None
    author = ""
    summary: tuple[str, str] | None = None
    content: tuple[str, str] | None = None
    media: dict[str, str] = {}
    table = _ATOM_ENTRY
    for child in entry:
        code = table.get(child.tag)  # type: ignore[arg-type]
        if code is None:
            continue
        if code == _T_TITLE:
            if not raw.title:
                raw.title, raw.title_kind = _atom_text(child)
        elif code == _T_ID:
            if raw.guid is None and child.text:
                raw.guid = child.text
        elif code == _T_SUMMARY:
            if summary is None:
                summary = _atom_text(child)
        elif code == _T_CONTENT:
            if content is None:
                content = _atom_text(child)
        elif code == _T_PUBLISHED:
            if published is None:
                published = child.text
        elif code == _T_UPDATED:
            if updated is None:
                updated = child.text
        elif code == _T_DCDATE:
            if dcdate is None:
                dcdate = child.text
        elif code == _T_PERSON:
            if not author:
                author = _person(child)
        elif code == _T_CREATOR:
            if creator is None:
                creator = child.text
        elif code == _T_CAT:
            raw.tags.append(child.get("term") or child.get("label") or child.text)
        elif code == _T_SUBJECT:
            raw.tags.append(child.text)
        elif code == _T_MEDIA:
            _media(child, raw, media, 0)
    link, encl = _atom_links(entry, raw.base)
    raw.enclosures[:0] = encl
    if link is None and raw.guid and raw.guid.strip().lower().startswith(("http://", "https://")):
        raw.guid_is_link = True
    raw.link = link
    if summary is not None:
        raw.summary = text_to_html(summary[0]) if summary[1] == "text" else summary[0]
    elif media.get("description"):
        raw.summary = media["description"]
    if not raw.title and media.get("title"):
        raw.title, raw.title_kind = media["title"], "guess"
    if content is not None:
        raw.content = text_to_html(content[0]) if content[1] == "text" else content[0]
    raw.published = published or dcdate
    raw.updated = updated
    raw.author = author or creator or feed_author
    return raw


# --------------------------------------------------------------------------- feedparser fallback

_AUTHORISH = re.compile(
    r"<((?:[A-Za-z_][\w.\-]*:)?(?:author|creator|managingEditor|webMaster|name|email))(?:\s[^<>]*)?>", re.I)


def cap_author_fields(text: str, cap: int = FALLBACK_AUTHOR_CAP) -> str:
    """Cut the text of author-like elements to ``cap`` characters (feedparser ReDoS guard).

    Linear: for each opening tag only the text up to the next ``<`` is looked at (a CDATA
    section counts as text).
    """
    out: list[str] = []
    pos = 0
    n = len(text)
    for m in _AUTHORISH.finditer(text):
        start = m.end()
        if start < pos:
            continue
        if text.startswith("<![CDATA[", start):
            inner = start + 9
            end = text.find("]]>", inner)
            end = n if end < 0 else end
        else:
            inner = start
            end = text.find("<", start)
            end = n if end < 0 else end
        if end - inner > cap:
            cut = inner + cap
            amp = text.rfind("&", cut - 12, cut)
            if amp >= 0 and text.find(";", amp, cut) < 0:
                cut = amp  # do not leave half an entity reference behind
            out.append(text[pos:cut])
            pos = end
    out.append(text[pos:])
    return "".join(out)


def _fallback(text: str, *, url: str, max_items: int, t_end: float, reason: str, malformed: bool,
              warnings: list[str]) -> ParsedFeed:
    """feedparser on the prolog-stripped, repaired text (as UTF-8 bytes), under the deadline."""
    data = cap_author_fields(text).encode("utf-8", "replace")
    remaining = t_end - time.monotonic()
    if remaining <= 0:
        raise ParseError("parse timed out")
    result: ParsedFeed | str | None = None
    if FALLBACK_IN_SUBPROCESS:
        result = _run_isolated(data, url, max_items, remaining)
    if result is None:
        result = feedparser_feed(data, url=url, max_items=max_items)
    why = clean_line(reason, 200)
    if isinstance(result, str):
        raise ParseError(f"malformed XML: {why}" if malformed and result == "not a feed" else result)
    if malformed and not result.entries and not result.title and result.link is None:
        raise ParseError(f"malformed XML: {why}")
    result.warnings[:0] = [*warnings, f"recovered from malformed XML ({why})" if malformed else f"read by feedparser ({why})"]
    return result


def feedparser_feed(data: bytes, *, url: str, max_items: int) -> ParsedFeed | str:
    """Parse ``data`` with feedparser (no sanitiser, no URI rewriting) into a ParsedFeed.

    Returns a one-line error string instead of raising, so the child process can send it back.
    """
    import feedparser

    try:
        # No content-location: feedparser would resolve guids against it (changing keys);
        # links are resolved against ``url`` by resolve_url() like on the fast path.
        d = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False,
                             response_headers={"content-type": "application/xml; charset=utf-8"})
    except (MemoryError, RecursionError) as exc:
        return f"parse failed ({type(exc).__name__})"
    if not d.get("version") and not d.entries:
        return "not a feed"
    fd = d.feed
    feed_title = fd.get("title") or ""
    if (fd.get("title_detail") or {}).get("type") in ("text/html", "application/xhtml+xml"):
        feed_title = _title_text(feed_title, "html")
    ttl = None
    m = _LENGTH.match(fd.get("ttl") or "")
    if m and 0 < int(m.group(1)) * 60 <= MAX_TTL:
        ttl = int(m.group(1)) * 60
    feed = ParsedFeed(title=clean_line(feed_title, MAX_TITLE), link=resolve_url(fd.get("link"), url), ttl=ttl)
    collect_entries(feed, (_fp_entry(e, url) for e in d.entries), len(d.entries), max_items)
    return feed


def _fp_kind(detail: object) -> str:
    typ = detail.get("type", "") if isinstance(detail, dict) else ""
    if typ in ("text/html", "application/xhtml+xml"):
        return "html"
    return "text" if typ == "text/plain" else "guess"


def _fp_entry(e: Mapping[str, Any], base: str) -> RawEntry:
    raw = RawEntry(base)
    guid = e.get("id")
    raw.guid = guid if isinstance(guid, str) else None
    raw.link = e.get("link")
    raw.title = e.get("title") or ""
    raw.title_kind = _fp_kind(e.get("title_detail"))
    raw.author = e.get("author") or ""
    raw.published = e.get("published") or e.get("created")
    raw.updated = e.get("updated")
    summary = e.get("summary") or ""
    raw.summary = text_to_html(summary) if _fp_kind(e.get("summary_detail")) == "text" else summary
    content = e.get("content") or []
    if content and isinstance(content[0], dict):
        value = content[0].get("value") or ""
        raw.content = text_to_html(value) if content[0].get("type") == "text/plain" else value
        if raw.content == raw.summary:
            raw.summary = ""
    for enc in e.get("enclosures") or []:
        raw.enclosures.append((enc.get("href"), enc.get("type"), enc.get("length")))
    for tag in e.get("tags") or []:
        raw.tags.append(tag.get("term") or tag.get("label"))
    return raw


# --------------------------------------------------------------------------- worker processes
#
# feedparser cannot be interrupted inside a thread, so the fallback runs in a worker process
# that is killed at the deadline. Workers are plain ``python -c`` subprocesses (not
# multiprocessing: no fork of a threaded parent, no re-import of the caller's __main__),
# talk length-prefixed pickles over stdin/stdout, keep stderr away from the terminal, and
# are reused (the interpreter + feedparser start costs ~0.25 s).

_POOL_LOCK = threading.Lock()
_IDLE: list[_Worker] = []
_MAX_IDLE = 2
_WORKER_CPU_RECYCLE = 60.0
"""A worker exits after this much CPU time (it is replaced on the next call)."""
_WORKER_CODE = "from newstui.parse import _worker_main; _worker_main()"


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = pkg_parent + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, close_fds=True,
            start_new_session=True)  # terminal signals (Ctrl-C/Ctrl-Z in a suspended TUI) stay ours

    def call(self, payload: bytes, timeout: float) -> bytes | None:
        """Send one job and wait for its answer; None on timeout or a dead worker."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        end = time.monotonic() + timeout
        try:
            self.proc.stdin.write(len(payload).to_bytes(8, "big") + payload)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        fd = self.proc.stdout.fileno()
        head = self._read(fd, 8, end)
        if head is None:
            return None
        return self._read(fd, int.from_bytes(head, "big"), end)

    @staticmethod
    def _read(fd: int, n: int, end: float) -> bytes | None:
        chunks: list[bytes] = []
        while n > 0:
            left = end - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                return None
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(2)
        except (OSError, subprocess.TimeoutExpired):
            self.kill()

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass


def _shutdown_workers() -> None:
    with _POOL_LOCK:
        idle = list(_IDLE)
        _IDLE.clear()
    for w in idle:
        w.close()


atexit.register(_shutdown_workers)


def _run_isolated(data: bytes, url: str, max_items: int, timeout: float) -> ParsedFeed | str | None:
    """Run :func:`feedparser_feed` in a worker killed after ``timeout`` s. Returns None when no
    worker can be started here (then the caller parses in-process, author fields capped)."""
    if os.name != "posix":
        return None
    end = time.monotonic() + timeout
    payload = pickle.dumps((data, url, max_items), protocol=pickle.HIGHEST_PROTOCOL)
    with _POOL_LOCK:
        worker = _IDLE.pop() if _IDLE else None
    answer = None
    for _attempt in range(2):
        fresh = worker is None
        if worker is None:
            try:
                worker = _Worker()
            except (OSError, ValueError):
                return None
        answer = worker.call(payload, end - time.monotonic())
        if answer is not None:
            break
        alive = worker.proc.poll() is None
        worker.kill()
        worker = None
        if alive or time.monotonic() >= end:
            return "parse timed out"
        if fresh:
            return "parse failed (worker died)"
        # A reused worker had just retired (CPU recycle): try once with a fresh one.
    if answer is None or worker is None:
        return "parse failed (worker died)"
    with _POOL_LOCK:
        if len(_IDLE) < _MAX_IDLE:
            _IDLE.append(worker)
            worker = None
    if worker is not None:
        worker.close()
    try:
        result = pickle.loads(answer)
    except Exception:  # noqa: BLE001 - a garbled answer is a failed parse, not a crash
        return "parse failed (bad worker answer)"
    return result if isinstance(result, (ParsedFeed, str)) else "parse failed (bad worker answer)"


def _worker_main() -> None:
    """Entry point of a worker process: answer jobs from stdin until it closes."""
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the answers
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))
        # An orphaned worker stuck in a pathological parse dies by itself.
        resource.setrlimit(resource.RLIMIT_CPU, (300, resource.getrlimit(resource.RLIMIT_CPU)[1]))
    except (ImportError, ValueError, OSError):
        pass
    import feedparser  # noqa: F401 - load before the first job so its cost is not on the clock

    while True:
        head = inp.read(8)
        if len(head) < 8:
            return
        data, url, max_items = pickle.loads(inp.read(int.from_bytes(head, "big")))
        try:
            result: ParsedFeed | str = feedparser_feed(data, url=url, max_items=max_items)
        except MemoryError:
            result = "too large"
        except Exception as exc:  # noqa: BLE001 - report, never leave the parent waiting
            result = f"parse failed ({type(exc).__name__})"
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(blob).to_bytes(8, "big") + blob)
        out.flush()
        if time.process_time() > _WORKER_CPU_RECYCLE:
            return
