"""The Footer, rebuilt only when the keys it shows change, and cut to fit its width.

Textual's Footer recomposes (unmounts and mounts a widget per key, ~30 ms with the CSS
work) on every bindings signal: each focus change and each ``refresh_bindings``, several
times when an article opens. Most of those leave the shown keys exactly as they were.

Textual's Footer also shows every ``show=True`` key and lets the row run off the screen:
at 80 columns with the sidebar (one more key, Back) "q Quit" came out as "q Qu". Here the
keys named in ``drop_order`` are left out, first ones first, until the rest fit; the keys
not named there (Help, Quit) always show.
"""

from __future__ import annotations

from typing import Sequence

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """A compact Footer that skips rebuilds which would show the same keys and drops the
    least useful keys when the row would not fit."""

    def __init__(self, *, drop_order: Sequence[str] = (), **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.drop_order = list(drop_order)
        """Binding ids that may be left out when the row is too wide, first dropped first."""
        self._shown: tuple | None = None
        self._pending = False

    def _key_width(self, binding: Binding) -> int:
        """Cells a compact FooterKey takes: key, space, description, and its right margin."""
        return cell_len(self.app.get_key_display(binding)) + 1 + cell_len(binding.description) + 1

    def _palette_width(self, screen: Screen) -> int:
        """Cells of the command palette key docked on the right (with its left border)."""
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return 0
        active = screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return 1 + self._key_width(active.binding) if active is not None else 0

    def _fitting(self, screen: Screen) -> list[tuple[Binding, bool]]:
        """The (binding, enabled) pairs to show, one per action, in the screen's order."""
        seen: set[str] = set()
        keys: list[tuple[Binding, bool]] = []
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                keys.append((binding, enabled))
        room = (self.size.width or self.app.size.width) - self._palette_width(screen)
        used = sum(self._key_width(b) for b, _ in keys)
        for drop in self.drop_order:
            if used <= room:
                break
            for i, (b, _) in enumerate(keys):
                if b.id == drop:
                    used -= self._key_width(b)
                    del keys[i]
                    break
        return keys

    def _signature(self, screen: Screen) -> tuple:
        return tuple((b.key, b.action, b.description, enabled) for b, enabled in self._fitting(screen))

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        shown = {b.action for b, _ in self._fitting(self.screen)}
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action not in shown \
                    and not widget.has_class("-command-palette"):
                continue
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._pending:
            return
        self._pending = True
        self.call_after_refresh(self._rebuild_if_changed)

    def on_resize(self) -> None:
        """Another width may fit more (or fewer) keys: rebuild if that changes the row."""
        if self._bindings_ready and self.is_attached:
            self.bindings_changed(self.screen)

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        signature = self._signature(self.screen)
        if signature != self._shown:
            self._shown = signature
            await self.recompose()
