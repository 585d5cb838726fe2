"""The reading screen: sidebar of views, headline list, article pane, status line, Footer.

Layout (classes on the screen, set from the terminal width):

- ``-wide`` (>= 120 columns): sidebar | headlines | article, all visible; moving the
  cursor previews the article after a short pause (not marked read); Enter opens it.
  With ``settings.preview`` off (by default over SSH) the cursor never touches the article
  pane: only Enter shows an article there, and Esc closes it.
- narrow (80x24): the sidebar is hidden until ``\\``/F2; Enter shows the article on the
  whole screen ("reading"), Esc goes back to the list.

Which panes show is set on the widgets themselves (:meth:`MainScreen._apply_layout`), not
with screen classes: a class change on the screen restyles every node (~60 ms).

Every key is a screen binding with an ``id`` (remappable, see ``ui/keys.py``); actions
look at which pane has focus. The store belongs to this (the UI) thread; the refresh,
search and full-text workers open their own and only post messages back.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from newstui.errors import NewstuiError
from newstui.models import FeedRow, View
from newstui.sanitize import clean_line
from newstui.ui.keys import FOOTER_DROP_ORDER, MAIN_BINDINGS
from newstui.ui.messages import FeedsChanged, FulltextFetched, RefreshFinished, RefreshProgress, ViewLoaded
from newstui.ui.screens.dialogs import ConfirmScreen, SearchScreen
from newstui.ui.screens.help import HelpScreen
from newstui.ui.styles import SEARCH_TERM, rule_style
from newstui.ui.widgets.article_view import ArticleView
from newstui.ui.widgets.feed_list import Entry, FeedList, build_entries
from newstui.ui.widgets.headline_list import HeadlineList
from newstui.ui.widgets.key_footer import KeyFooter
from newstui.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from newstui.highlight_rules import RuleSet
    from newstui.models import Headline
    from newstui.ui.app import NewstuiApp

WIDE = 120
"""Columns from which all three panes are shown."""
PREVIEW_DELAY = 0.25
"""Seconds the cursor must rest before the wide layout previews the article."""
RELOAD_DELAY = 0.8
MAX_FAILED_TOASTS = 3
"""Feed-failure toasts shown per refresh; the rest are counted in one last toast."""
"""Seconds between list reloads while a refresh keeps delivering articles."""
UNDO_DEPTH = 100
FIRST_PAGE = 300
"""Headlines read for the first frame; the rest of the view's ids load right after it."""

STATE_VIEW = "ui.view"
STATE_ARTICLE = "ui.article"
STATE_OPEN = "ui.open"


@dataclass(slots=True)
class UndoStep:
    """One reversible change: ``kind`` "read" with (id, previous read) pairs, or "star"."""

    kind: str
    changes: list[tuple[int, bool]]


def view_to_json(view: View) -> str:
    return json.dumps({"kind": view.kind, "feed_id": view.feed_id, "tag": view.tag, "query": view.query,
                       "unread_only": view.unread_only})


def view_from_json(raw: str | None) -> View | None:
    """The saved view, or None when absent or not understood (never raises)."""
    if not raw:
        return None
    try:
        d = json.loads(raw)
        view = View(kind=str(d.get("kind", "all")), feed_id=d.get("feed_id"), tag=d.get("tag"),
                    query=d.get("query"), unread_only=bool(d.get("unread_only", False)))
    except (ValueError, TypeError, AttributeError):
        return None
    if view.kind not in ("all", "unread", "starred", "highlighted", "feed", "tag", "search"):
        return None
    if view.feed_id is not None and not isinstance(view.feed_id, int):
        return None
    return view


class MainScreen(Screen, inherit_bindings=False):
    """Sidebar + headlines + article; see the module docstring for the layouts."""

    BINDINGS = MAIN_BINDINGS
    AUTO_FOCUS = "#headlines"

    def __init__(self) -> None:
        super().__init__(id="main")
        self.view = View("all")
        self.view_stack: list[tuple[View, int | None]] = []
        self.terms: list[str] = []
        self.undo_stack: list[UndoStep] = []
        self.feeds: list[FeedRow] = []
        self._failed_toasts = 0
        self.feed_by_id: dict[int, FeedRow] = {}
        self.unread_total = 0
        self.starred_count: int | None = None
        self.highlighted_count: int | None = None
        self.article_id: int | None = None
        """The article shown in the article pane (opened or previewed)."""
        self.opened_id: int | None = None
        """The article the user opened (Enter/n): marked read, survives restarts."""
        self._rules_cache: dict[int, "RuleSet"] = {}
        self._term_rules: "RuleSet | None" = None
        self._preview_timer: Timer | None = None
        self._reload_timer: Timer | None = None
        self._refreshing = False
        self._reading = False
        """Narrow layout with the article on the whole screen."""
        self._sidebar = False
        """The user wants the sidebar (the wide layout starts with it)."""

    # --- plumbing ---------------------------------------------------------------------------

    @property
    def napp(self) -> "NewstuiApp":
        return self.app  # type: ignore[return-value]

    @property
    def store(self):
        return self.napp.store

    def now(self) -> int:
        return int(self.napp.now())

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    @property
    def reading(self) -> bool:
        return self._reading

    @property
    def sidebar_shown(self) -> bool:
        return self._sidebar and not self._reading

    def compose(self) -> ComposeResult:
        self.sidebar = FeedList(id="sidebar")
        self.headlines = HeadlineList(self.store.headlines, now=self.napp.now, spans=self._title_spans,
                                      id="headlines")
        self.article_view = ArticleView(self.napp.article_builder, id="article")
        self.status = StatusLine(id="status")
        with Horizontal(id="panes"):
            yield self.sidebar
            yield self.headlines
            yield self.article_view
        yield self.status
        yield KeyFooter(compact=True, drop_order=FOOTER_DROP_ORDER)

    def on_mount(self) -> None:
        self._apply_width(self.app.size.width, initial=True)
        self.load_feeds(counts=False)
        saved_view = view_from_json(self.store.get_state(STATE_VIEW))
        saved_article = self._int_state(STATE_ARTICLE)
        was_open = self.store.get_state(STATE_OPEN) == "1"
        if saved_view is not None and not self._view_exists(saved_view):
            saved_view = None
        rest: View | None = None
        if saved_view is not None and saved_view.kind == "search":
            # Search results come from a worker; start from All and search again.
            self.view = View("all")
            self._start_search(saved_view.query or "", keep_id=saved_article, push=False)
        else:
            self.view = saved_view or View("all")
            # The first frame needs one screenful: the full id list (75 ms at 100k) follows.
            ids = self.store.article_ids(self.view, limit=FIRST_PAGE)
            if saved_article is not None and saved_article not in ids:
                ids = self.store.article_ids(self.view)  # the remembered article is further down
            rest = self.view if len(ids) == FIRST_PAGE else None
            self.headlines.set_ids(ids, keep_id=saved_article, keep_row=False)
        self.call_after_refresh(self._startup_load, rest)
        if saved_article is not None and was_open and self.headlines.cursor_id == saved_article:
            self.open_article(saved_article, mark_read=False, focus=not self.wide)
        self._update_status_left()
        self.call_after_refresh(self._warm_up)
        if self.napp.refresh_on_start and self.napp.config.feeds:
            # After the first frame: the store's headlines show before any network work.
            self.call_after_refresh(self.start_refresh, None)

    @work(thread=True, group="startup", exit_on_error=False)
    def _startup_load(self, view: View | None) -> None:
        """Worker thread: highlight/ignore flags if the rules changed, the rest of the first
        view's ids, and the Starred/Highlighted counts."""
        from newstui.store import Store

        if self.napp.sync_rules_in_thread():  # rules changed since the last run: flags were redone
            self.post_message(FeedsChanged())
        with Store.open(self.napp.data_dir) as store:
            ids = store.article_ids(view) if view is not None else None
            starred = len(store.article_ids(View("starred")))
            highlighted = len(store.article_ids(View("highlighted", unread_only=True)))
        self.post_message(ViewLoaded(view, ids, starred, highlighted))

    @on(ViewLoaded)
    def _view_loaded(self, msg: ViewLoaded) -> None:
        if msg.ids is not None and msg.view == self.view:
            self.headlines.set_ids(msg.ids, keep_row=True)
            self._update_status_left()
        self.starred_count = msg.starred
        self.highlighted_count = msg.highlighted
        self._push_entries(set())

    @work(thread=True, group="warmup", exit_on_error=False)
    def _warm_up(self) -> None:
        """After the first frame, import what opening an article needs (~100 ms), so the
        first Enter is as quick as the next ones."""
        import newstui.article  # noqa: F401

    def on_resize(self) -> None:
        self._apply_width(self.app.size.width)

    def _apply_width(self, width: int, *, initial: bool = False) -> None:
        wide = width >= WIDE
        if wide == self.wide and not initial:
            return
        self.set_class(wide, "-wide")
        if initial or wide:
            self._sidebar = wide
        if wide and self.reading:
            self._reading = False
        self._apply_layout()
        if not wide and self.article_view.has_focus and not self.reading:
            self.headlines.focus()
        if not initial:
            self.refresh_bindings()

    def _apply_layout(self) -> None:
        """Show the panes the current width and mode call for (widths are in app.tcss)."""
        self.sidebar.display = self.sidebar_shown
        self.headlines.display = not self._reading
        self.article_view.display = self._reading or self.wide

    def _int_state(self, key: str) -> int | None:
        raw = self.store.get_state(key)
        try:
            return int(raw) if raw is not None else None
        except ValueError:
            return None

    def _view_exists(self, view: View) -> bool:
        if view.kind == "feed":
            return view.feed_id in self.feed_by_id
        if view.kind == "tag":
            return any(view.tag in f.tags for f in self.feeds)
        return True

    # --- feeds, counts, sidebar -------------------------------------------------------------

    def load_feeds(self, *, counts: bool = True) -> None:
        """Re-read feeds and counts from the store and update the sidebar.

        ``counts=False`` leaves the Starred/Highlighted counts to a worker (startup: they
        cost ~65 ms at 100k articles, more than the rest of the first frame's queries).
        """
        self.feeds = self.store.feeds()
        self.feed_by_id = {f.id: f for f in self.feeds}
        self.unread_total = self.store.unread_total()
        if counts:
            self.starred_count = len(self.store.article_ids(View("starred")))
            self.highlighted_count = len(self.store.article_ids(View("highlighted", unread_only=True)))
        self._rules_cache.clear()
        self._push_entries()

    def _tags(self) -> list[str]:
        seen: dict[str, None] = dict.fromkeys(self.napp.config.tags())
        for f in self.feeds:
            for t in f.tags:
                seen.setdefault(t, None)
        return list(seen)

    def sidebar_entries(self) -> list[Entry]:
        return build_entries(self.feeds, self._tags(), unread_total=self.unread_total,
                             starred=self.starred_count, highlighted=self.highlighted_count)

    def _push_entries(self, feed_ids: set[int] | None = None) -> None:
        """Update the sidebar: every line, or only the views, ``feed_ids`` and their tags."""
        if feed_ids is None:
            self.sidebar.update_entries(self.sidebar_entries())
            self.sidebar.highlight_key(self._entry_key(self.view))
            return
        tags = {t for i in feed_ids if (f := self.feed_by_id.get(i)) for t in f.tags}
        related = [f for f in self.feeds if f.id in feed_ids or tags.intersection(f.tags)]
        self.sidebar.update_some(build_entries(related, sorted(tags), unread_total=self.unread_total,
                                               starred=self.starred_count, highlighted=self.highlighted_count))

    def _entry_key(self, view: View) -> str:
        if view.kind == "feed":
            return f"feed:{view.feed_id}"
        if view.kind == "tag":
            return f"tag:{view.tag}"
        if view.kind == "search":
            return ""
        return f"view:{view.kind}"

    def _adjust_counts(self, changed: list[tuple[int, bool, bool]]) -> None:
        """Update unread counts in memory for (feed_id, was_read, now_read) changes."""
        touched: set[int] = set()
        for feed_id, was, now in changed:
            if was == now:
                continue
            delta = -1 if now else 1
            self.unread_total = max(0, self.unread_total + delta)
            f = self.feed_by_id.get(feed_id)
            if f is not None:
                self.feed_by_id[feed_id] = replace(f, unread=max(0, f.unread + delta))
            touched.add(feed_id)
        if touched:
            self.feeds = [self.feed_by_id.get(f.id, f) for f in self.feeds]
            self._push_entries(touched)
            self._update_status_left()

    # --- views --------------------------------------------------------------------------------

    def view_name(self, view: View | None = None) -> str:
        view = view or self.view
        if view.kind == "feed":
            f = self.feed_by_id.get(view.feed_id or -1)
            name = f.title if f else "feed"
        elif view.kind == "tag":
            name = f"#{view.tag}"
        elif view.kind == "search":
            name = f"search: {view.query}"
        else:
            name = view.kind.capitalize()
        return name + (" (unread only)" if view.unread_only and view.kind != "unread" else "")

    def _update_status_left(self) -> None:
        n = len(self.headlines.ids)
        self.status.set_left(f"{self.view_name()}: {n} article{'s' if n != 1 else ''}, "
                             f"{self.unread_total} unread in all")

    def _load_ids(self, *, keep_id: int | None = None, keep_row: bool = True) -> None:
        """Query the current view's ids (synchronously; search views use a worker)."""
        if self.view.kind == "search":
            self._start_search(self.view.query or "", keep_id=keep_id, push=False)
            return
        ids = self.store.article_ids(self.view)
        self.headlines.set_ids(ids, keep_id=keep_id, keep_row=keep_row)
        self._update_status_left()

    def show_view(self, view: View, *, keep_id: int | None = None, remember: bool = True) -> None:
        """Switch the list to ``view`` (the previous one is kept for Esc)."""
        if view == self.view:
            return
        if remember:
            self.view_stack.append((self.view, self.headlines.cursor_id))
            del self.view_stack[:-20]
        if view.kind != "search" and self.terms:
            self.terms = []
            self._term_rules = None
            self.headlines.restyle()
        self.view = view
        self.store.set_state(STATE_VIEW, view_to_json(view))
        self._load_ids(keep_id=keep_id, keep_row=False)
        self.sidebar.highlight_key(self._entry_key(view))
        if keep_id is None and self.headlines.ids:
            self.headlines.move_to(0)

    def go_to_entry(self, key: str) -> None:
        """Open the sidebar entry ``key`` (also used by the command palette)."""
        entry = self.sidebar.entries.get(key)
        if entry is None:
            return
        view = entry.view
        if self.view.unread_only and view.kind not in ("unread",):
            view = replace(view, unread_only=True)
        self.show_view(view)
        if entry.error:
            self.status.flash(f"{entry.label}: last refresh failed: {entry.error}", 10)
        if self.reading:
            self._close_reading()
        self.headlines.focus()

    @on(FeedList.Selected)
    def _sidebar_selected(self, event: FeedList.Selected) -> None:
        event.stop()
        self.go_to_entry(event.key)

    # --- rules ---------------------------------------------------------------------------------

    def _rules_for(self, feed_id: int) -> "RuleSet | None":
        rules = self.napp.rules
        if rules is None:
            return None
        scoped = self._rules_cache.get(feed_id)
        if scoped is None:
            f = self.feed_by_id.get(feed_id)
            scoped = rules.for_feed(f.url, f.tags) if f is not None else rules
            self._rules_cache[feed_id] = scoped
        return scoped

    def _title_spans(self, h: "Headline") -> list[tuple[int, int, Style]]:
        no_color = self.app.no_color
        out: list[tuple[int, int, Style]] = []
        scoped = self._rules_for(h.feed_id)
        if scoped is not None:
            out += [(s.start, s.end, rule_style(s.style, no_color)) for s in scoped.spans(h.title, "title")]
        if self._term_rules is not None:
            out += [(s.start, s.end, rule_style(SEARCH_TERM, no_color))
                    for s in self._term_rules.spans(h.title, "title")]
        return out

    # --- opening articles ---------------------------------------------------------------------

    def open_article(self, aid: int, *, mark_read: bool = True, focus: bool = True) -> None:
        """Show ``aid`` in the article pane (whole screen when narrow) and mark it read."""
        article = self.store.article(aid)
        if article is None:
            self.status.flash("that article is no longer stored")
            return
        if mark_read and not article.read:
            self._set_read([aid], True)
            article = replace(article, read=True)
        self.opened_id = aid
        self._show(article)
        if not self.wide and not self.reading:
            self._reading = True
            self._apply_layout()
            self.refresh_bindings()  # the Footer recomposes: only when the layout really changes
        if (focus or not self.wide) and not self.article_view.has_focus:
            self.article_view.focus()
        self.store.set_state(STATE_ARTICLE, str(aid))
        self.store.set_state(STATE_OPEN, "1")
        feed = self.feed_by_id.get(article.feed_id)
        fc = self.napp.config.feed(feed.url) if feed is not None else None
        if fc is not None and fc.fulltext and article.fulltext is None and article.link:
            self.action_fetch_fulltext()

    def _show(self, article) -> None:
        self.article_id = article.id
        self.article_view.show_article(article, self._rules_for(article.feed_id), self._term_rules)

    def _preview(self) -> None:
        self._preview_timer = None
        aid = self.headlines.cursor_id
        if aid is None or aid == self.article_id or not self.wide:
            return
        article = self.store.article(aid)
        if article is not None:
            self._show(article)

    @on(HeadlineList.CursorMoved)
    def _cursor_moved(self, event: HeadlineList.CursorMoved) -> None:
        if not self.wide or event.article_id is None or event.article_id == self.article_id:
            return
        if not self.napp.preview:  # each preview repaints the whole pane: ~8 KB over SSH
            return
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self._preview)

    @on(HeadlineList.Activated)
    def _row_clicked(self, event: HeadlineList.Activated) -> None:
        self.open_article(event.article_id)

    def _close_reading(self) -> None:
        self._reading = False
        self._apply_layout()
        self.opened_id = None
        self.store.set_state(STATE_OPEN, "0")
        self.headlines.focus()
        self.refresh_bindings()

    def _close_wide_article(self) -> None:
        """Without preview the article pane shows only what Enter opened; Esc empties it."""
        self.article_view.clear()
        self.article_id = None
        self.opened_id = None
        self.store.set_state(STATE_OPEN, "0")
        self.headlines.focus()

    # --- read / star / undo -------------------------------------------------------------------

    def _feed_of(self, aid: int) -> int | None:
        h = self.headlines.row(aid)
        return h.feed_id if h is not None else None

    def _set_read(self, ids: list[int], read: bool, *, record: bool = True) -> list[tuple[int, bool]]:
        prev = self.store.set_read(ids, read, self.now())
        if record and any(was != read for _, was in prev):
            self._push_undo(UndoStep("read", prev))
        self.headlines.update_rows({aid: {"read": read} for aid, _ in prev})
        self._adjust_counts([(self._feed_of(aid) or -1, was, read) for aid, was in prev])
        if self.article_id in dict(prev):
            self.article_view.set_flags(read=read)
        return prev

    def _set_starred(self, aid: int, starred: bool, *, record: bool = True) -> bool:
        prev = self.store.set_starred(aid, starred, self.now())
        if record and prev != starred:
            self._push_undo(UndoStep("star", [(aid, prev)]))
        self.headlines.update_rows({aid: {"starred": starred}})
        if prev != starred and self.starred_count is not None:
            self.starred_count = max(0, self.starred_count + (1 if starred else -1))
            self._push_entries(set())
        if aid == self.article_id:
            self.article_view.set_flags(starred=starred)
        return prev

    def _push_undo(self, step: UndoStep) -> None:
        self.undo_stack.append(step)
        del self.undo_stack[:-UNDO_DEPTH]

    def _target_id(self) -> int | None:
        """The article an action applies to: the open one when the article pane has focus."""
        if (self.article_view.has_focus or self.reading) and self.article_id is not None:
            return self.article_id
        return self.headlines.cursor_id

    # --- actions: movement ------------------------------------------------------------------

    def _focused_pane(self) -> str:
        focused = self.focused
        if focused is self.sidebar:
            return "sidebar"
        if focused is self.article_view:
            return "article"
        return "list"

    def _by_pane(self, sidebar: Callable[[], object], article: Callable[[], object],
                 headlines: Callable[[], object]) -> None:
        pane = self._focused_pane()
        (sidebar if pane == "sidebar" else article if pane == "article" else headlines)()

    def action_cursor_down(self) -> None:
        self._by_pane(lambda: self.sidebar.move_by(1), lambda: self.article_view.scroll_lines(1),
                      lambda: self.headlines.move_by(1))

    def action_cursor_up(self) -> None:
        self._by_pane(lambda: self.sidebar.move_by(-1), lambda: self.article_view.scroll_lines(-1),
                      lambda: self.headlines.move_by(-1))

    def action_first(self) -> None:
        self._by_pane(lambda: self.sidebar.move_to(0), lambda: self.article_view.scroll_home(animate=False),
                      lambda: self.headlines.move_to(0))

    def action_last(self) -> None:
        self._by_pane(lambda: self.sidebar.move_to(self.sidebar.row_count - 1, direction=-1), lambda: self.article_view.scroll_end(animate=False),
                      lambda: self.headlines.move_to(len(self.headlines.ids) - 1))

    def _article_visible(self) -> bool:
        return self.article_id is not None and (self.reading or self.wide)

    def _page(self, direction: int) -> None:
        if self._focused_pane() == "sidebar":
            self.sidebar.page(direction)
        elif self._article_visible():
            self.article_view.page(direction)
        else:
            self.headlines.page(direction)

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_open(self) -> None:
        pane = self._focused_pane()
        if pane == "sidebar":
            key = self.sidebar.highlighted_key
            if key:
                self.go_to_entry(key)
            return
        aid = self.headlines.cursor_id
        if aid is None:
            self.status.flash("nothing to open here")
            return
        self.open_article(aid)

    def _panes(self) -> list[Widget]:
        panes: list[Widget] = []
        if self.sidebar_shown:
            panes.append(self.sidebar)
        if not self.reading:
            panes.append(self.headlines)
        if self.reading or (self.wide and self.article_id is not None):
            panes.append(self.article_view)
        return panes

    def _cycle(self, step: int) -> None:
        panes = self._panes()
        if not panes:
            return
        try:
            i = panes.index(self.focused)  # type: ignore[arg-type]
        except ValueError:
            i = -step
        panes[(i + step) % len(panes)].focus()

    def action_next_pane(self) -> None:
        self._cycle(1)

    def action_prev_pane(self) -> None:
        self._cycle(-1)

    def action_toggle_sidebar(self) -> None:
        show = not self.sidebar_shown
        if self.reading:
            self._close_reading()
        self._sidebar = show
        self._apply_layout()
        if show:
            self.sidebar.highlight_key(self._entry_key(self.view))
            self.sidebar.focus()
        elif self.sidebar.has_focus:
            self.headlines.focus()
        self.refresh_bindings()

    def action_back(self) -> None:
        if self.reading:
            self._close_reading()
        elif (self.wide and not self.napp.preview and self.article_id is not None
              and (self.article_view.has_focus or self.headlines.has_focus)):
            self._close_wide_article()
        elif self.article_view.has_focus:
            self.headlines.focus()
        elif self.sidebar.has_focus and not self.wide:
            self.action_toggle_sidebar()
        elif self.view_stack:
            view, cursor = self.view_stack.pop()
            self.show_view(view, keep_id=cursor, remember=False)
            if self.article_id is not None and self.article_id not in self.headlines.ids:
                self.article_view.clear()
                self.article_id = None
        else:
            self.status.flash("q quits")

    # --- actions: unread navigation ---------------------------------------------------------

    def action_next_unread(self) -> None:
        current = self._target_id()
        aid = self.store.next_unread(current, self.view)
        if aid is None:
            self.status.flash("no unread articles left")
            return
        self._go_to_article(aid)

    def action_prev_unread(self) -> None:
        current = self._target_id()
        ids = self.headlines.ids
        start = ids.index(current) if current in ids else len(ids)
        i = start - 1
        while i >= 0:
            lo = max(0, i - 200)
            self.headlines.prefetch(lo, i + 1)
            for j in range(i, lo - 1, -1):
                h = self.headlines.cached_row(ids[j])
                if h is not None and not h.read and ids[j] != current:
                    self._go_to_article(ids[j])
                    return
            i = lo - 1
        if self.view.kind == "feed":
            # Like newsboat: cross into the previous feed that has unread articles (its oldest).
            order = [f.id for f in self.feeds]
            pos = order.index(self.view.feed_id) if self.view.feed_id in order else 0
            for fid in reversed(order[:pos]):
                if self.feed_by_id[fid].unread:
                    unread = self.store.article_ids(View("feed", feed_id=fid, unread_only=True))
                    if unread:
                        self._go_to_article(unread[-1])
                        return
        self.status.flash("no earlier unread article")

    def _go_to_article(self, aid: int) -> None:
        """Move the cursor to ``aid``, switching to its feed if this view lacks it."""
        opened = self.reading or self.article_view.has_focus
        if aid not in self.headlines.ids and self.view.kind not in ("feed", "search"):
            self._load_ids()  # the list predates a refresh
        if not self.headlines.move_to_id(aid):
            h = self.headlines.row(aid)
            if h is None:
                return
            self.show_view(replace(View("feed", feed_id=h.feed_id), unread_only=self.view.unread_only),
                           keep_id=aid)
            self.headlines.move_to_id(aid)
            self.status.flash(f"next feed: {h.feed_title}")
        if opened:
            self.open_article(aid)

    # --- actions: state changes -----------------------------------------------------------

    def _target_row(self) -> "Headline | None":
        aid = self._target_id()
        return self.headlines.row(aid) if aid is not None else None

    def action_toggle_read(self) -> None:
        if (h := self._target_row()) is not None:
            self._set_read([h.id], not h.read)
            self.status.flash("marked read" if not h.read else "marked unread", 2)

    def action_toggle_star(self) -> None:
        if (h := self._target_row()) is not None:
            self._set_starred(h.id, not h.starred)
            self.status.flash("starred" if not h.starred else "unstarred", 2)

    def action_undo(self) -> None:
        if not self.undo_stack:
            self.status.flash("nothing to undo")
            return
        step = self.undo_stack.pop()
        if step.kind == "star":
            for aid, prev in step.changes:
                self._set_starred(aid, prev, record=False)
            self.status.flash("undid star change", 3)
            return
        to_read = [aid for aid, prev in step.changes if prev]
        to_unread = [aid for aid, prev in step.changes if not prev]
        big = len(step.changes) > 64
        if to_read:
            self.store.set_read(to_read, True, self.now()) if big else self._set_read(to_read, True, record=False)
        if to_unread:
            self.store.set_read(to_unread, False, self.now()) if big else \
                self._set_read(to_unread, False, record=False)
        if big:
            self.headlines.forget_rows()
            self.load_feeds()
            self._update_status_left()
        self.status.flash(f"undid: {len(step.changes)} article{'s' if len(step.changes) != 1 else ''} "
                          "back as they were", 3)

    def action_mark_all_read(self) -> None:
        view = self.view
        n_unread = self._unread_in_view()
        if n_unread == 0:
            self.status.flash("nothing unread here")
            return

        def done(yes: bool | None) -> None:
            if not yes:
                self.status.flash("nothing marked")
                return
            ids = self.store.mark_view_read(view, self.now())
            self._push_undo(UndoStep("read", [(i, False) for i in ids]))
            self.headlines.forget_rows()
            self.load_feeds()
            self._update_status_left()
            if self.article_id in ids:
                self.article_view.set_flags(read=True)
            self.status.flash(f"marked {len(ids)} read (u undoes)", 6)

        self.app.push_screen(ConfirmScreen(f"Mark {n_unread} unread article{'s' if n_unread != 1 else ''} in "
                                           f"{self.view_name(view)} read?"), done)

    def _unread_in_view(self) -> int:
        v = self.view
        if v.kind == "feed":
            f = self.feed_by_id.get(v.feed_id or -1)
            return f.unread if f else 0
        if v.kind in ("all", "unread"):
            return self.unread_total
        return len(self.store.article_ids(replace(v, unread_only=True))) if v.kind != "search" else \
            sum(1 for aid in self.headlines.ids[:5000] if (h := self.headlines.row(aid)) and not h.read)

    def action_toggle_unread_only(self) -> None:
        view = replace(self.view, unread_only=not self.view.unread_only)
        self.view = view
        self.store.set_state(STATE_VIEW, view_to_json(view))
        self._load_ids(keep_id=self.headlines.cursor_id)
        self.status.flash("unread only" if view.unread_only else "showing read articles too", 3)

    # --- actions: links, full text ------------------------------------------------------------

    def _link(self) -> str | None:
        aid = self._target_id()
        if aid is None:
            return None
        if aid == self.article_id and self.article_view.article is not None:
            return self.article_view.article.link
        article = self.store.article(aid)
        return article.link if article is not None else None

    def action_open_link(self) -> None:
        link = self._link()
        if link is None:
            self.status.flash("this article has no link")
            return
        line = self.napp.links.open(link)
        self._flash_link(line, self.napp.links.copied)

    def _flash_link(self, line: str, copied: str | None) -> None:
        """``line`` on the status line; when it names a ``copied`` URL that the line cannot
        show whole (80 columns, a long URL), the whole URL in a toast as well, so the user
        can read or select what is on the clipboard."""
        from newstui.sanitize import display_url

        whole = self.status.shows_whole(line)
        self.status.flash(line, 10)
        if copied is not None and not whole:
            self.notify(display_url(copied), title="Link copied", markup=False, timeout=10)

    def action_copy_link(self) -> None:
        link = self._link()
        if link is None:
            self.status.flash("this article has no link")
            return
        from newstui.sanitize import clean_url, display_url, url_refusal

        url = clean_url(link)
        if url is None:
            self.status.flash(f"not copying: {url_refusal(link)}")
            return
        self.napp.links.copy(url)
        self._flash_link(f"copied {display_url(url)}", url)

    def action_fetch_fulltext(self) -> None:
        aid = self._target_id()
        if aid is None:
            return
        article = self.store.article(aid)
        if article is None or not article.link:
            self.status.flash("no link to fetch the full text from")
            return
        self.status.flash("fetching the full text…", 30)
        self._fulltext_worker(aid, article.link)

    @work(thread=True, group="fulltext", exit_on_error=False)
    def _fulltext_worker(self, aid: int, link: str) -> None:
        from newstui.fulltext import fetch_fulltext

        try:
            text = fetch_fulltext(link, timeout=self.napp.config.settings.timeout)
        except NewstuiError as exc:
            self.post_message(FulltextFetched(aid, error=str(exc)))
            return
        except Exception as exc:  # never let a page take the app down
            self.post_message(FulltextFetched(aid, error=f"full text failed: {type(exc).__name__}"))
            return
        self.post_message(FulltextFetched(aid, text=text))

    @on(FulltextFetched)
    def _fulltext_done(self, msg: FulltextFetched) -> None:
        if msg.error is not None:
            self.status.flash(msg.error, 10)
            return
        self.store.set_fulltext(msg.article_id, msg.text)
        self.status.flash("full text loaded", 3)
        if msg.article_id == self.article_id:
            article = self.store.article(msg.article_id)
            if article is not None:
                self._show(article)

    # --- actions: search ------------------------------------------------------------------------

    def action_search(self) -> None:
        initial = self.view.query or "" if self.view.kind == "search" else ""

        def done(query: str | None) -> None:
            if query:
                self._start_search(query, push=True)

        self.app.push_screen(SearchScreen(initial), done)

    def _start_search(self, query: str, *, keep_id: int | None = None, push: bool = True) -> None:
        self.status.set_progress("searching…")
        self._search_worker(query, keep_id, push)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search_worker(self, query: str, keep_id: int | None, push: bool) -> None:
        from newstui.store import Store

        with Store.open(self.napp.data_dir) as store:
            view = replace(View("search", query=query), unread_only=self.view.unread_only)
            ids = store.article_ids(view, limit=5000)
            terms = store.search_terms(query)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._search_done, view, ids, terms, keep_id, push)

    def _search_done(self, view: View, ids: list[int], terms: list[str], keep_id: int | None,
                     push: bool) -> None:
        self.status.set_progress("")
        if push and self.view.kind != "search":
            self.view_stack.append((self.view, self.headlines.cursor_id))
        self.view = view
        self.store.set_state(STATE_VIEW, view_to_json(view))
        self.terms = terms
        self._term_rules = self.napp.term_rules(terms)
        self.headlines.restyle()
        self.headlines.set_ids(ids, keep_id=keep_id, keep_row=False)
        if keep_id is None and ids:
            self.headlines.move_to(0)
        if self.reading:
            self._close_reading()
        self.headlines.focus()
        self._update_status_left()
        if not ids:
            self.status.flash(f"nothing matches {view.query}" if terms else "no searchable words in that query")

    # --- actions: refresh -------------------------------------------------------------------

    def _view_urls(self) -> list[str] | None:
        v = self.view
        if v.kind == "feed":
            f = self.feed_by_id.get(v.feed_id or -1)
            return [f.url] if f else None
        if v.kind == "tag":
            return [f.url for f in self.feeds if v.tag in f.tags] or None
        return None

    def action_refresh(self) -> None:
        self.start_refresh(self._view_urls())

    def action_refresh_all(self) -> None:
        self.start_refresh(None)

    def start_refresh(self, urls: list[str] | None) -> None:
        if not self.napp.config.feeds:
            self.status.flash("no feeds in feeds.toml")
            return
        what = "all feeds" if urls is None else f"{len(urls)} feed{'s' if len(urls) != 1 else ''}"
        self._refreshing = True
        self.status.set_progress(f"refreshing {what}…")
        self._refresh_worker(urls)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh_worker(self, urls: list[str] | None) -> None:
        """Runs on a worker thread: only the worker's own Store and ``post_message`` here."""
        worker = get_current_worker()
        app = self.napp
        errors = 0

        def progress(done: int, total: int, outcome) -> None:
            nonlocal errors
            if outcome.status == "error":
                errors += 1
                self.post_message(FeedsChanged(errors=[(outcome.title, outcome.error or "error")]))
            elif outcome.new or outcome.updated:
                self.post_message(FeedsChanged(new=outcome.new))
            self.post_message(RefreshProgress(done, total, errors, outcome.title))

        try:
            summary = app.refresh_fn(app.config, app.data_dir, urls=urls, progress=progress,
                                     cancel=lambda: worker.is_cancelled)
        except NewstuiError as exc:
            self.post_message(RefreshFinished(error=str(exc)))
            return
        self.post_message(RefreshFinished(headline=summary.headline(), failed=summary.failed, new=summary.new))
        app.index_in_thread(lambda: worker.is_cancelled)

    @on(RefreshProgress)
    def _refresh_progress(self, msg: RefreshProgress) -> None:
        failed = f", {msg.errors} failed" if msg.errors else ""
        self.status.set_progress(f"refreshing {msg.done}/{msg.total}{failed}")

    @on(FeedsChanged)
    def _feeds_changed(self, msg: FeedsChanged) -> None:
        # A few toasts per refresh, not one per feed: offline, R over hundreds of feeds would
        # bury the screen. The status line counts them all and `e` explains each.
        for title, error in msg.errors:
            self._failed_toasts += 1
            if self._failed_toasts <= MAX_FAILED_TOASTS:
                self.notify(clean_line(f"{title}: {error}", 300), title="feed failed", severity="warning",
                            markup=False, timeout=6)
        if self._reload_timer is None:
            self._reload_timer = self.set_timer(RELOAD_DELAY, self._reload_after_refresh)

    def _reload_after_refresh(self) -> None:
        """New articles: re-query without moving the cursor or closing the article."""
        self._reload_timer = None
        self.load_feeds()
        if self.view.kind != "search":
            self._load_ids()
        else:
            self._update_status_left()

    @on(RefreshFinished)
    def _refresh_finished(self, msg: RefreshFinished) -> None:
        self._refreshing = False
        self.status.set_progress("")
        if self._failed_toasts > MAX_FAILED_TOASTS:
            self.notify(f"{self._failed_toasts - MAX_FAILED_TOASTS} more feeds failed (e explains)",
                        title="feed failed", severity="warning", markup=False, timeout=6)
        self._failed_toasts = 0
        if msg.error is not None:
            self.status.set_summary(f"refresh failed: {msg.error}")
            self.notify(clean_line(msg.error, 300), title="refresh failed", severity="error", markup=False)
        else:
            clock = time.strftime("%H:%M", time.localtime(self.napp.now()))
            self.status.set_summary(f"{clock} refreshed: {msg.new} new"
                                    + (f", {msg.failed} failed (e explains)" if msg.failed else ""))
        if self._reload_timer is not None:
            self._reload_timer.stop()
        self._reload_after_refresh()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        reason = clean_line(f"{type(error).__name__}: {error}", 300)
        group = event.worker.group
        if group == "refresh":
            self._refreshing = False
            self.status.set_progress("")
            self.status.set_summary(f"refresh failed: {reason}")
        elif group == "search":
            self.status.set_progress("")
            self.status.flash(f"search failed: {reason}", 10)
        else:
            self.status.flash(f"{group} failed: {reason}", 10)

    # --- actions: errors, help, quit ----------------------------------------------------------

    def action_show_error(self) -> None:
        candidates: list[FeedRow] = []
        if self.sidebar.has_focus and (key := self.sidebar.highlighted_key) and key.startswith("feed:"):
            f = self.feed_by_id.get(int(key[5:]))
            if f:
                candidates.append(f)
        if self.view.kind == "feed" and (f := self.feed_by_id.get(self.view.feed_id or -1)):
            candidates.append(f)
        aid = self._target_id()
        if aid is not None and (fid := self._feed_of(aid)) is not None and (f := self.feed_by_id.get(fid)):
            candidates.append(f)
        for f in candidates:
            if f.error:
                self.notify(clean_line(f"{f.title}: {f.error}", 600), title="last refresh failed",
                            severity="warning", markup=False, timeout=15)
                return
        failing = [f for f in self.feeds if f.error]
        if not failing:
            self.status.flash("no feed is failing")
            return
        lines = "\n".join(clean_line(f"{f.title}: {f.error}", 300) for f in failing[:8])
        more = f"\n… and {len(failing) - 8} more (newstui unread lists them)" if len(failing) > 8 else ""
        self.notify(lines + more, title=f"{len(failing)} feed{'s' if len(failing) != 1 else ''} failing",
                    severity="warning", markup=False, timeout=15)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.napp.keymap))

    def action_quit(self) -> None:
        self.save_state()
        self.app.exit(0)

    def save_state(self) -> None:
        """Remember the view and the cursor's article for the next start."""
        try:
            self.store.set_state(STATE_VIEW, view_to_json(self.view))
            aid = self.opened_id if self.opened_id is not None else self.headlines.cursor_id
            if aid is not None:
                self.store.set_state(STATE_ARTICLE, str(aid))
            self.store.set_state(STATE_OPEN, "1" if self.opened_id is not None else "0")
        except NewstuiError:
            pass

    # --- which keys apply now (Footer) ---------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys apply (and show in the Footer) now.

        This depends on the layout only, never on which pane has focus: every change of
        the Footer re-lays out and repaints the whole screen (a full frame of bytes).
        """
        if action == "open":
            return not self._reading
        if action == "back":
            return self._reading or self.wide or bool(self.view_stack) or self.sidebar_shown
        return True
