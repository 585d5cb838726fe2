"""The Footer, rebuilt only when the keys it shows change.

Textual's Footer recomposes (unmounts and mounts a widget per key, ~30 ms with the CSS
work) on every bindings signal: each focus change and each ``refresh_bindings``, several
times when an article opens. Most of those leave the shown keys exactly as they were.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """A Footer that skips rebuilds which would show the same keys."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._shown: tuple | None = None
        self._pending = False

    def _signature(self, screen: Screen) -> tuple:
        return tuple((key, b.binding.action, b.binding.description, b.enabled)
                     for key, b in screen.active_bindings.items() if b.binding.show)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._pending:
            return
        self._pending = True
        self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        signature = self._signature(self.screen)
        if signature != self._shown:
            self._shown = signature
            await self.recompose()
