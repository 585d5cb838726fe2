"""The sidebar: All, Unread, Starred, Highlighted, each tag, each feed, with unread counts.

An ``OptionList`` is fine here: feeds are tens to hundreds, and only prompts whose count
changed are replaced. Every prompt is a ``Content`` built from sanitised text (never
markup) and fitted to one line, so a long or hostile feed title can neither wrap nor
inject. A failing feed is marked ``!`` (a glyph, so NO_COLOR shows it too).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newstui.models import FeedRow, View
from newstui.sanitize import clean_line

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


def crop_cells(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with an ellipsis (never half a wide character)."""
    if cell_len(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def entry_prompt(entry: Entry, width: int) -> Content:
    """``! label……   12``: one line of exactly ``width`` cells."""
    mark = ERROR_MARK if entry.error else " "
    count = "" if entry.count is None else str(entry.count)
    name_w = max(1, width - 2 - entry.indent - len(count) - 1)
    name = crop_cells(clean_line(entry.label), name_w)
    pad = max(1, width - 1 - entry.indent - cell_len(name) - len(count))
    content = Content.assemble(
        (mark, "bold $text-error" if entry.error else ""),
        " " * entry.indent,
        (name, "bold" if entry.count else ""),
        " " * pad,
        (count, "$text-muted"),
    )
    return content


def build_entries(feeds: list[FeedRow], tags: list[str], *, unread_total: int,
                  starred: int | None, highlighted: int | None) -> list[Entry]:
    """The sidebar's lines, in order."""
    entries = [
        Entry("view:all", View("all"), "All", unread_total),
        Entry("view:unread", View("unread"), "Unread", unread_total),
        Entry("view:starred", View("starred"), "Starred", starred),
        Entry("view:highlighted", View("highlighted"), "Highlighted", highlighted),
    ]
    for tag in tags:
        count = sum(f.unread for f in feeds if tag in f.tags)
        entries.append(Entry(f"tag:{tag}", View("tag", tag=tag), f"#{tag}", count))
    for f in feeds:
        entries.append(Entry(f"feed:{f.id}", View("feed", feed_id=f.id), f.title, f.unread, f.error, indent=0))
    return entries


class FeedList(OptionList):
    """Sidebar of views; posts ``OptionList.OptionSelected`` with the entry key as option id."""

    DEFAULT_CSS = """
    FeedList {
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: dict[str, Entry] = {}
        self._order: list[str] = []
        self._width = 0

    def _line_width(self) -> int:
        return max(8, self.scrollable_content_region.width - 2)

    def set_entries(self, entries: list[Entry]) -> None:
        """Replace all lines, keeping the highlighted entry where it still exists."""
        current = self.highlighted_key
        self.entries = {e.key: e for e in entries}
        self._order = [e.key for e in entries]
        width = self._line_width()
        self._width = width
        options: list[Option | None] = []
        for i, e in enumerate(entries):
            if i == 4 or (e.key.startswith("feed:") and i > 0 and not entries[i - 1].key.startswith("feed:")):
                options.append(None)
            options.append(Option(entry_prompt(e, width), id=e.key))
        self.set_options(options)
        if current in self.entries:
            self.highlighted = self.get_option_index(current)

    def update_entries(self, entries: list[Entry]) -> None:
        """Counts or errors changed: replace only the prompts that differ."""
        if [e.key for e in entries] != self._order:
            self.set_entries(entries)
            return
        width = self._line_width()
        for e in entries:
            if self.entries.get(e.key) != e or width != self._width:
                self.entries[e.key] = e
                self.replace_option_prompt(e.key, entry_prompt(e, width))
        self._width = width

    @property
    def highlighted_key(self) -> str | None:
        option = self.highlighted_option
        return option.id if option is not None else None

    def highlight_key(self, key: str) -> None:
        if key in self.entries:
            self.highlighted = self.get_option_index(key)

    def on_resize(self) -> None:
        if self.entries and self._line_width() != self._width:
            self.update_entries([self.entries[k] for k in self._order])
