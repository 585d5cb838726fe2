"""The sidebar: All, Unread, Starred, Highlighted, each tag, each feed, with unread counts.

A :class:`~newstui.ui.widgets.line_list.LineList` rather than an OptionList: with 1,000
feeds an OptionList re-measures every option whenever one count changes (12 ms, and a
repaint of the whole sidebar each time an article is opened). Here a count change
repaints that one row. Labels are sanitised text drawn as segments (never markup) and cut
to one line, so a long or hostile feed title can neither wrap nor inject. A failing feed
is marked ``!`` (a glyph, so NO_COLOR shows it too).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.message import Message
from textual.strip import Strip

from newstui.models import FeedRow, View
from newstui.sanitize import clean_line
from newstui.ui.widgets.line_list import LineList, fit

ERROR_MARK = "!"


@dataclass(frozen=True, slots=True)
class Entry:
    """One sidebar line: which view it opens and what it shows."""

    key: str
    """Option id: ``view:all``, ``tag:world``, ``feed:12``."""
    view: View
    label: str
    count: int | None
    error: str | None = None
    indent: int = 0


def build_entries(feeds: list[FeedRow], tags: list[str], *, unread_total: int,
                  starred: int | None, highlighted: int | None) -> list[Entry]:
    """The sidebar's lines, in order."""
    entries = [
        Entry("view:all", View("all"), "All", unread_total),
        Entry("view:unread", View("unread"), "Unread", unread_total),
        Entry("view:starred", View("starred"), "Starred", starred),
        Entry("view:highlighted", View("highlighted"), "Highlighted", highlighted),
    ]
    per_tag: dict[str, int] = dict.fromkeys(tags, 0)
    for f in feeds:
        for t in f.tags:
            if t in per_tag:
                per_tag[t] += f.unread
    for tag in tags:
        entries.append(Entry(f"tag:{tag}", View("tag", tag=tag), f"#{tag}", per_tag[tag]))
    for f in feeds:
        entries.append(Entry(f"feed:{f.id}", View("feed", feed_id=f.id), f.title, f.unread, f.error, indent=0))
    return entries


class FeedList(LineList):
    """Sidebar of views. Enter is the screen's; a click posts :class:`FeedList.Selected`."""

    COMPONENT_CLASSES = {"feed-list--cursor", "feed-list--error", "feed-list--count", "feed-list--separator",
                         "feed-list--unread"}
    DEFAULT_CSS = """
    FeedList {
        & > .feed-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        &:blur > .feed-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: underline;
        }
        & > .feed-list--error { color: $text-error; text-style: bold; }
        & > .feed-list--count { color: $text-muted; }
        & > .feed-list--separator { color: $foreground 30%; }
        & > .feed-list--unread { text-style: bold; }
    }
    """

    class Selected(Message):
        """The user clicked an entry: open its view."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: dict[str, Entry] = {}
        self._rows: list[str | None] = []
        """Entry keys in display order; None is a separator line."""
        self._index: dict[str, int] = {}
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)
        self._styles: dict[str, Style] | None = None

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def selectable(self, index: int) -> bool:
        return self._rows[index] is not None

    def row_clicked(self, index: int, was_cursor: bool) -> None:
        key = self._rows[index]
        if key is not None:
            self.post_message(self.Selected(key))

    def set_entries(self, entries: list[Entry]) -> None:
        """Replace all lines, keeping the cursor on the same entry where it still exists."""
        current = self.highlighted_key
        self.entries = {e.key: e for e in entries}
        rows: list[str | None] = []
        for i, e in enumerate(entries):
            if i >= 4 and e.key.split(":", 1)[0] != entries[i - 1].key.split(":", 1)[0]:
                rows.append(None)
            rows.append(e.key)
        self._rows = rows
        self._index = {k: i for i, k in enumerate(rows) if k is not None}
        self._strips.clear()
        self._set_rows(len(rows), self._index.get(current or "", 0))
        self.refresh()

    def update_entries(self, entries: list[Entry]) -> None:
        """Counts or errors changed: repaint only the rows that differ."""
        if [e.key for e in entries] != [k for k in self._rows if k is not None]:
            self.set_entries(entries)
            return
        self.update_some(entries)

    def update_some(self, entries: list[Entry]) -> None:
        """Take these (existing) entries; repaint the rows whose entry changed."""
        for e in entries:
            if e.key in self.entries and self.entries[e.key] != e:
                self.entries[e.key] = e
                self.refresh_line(self._index[e.key])

    @property
    def highlighted_key(self) -> str | None:
        return self._rows[self._cursor] if 0 <= self._cursor < len(self._rows) else None

    def highlight_key(self, key: str) -> None:
        if key in self._index:
            self.move_to(self._index[key])

    def row_text(self, key: str) -> str:
        """The text of an entry's row as drawn (for tests and the palette)."""
        return self.render_row(self._index[key], False, max(20, self.scrollable_content_region.width)).text

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _get_styles(self) -> dict[str, Style]:
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = {name: get(f"feed-list--{name}", partial=True)
                            for name in ("cursor", "error", "count", "separator", "unread")}
            self._styles["base"] = self.rich_style
        return self._styles

    def render_row(self, index: int, is_cursor: bool, width: int) -> Strip:
        key = self._rows[index]
        entry = self.entries.get(key) if key is not None else None
        cache_key = (entry, is_cursor, width, key)
        strip = self._strips.get(cache_key)
        if strip is None:
            strip = self._draw(entry, is_cursor, width)
            self._strips.set(cache_key, strip)
        return strip

    def _draw(self, entry: Entry | None, is_cursor: bool, width: int) -> Strip:
        styles = self._get_styles()
        blank = Style()
        if entry is None:
            return Strip([Segment("─" * width, styles["separator"])], width).apply_style(styles["base"])
        count = "" if entry.count is None else str(entry.count)
        name_w = max(1, width - 2 - entry.indent - len(count) - 1)
        label = styles["unread"] if entry.count else blank
        # On the cursor row only attributes are kept, so the cursor's colours stay readable.
        error = Style(bold=True) if is_cursor else styles["error"]
        muted = blank if is_cursor else styles["count"]
        segs = [Segment(ERROR_MARK if entry.error else " ", error if entry.error else blank),
                Segment(" " * entry.indent, blank)]
        segs += fit([Segment(clean_line(entry.label), label)], name_w, blank)
        segs.append(Segment(" " + count.rjust(max(0, width - 2 - entry.indent - name_w)), muted))
        strip = Strip(segs).adjust_cell_length(width, blank)
        base = styles["base"] + styles["cursor"] if is_cursor else styles["base"]
        return strip.apply_style(base).simplify()
