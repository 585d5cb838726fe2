"""Plain data passed between the domain modules (config, fetch, parse, store, update).

No behaviour and no Textual here: these are the contracts between modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A media attachment (podcast audio, image...)."""

    url: str
    """Absolute http(s) URL (others are dropped at parse time)."""
    type: str = ""
    length: int | None = None


@dataclass(slots=True)
class ParsedEntry:
    """One article as parsed from a feed document; every string already sanitised and capped."""

    key: str
    """Identity inside its feed: guid, else normalised link, else a hash (see parse.entry_key)."""
    title: str
    link: str | None
    """Absolute http(s) link or None."""
    author: str = ""
    published: int | None = None
    """Unix seconds UTC, None when unknown or implausible (before 1970, > 1 day ahead)."""
    updated: int | None = None
    summary: str = ""
    """HTML (or plain text) of the summary/description, control characters removed."""
    content: str = ""
    """HTML of the full content when the feed has one (content:encoded, atom content)."""
    enclosures: tuple[Enclosure, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(slots=True)
class ParsedFeed:
    """A parsed feed document."""

    title: str = ""
    link: str | None = None
    """The site's home page (http(s) only)."""
    ttl: int | None = None
    """RSS ``<ttl>`` in seconds, a hint for scheduling."""
    entries: list[ParsedEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Non-fatal problems (e.g. "recovered from malformed XML"), one line each."""


@dataclass(slots=True)
class FetchResult:
    """What one HTTP retrieval produced. ``error`` set means nothing usable arrived."""

    url: str
    """The URL asked for."""
    status: int = 0
    """Final HTTP status; 0 when no response (DNS, refused, timeout)."""
    body: bytes | None = None
    """Decoded (decompressed) body for 200; None for 304 and errors."""
    final_url: str = ""
    """URL after redirects (used as base for relative links)."""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers, lower-cased names (for feedparser's encoding detection)."""
    moved_to: str | None = None
    """Set when every redirect hop was permanent (301/308): the feed's new address."""
    retry_after: float | None = None
    """Seconds the server asked us to wait (429/503 Retry-After)."""
    max_age: int | None = None
    """Cache-Control max-age in seconds."""
    error: str | None = None
    """One-line reason when the fetch failed (never contains controls)."""
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None


# --- What the store hands to the CLI and the UI -------------------------------------------

VIEW_KINDS = ("all", "unread", "starred", "highlighted", "feed", "tag", "search")


@dataclass(frozen=True, slots=True)
class View:
    """A selection of articles: what the sidebar entries and the search open."""

    kind: str = "all"
    """One of VIEW_KINDS."""
    feed_id: int | None = None
    """For kind == "feed"."""
    tag: str | None = None
    """For kind == "tag"."""
    query: str | None = None
    """For kind == "search": the user's words (FTS5, built safely by the store)."""
    unread_only: bool = False
    """The ``f`` toggle: restrict any view to unread articles."""


@dataclass(frozen=True, slots=True)
class FeedRow:
    """A subscribed feed with its counts, for the sidebar and ``newstui unread``."""

    id: int
    url: str
    title: str
    """Configured title, else the feed's own title, else the URL."""
    tags: tuple[str, ...]
    unread: int
    total: int
    error: str | None
    """Last one-line error, None when the last fetch was fine."""
    last_status: int | None = None
    last_fetched: int | None = None
    moved_to: str | None = None
    gone: bool = False
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Headline:
    """One row of the headline list (only what a row shows)."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    date: int
    """Published time, else first-seen time (unix seconds UTC)."""
    date_known: bool
    read: bool
    starred: bool
    highlighted: bool = False


@dataclass(frozen=True, slots=True)
class Article:
    """Everything the article pane shows."""

    id: int
    feed_id: int
    feed_url: str
    feed_title: str
    title: str
    link: str | None
    author: str
    published: int | None
    updated: int | None
    first_seen: int
    summary: str
    content: str
    fulltext: str | None
    """Main text fetched on demand (key x), plain text or HTML."""
    enclosures: tuple[Enclosure, ...]
    tags: tuple[str, ...]
    read: bool
    starred: bool
    feed_link: str | None = None
