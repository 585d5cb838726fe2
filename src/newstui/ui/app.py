"""The Textual app: :func:`make_app` (used by the CLI, tests and benchmarks) and :func:`run_app`.

The app owns what every screen shares: the config, the UI thread's :class:`Store`, the
injected clock, the link opener and the refresh function. It applies the user's
``[keys]`` remaps with ``set_keymap``, restores the remembered theme, and turns
animations off (smooth scrolling costs ~365 ms per PageDown and extra bytes over SSH).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from newstui.errors import NewstuiError
from newstui.sanitize import clean_line
from newstui.ui.commands import FeedProvider
from newstui.ui.external import LinkOpener, Opener, over_ssh
from newstui.ui.keys import BINDING_IDS, MAIN_BINDINGS, effective_keys

if TYPE_CHECKING:
    from newstui.config import Config
    from newstui.highlight_rules import RuleSet
    from newstui.store import Store
    from newstui.ui.screens.main import MainScreen

DEFAULT_THEME = "ansi-dark"
STATE_THEME = "theme"


def preview_enabled(setting: str, env: Mapping[str, str]) -> bool:
    """settings.preview resolved: "auto" previews except over SSH, where every preview
    repaints the whole article pane (~8 KB per cursor move against ~0.3 KB for the move)."""
    if setting == "auto":
        return not over_ssh(env)
    return setting != "off"


class NewstuiApp(App[int]):
    """newstui's reader. Build it with :func:`make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "newstui"
    COMMANDS = App.COMMANDS | {FeedProvider}

    def __init__(self, config: "Config", store: "Store", *, data_dir: Path, now: Callable[[], float] = time.time,
                 opener: Opener | None = None, refresh: Callable[..., Any] | None = None,
                 env: Mapping[str, str] | None = None, refresh_on_start: bool | None = None) -> None:
        super().__init__()
        self.animation_level = "none"
        self.config = config
        self.store = store
        self.data_dir = Path(data_dir)
        self.now = now
        self.links = LinkOpener(self, env=env, opener=opener)
        self.preview = preview_enabled(config.settings.preview, self.links.env)
        """Whether the three-pane layout previews the article under the cursor (settings.preview)."""
        self._refresh_fn = refresh
        self.refresh_on_start = config.settings.refresh_on_start if refresh_on_start is None else refresh_on_start
        self.keymap: dict[str, str] = dict(config.keys)
        self.rules: "RuleSet | None" = None
        if config.highlights:
            from newstui.highlight_rules import RuleSet

            self.rules = RuleSet(config.highlights)
        self.set_keymap(self.keymap)
        self._clash_reported: set[str] = set()
        # Before the first frame: a theme set in on_mount restyles and repaints everything.
        self._restore_theme()

    # --- wiring -------------------------------------------------------------------------------

    @property
    def refresh_fn(self) -> Callable[..., Any]:
        if self._refresh_fn is None:
            from newstui.update import refresh

            self._refresh_fn = refresh
        return self._refresh_fn

    @property
    def main_screen(self) -> "MainScreen | None":
        from newstui.ui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def get_default_screen(self) -> Screen:
        from newstui.ui.screens.main import MainScreen

        return MainScreen()

    def term_rules(self, terms: list[str]) -> "RuleSet | None":
        """Rules that mark search terms (None when there are none)."""
        if not terms:
            return None
        from newstui.highlight_rules import term_rules

        return term_rules(terms)

    def article_builder(self, article, rules, term_rules):
        """Textual-free assembly of the article pane's content (see newstui.article)."""
        from newstui.article import build_article

        return build_article(article, self.store, rules=rules, term_rules=term_rules,
                             sentences=self.config.settings.highlight_sentences)

    # --- startup ------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.config.settings.theme not in self.available_themes:
            self.notify(clean_line(f"unknown theme {self.config.settings.theme!r} in feeds.toml; using "
                                   f"{self.theme} (Ctrl+P, Theme lists them)", 300), markup=False)
        for problem in self._config_problems():
            self.notify(problem, title="feeds.toml", severity="warning", markup=False, timeout=12)

    def _config_problems(self) -> Iterable[str]:
        if self.config.errors:
            yield clean_line(f"{len(self.config.errors)} problem(s) in feeds.toml, e.g. {self.config.errors[0]} "
                             "(newstui check lists them)", 600)
        unknown = [a for a in self.config.keys if a not in BINDING_IDS]
        if unknown:
            yield clean_line(f"[keys]: unknown action id(s) {', '.join(unknown)}; the help screen (?) "
                             "lists the ids", 600)

    def _restore_theme(self) -> None:
        wanted = [self.store.get_state(STATE_THEME), self.config.settings.theme, DEFAULT_THEME]
        for name in wanted:
            if name and name in self.available_themes:
                self.theme = name
                break

    def _theme_changed(self, theme: object) -> None:
        name = getattr(theme, "name", None)
        if isinstance(name, str):
            try:
                self.store.set_state(STATE_THEME, name)
            except NewstuiError:
                pass

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: object) -> None:
        keys = sorted({b.key for b in clashed_bindings} - self._clash_reported)
        if keys:
            self._clash_reported.update(keys)
            self.notify(clean_line(f"[keys]: {', '.join(keys)} bound to more than one action", 300),
                        severity="warning", markup=False)

    # --- worker-thread helpers (each opens its own Store) -------------------------------------

    def sync_rules_in_thread(self) -> bool:
        """Recompute highlight/ignore flags if the rules changed since last run (worker thread)."""
        from newstui.store import Store
        from newstui.update import sync_rules

        with Store.open(self.data_dir) as store:
            store.sync_feeds(self.config.feeds)
            return sync_rules(store, self.config)

    def index_in_thread(self, cancelled: Callable[[], bool]) -> None:
        """Build the search index for new articles now, so the first search is instant."""
        from newstui.store import Store

        with Store.open(self.data_dir) as store:
            while not cancelled() and store.index_pending(limit=2000):
                pass

    # --- command palette ------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        if main is None:
            return
        for b in MAIN_BINDINGS:
            keys = ", ".join(self.get_key_display(Binding(k, b.action)) for k in effective_keys(b, self.keymap))
            yield SystemCommand(f"{b.description} ({keys})", b.tooltip or b.description,
                                partial(main.run_action, b.action))


def make_app(config: "Config", store_or_data_dir: "Store | Path | str", *, now: Callable[[], float] = time.time,
             opener: Opener | None = None, refresh: Callable[..., Any] | None = None,
             env: Mapping[str, str] | None = None, refresh_on_start: bool | None = None) -> NewstuiApp:
    """The app for ``config`` over a store (or the data dir to open one in).

    Args:
        now: the clock for ages and read times (tests freeze it).
        opener: replaces launching a browser (tests record the URL).
        refresh: replaces ``newstui.update.refresh`` (same signature).
        env: environment for the link policy (default ``os.environ``).
        refresh_on_start: overrides ``settings.refresh_on_start``.
    """
    from newstui.store import Store

    if isinstance(store_or_data_dir, Store):
        store = store_or_data_dir
        data_dir = store.path.parent
    else:
        data_dir = Path(store_or_data_dir)
        store = Store.open(data_dir)
    store.sync_feeds(config.feeds)
    return NewstuiApp(config, store, data_dir=data_dir, now=now, opener=opener, refresh=refresh, env=env,
                      refresh_on_start=refresh_on_start)


def run_app(config: "Config", data_dir: Path) -> int:
    """Run the reader until q; returns the exit status. The terminal is restored on exit.

    The app runs on its own event loop so that quitting never waits for a refresh that is
    still inside a network timeout: the loop's thread pool is not joined, and when worker
    threads are still busy the process ends right after the terminal is restored (the
    store commits every change at once, so nothing is lost).
    """
    app = make_app(config, data_dir)
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop, mouse=config.settings.mouse)
    finally:
        app.store.close()
    code = app.return_code if app.return_code is not None else 0
    # Cancelled workers report "finished" at once, but their threads (and the fetcher's
    # pool) run until their network calls time out: look at the threads themselves.
    busy = any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread())
    if busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    try:
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    return code
