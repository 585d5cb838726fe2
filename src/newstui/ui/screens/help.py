"""The ``?`` screen: every key, as remapped by ``[keys]``, with its action id.

Generated from :data:`newstui.ui.keys.MAIN_BINDINGS` and the app's keymap, so what it
says is what the keys do. The action id column is what a ``[keys]`` remap names.
"""

from __future__ import annotations

import textwrap
from typing import Mapping

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from newstui.ui.keys import MAIN_BINDINGS, effective_keys

LEGEND = ("Headline marks: > cursor   N unread   * starred   + matches a highlight rule.\n"
          "Feed list: ! the feed's last refresh failed (e explains).")


def key_rows(app_key_display, keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(keys shown, what it does, action id) for every binding, in the help's order."""
    rows: list[tuple[str, str, str]] = []
    for b in MAIN_BINDINGS:
        keys = effective_keys(b, keymap)
        shown = " ".join(app_key_display(Binding(k, b.action)) for k in keys)
        rows.append((shown, b.tooltip or b.description, b.id or b.action))
    rows.append(("^p", "Command palette: every action, every feed, themes.", "command_palette"))
    return rows


class KeyTable(Widget):
    """The key table, laid out for the current width: keys | what it does (wrapped) | id."""

    DEFAULT_CSS = """
    KeyTable { height: auto; }
    """

    def __init__(self, rows: list[tuple[str, str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows

    def _lines(self, width: int) -> list[Content]:
        key_w = max(cell_len(k) for k, _, _ in self.rows) + 2
        id_w = max(len(a) for _, _, a in self.rows) + 2
        show_ids = width - key_w - id_w >= 30
        text_w = max(10, width - key_w - (id_w if show_ids else 0))
        lines: list[Content] = []
        for keys, what, action in self.rows:
            wrapped = textwrap.wrap(what, text_w) or [""]
            for i, part in enumerate(wrapped):
                key = keys if i == 0 else ""
                parts: list[tuple[str, str] | str] = [(key + " " * (key_w - cell_len(key)), "bold"), part]
                if show_ids and i == 0:
                    parts += [" " * (text_w - cell_len(part)), (f"  {action}", "$text-muted")]
                lines.append(Content.assemble(*parts))
        return lines

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._lines(width))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.size.width))


NAVIGATION = {"cursor_down": "scroll(1)", "cursor_up": "scroll(-1)", "first": "top", "last": "bottom",
              "page_down": "page(1)", "page_up": "page(-1)"}
"""Main-screen binding id -> what it does here. Same keys and ids as the main screen, so
g/G/Home/End/PgUp/PgDn behave alike and a ``[keys]`` remap (applied by id) moves both."""


class HelpScreen(ModalScreen[None]):
    """All keys; Esc, q or ? closes; the reading screen's motion keys scroll."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help_close")] + [
        Binding(b.key, NAVIGATION[b.id], b.description, show=False, id=b.id)
        for b in MAIN_BINDINGS if b.id in NAVIGATION]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        rows = key_rows(self.app.get_key_display, self.keymap)
        with Vertical(classes="dialog help"):
            yield Static(Content("Keys (Esc closes). Remap in feeds.toml [keys] with the ids on the right."),
                         classes="dialog-title")
            with VerticalScroll(id="help-body", can_focus=False):  # keys go to the bindings above
                yield KeyTable(rows, id="help-keys")
                yield Static(Content(LEGEND), id="help-legend")

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#help-body", VerticalScroll)

    def action_scroll(self, lines: int) -> None:
        self.body.scroll_relative(y=lines, animate=False)

    def action_top(self) -> None:
        self.body.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.body.scroll_end(animate=False)

    def action_page(self, direction: int) -> None:
        body = self.body  # two lines of overlap, as the article pages
        body.scroll_relative(y=direction * max(1, body.scrollable_content_region.height - 2), animate=False)
