"""Pure update decisions (no I/O), in the spirit of lemon24/reader's decider.

Kept apart from the pipeline so scheduling and identity rules are unit-testable:
when is a feed due, how long to back off after 429/503, what a permanent redirect or
410 means for the feed.
"""

from __future__ import annotations

DEFAULT_INTERVAL = 30 * 60
"""Minimum time between automatic fetches of one feed when the server says nothing."""
MAX_BACKOFF = 24 * 3600
"""Never schedule further ahead than a day: a bad header must not silence a feed for long."""


def next_due(now: int, *, status: int, error: str | None, max_age: int | None = None,
             ttl: int | None = None, retry_after: float | None = None,
             interval: int = DEFAULT_INTERVAL) -> int:
    """When the feed may be fetched again automatically.

    A refresh the user asks for ignores this; it only spaces out background refreshes.
    Retry-After (429/503) wins; else the larger of Cache-Control max-age and RSS <ttl>,
    but never less than ``interval`` and never more than a day.
    """
    if status in (429, 503) and retry_after is not None:
        return now + int(min(max(retry_after, 0), MAX_BACKOFF))
    if error is not None and status not in (304,):
        return now + min(interval, MAX_BACKOFF)
    hint = max(max_age or 0, ttl or 0)
    return now + int(min(max(hint, interval), MAX_BACKOFF))


def is_due(now: int, next_due_at: int | None, *, force: bool) -> bool:
    """A feed is fetched when the user asked for it, or when its time has come."""
    return force or next_due_at is None or next_due_at <= now


def effective_url(configured: str, moved_to: str | None) -> str:
    """Fetch the new address after a permanent redirect; the config keeps the old one."""
    return moved_to or configured
