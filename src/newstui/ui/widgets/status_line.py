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


LEFT_MIN = 12
"""Cells of the left part kept while a message is shown ("All: 41 ar…")."""


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

    def _split(self, width: int) -> tuple[str, str]:
        """(left, right) cropped to ``width``. The last refresh's summary gets at most half
        the line; progress and a transient message (a copied URL) take what they need and
        leave the view's name only its first ``LEFT_MIN`` cells."""
        right = self.progress or self.message or self.summary
        if not right:
            left_room = width - 1
        elif self.progress or self.message:
            left_room = min(width - 1, max(LEFT_MIN, width - 4 - cell_len(right)))
        else:
            left_room = width // 2
        left = crop_cells(self.left, max(1, left_room))
        room = max(0, width - cell_len(left) - 3)
        return left, (crop_cells(right, room) if room else "")

    def shows_whole(self, text: str) -> bool:
        """Would ``text``, flashed now, fit on the line uncropped (at the current width)?"""
        if self.progress:  # a refresh's progress hides messages
            return False
        text = clean_line(text, 2000)
        return cell_len(text) <= max(0, self.size.width - 3 - min(cell_len(self.left), LEFT_MIN))

    def render(self) -> Content:
        width = self.size.width
        left, right = self._split(width)
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
