"""A list of one-line rows with a cursor, drawn with the Line API (base of the two lists).

Why not OptionList: it measures every option, so its first frame and every prompt change
cost O(rows) (12 ms per count update with 1,000 feeds), and a cursor move repaints the
whole widget. Here a row is exactly one line, nothing is measured, a cursor move repaints
the two rows involved, and only scrolling repaints the widget. Subclasses say how many
rows there are and draw one row as a ``Strip``; they cache what they draw.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.widget import Widget
from textual.scroll_view import ScrollView
from textual.strip import Strip

ELLIPSIS = "…"


def fit(segments: list[Segment], width: int, style: Style) -> list[Segment]:
    """Exactly ``width`` cells: cut with an ellipsis when too long, pad when short.

    Cropping works in cells, so a double-width CJK character or emoji is never split
    into half a glyph (Strip.crop pads the gap with a space).
    """
    if width <= 0:
        return []
    strip = Strip(segments)
    length = strip.cell_length
    if length > width:
        strip = strip.crop(0, width - 1)
        last_style = segments[-1].style if segments else style
        strip = Strip([*strip, Segment(ELLIPSIS, last_style)])
        length = strip.cell_length
    if length < width:
        strip = Strip([*strip, Segment(" " * (width - length), style)])
    return list(strip)


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


def set_virtual_height(widget: ScrollView, lines: int) -> None:
    """Set a Line API widget's scrollable height without a screen-wide layout when possible.

    Assigning ``virtual_size`` makes Textual lay out, and so repaint, the whole screen (40 ms
    and a full frame of bytes at 160x48). When the vertical scrollbar neither appears nor
    disappears, updating the scrollbar is all that changes. The virtual width stays 0:
    rows are drawn at the widget's width and never scroll sideways.
    """
    size = Size(0, lines)
    if size == widget.virtual_size:
        return
    height = widget.size.height
    always = widget.styles.overflow_y == "scroll"
    if not widget.is_mounted or not height or (
            not always and (widget.virtual_size.height > height) != (lines > height)):
        widget.virtual_size = size
        return
    widget.set_reactive(Widget.virtual_size, size)
    bar = widget.vertical_scrollbar
    bar.window_virtual_size = lines
    bar.window_size = height
    bar.refresh()
    widget.scroll_y = widget.validate_scroll_y(widget.scroll_y)


class LineList(ScrollView, can_focus=True, inherit_bindings=False):
    """Rows ``0..row_count-1``; keys are bound by the screen (remappable), not here."""

    DEFAULT_CSS = """
    LineList {
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._cursor = -1

    # --- what subclasses provide -----------------------------------------------------------

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def render_row(self, index: int, is_cursor: bool, width: int) -> Strip:
        """Row ``index`` as a strip exactly ``width`` cells wide."""
        raise NotImplementedError

    def render_empty(self, y: int, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def selectable(self, index: int) -> bool:
        """Whether the cursor may rest on row ``index`` (separators may not)."""
        return True

    def cursor_changed(self, index: int) -> None:
        """Called after the cursor moved to ``index`` (post a message here)."""

    def row_clicked(self, index: int, was_cursor: bool) -> None:
        """A click on row ``index`` (which is now the cursor row)."""

    # --- cursor ---------------------------------------------------------------------------

    @property
    def cursor(self) -> int:
        """Index of the cursor row, -1 when the list is empty."""
        return self._cursor

    def _set_rows(self, count: int, cursor: int) -> None:
        """The row count changed: resize the scroll area and place the cursor (no message)."""
        self._cursor = cursor if count else -1
        set_virtual_height(self, count)

    def move_to(self, index: int, *, direction: int = 1) -> None:
        """Put the cursor on row ``index`` (clamped, past separators), repainting two rows."""
        count = self.row_count
        if not count:
            return
        index = max(0, min(index, count - 1))
        step = 1 if direction >= 0 else -1
        probe = index
        while 0 <= probe < count and not self.selectable(probe):
            probe += step
        if not 0 <= probe < count:
            probe = index
            while 0 <= probe < count and not self.selectable(probe):
                probe -= step
        if not 0 <= probe < count:
            return
        index = probe
        old = self._cursor
        if index == old:
            return
        self._cursor = index
        if 0 <= old < count:
            self.refresh_line(old)
        self.refresh_line(index)
        self.ensure_visible(index)
        self.cursor_changed(index)

    def move_by(self, delta: int) -> None:
        self.move_to((self._cursor if self._cursor >= 0 else 0) + delta, direction=delta)

    def page(self, direction: int) -> None:
        """Move the cursor a screenful and scroll with it."""
        step = max(1, self.size.height - 1)
        target = max(0, min(self.row_count - 1, self._cursor + direction * step))
        self.scroll_to(y=self.scroll_offset.y + direction * step, animate=False, immediate=True)
        self.move_to(target, direction=direction)

    def ensure_visible(self, index: int) -> None:
        """Scroll so row ``index`` is on screen: when it has left the screen, it comes back
        in the middle (half a page at once, like mutt), not at the edge.

        A scroll repaints the whole list (Textual has no terminal scroll regions: 4.6 KB at
        100x30). Scrolling a line per key would cost that on every j at the bottom edge;
        half-page jumps cost it once per half page.
        """
        height = max(1, self.size.height)
        top = self.scroll_offset.y
        if top <= index < top + height:
            return
        self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)

    # --- rendering and input --------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if not self.row_count:
            return self.render_empty(y, width)
        if index >= self.row_count:
            return Strip.blank(width, self.rich_style)
        return self.render_row(index, index == self._cursor, width)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y
        if not 0 <= index < self.row_count or not self.selectable(index):
            return
        was_cursor = index == self._cursor
        self.move_to(index)
        self.row_clicked(index, was_cursor)

