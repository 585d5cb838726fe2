"""The headline list: a Line API ``ScrollView`` that holds only article ids.

Why not OptionList/DataTable: their first frame measures every row (7-11 s for 100k
headlines) and a cursor move repaints the whole list (8 KB over SSH). Here the widget
keeps the id list of the current view, fetches the rows it is about to draw from the
store in pages (LRU cache of ``Headline``), and caches each drawn row as a ``Strip``
keyed by everything that changes its look. A cursor move repaints exactly two lines.

Feed text reaches the screen only as plain ``Segment`` text (never markup) and has
already been through ``newstui.sanitize`` in the store.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Iterable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.message import Message
from textual.strip import Strip

from newstui.models import Headline
from newstui.sanitize import clean_line, clean_title
from newstui.ui.widgets.line_list import LineList, fit

Fetch = Callable[[list[int]], dict[int, Headline]]
"""``Store.headlines``: rows for the given ids (missing ids are simply absent)."""
Spans = Callable[[Headline], Sequence[tuple[int, int, Style]]]
"""Highlight-rule and search-term spans over a headline's title."""

PAGE = 120
"""Rows fetched from the store per query: a screenful plus room to scroll."""
UNREAD_MARK = "N"
STAR_MARK = "*"
HIGHLIGHT_MARK = "+"
CURSOR_MARK = ">"
EMPTY_TEXT = "No articles here. f shows read ones too; Esc goes back."


def age_text(ts: int, now: float) -> str:
    """Short age for the list: ``12m``, ``5h``, ``3d``, then ``Mar 4`` this year, else ``2023``."""
    delta = now - ts
    if delta < 3600:
        return f"{max(0, int(delta // 60))}m"
    if delta < 86400:
        return f"{int(delta // 3600)}h"
    if delta < 7 * 86400:
        return f"{int(delta // 86400)}d"
    t = time.localtime(ts)
    if t.tm_year == time.localtime(now).tm_year:
        return time.strftime("%b %d", t).replace(" 0", " ")
    return str(t.tm_year)


def styled_segments(text: str, base: Style, spans: Iterable[tuple[int, int, Style]]) -> list[Segment]:
    """``text`` as segments: ``base`` everywhere, each span's style on top (later spans win)."""
    spans = [(max(0, s), min(len(text), e), st) for s, e, st in spans if e > s and s < len(text)]
    if not spans:
        return [Segment(text, base)]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        style = base
        for s, e, st in spans:
            if s <= a and b <= e:
                style = style + st
        out.append(Segment(text[a:b], style))
    return out


class HeadlineList(LineList):
    """Headlines of one view, newest first. Keys are bound by the screen (remappable)."""

    COMPONENT_CLASSES = {
        "headline-list--cursor",
        "headline-list--unread",
        "headline-list--read",
        "headline-list--meta",
        "headline-list--mark",
        "headline-list--empty",
    }
    DEFAULT_CSS = """
    HeadlineList {
        & > .headline-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
        &:blur > .headline-list--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: bold underline;
        }
        & > .headline-list--unread { text-style: bold; }
        & > .headline-list--read { color: $text-muted; }
        & > .headline-list--meta { color: $text-muted; }
        & > .headline-list--mark { color: $accent; text-style: bold; }
        & > .headline-list--empty { color: $text-muted; text-style: italic; }
    }
    """

    class CursorMoved(Message):
        """The cursor is on a different article (``article_id`` None: the list is empty)."""

        def __init__(self, article_id: int | None) -> None:
            super().__init__()
            self.article_id = article_id

    class Activated(Message):
        """The user clicked the row under the cursor: open it."""

        def __init__(self, article_id: int) -> None:
            super().__init__()
            self.article_id = article_id

    def __init__(self, fetch: Fetch, *, now: Callable[[], float] = time.time,
                 spans: Spans | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self._fetch = fetch
        self._now = now
        self._spans = spans
        self._ids: list[int] = []
        self._rows: LRUCache[int, Headline] = LRUCache(4096)
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._version = 0
        self._styles: dict[str, Style] | None = None
        self.empty_text = EMPTY_TEXT
        self.rows_fetched = 0
        """How many rows were read from the store (the benchmark checks paging works)."""

    # --- data ---------------------------------------------------------------------------

    @property
    def ids(self) -> list[int]:
        return self._ids

    @property
    def cursor_id(self) -> int | None:
        return self._ids[self._cursor] if 0 <= self._cursor < len(self._ids) else None

    def set_ids(self, ids: list[int], *, keep_id: int | None = None, keep_row: bool = True) -> None:
        """Show ``ids``; the cursor stays on ``keep_id`` (default: the current article).

        With ``keep_row`` the cursor also stays on the same screen row, so headlines that
        arrive above it do not shift what the user is looking at.
        """
        target = keep_id if keep_id is not None else self.cursor_id
        old_cursor = self._cursor
        screen_row = self._cursor - self.scroll_offset.y if self._cursor >= 0 else 0
        top = self.scroll_offset.y
        height = self.size.height
        same_window = (self._ids[top:top + height] == ids[top:top + height] and target is not None
                       and 0 <= old_cursor < len(ids) and ids[old_cursor] == target)
        self._ids = ids
        if same_window:
            # Same rows on screen: repaint only if the store changed one of them.
            visible = ids[top:top + height]
            fresh = self._fetch(visible)
            same_window = all(self._rows.get(i) == fresh.get(i) for i in visible)
            self._rows.clear()
            for aid, h in fresh.items():
                self._rows.set(aid, h)
        else:
            self._rows.clear()
            self._strips.clear()
        if not ids:
            index = -1
        elif target is not None:
            try:
                index = ids.index(target)
            except ValueError:
                index = min(max(old_cursor, 0), len(ids) - 1)
        else:
            index = 0
        self._set_rows(len(ids), index)
        if index >= 0:
            if keep_row:
                self.scroll_to(y=max(0, index - max(0, screen_row)), animate=False, immediate=True)
            self.ensure_visible(index)
        else:
            self.scroll_to(y=0, animate=False, immediate=True)
        if same_window and index == old_cursor and self.scroll_offset.y == top:
            return  # more ids below (or a refresh that changed nothing on screen): no repaint
        self.refresh()
        self.post_message(self.CursorMoved(self.cursor_id))

    def row(self, article_id: int) -> Headline | None:
        """The headline for ``article_id`` (from the cache, else the store)."""
        h = self._rows.get(article_id)
        if h is None:
            h = self._fetch([article_id]).get(article_id)
            self.rows_fetched += h is not None
            if h is not None:
                self._rows.set(article_id, h)
        return h

    def cached_row(self, article_id: int) -> Headline | None:
        return self._rows.get(article_id)

    def prefetch(self, start: int, stop: int) -> None:
        """Load rows ``start:stop`` of the list in one store query (those not cached)."""
        want = [i for i in self._ids[max(0, start):max(0, stop)] if self._rows.get(i) is None]
        if not want:
            return
        got = self._fetch(want)
        self.rows_fetched += len(got)
        for i, h in got.items():
            self._rows.set(i, h)

    def update_rows(self, changes: dict[int, dict[str, object]]) -> None:
        """Apply field changes (``{id: {"read": True}}``) to cached rows and repaint them."""
        top = self.scroll_offset.y
        bottom = top + self.size.height
        for aid, fields in changes.items():
            h = self._rows.get(aid)
            if h is not None:
                self._rows.discard(aid)  # LRUCache.set never replaces an existing value
                self._rows.set(aid, replace(h, **fields))  # type: ignore[arg-type]
        if not changes:
            return
        if len(changes) > 64:
            self.refresh()
            return
        visible = self._ids[top:bottom]
        for offset, aid in enumerate(visible):
            if aid in changes:
                self.refresh_line(top + offset)

    def forget_rows(self) -> None:
        """Drop cached rows (after a bulk change in the store) and repaint."""
        self._rows.clear()
        self._strips.clear()
        self.refresh()

    def restyle(self) -> None:
        """Rules, terms or theme changed: redraw every row."""
        self._version += 1
        self._styles = None
        self._strips.clear()
        self.refresh()

    # --- cursor ---------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._ids)

    def cursor_changed(self, index: int) -> None:
        self.post_message(self.CursorMoved(self._ids[index]))

    def row_clicked(self, index: int, was_cursor: bool) -> None:
        if was_cursor:
            self.post_message(self.Activated(self._ids[index]))

    def move_to_id(self, article_id: int) -> bool:
        try:
            index = self._ids.index(article_id)
        except ValueError:
            return False
        self.move_to(index)
        return True

    # --- rendering ------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._version += 1
        self._strips.clear()

    def _get_styles(self) -> dict[str, Style]:
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = {
                "base": self.rich_style,
                "cursor": self.rich_style + get("headline-list--cursor", partial=True),
                "unread": get("headline-list--unread", partial=True),
                "read": get("headline-list--read", partial=True),
                "meta": get("headline-list--meta", partial=True),
                "mark": get("headline-list--mark", partial=True),
                "empty": get("headline-list--empty", partial=True),
            }
        return self._styles

    def render_empty(self, y: int, width: int) -> Strip:
        styles = self._get_styles()
        if y == 1:
            return Strip(fit([Segment("  " + self.empty_text, styles["empty"])], width, Style()),
                         width).apply_style(styles["base"])
        return Strip.blank(width, styles["base"])

    def render_row(self, index: int, is_cursor: bool, width: int) -> Strip:
        styles = self._get_styles()
        aid = self._ids[index]
        h = self._rows.get(aid)
        if h is None:
            top = self.scroll_offset.y
            self.prefetch(min(index, top) - 10, max(index + 1, top + self.size.height + PAGE))
            h = self._rows.get(aid)
        now = self._now()
        if h is None:
            key: tuple = (aid, is_cursor, None, width, self._version)
        else:
            key = (aid, is_cursor, h.read, h.starred, h.highlighted, h.title, width, self._version,
                   int(now // 60))
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(h, is_cursor, width, now, styles)
            self._strips.set(key, strip)
        return strip

    def _render_row(self, h: Headline | None, is_cursor: bool, width: int, now: float,
                    styles: dict[str, Style]) -> Strip:
        blank = Style()
        line_style = styles["cursor"] if is_cursor else styles["base"]
        if h is None:
            segs = fit([Segment(" " * 5 + "(article no longer stored)", styles["meta"])], width, blank)
            return Strip(segs, width).apply_style(line_style)
        marks = (CURSOR_MARK if is_cursor else " ") + (UNREAD_MARK if not h.read else " ") \
            + (STAR_MARK if h.starred else " ") + (HIGHLIGHT_MARK if h.highlighted else " ") + " "
        age = age_text(h.date, now)
        age_w = 6
        feed_w = 0 if width < 56 else max(8, min(22, width // 5))
        title_w = width - len(marks) - age_w - (feed_w + 2 if feed_w else 0)
        # On the cursor row only attributes are kept, so the cursor's colours stay readable.
        meta = Style() if is_cursor else styles["meta"]
        mark = Style(bold=True) if is_cursor else styles["mark"]
        title_style = styles["unread"] if not h.read else (Style() if is_cursor else styles["read"])
        # Shown text is sanitised again here (defence in depth: the store trusts its callers).
        title = clean_title(h.title)
        if title != h.title:
            h = replace(h, title=title)
        spans = self._spans(h) if self._spans is not None else ()
        segs: list[Segment] = [Segment(marks, mark)]
        segs += fit(styled_segments(h.title, title_style, spans), title_w, blank)
        if feed_w:
            segs.append(Segment("  ", blank))
            segs += fit([Segment(clean_line(h.feed_title), meta)], feed_w, blank)
        age_cells = cell_len(age)
        segs.append(Segment(" " * max(1, age_w - age_cells) + age, meta))
        strip = Strip(segs).adjust_cell_length(width, blank)
        # One segment per style run: every segment costs an SGR sequence and a reset on the wire.
        return strip.apply_style(line_style).simplify()
