"""JSON Feed 1.0 / 1.1 reader (feedparser 6 reads none).

Hostile JSON is valid JSON: ``\\u001b`` and lone ``\\ud800`` are legal escapes, any field can
have any type, and 50,000 nested arrays make :mod:`json` raise ``RecursionError``. So every
field is type-checked (a wrong type counts as absent), items that are not objects or that
have no usable title, text or URL are skipped, and every string goes through the same
:func:`newstui.parse.finish_entry` as RSS and Atom (sanitiser, URL policy, dates, keys).
"""

from __future__ import annotations

import json
from typing import Any

from newstui.errors import ParseError
from newstui.models import ParsedFeed
from newstui.parse import RawEntry, collect_entries, resolve_url, text_to_html
from newstui.sanitize import MAX_TITLE, clean_line

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def parse_json_feed(data: bytes, *, url: str, max_items: int = 1000) -> ParsedFeed:
    """Parse a JSON Feed document.

    Raises:
        ParseError: "malformed JSON: ...", "not a feed (JSON without items)".
    """
    doc = _load(data)
    if not isinstance(doc, dict):
        raise ParseError("not a feed (JSON without items)")
    version = doc.get("version")
    items = doc.get("items")
    is_jsonfeed = isinstance(version, str) and version.startswith(_VERSION_PREFIX)
    if not isinstance(items, list):
        if not is_jsonfeed:
            raise ParseError("not a feed (JSON without items)")
        items = None
    feed = ParsedFeed(title=clean_line(_str(doc.get("title")), MAX_TITLE),
                      link=resolve_url(_str(doc.get("home_page_url")), url))
    if items is None:
        feed.warnings.append("JSON Feed whose items is not a list: no entries")
        return feed
    feed_author = _author(doc)
    collect_entries(feed, (_item(it, url, feed_author) for it in items), len(items), max_items)
    return feed


def _load(data: bytes) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise ParseError("malformed JSON: nested too deeply") from None
    except UnicodeDecodeError:
        pass
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:
        raise ParseError(f"malformed JSON: {clean_line(str(exc), 120)}") from None
    # Invalid UTF-8: keep what is readable rather than losing the whole feed.
    try:
        return json.loads(data.decode("utf-8", "replace"))
    except RecursionError:
        raise ParseError("malformed JSON: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _str(v: object) -> str:
    return v if isinstance(v, str) else ""


def _author(obj: dict[str, Any]) -> str:
    """JSON Feed 1.1 ``authors`` (list) or 1.0 ``author`` (object): the first name."""
    authors = obj.get("authors")
    candidates = authors if isinstance(authors, list) else [obj.get("author")]
    for a in candidates:
        if isinstance(a, dict):
            name = _str(a.get("name")).strip()
            if name:
                return name
    return ""


def _item(it: object, base: str, feed_author: str) -> RawEntry | None:
    if not isinstance(it, dict):
        return None
    raw = RawEntry(base)
    ident = it.get("id")
    if isinstance(ident, str):
        raw.guid = ident
    elif isinstance(ident, int) and not isinstance(ident, bool):
        raw.guid = str(ident)  # the spec says readers coerce a numeric id to a string
    raw.link = _str(it.get("url")) or _str(it.get("external_url")) or None
    raw.title = _str(it.get("title"))
    raw.title_kind = "guess"
    content_html = _str(it.get("content_html"))
    content_text = _str(it.get("content_text"))
    raw.content = content_html or (text_to_html(content_text) if content_text else "")
    summary = _str(it.get("summary"))
    raw.summary = text_to_html(summary) if summary else ""
    raw.published = _str(it.get("date_published")) or None
    raw.updated = _str(it.get("date_modified")) or None
    raw.author = _author(it) or feed_author
    if not (raw.title.strip() or raw.link or raw.content.strip() or raw.summary.strip()):
        return None  # not a JSON Feed item: no title, no content, no URL
    tags = it.get("tags")
    if isinstance(tags, list):
        raw.tags = [t for t in tags if isinstance(t, str)]
    attachments = it.get("attachments")
    if isinstance(attachments, list):
        for a in attachments:
            if isinstance(a, dict) and isinstance(a.get("url"), str):
                raw.enclosures.append((a["url"], _str(a.get("mime_type")), a.get("size_in_bytes")))
    return raw
