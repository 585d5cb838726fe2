"""Command palette (Ctrl+P): jump to any view, tag or feed.

Textual's ``Matcher.highlight`` parses the candidate as *markup*, so a feed called
``[@click=app.quit]x[/]`` would become a live action there. Hits are therefore built
from ``Content(title)`` and the fuzzy-match offsets are styled by hand.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from newstui.sanitize import clean_line

if TYPE_CHECKING:
    from newstui.ui.widgets.feed_list import Entry


def safe_highlight(matcher: Matcher, text: str) -> Content:
    """``text`` literally, with the characters the query matched styled."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return content
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def _label(entry: "Entry") -> str:
    kind = entry.key.split(":", 1)[0]
    prefix = {"view": "Go to", "tag": "Go to tag", "feed": "Go to feed"}[kind]
    return clean_line(f"{prefix}: {entry.label}")


def _help(entry: "Entry") -> str:
    # Help text is parsed as markup by the palette: only our own words and numbers go here.
    parts = []
    if entry.count is not None:
        parts.append(f"{entry.count} unread")
    if entry.error:
        parts.append("last refresh failed (press e in the feed list)")
    return ", ".join(parts) or "open this view"


class FeedProvider(Provider):
    """Every sidebar entry: All, Unread, Starred, Highlighted, tags and feeds."""

    def _entries(self) -> list["Entry"]:
        main = getattr(self.app, "main_screen", None)
        return list(main.sidebar_entries()) if main is not None else []

    def _go(self, key: str) -> None:
        main = getattr(self.app, "main_screen", None)
        if main is not None:
            main.go_to_entry(key)

    async def discover(self) -> Hits:
        for entry in self._entries():
            label = _label(entry)
            yield DiscoveryHit(Content(label), partial(self._go, entry.key), text=label, help=_help(entry))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            label = _label(entry)
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, safe_highlight(matcher, label), partial(self._go, entry.key),
                          text=label, help=_help(entry))
