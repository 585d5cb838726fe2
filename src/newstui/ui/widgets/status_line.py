"""One line above the Footer: where you are (left) and what the app is doing (right).

The left part names the view and its count; the right part shows refresh progress
("refreshing 12/200, 1 failed"), else a transient message ("copied https://..."), else
the last refresh's summary. It never changes on a plain cursor move, so moving through
the list costs no status repaint. Everything is ``Content`` from sanitised text.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget

from newstui.sanitize import clean_line
from newstui.ui.widgets.line_list import crop_cells


class StatusLine(Widget):
    """``left`` … ``right`` on one line, the right side cropped first."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $foreground;
        & > .status-line--busy { text-style: bold; }
    }
    """
    COMPONENT_CLASSES = {"status-line--busy"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.left = ""
        self.progress = ""
        self.message = ""
        self.summary = ""
        self._timer: Timer | None = None

    def render(self) -> Content:
        width = self.size.width
        right = self.progress or self.message or self.summary
        left = crop_cells(self.left, max(1, width // 2 if right else width - 1))
        room = max(0, width - cell_len(left) - 3)
        right = crop_cells(right, room) if room else ""
        pad = max(1, width - cell_len(left) - cell_len(right) - 1)
        style = "bold" if self.progress or self.message else "$text-muted"
        return Content.assemble(" ", (left, "bold"), " " * pad, (right, style))

    def set_left(self, text: str) -> None:
        text = clean_line(text, 500)
        if text != self.left:
            self.left = text
            self.refresh()

    def set_progress(self, text: str) -> None:
        text = clean_line(text, 500)
        if text != self.progress:
            self.progress = text
            self.refresh()

    def set_summary(self, text: str) -> None:
        self.summary = clean_line(text, 500)
        self.refresh()

    def flash(self, text: str, seconds: float = 6.0) -> None:
        """Show ``text`` on the right for a few seconds (over the summary)."""
        self.message = clean_line(text, 2000)
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(seconds, self._clear_message)
        self.refresh()

    def _clear_message(self) -> None:
        self.message = ""
        self._timer = None
        self.refresh()
