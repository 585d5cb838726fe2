"""The refresh pipeline: configured feeds -> parallel fetch + parse -> one writer -> store.

Fetching and parsing run in a thread pool (``concurrency`` threads, a per-host cap in the
fetcher); all database writes happen on the calling thread, through its own Store, so a
sqlite connection never crosses threads. The UI calls :func:`refresh` from a thread
worker; the CLI calls it directly. One bad feed never stops the others, and a failed
fetch never touches stored articles.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Collection

from newstui import decide
from newstui.errors import NewstuiError
from newstui.models import FetchResult, ParsedFeed
from newstui.sanitize import clean_line

if TYPE_CHECKING:
    from newstui.config import Config, FeedConfig
    from newstui.store import FeedState, Store


@dataclass(slots=True)
class FeedOutcome:
    """What happened to one feed in one refresh."""

    url: str
    title: str
    status: str
    """"ok" (fetched and parsed), "not_modified" (304), "error" or "skipped" (gone / not due)."""
    new: int = 0
    updated: int = 0
    error: str | None = None
    moved_to: str | None = None
    http_status: int = 0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the summary, e.g. ``BBC World: 3 new, 1 updated``."""
        if self.status == "error":
            text = f"{self.title}: error: {self.error}"
        elif self.status == "not_modified":
            text = f"{self.title}: not modified"
        elif self.status == "skipped":
            text = f"{self.title}: skipped ({self.error or 'not due'})"
        else:
            text = f"{self.title}: {self.new} new, {self.updated} updated"
        if self.moved_to:
            text += f" (moved to {self.moved_to}; update feeds.toml)"
        return clean_line(text, 2000)


@dataclass(slots=True)
class RefreshSummary:
    outcomes: list[FeedOutcome]
    elapsed: float

    @property
    def failed(self) -> int:
        return sum(o.status == "error" for o in self.outcomes)

    @property
    def ok(self) -> int:
        return sum(o.status in ("ok", "not_modified") for o in self.outcomes)

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def all_failed(self) -> bool:
        attempted = [o for o in self.outcomes if o.status != "skipped"]
        return bool(attempted) and all(o.status == "error" for o in attempted)

    def lines(self) -> list[str]:
        return [o.line() for o in self.outcomes]

    def headline(self) -> str:
        """The one-line total: ``200 feeds: 190 ok (12 not modified), 10 failed, 345 new articles, 4.1 s``."""
        nm = sum(o.status == "not_modified" for o in self.outcomes)
        skipped = sum(o.status == "skipped" for o in self.outcomes)
        text = f"{len(self.outcomes)} feeds: {self.ok} ok ({nm} not modified), {self.failed} failed"
        if skipped:
            text += f", {skipped} skipped"
        return text + f", {self.new} new articles, {self.elapsed:.1f} s"


Progress = Callable[[int, int, FeedOutcome], None]


def _retrieve(fetcher: object, url: str, state: "FeedState | None", max_items: int,
              deadline: float) -> tuple[FetchResult, ParsedFeed | None, str | None]:
    """Fetch and parse one feed (runs in a pool thread; no database access here)."""
    from newstui.parse import parse_feed

    result: FetchResult = fetcher.fetch(  # type: ignore[attr-defined]
        url,
        etag=state.etag if state else None,
        last_modified=state.last_modified if state else None,
    )
    if result.error is not None or result.status == 304 or result.body is None:
        return result, None, None
    try:
        parsed = parse_feed(result.body, url=result.final_url or url, headers=result.headers,
                            max_items=max_items, deadline=deadline)
    except NewstuiError as exc:
        return result, None, str(exc)
    except (RecursionError, MemoryError, ValueError) as exc:  # defensive: parse must never kill the refresh
        return result, None, f"parse failed: {type(exc).__name__}"
    finally:
        result.body = None  # free the bytes as soon as they are parsed
    return result, parsed, None


def refresh(config: "Config", data_dir: Path, *, urls: Collection[str] | None = None,
            tag: str | None = None, force: bool = True, progress: Progress | None = None,
            cancel: Callable[[], bool] | None = None, now: Callable[[], float] = time.time,
            store: "Store | None" = None) -> RefreshSummary:
    """Fetch the configured feeds (all, or ``urls`` / ``tag``) and store what they hold.

    Args:
        force: fetch even feeds that are not due (a refresh the user asked for).
        progress: called on this thread after each feed with (done, total, outcome).
        cancel: polled between feeds; True stops scheduling new fetches.
        store: an open Store owned by this thread; opened (and closed) here if None.
    """
    from newstui.fetch import Fetcher
    from newstui.store import Store

    started = time.monotonic()
    own_store = store is None
    if store is None:
        store = Store.open(data_dir)
    try:
        store.sync_feeds(config.feeds)
        sync_rules(store, config)  # rules edited since the last run apply to stored articles too
        states = store.feed_states()
        titles = {row.url: row.title for row in store.feeds()}
        settings = config.settings
        feeds: list[FeedConfig] = list(config.feeds)
        if urls:
            wanted = set(urls)
            feeds = [f for f in feeds if f.url in wanted]
        if tag:
            feeds = [f for f in feeds if tag in f.tags]
        outcomes: list[FeedOutcome] = []
        todo: list[tuple[FeedConfig, str]] = []
        t_now = int(now())
        for f in feeds:
            st = states.get(f.url)
            if st is not None and st.gone and not urls:
                outcomes.append(FeedOutcome(f.url, titles.get(f.url) or f.title or f.url, "skipped",
                                            error="gone (HTTP 410)"))
                continue
            if not decide.is_due(t_now, st.next_due if st else None, force=force):
                outcomes.append(FeedOutcome(f.url, titles.get(f.url) or f.title or f.url, "skipped", error="not due"))
                continue
            todo.append((f, decide.effective_url(f.url, st.moved_to if st else None)))
        total = len(todo) + len(outcomes)
        done = len(outcomes)
        if progress:
            for o in outcomes:
                progress(done, total, o)
        allow_file = any(u.startswith("file:") for _, u in todo)
        first_id = store.max_article_id()
        with Fetcher(timeout=settings.timeout, per_host=settings.per_host,
                     max_bytes=int(settings.max_response_mb * 1024 * 1024),
                     allow_file=allow_file) as fetcher, \
                ThreadPoolExecutor(max_workers=max(1, settings.concurrency),
                                   thread_name_prefix="newstui-fetch") as pool:
            pending: dict[Future, FeedConfig] = {}
            queue = list(reversed(todo))
            limit = max(1, settings.concurrency) * 2

            def submit_more() -> None:
                while queue and len(pending) < limit and not (cancel and cancel()):
                    f, url = queue.pop()
                    fut = pool.submit(_retrieve, fetcher, url, states.get(f.url),
                                      settings.max_items_per_feed, settings.timeout)
                    pending[fut] = f

            submit_more()
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    f = pending.pop(fut)
                    outcome = _record(store, f, fut, int(now()), titles)
                    outcomes.append(outcome)
                    done += 1
                    if progress:
                        progress(done, total, outcome)
                submit_more()
        if store.max_article_id() > first_id:
            apply_rules(store, config, min_id=first_id + 1)
        store.prune(settings.keep_days, int(now()))
        return RefreshSummary(outcomes, time.monotonic() - started)
    finally:
        if own_store:
            store.close()


def _record(store: "Store", f: "FeedConfig", fut: Future, t_now: int,
            titles: dict[str, str]) -> FeedOutcome:
    """Write one feed's result (runs on the store's thread)."""
    try:
        result, parsed, parse_error = fut.result()
    except Exception as exc:  # a bug in fetch/parse must not stop the other feeds
        result, parsed, parse_error = FetchResult(url=f.url), None, f"internal error: {type(exc).__name__}: {exc}"
    title = f.title or (parsed.title if parsed and parsed.title else None) or f.url
    moved = result.moved_to if result.moved_to and result.moved_to != f.url else None
    error = result.error or parse_error
    gone = result.status == 410
    ttl = parsed.ttl if parsed else None
    due = decide.next_due(t_now, status=result.status, error=error, max_age=result.max_age, ttl=ttl,
                          retry_after=result.retry_after)
    if error is not None:
        if gone:
            error = f"{error} (feed removed; no longer fetched)"
        store.record_fetch(f.url, now=t_now, status=result.status, error=clean_line(error, 500),
                           next_due=due, moved_to=moved, gone=gone)
        return FeedOutcome(f.url, titles.get(f.url) or f.title or f.url, "error", error=clean_line(error, 500),
                           moved_to=moved, http_status=result.status)
    if result.status == 304 or parsed is None:
        store.record_fetch(f.url, now=t_now, status=result.status, error=None, etag=result.etag,
                           last_modified=result.last_modified, next_due=due, moved_to=moved)
        return FeedOutcome(f.url, titles.get(f.url) or f.title or f.url, "not_modified", moved_to=moved,
                           http_status=result.status)
    new, updated = store.store_entries(f.url, parsed.entries, t_now)
    store.record_fetch(f.url, now=t_now, status=result.status, error=None, etag=result.etag or "",
                       last_modified=result.last_modified or "", title=parsed.title or None,
                       link=parsed.link, next_due=due, moved_to=moved)
    return FeedOutcome(f.url, title, "ok", new=new, updated=updated, moved_to=moved,
                       http_status=result.status, warnings=list(parsed.warnings))


_TAG = re.compile(r"<[^>]*>")
_INVISIBLE_BLOCK = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
RULE_BODY_CHARS = 200_000


def rule_body(content: str, summary: str) -> str:
    """The article body that ignore/highlight rule flags are matched on.

    Tag-stripped HTML (script and style contents dropped): cheap enough for every new
    article of a refresh. ``newstui rules test`` uses the same text, so its dry run says
    exactly what the flags will be.
    """
    import html as _html

    raw = (content or summary or "")[: RULE_BODY_CHARS * 4]
    return _html.unescape(_TAG.sub(" ", _INVISIBLE_BLOCK.sub(" ", raw)))[:RULE_BODY_CHARS]


def apply_rules(store: "Store", config: "Config", *, min_id: int = 0) -> None:
    """Set the ``hidden`` (ignore rules) and ``highlighted`` (highlight rules) flags.

    Runs over new articles after a refresh, and over everything when the rules changed
    (see :func:`sync_rules`). Bodies are matched on tag-stripped HTML: cheap and good
    enough for a yes/no flag; the article pane matches on the rendered text.
    """
    if not config.ignores and not config.highlights:
        if min_id == 0:
            store.set_flags("hidden", ())
            store.set_flags("highlighted", ())
        return
    from newstui.highlight_rules import RuleSet

    tags_of = {f.url: f.tags for f in config.feeds}
    rules = RuleSet(config.highlights)
    hidden: list[int] = []
    lit: list[int] = []
    scope: list[int] = []

    for aid, feed_url, title, author, summary, content in store.iter_texts(min_id=min_id):
        scope.append(aid)
        tags = tags_of.get(feed_url, ())
        body = None
        for rule in config.ignores:
            if not rule.applies_to(feed_url, tags):
                continue
            fields = rule.fields
            if ("title" in fields and rule.regex.search(title)) or \
               ("author" in fields and rule.regex.search(author)):
                hidden.append(aid)
                break
            if "body" in fields:
                if body is None:
                    body = rule_body(content, summary)
                if rule.regex.search(body):
                    hidden.append(aid)
                    break
        if rules:
            scoped = rules.for_feed(feed_url, tags)
            if scoped:
                if body is None:
                    body = rule_body(content, summary)
                if scoped.matches(title, body):
                    lit.append(aid)
    store.set_flags("hidden", hidden, scope_ids=scope if min_id else None)
    store.set_flags("highlighted", lit, scope_ids=scope if min_id else None)


def rules_version(config: "Config") -> str:
    """A key that changes whenever ignore or highlight rules change."""
    import hashlib

    h = hashlib.sha1()
    for r in config.highlights:
        h.update(repr((r.pattern, r.case_sensitive, sorted(r.fields), r.feeds)).encode("utf-8", "replace"))
    h.update(b"|")
    for r in config.ignores:
        h.update(repr((r.pattern, r.case_sensitive, sorted(r.fields), r.feeds)).encode("utf-8", "replace"))
    h.update(b"|")
    for f in config.feeds:
        h.update(repr((f.url, f.tags)).encode("utf-8", "replace"))
    return h.hexdigest()


def sync_rules(store: "Store", config: "Config") -> bool:
    """Recompute rule flags for all stored articles when the rules changed since last time."""
    version = rules_version(config)
    if store.get_state("rules_version") == version:
        return False
    apply_rules(store, config, min_id=0)
    store.set_state("rules_version", version)
    return True
