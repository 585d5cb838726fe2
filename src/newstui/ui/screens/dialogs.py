"""Small modal dialogs: yes/no confirmation and the one-line search prompt.

Both show caller-supplied text as ``Content`` (never markup): a confirmation may quote a
feed title.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ConfirmScreen(ModalScreen[bool]):
    """``question`` with y/Enter = yes, n/Esc = no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.question), classes="dialog-text")
            yield Static(Content("y: yes    n / Esc: no"), classes="dialog-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class SearchScreen(ModalScreen[str | None]):
    """Asks for search words; dismisses with the text, or None on Esc/empty."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="search_cancel")]

    def __init__(self, initial: str = "") -> None:
        super().__init__()
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Search all articles (words, \"a phrase\"; Enter searches, Esc cancels)"),
                         classes="dialog-text")
            yield Input(value=self.initial, placeholder="search words", id="search-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
