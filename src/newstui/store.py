"""The SQLite store: subscriptions, articles, read/starred state, full-text search, UI state.

One file, ``newstui.db`` in the data directory. Design points (each one measured or forced
by a requirement; see ``benchmarks/store_bench.py`` for the figures):

* **Never touch a file that is not ours.** Before anything is written, the file header is
  checked in Python (magic string, page size, truncation) and the database is opened
  *read-only* to check ``application_id`` and ``user_version``. A foreign, corrupt,
  truncated or future database raises :class:`StoreError` and stays byte-identical.
* **WAL + busy_timeout** so the TUI, ``newstui refresh`` and ``newstui unread`` can use the
  file at the same time. Every write is a short ``BEGIN IMMEDIATE`` transaction (taking the
  write lock up front means a writer waits in the busy handler instead of failing with
  ``SQLITE_BUSY_SNAPSHOT`` when it upgrades a read transaction).
* **Articles live in two 1:1 tables**: ``articles`` (identity, dates, flags: ~300 bytes a
  row) and ``article_text`` (the HTML, enclosures, tags, full text, highlight cache: ~6 KB a
  row). Lists, counts, ``set_read`` and the ``last_seen`` bump of every refetch then touch
  small rows only; the big rows are read when an article is opened or indexed.
* **Covering indexes** for the hot queries: ``articles_list`` (sort_date, id, feed_id,
  flags) serves every newest-first view without sorting, ``articles_feed`` serves feed
  views and per-feed totals, the partial index ``articles_unread`` (read=0, hidden=0) makes
  unread counts a scan of the unread set only.
* **Full-text search is indexed lazily** (see :meth:`Store.index_pending`) into a
  *contentless* FTS5 table over tag-stripped text: for 30,000 articles a regular FTS5 table
  (its own copy of the text) made the file 467 MB instead of 279 MB and indexing ~50%
  slower. The price: deleting from it needs the indexed values, recomputed by
  :func:`_index_row` from the stored HTML, so that function must stay deterministic.

A :class:`Store` wraps one ``sqlite3`` connection and belongs to the thread that created it
(``check_same_thread`` stays on): the refresh worker opens its own Store on the same path.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
import sqlite3
import struct
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TypeVar

from newstui.errors import StoreError
from newstui.models import Article, Enclosure, FeedRow, Headline, ParsedEntry, View
from newstui.sanitize import MAX_AUTHOR, MAX_TAG, clean_line, clean_text, clean_title, clean_url

if TYPE_CHECKING:
    from newstui.config import FeedConfig

DB_NAME = "newstui.db"
APPLICATION_ID = 0x4E575449
"""``PRAGMA application_id`` of a newstui database: "NWTI"."""
BUSY_TIMEOUT = 10.0
"""Seconds a connection waits for another process's write lock before giving up."""
CHUNK = 500
"""Ids bound per statement (well under SQLite's variable limit)."""
INDEX_BATCH = 500
"""Articles indexed per transaction by :meth:`Store.index_pending` (keeps the write lock short)."""
MAX_INDEXED_CHARS = 200_000
"""Text indexed per article body; longer bodies are searchable by their first 200k characters."""
MIN_PREFIX = 4
"""Search words at least this long also match as prefixes ("feed" finds "feeds"). Shorter
prefixes expand to too many index terms: a 3-letter prefix took ~0.4 s over 100k articles.
CJK words qualify from 2 characters: those scripts have no spaces, so the tokenizer keeps
whole runs ("日本語のニュース") and only a prefix query finds "日本語" in them."""

MAX_QUERY = 2000
"""Characters of a search query considered."""

_SQLITE_MAGIC = b"SQLite format 3\x00"
_TAG_RE = re.compile(r"<[^>]*>")

F = TypeVar("F", bound=Callable[..., Any])


# --- schema and migrations -----------------------------------------------------------------

_V1 = [
    """CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        title TEXT,                 -- configured title (feeds.toml), NULL = use the feed's own
        feed_title TEXT,            -- the feed's own title
        link TEXT,                  -- the site's home page
        tags TEXT NOT NULL DEFAULT '[]',
        position INTEGER NOT NULL DEFAULT 0,
        subscribed INTEGER NOT NULL DEFAULT 1,
        etag TEXT,
        last_modified TEXT,
        last_status INTEGER,
        last_error TEXT,
        last_fetched INTEGER,
        next_due INTEGER,
        moved_to TEXT,
        gone INTEGER NOT NULL DEFAULT 0,
        entries_at INTEGER          -- time of the last fetch that delivered entries (prune guard)
    )""",
    """CREATE TABLE articles (
        id INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: ids live on in UI state and undo
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        link TEXT,
        author TEXT NOT NULL DEFAULT '',
        published INTEGER,
        updated INTEGER,
        sort_date INTEGER NOT NULL,             -- published if known, else first_seen
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        content_hash BLOB NOT NULL,
        update_count INTEGER NOT NULL DEFAULT 0,
        read INTEGER NOT NULL DEFAULT 0,
        read_at INTEGER,
        starred INTEGER NOT NULL DEFAULT 0,
        starred_at INTEGER,
        hidden INTEGER NOT NULL DEFAULT 0,      -- ignore rules
        highlighted INTEGER NOT NULL DEFAULT 0, -- highlight rules
        fts_pending INTEGER NOT NULL DEFAULT 1, -- 1 = not in articles_fts yet
        UNIQUE (feed_id, key)
    )""",
    """CREATE TABLE article_text (
        id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        summary TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        fulltext TEXT,
        enclosures TEXT NOT NULL DEFAULT '[]',
        tags TEXT NOT NULL DEFAULT '[]',
        highlights TEXT,                        -- JSON list of sentences
        highlights_hash TEXT                    -- hash of the text they were computed from
    )""",
    "CREATE INDEX articles_list ON articles(sort_date, id, feed_id, hidden, read, starred, highlighted)",
    "CREATE INDEX articles_feed ON articles(feed_id, sort_date, id, hidden, read)",
    "CREATE INDEX articles_unread ON articles(feed_id, read, hidden) WHERE read = 0 AND hidden = 0",
    "CREATE INDEX articles_fts_pending ON articles(id) WHERE fts_pending = 1",
    # Contentless: the index only (the text is in article_text already). Deleting a row
    # needs the indexed values, which _index_row() recomputes from the stored HTML; any
    # change to _index_row() must come with a migration that rebuilds this table.
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='', tokenize='unicode61 remove_diacritics 2')""",
    # Bigger in-memory buffer and lazier merging: ~20% less CPU per indexed article.
    "INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 16777216)",
    "INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 16)",
    "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
]

_REQUIRED_TABLES = frozenset({"feeds", "articles", "article_text", "articles_fts", "state"})


def _migrate_v1(con: sqlite3.Connection) -> None:
    """Create the schema (an empty database becomes version 1)."""
    for stmt in _V1:
        con.execute(stmt)


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_v1]
"""``MIGRATIONS[i]`` takes the schema from version i to i+1, inside the caller's transaction."""
SCHEMA_VERSION = len(MIGRATIONS)


# --- small helpers ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FeedState:
    """What the refresh pipeline needs to decide and to send a conditional request."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    next_due: int | None
    last_fetched: int | None
    gone: bool
    moved_to: str | None


def _chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _plain(markup: str) -> str:
    """HTML to indexable text: a regex tag strip plus entity decoding (cheap, deterministic)."""
    if "<" in markup:
        markup = _TAG_RE.sub(" ", markup)
    if "&" in markup:
        markup = html.unescape(markup)
    return markup


def _index_row(title: str, summary: str, content: str) -> tuple[str, str]:
    """The (title, body) pair put into ``articles_fts``; the summary is left out when the
    content already contains it (RSS description + content:encoded), halving the work."""
    body = _plain(content)
    extra = _plain(summary).strip()
    if extra and extra not in body:
        body = f"{body}\n{extra}" if body else extra
    return title, body[:MAX_INDEXED_CHARS]


def _entry_hash(e: ParsedEntry) -> bytes:
    """What decides "changed": every stored field of the entry."""
    parts = (e.title, e.link or "", e.author, str(e.published), str(e.updated), e.summary, e.content,
             _enclosures_json(e.enclosures), _tags_json(e.tags))
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _enclosures_json(encs: Sequence[Enclosure]) -> str:
    if not encs:
        return "[]"
    return json.dumps([[x.url, x.type, x.length] for x in encs], ensure_ascii=False)


def _tags_json(tags: Iterable[str]) -> str:
    return json.dumps(list(tags), ensure_ascii=False) if tags else "[]"


def _json_tuple(raw: str | None) -> tuple[Any, ...]:
    try:
        val = json.loads(raw) if raw else []
    except ValueError:
        return ()
    return tuple(val) if isinstance(val, list) else ()


def _resanitised(e: ParsedEntry) -> ParsedEntry:
    """A copy of ``e`` with every string through the sanitiser (lone surrogates and all)."""
    return ParsedEntry(
        key=clean_text(e.key), title=clean_title(e.title), link=clean_url(e.link) if e.link else None,
        author=clean_line(e.author, MAX_AUTHOR), published=e.published, updated=e.updated,
        summary=clean_text(e.summary), content=clean_text(e.content),
        enclosures=tuple(Enclosure(u, clean_line(x.type, 200), x.length)
                         for x in e.enclosures if (u := clean_url(x.url))),
        tags=tuple(t for t in (clean_line(t, MAX_TAG) for t in e.tags) if t))


def fts_query(query: str) -> tuple[str | None, list[str]]:
    """Build an FTS5 MATCH expression from what the user typed, and the words it uses.

    User syntax never reaches FTS5: each word (or ``"quoted phrase"``) becomes a quoted FTS5
    string, so ``NEAR``, ``AND``, ``*``, ``-``, ``:`` and parentheses are just text. Words of
    :data:`MIN_PREFIX` or more characters also match as prefixes. Terms with no letter or
    digit are dropped (the tokenizer would index nothing for them). Returns ``(None, [])``
    when nothing searchable is left.
    """
    parts: list[str] = []
    terms: list[str] = []
    # Controls (a NUL ends FTS5's string parsing) and bidi overrides go first.
    for m in re.finditer(r'"([^"]*)"|(\S+)', clean_line(query, MAX_QUERY)):
        phrase, word = m.group(1), m.group(2)
        term = (phrase if phrase is not None else word).strip()
        if not term or not any(ch.isalnum() for ch in term) or term in terms:
            continue
        terms.append(term)
        quoted = '"' + term.replace('"', '""') + '"'
        if phrase is None and matches_as_prefix(term):
            quoted += "*"
        parts.append(quoted)
    if not parts:
        return None, []
    return " AND ".join(parts), terms


def _has_cjk(term: str) -> bool:
    """Whether ``term`` has a character of the CJK/kana/hangul blocks (U+2E80 and up, below the surrogates)."""
    return any("\u2e80" <= ch <= "\ud7ff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000" for ch in term)


def matches_as_prefix(term: str) -> bool:
    """Whether a search word also matches longer words: :data:`MIN_PREFIX`+ characters, or 2+ with CJK.

    The one rule for both the FTS query and the highlighting of search terms
    (:func:`newstui.highlight_rules.term_rules`), so what is found is what is marked.
    """
    return len(term) >= MIN_PREFIX or (len(term) >= 2 and _has_cjk(term))


def _guard(fn: F) -> F:
    """Turn SQLite failures (corruption, disk full, lock timeout) into one-line StoreErrors."""

    @functools.wraps(fn)
    def wrapper(self: "Store", *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(self, *args, **kwargs)
        except sqlite3.ProgrammingError:
            raise  # a bug (closed store, wrong thread), not a database problem
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from exc

    return wrapper  # type: ignore[return-value]


# --- the store ------------------------------------------------------------------------------

class Store:
    """The newstui database. Open one per thread; close it (or use ``with``) when done.

    A Store must only be used by the thread that opened it (sqlite3's ``check_same_thread``
    raises ``ProgrammingError`` otherwise): the UI thread and the refresh worker each open
    their own Store on the same path, and see each other's commits at once (WAL).
    """

    path: Path

    def __init__(self, path: Path) -> None:
        """Open ``path``, creating or migrating the schema; raises :class:`StoreError`."""
        self.path = Path(path)
        self._in_tx = False
        self._closed = False
        self._check_file()
        try:
            self._con = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            self._con.execute("PRAGMA foreign_keys = ON")
            self._con.execute("PRAGMA synchronous = NORMAL")  # WAL: durable up to the last checkpoint, never corrupt
            self._con.execute("PRAGMA temp_store = MEMORY")
            self._con.execute("PRAGMA cache_size = -16000")
            self._migrate()
        except sqlite3.ProgrammingError:
            self._con.close()
            raise
        except sqlite3.DatabaseError as exc:
            self._con.close()
            raise self._error(exc) from exc
        except BaseException:
            self._con.close()
            raise

    @classmethod
    def open(cls, data_dir: Path) -> "Store":
        """Open ``data_dir/newstui.db``, creating the directory if needed."""
        data_dir = Path(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{data_dir}: cannot create the data directory: {exc.strerror or exc}") from None
        return cls(data_dir / DB_NAME)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- opening, validation, migrations ---------------------------------------------------

    def _error(self, exc: BaseException) -> StoreError:
        msg = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, sqlite3.OperationalError) and "locked" in msg:
            return StoreError(f"{self.path}: database is locked (another newstui kept it busy "
                              f"for more than {BUSY_TIMEOUT:.0f} s); try again")
        if "malformed" in msg or "not a database" in msg or type(exc) is sqlite3.DatabaseError:
            return StoreError(f"{self.path} is corrupt ({msg}); move it away or restore a backup")
        return StoreError(f"{self.path}: {msg}")

    def _refuse(self, why: str) -> StoreError:
        return StoreError(f"{self.path} {why}; refusing to use it (move it away to start afresh)")

    def _check_file(self) -> None:
        """Header checks in Python, then a read-only look: nothing is written before both pass."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"{self.path}: {exc.strerror or exc}") from None
        if not self.path.is_file():
            raise StoreError(f"{self.path} is not a regular file")
        if st.st_size == 0:
            return  # SQLite's empty database: created below
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(100)
        except OSError as exc:
            raise StoreError(f"{self.path}: {exc.strerror or exc}") from None
        if len(head) < 100 or not head.startswith(_SQLITE_MAGIC):
            raise self._refuse("is not an SQLite database (foreign or corrupt file)")
        (page_size,) = struct.unpack(">H", head[16:18])
        page_size = 65536 if page_size == 1 else page_size
        if page_size < 512 or page_size & (page_size - 1):
            raise self._refuse("is corrupt (bad page size in the header)")
        wal = self.path.with_name(self.path.name + "-wal")
        if not (wal.exists() and wal.stat().st_size > 0):
            # Without a WAL the main file must hold every page its header counts.
            change, npages = struct.unpack(">II", head[24:32])
            (valid_for,) = struct.unpack(">I", head[92:96])
            if st.st_size % page_size or (npages and change == valid_for and st.st_size < npages * page_size):
                raise self._refuse(f"is truncated ({st.st_size} bytes)")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._error(exc) from exc
        try:
            self._validate(con)
        except sqlite3.DatabaseError as exc:
            raise self._refuse(f"is corrupt or not a newstui database ({' '.join(str(exc).split())})") from exc
        finally:
            con.close()

    def _validate(self, con: sqlite3.Connection) -> tuple[int, int, set[str]]:
        """Read application_id, user_version and the tables; raise if the file is not usable."""
        app = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app != APPLICATION_ID and (app != 0 or tables):
            raise self._refuse(f"is not a newstui database (application_id {app:#x})")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} is from a newer newstui (schema v{version} > v{SCHEMA_VERSION}); "
                             "upgrade newstui")
        if app == APPLICATION_ID and version >= 1 and not _REQUIRED_TABLES <= tables:
            missing = ", ".join(sorted(_REQUIRED_TABLES - tables))
            raise self._refuse(f"is damaged (missing tables: {missing})")
        if app == APPLICATION_ID and version == 0 and tables:
            raise self._refuse("is damaged (tables but no schema version)")
        return app, version, tables

    def _migrate(self) -> None:
        con = self._con
        app, version, _ = self._validate(con)
        if con.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            con.execute("PRAGMA journal_mode = WAL")  # persistent: normally set once, at creation
        if app == APPLICATION_ID and version == SCHEMA_VERSION:
            return
        con.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created or migrated the file meanwhile: look again.
            app, version, _ = self._validate(con)
            if app == 0:
                con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](con)
                con.execute(f"PRAGMA user_version = {step + 1}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A short write transaction (re-entrant: nested calls join the outer one)."""
        if self._in_tx:
            yield self._con
            return
        self._con.execute("BEGIN IMMEDIATE")
        self._in_tx = True
        try:
            yield self._con
        except BaseException:
            self._in_tx = False
            if self._con.in_transaction:
                self._con.execute("ROLLBACK")
            raise
        self._in_tx = False
        self._con.execute("COMMIT")

    # --- feeds -----------------------------------------------------------------------------

    @_guard
    def sync_feeds(self, feeds: Sequence["FeedConfig"]) -> None:
        """Make the feeds table follow the config: insert new feeds, update configured title,
        tags and order; feeds no longer configured are unsubscribed, never deleted (their
        articles and read state come back if the feed is configured again). Writes nothing
        when nothing changed, so a status-bar ``newstui unread`` never takes the write lock."""
        wanted: dict[str, tuple[str | None, str, int]] = {}
        for f in feeds:
            if f.url not in wanted:
                wanted[f.url] = (f.title or None, _tags_json(f.tags), len(wanted))
        current = {r[0]: (r[1], r[2], r[3], r[4]) for r in self._con.execute(
            "SELECT url, title, tags, position, subscribed FROM feeds")}

        def differs() -> bool:
            for url, (title, tags, pos) in wanted.items():
                if current.get(url) != (title, tags, pos, 1):
                    return True
            return any(sub and url not in wanted for url, (_, _, _, sub) in current.items())

        if not differs():
            return
        with self._write() as con:
            con.execute("UPDATE feeds SET subscribed = 0 WHERE subscribed = 1")
            con.executemany(
                "INSERT INTO feeds (url, title, tags, position, subscribed) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT (url) DO UPDATE SET title = excluded.title, tags = excluded.tags, "
                "position = excluded.position, subscribed = 1",
                [(url, t, tags, pos) for url, (t, tags, pos) in wanted.items()])

    @_guard
    def feed_states(self) -> dict[str, FeedState]:
        """Caching and scheduling state of every known feed, by URL."""
        return {r[1]: FeedState(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in self._con.execute(
            "SELECT id, url, etag, last_modified, next_due, last_fetched, gone, moved_to FROM feeds")}

    @_guard
    def record_fetch(self, url: str, *, now: int, status: int, error: str | None, etag: str | None = None,
                     last_modified: str | None = None, title: str | None = None, link: str | None = None,
                     next_due: int | None = None, moved_to: str | None = None, gone: bool = False) -> None:
        """Record one fetch attempt. For etag, last_modified, title, link, next_due and
        moved_to, None keeps the stored value and "" clears it (a 200 without validators
        must clear the old ones). ``error`` None clears the last error."""
        sets = ["last_fetched = ?", "last_status = ?", "last_error = ?", "gone = ?"]
        args: list[Any] = [now, status, clean_line(error, 500) if error is not None else None, int(gone)]
        for col, val in (("etag", etag), ("last_modified", last_modified),
                         ("feed_title", None if title is None else clean_line(title)),
                         ("link", None if link is None else (clean_url(link) or "")),
                         ("moved_to", moved_to), ("next_due", next_due)):
            if val is not None:
                sets.append(f"{col} = ?")
                args.append(val if val != "" else None)
        with self._write() as con:
            cur = con.execute(f"UPDATE feeds SET {', '.join(sets)} WHERE url = ?", (*args, url))
            if cur.rowcount == 0:
                raise StoreError(f"{self.path}: unknown feed {clean_line(url, 200)} (sync_feeds first)")

    @_guard
    def feeds(self) -> list[FeedRow]:
        """Subscribed feeds in config order, with unread and total counts (hidden articles
        not counted) and the last error."""
        rows = self._con.execute(
            "SELECT f.id, f.url, coalesce(nullif(f.title, ''), nullif(f.feed_title, ''), f.url), f.tags, "
            " (SELECT count(*) FROM articles a INDEXED BY articles_unread"
            "  WHERE a.feed_id = f.id AND a.read = 0 AND a.hidden = 0),"
            " (SELECT count(*) FROM articles a WHERE a.feed_id = f.id AND a.hidden = 0),"
            " f.last_error, f.last_status, f.last_fetched, f.moved_to, f.gone, f.link "
            "FROM feeds f WHERE f.subscribed = 1 ORDER BY f.position, f.id").fetchall()
        return [FeedRow(id=r[0], url=r[1], title=r[2], tags=tuple(_json_tuple(r[3])), unread=r[4], total=r[5],
                        error=r[6], last_status=r[7], last_fetched=r[8], moved_to=r[9], gone=bool(r[10]),
                        link=r[11]) for r in rows]

    @_guard
    def feed_id(self, url: str) -> int | None:
        row = self._con.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    @_guard
    def unread_total(self) -> int:
        """Unread, not hidden articles of subscribed feeds (one scan of the unread index)."""
        sql = "SELECT count(*) FROM articles INDEXED BY articles_unread WHERE read = 0 AND hidden = 0"
        if self._has_unsubscribed():
            sql += " AND feed_id IN (SELECT id FROM feeds WHERE subscribed = 1)"
        return self._con.execute(sql).fetchone()[0]

    @_guard
    def max_article_id(self) -> int:
        """Highest article id so far (0 when empty): ids only grow, so new articles are those above."""
        return self._con.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0]

    # --- storing entries -------------------------------------------------------------------

    @_guard
    def store_entries(self, feed_url: str, entries: Sequence[ParsedEntry], now: int) -> tuple[int, int]:
        """Insert new entries and update changed ones, in one transaction; returns (new, updated).

        An entry is changed when its content hash differs; read and starred state are never
        touched. Entries missing from this fetch stay (until :meth:`prune`). Duplicate keys
        in one batch are merged (the first occurrence wins), so UNIQUE(feed_id, key) never
        fires. Entries are inserted bottom-up, so entries without dates (sorted by first-seen
        time, then id) keep the feed's own top-to-bottom order. Nothing is indexed for search
        here (see :meth:`index_pending`).
        """
        unique: dict[str, ParsedEntry] = {}
        for e in entries:
            unique.setdefault(e.key, e)
        with self._write() as con:
            row = con.execute("SELECT id FROM feeds WHERE url = ?", (feed_url,)).fetchone()
            if row is None:
                raise StoreError(f"{self.path}: unknown feed {clean_line(feed_url, 200)} (sync_feeds first)")
            fid = row[0]
            con.execute("UPDATE feeds SET entries_at = ? WHERE id = ?", (now, fid))
            existing: dict[str, tuple[int, bytes, int]] = {}
            keys = list(unique)
            for chunk in _chunks(keys):
                for k, aid, h, pending in con.execute(
                        f"SELECT key, id, content_hash, fts_pending FROM articles "
                        f"WHERE feed_id = ? AND key IN ({_marks(len(chunk))})", (fid, *chunk)):
                    existing[k] = (aid, h, pending)
            new = updated = 0
            unchanged: list[tuple[int, int]] = []
            for e in reversed(list(unique.values())):
                h = _entry_hash(e)
                old = existing.get(e.key)
                if old is None:
                    try:
                        self._insert(con, fid, e, h, now)
                    except UnicodeEncodeError:  # lone surrogates slipped past the parser
                        self._insert(con, fid, _resanitised(e), h, now)
                    new += 1
                elif old[1] == h:
                    unchanged.append((now, old[0]))
                else:
                    try:
                        self._update(con, old[0], e, h, now, indexed=not old[2])
                    except UnicodeEncodeError:
                        self._update(con, old[0], _resanitised(e), h, now, indexed=not old[2])
                    updated += 1
            con.executemany("UPDATE articles SET last_seen = ? WHERE id = ?", unchanged)
        return new, updated

    @staticmethod
    def _insert(con: sqlite3.Connection, fid: int, e: ParsedEntry, h: bytes, now: int) -> None:
        cur = con.execute(
            "INSERT INTO articles (feed_id, key, title, link, author, published, updated, sort_date, "
            "first_seen, last_seen, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (fid, e.key, e.title, e.link, e.author, e.published, e.updated,
             e.published if e.published is not None else now, now, now, h))
        con.execute("INSERT INTO article_text (id, summary, content, enclosures, tags) VALUES (?, ?, ?, ?, ?)",
                    (cur.lastrowid, e.summary, e.content, _enclosures_json(e.enclosures), _tags_json(e.tags)))

    def _update(self, con: sqlite3.Connection, aid: int, e: ParsedEntry, h: bytes, now: int, *,
                indexed: bool) -> None:
        if indexed:
            self._fts_delete(con, [aid])
        con.execute(
            "UPDATE articles SET title = ?, link = ?, author = ?, published = ?, updated = ?, "
            "sort_date = coalesce(?, first_seen), last_seen = ?, content_hash = ?, "
            "update_count = update_count + 1, fts_pending = 1 WHERE id = ?",
            (e.title, e.link, e.author, e.published, e.updated, e.published, now, h, aid))
        con.execute("UPDATE article_text SET summary = ?, content = ?, enclosures = ?, tags = ? WHERE id = ?",
                    (e.summary, e.content, _enclosures_json(e.enclosures), _tags_json(e.tags), aid))

    # --- full-text index -------------------------------------------------------------------

    @staticmethod
    def _fts_delete(con: sqlite3.Connection, ids: Sequence[int]) -> None:
        """Remove indexed articles from the contentless index (it needs the indexed values back)."""
        for chunk in _chunks(ids):
            rows = con.execute(
                f"SELECT a.id, a.title, t.summary, t.content FROM articles a JOIN article_text t ON t.id = a.id "
                f"WHERE a.id IN ({_marks(len(chunk))}) AND a.fts_pending = 0", tuple(chunk)).fetchall()
            con.executemany(
                "INSERT INTO articles_fts (articles_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                [(aid, *_index_row(title, summary, content)) for aid, title, summary, content in rows])

    @_guard
    def index_pending(self, *, limit: int | None = None) -> int:
        """Add articles stored since the last call to the search index; returns how many.

        Why lazily: tokenizing is the dominant cost of storing an article. Measured with
        ``benchmarks/store_bench.py --compare-inline`` (30,000 entries of ~6 KB HTML in 1,000
        per-feed transactions; CPU seconds, steadier than wall time on the shared 2-core
        machine): storing alone took 2.2 s; storing with FTS5 indexing inside each per-feed
        transaction took 11.6 s (FTS5 also writes one small segment per transaction and pays
        for merging them); indexing the same 30,000 afterwards in batches of
        :data:`INDEX_BATCH` took 5.0 s, off the
        refresh's critical path. :meth:`search` calls this first, so results are always
        complete; the UI should call it from a background worker (its own Store) after a
        refresh so that the first search is instant. Each batch is its own short transaction.
        """
        total = 0
        while limit is None or total < limit:
            n = INDEX_BATCH if limit is None else min(INDEX_BATCH, limit - total)
            with self._write() as con:
                rows = con.execute(
                    "SELECT a.id, a.title, t.summary, t.content FROM articles a JOIN article_text t ON t.id = a.id "
                    "WHERE a.fts_pending = 1 ORDER BY a.id LIMIT ?", (n,)).fetchall()
                if not rows:
                    break
                con.executemany("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                                [(aid, *_index_row(title, summary, content)) for aid, title, summary, content in rows])
                con.executemany("UPDATE articles SET fts_pending = 0 WHERE id = ?", [(r[0],) for r in rows])
            total += len(rows)
        return total

    @_guard
    def pending_index_count(self) -> int:
        """Articles not yet in the search index (for a "indexing…" hint)."""
        return self._con.execute("SELECT count(*) FROM articles WHERE fts_pending = 1").fetchone()[0]

    def search(self, query: str, *, limit: int = 5000) -> list[int]:
        """Ids of articles matching every word of ``query``, newest first (subscribed feeds,
        hidden articles left out); empty for a query with no searchable word."""
        return self.article_ids(View(kind="search", query=query), limit=limit)

    def search_terms(self, query: str) -> list[str]:
        """The words :meth:`search` looks for, as typed (for highlighting matches)."""
        return fts_query(query)[1]

    # --- article lists ---------------------------------------------------------------------

    def _view_where(self, view: View, *, include_hidden: bool = False) -> tuple[str, list[Any]] | None:
        """SQL condition (on alias ``a``) and arguments for ``view``; None when it is empty."""
        conds: list[str] = []
        args: list[Any] = []
        if self._has_unsubscribed():
            # The unary + keeps the planner off the feed_id indexes for this test, so the
            # newest-first scan of articles_list (no sort step) is chosen for the big views.
            conds.append("+a.feed_id IN (SELECT id FROM feeds WHERE subscribed = 1)")
        if not include_hidden:
            conds.append("a.hidden = 0")
        if view.unread_only or view.kind == "unread":
            conds.append("a.read = 0")
        kind = view.kind
        if kind in ("all", "unread"):
            pass
        elif kind == "starred":
            conds.append("a.starred = 1")
        elif kind == "highlighted":
            conds.append("a.highlighted = 1")
        elif kind == "feed":
            if view.feed_id is None:
                return None
            conds.append("a.feed_id = ?")
            args.append(view.feed_id)
        elif kind == "tag":
            if not view.tag:
                return None
            conds.append("a.feed_id IN (SELECT f.id FROM feeds f, json_each(f.tags) j "
                         "WHERE f.subscribed = 1 AND j.value = ?)")
            args.append(view.tag)
        elif kind == "search":
            match, _ = fts_query(view.query or "")
            if match is None:
                return None
            self.index_pending()
            # "+": probe the matches while scanning newest-first (stops at the limit) rather
            # than fetch every match by rowid and sort them (0.33 vs 0.58 s for a word in
            # every article; both ~30 ms for a word in 16% of 100k articles).
            conds.append("+a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
            args.append(match)
        else:
            raise ValueError(f"unknown view kind {kind!r}")
        return " AND ".join(conds) or "1", args

    def _has_unsubscribed(self) -> bool:
        """Whether some unsubscribed feed still has articles (else the subscribed filter,
        ~40% of a 100k-row list query, can be left out)."""
        return bool(self._con.execute(
            "SELECT EXISTS (SELECT 1 FROM feeds f WHERE f.subscribed = 0 "
            "AND EXISTS (SELECT 1 FROM articles a WHERE a.feed_id = f.id))").fetchone()[0])

    @_guard
    def article_ids(self, view: View, *, limit: int | None = None, include_hidden: bool = False) -> list[int]:
        """Ids in ``view``, newest first (sort_date, then id, descending).

        Only subscribed feeds; articles hidden by ignore rules are left out unless
        ``include_hidden`` (for ``newstui rules test``).
        """
        where = self._view_where(view, include_hidden=include_hidden)
        if where is None:
            return []
        cond, args = where
        sql = f"SELECT a.id FROM articles a WHERE {cond} ORDER BY a.sort_date DESC, a.id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args = [*args, max(0, limit)]
        return [r[0] for r in self._con.execute(sql, args)]

    @_guard
    def headlines(self, ids: Sequence[int]) -> dict[int, Headline]:
        """What the headline rows of ``ids`` show (ids that no longer exist are left out)."""
        out: dict[int, Headline] = {}
        for chunk in _chunks(list(ids)):
            for r in self._con.execute(
                    "SELECT a.id, a.feed_id, coalesce(nullif(f.title, ''), nullif(f.feed_title, ''), f.url), "
                    "a.title, a.sort_date, a.published IS NOT NULL, a.read, a.starred, a.highlighted "
                    f"FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id IN ({_marks(len(chunk))})",
                    tuple(chunk)):
                out[r[0]] = Headline(id=r[0], feed_id=r[1], feed_title=r[2], title=r[3], date=r[4],
                                     date_known=bool(r[5]), read=bool(r[6]), starred=bool(r[7]),
                                     highlighted=bool(r[8]))
        return out

    @_guard
    def article(self, id: int) -> Article | None:
        r = self._con.execute(
            "SELECT a.id, a.feed_id, f.url, coalesce(nullif(f.title, ''), nullif(f.feed_title, ''), f.url), "
            "a.title, a.link, a.author, a.published, a.updated, a.first_seen, t.summary, t.content, t.fulltext, "
            "t.enclosures, t.tags, a.read, a.starred, f.link "
            "FROM articles a JOIN feeds f ON f.id = a.feed_id JOIN article_text t ON t.id = a.id "
            "WHERE a.id = ?", (id,)).fetchone()
        if r is None:
            return None
        encs: list[Enclosure] = []
        for x in _json_tuple(r[13]):
            if isinstance(x, list) and len(x) == 3 and isinstance(x[0], str):
                encs.append(Enclosure(x[0], x[1] if isinstance(x[1], str) else "",
                                      x[2] if isinstance(x[2], int) else None))
        return Article(id=r[0], feed_id=r[1], feed_url=r[2], feed_title=r[3], title=r[4], link=r[5], author=r[6],
                       published=r[7], updated=r[8], first_seen=r[9], summary=r[10], content=r[11], fulltext=r[12],
                       enclosures=tuple(encs), tags=tuple(t for t in _json_tuple(r[14]) if isinstance(t, str)),
                       read=bool(r[15]), starred=bool(r[16]), feed_link=r[17])

    # --- read / starred --------------------------------------------------------------------

    @_guard
    def set_read(self, ids: Sequence[int], read: bool, now: int) -> list[tuple[int, bool]]:
        """Mark ``ids`` read or unread; returns the previous (id, read) of every existing id,
        in the order given, so the caller can undo exactly."""
        order = list(dict.fromkeys(ids))
        prev: dict[int, bool] = {}
        with self._write() as con:
            for chunk in _chunks(order):
                marks = _marks(len(chunk))
                for aid, was in con.execute(f"SELECT id, read FROM articles WHERE id IN ({marks})", tuple(chunk)):
                    prev[aid] = bool(was)
                con.execute(f"UPDATE articles SET read = ?, read_at = ? WHERE id IN ({marks}) AND read != ?",
                            (int(read), now if read else None, *chunk, int(read)))
        return [(aid, prev[aid]) for aid in order if aid in prev]

    @_guard
    def set_starred(self, id: int, starred: bool, now: int) -> bool:
        """Star or unstar one article; returns its previous state (False if it does not exist)."""
        with self._write() as con:
            row = con.execute("SELECT starred FROM articles WHERE id = ?", (id,)).fetchone()
            if row is None:
                return False
            if bool(row[0]) != starred:
                con.execute("UPDATE articles SET starred = ?, starred_at = ? WHERE id = ?",
                            (int(starred), now if starred else None, id))
            return bool(row[0])

    @_guard
    def mark_view_read(self, view: View, now: int) -> list[int]:
        """Mark every unread article of ``view`` read; returns the ids changed (undo:
        ``set_read(ids, False, now)``). Selection and update are one transaction."""
        unread_view = View(kind=view.kind, feed_id=view.feed_id, tag=view.tag, query=view.query, unread_only=True)
        if view.kind == "search":
            self.index_pending()
        with self._write() as con:
            ids = self.article_ids(unread_view)
            for chunk in _chunks(ids):
                con.execute(f"UPDATE articles SET read = 1, read_at = ? WHERE id IN ({_marks(len(chunk))})",
                            (now, *chunk))
        return ids

    @_guard
    def next_unread(self, after_id: int | None, view: View) -> int | None:
        """The unread article ``n`` goes to from ``after_id`` (None: from the top).

        Order of the search: (1) below ``after_id`` in the view's order; (2) from the top of
        the view (wrap around). For a single-feed view that has no other unread article, the
        search then crosses feeds the way newsboat does, in the *All* ordering: (3) below
        ``after_id`` in All, (4) from the top of All. ``after_id`` itself is never returned.
        None when no unread article is left.
        """
        pos = None
        if after_id is not None:
            row = self._con.execute("SELECT sort_date, id FROM articles WHERE id = ?", (after_id,)).fetchone()
            pos = (row[0], row[1]) if row else None
        views = [View(kind=view.kind, feed_id=view.feed_id, tag=view.tag, query=view.query, unread_only=True)]
        if view.kind == "feed":
            views.append(View(kind="all", unread_only=True))
        for v in views:
            where = self._view_where(v)
            if where is None:
                continue
            cond, args = where
            base = f"SELECT a.id FROM articles a WHERE {cond}"
            if pos is not None:
                row = self._con.execute(
                    base + " AND (a.sort_date, a.id) < (?, ?) "  # a row value: an index range, not a scan
                    "ORDER BY a.sort_date DESC, a.id DESC LIMIT 1", (*args, pos[0], pos[1])).fetchone()
                if row:
                    return row[0]
            row = self._con.execute(base + " AND a.id != ? ORDER BY a.sort_date DESC, a.id DESC LIMIT 1",
                                    (*args, after_id if after_id is not None else -1)).fetchone()
            if row:
                return row[0]
        return None

    # --- retention -------------------------------------------------------------------------

    @_guard
    def prune(self, keep_days: int, now: int) -> int:
        """Delete old read articles (newsboat's keep-articles-days); returns how many.

        Deleted: read, not starred, sort date *and* first-seen time older than ``keep_days``,
        and no longer in its feed (not seen in the feed's latest fetch that delivered entries:
        deleting an article the feed still lists would bring it back as new and unread on
        the next refresh). Unread and starred articles are never deleted; ``keep_days`` <= 0
        keeps everything.
        """
        if keep_days <= 0:
            return 0
        cutoff = now - keep_days * 86400
        ids = [r[0] for r in self._con.execute(
            "SELECT a.id FROM articles a JOIN feeds f ON f.id = a.feed_id "
            "WHERE a.read = 1 AND a.starred = 0 AND a.sort_date < ? AND a.first_seen < ? "
            "AND f.entries_at IS NOT NULL AND a.last_seen < f.entries_at", (cutoff, cutoff))]
        deleted = 0
        for chunk in _chunks(ids):
            with self._write() as con:
                # Re-check inside the transaction: another process may have starred or unread one.
                marks = _marks(len(chunk))
                still = [r[0] for r in con.execute(
                    f"SELECT id FROM articles WHERE id IN ({marks}) AND read = 1 AND starred = 0", tuple(chunk))]
                self._fts_delete(con, still)
                for sub in _chunks(still):
                    deleted += con.execute(f"DELETE FROM articles WHERE id IN ({_marks(len(sub))})",
                                           tuple(sub)).rowcount
        return deleted

    # --- full text, story highlights, rule flags -------------------------------------------

    @_guard
    def set_fulltext(self, id: int, text: str | None) -> None:
        """Store (or with None forget) the main text fetched for an article."""
        with self._write() as con:
            con.execute("UPDATE article_text SET fulltext = ? WHERE id = ?",
                        (clean_text(text) if text is not None else None, id))

    @_guard
    def cached_highlights(self, id: int, text_hash: str) -> list[str] | None:
        """Story highlights computed earlier from the same text, else None."""
        row = self._con.execute("SELECT highlights, highlights_hash FROM article_text WHERE id = ?", (id,)).fetchone()
        if row is None or row[0] is None or row[1] != text_hash:
            return None
        return [s for s in _json_tuple(row[0]) if isinstance(s, str)]

    @_guard
    def store_highlights(self, id: int, text_hash: str, sentences: Sequence[str]) -> None:
        with self._write() as con:
            con.execute("UPDATE article_text SET highlights = ?, highlights_hash = ? WHERE id = ?",
                        (json.dumps(list(sentences), ensure_ascii=False), text_hash, id))

    @_guard
    def set_flags(self, column: str, ids_true: Iterable[int], *, scope_ids: Iterable[int] | None = None) -> None:
        """Set ``column`` ("hidden" or "highlighted") to 1 for ``ids_true`` and to 0 for the
        other articles of ``scope_ids`` (every article when None). Only rows whose flag
        changes are written."""
        if column not in ("hidden", "highlighted"):
            raise ValueError(f"not a rule flag: {column!r}")
        with self._write() as con:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS flag_true (id INTEGER PRIMARY KEY)")
            con.execute("DELETE FROM temp.flag_true")
            con.executemany("INSERT OR IGNORE INTO temp.flag_true (id) VALUES (?)", ((i,) for i in ids_true))
            flag = "(id IN (SELECT id FROM temp.flag_true))"
            if scope_ids is None:
                con.execute(f"UPDATE articles SET {column} = {flag} WHERE {column} != {flag}")
            else:
                con.execute("CREATE TEMP TABLE IF NOT EXISTS flag_scope (id INTEGER PRIMARY KEY)")
                con.execute("DELETE FROM temp.flag_scope")
                con.executemany("INSERT OR IGNORE INTO temp.flag_scope (id) VALUES (?)", ((i,) for i in scope_ids))
                con.execute(f"UPDATE articles SET {column} = {flag} WHERE {column} != {flag} AND "
                            f"(id IN (SELECT id FROM temp.flag_scope) OR id IN (SELECT id FROM temp.flag_true))")

    def iter_texts(self, *, batch: int = 2000, min_id: int = 0) -> Iterator[tuple[int, str, str, str, str, str]]:
        """(id, feed_url, title, author, summary, content) of every article with id >= ``min_id``,
        in id order, fetched ``batch`` rows at a time (no read transaction stays open between
        batches, so the caller may write, e.g. :meth:`set_flags`, while iterating)."""
        last = min_id - 1
        while True:
            try:
                rows = self._con.execute(
                    "SELECT a.id, f.url, a.title, a.author, t.summary, t.content FROM articles a "
                    "JOIN feeds f ON f.id = a.feed_id JOIN article_text t ON t.id = a.id "
                    "WHERE a.id > ? ORDER BY a.id LIMIT ?", (last, max(1, batch))).fetchall()
            except sqlite3.ProgrammingError:
                raise
            except sqlite3.DatabaseError as exc:
                raise self._error(exc) from exc
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    # --- small key/value state --------------------------------------------------------------

    @_guard
    def get_state(self, key: str) -> str | None:
        row = self._con.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @_guard
    def set_state(self, key: str, value: str) -> None:
        """Remember a small UI value (selected view, open article, theme...) across runs."""
        with self._write() as con:
            con.execute("INSERT INTO state (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    # --- maintenance ------------------------------------------------------------------------

    @_guard
    def integrity_check(self) -> str:
        """``"ok"``, or SQLite's findings joined on one line (for ``newstui check --db``-style use)."""
        problems = [r[0] for r in self._con.execute("PRAGMA integrity_check(20)")]
        try:
            self._con.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as exc:
            problems = [p for p in problems if p != "ok"] + [f"search index: {exc}"]
        return "; ".join(problems) if problems else "ok"


__all__ = ["APPLICATION_ID", "DB_NAME", "MIGRATIONS", "SCHEMA_VERSION", "FeedState", "Store", "fts_query"]
