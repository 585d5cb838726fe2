"""The SQLite store: opening and refusing files, upserts, views, search, retention, concurrency."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

import newstui.store as store_mod
from newstui.errors import StoreError
from newstui.models import Enclosure, ParsedEntry, View
from newstui.store import APPLICATION_ID, CHUNK, DB_NAME, SCHEMA_VERSION, Store, fts_query

DAY = 86400
T0 = 1_700_000_000


@dataclass(frozen=True, slots=True)
class Feed:
    """Same fields as config.FeedConfig (duck typing is all the store needs)."""

    url: str
    title: str | None = None
    tags: tuple[str, ...] = ()
    fulltext: bool = False
    line: int | None = None


A = "https://a.example/feed.xml"
B = "https://b.example/feed.xml"
C = "https://c.example/feed.xml"


def entry(key: str, title: str | None = None, *, published: int | None = None, summary: str = "",
          content: str = "", **kw: object) -> ParsedEntry:
    return ParsedEntry(key=key, title=title if title is not None else f"Title {key}",
                       link=f"https://x.example/{key}", published=published, summary=summary,
                       content=content, **kw)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "data") as st:
        st.sync_feeds([Feed(A, "Feed A", ("news", "tech")), Feed(B, None, ("news",)), Feed(C)])
        yield st


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(path), isolation_level=None)


# --- opening, pragmas, refusing files ---------------------------------------------------------

def test_new_database_schema_and_pragmas(tmp_path):
    with Store.open(tmp_path / "d" / "e") as st:
        assert st.path == tmp_path / "d" / "e" / DB_NAME
        con = st._con
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        assert {"feeds", "articles", "article_text", "articles_fts", "state", "articles_list",
                "articles_feed", "articles_unread"} <= names
        assert st.integrity_check() == "ok"
    # WAL is persistent: a plain connection sees it too.
    assert raw(tmp_path / "d" / "e" / DB_NAME).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopen_keeps_everything_and_restores_wal(tmp_path):
    with Store.open(tmp_path) as st:
        st.sync_feeds([Feed(A)])
        st.store_entries(A, [entry("1")], T0)
        st.set_state("view", "all")
    con = raw(tmp_path / DB_NAME)
    con.execute("PRAGMA journal_mode = DELETE")  # e.g. after a manual VACUUM INTO / copy
    con.close()
    with Store.open(tmp_path) as st:
        assert st.unread_total() == 1 and st.get_state("view") == "all"
        assert st._con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _future_db(tmp_path: Path) -> Path:
    with Store.open(tmp_path) as st:
        st.sync_feeds([Feed(A)])
    path = tmp_path / DB_NAME
    con = raw(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.execute("PRAGMA journal_mode = DELETE")  # no -wal left: the file alone is the database
    con.close()
    return path


def test_database_from_a_newer_version_is_refused_untouched(tmp_path):
    path = _future_db(tmp_path)
    before = path.read_bytes()
    with pytest.raises(StoreError) as err:
        Store(path)
    msg = str(err.value)
    assert msg == (f"{path} is from a newer newstui (schema v{SCHEMA_VERSION + 1} > v{SCHEMA_VERSION}); "
                   "upgrade newstui")
    assert path.read_bytes() == before


def _newstui_db(tmp_path: Path, n: int = 300) -> Path:
    with Store.open(tmp_path) as st:
        st.sync_feeds([Feed(A)])
        st.store_entries(A, [entry(str(i), content="<p>" + "word " * 200 + "</p>") for i in range(n)], T0)
    path = tmp_path / DB_NAME
    assert not (tmp_path / (DB_NAME + "-wal")).exists()  # checkpointed on close
    return path


def _foreign(kind: str, path: Path) -> None:
    if kind == "text":
        path.write_text("feeds = [1, 2, 3]\n")
    elif kind == "random":
        path.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(8192)))
    elif kind == "short-sqlite-magic":
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20)
    elif kind == "magic-then-garbage":
        path.write_bytes(b"SQLite format 3\x00" + bytes((i * 31) % 256 for i in range(8192 - 16)))
    elif kind in ("other-app", "other-app-id"):
        con = raw(path)
        con.execute("CREATE TABLE contacts (name TEXT)")
        con.execute("INSERT INTO contacts VALUES ('x')")
        if kind == "other-app-id":
            con.execute("PRAGMA application_id = 1234")
        con.close()
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["text", "random", "short-sqlite-magic", "magic-then-garbage", "other-app",
                                  "other-app-id"])
def test_foreign_or_corrupt_file_is_refused_and_left_byte_identical(tmp_path, kind):
    path = tmp_path / DB_NAME
    _foreign(kind, path)
    before = path.read_bytes()
    with pytest.raises(StoreError) as err:
        Store.open(tmp_path)
    msg = str(err.value)
    assert str(path) in msg and "\n" not in msg
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(DB_NAME) and p.stat().st_size) == [DB_NAME]


_CRASHING_WRITER = r"""
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA journal_mode = WAL")
con.execute("PRAGMA wal_autocheckpoint = 0")
con.execute("CREATE TABLE notes (body TEXT)")
con.execute("INSERT INTO notes VALUES ('not yet checkpointed')")
os._exit(0)  # no close: the data stays in the -wal file
"""


def test_foreign_wal_database_is_not_checkpointed_or_touched(tmp_path):
    path = tmp_path / DB_NAME
    subprocess.run([sys.executable, "-c", _CRASHING_WRITER, str(path)], check=True, timeout=60)
    wal = tmp_path / (DB_NAME + "-wal")
    assert wal.stat().st_size > 0
    before = (path.read_bytes(), wal.read_bytes())
    with pytest.raises(StoreError, match="not a newstui database"):
        Store(path)
    assert (path.read_bytes(), wal.read_bytes()) == before


@pytest.mark.parametrize("how", ["half", "page-aligned"])
def test_truncated_database_is_refused_and_left_byte_identical(tmp_path, how):
    path = _newstui_db(tmp_path)
    data = path.read_bytes()
    page = int.from_bytes(data[16:18], "big")
    cut = len(data) // 2 + (0 if how == "page-aligned" else 100)
    cut -= cut % page if how == "page-aligned" else 0
    path.write_bytes(data[:cut])
    before = path.read_bytes()
    with pytest.raises(StoreError, match="truncated") as err:
        Store(path)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before


def test_corrupt_pages_give_store_errors_not_tracebacks_and_no_writes(tmp_path):
    path = _newstui_db(tmp_path)
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for off in range(page, len(data), page):  # every page but the first (the schema root)
        data[off:off + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError) as err:
        with Store(path) as st:
            st.unread_total()
            st.article_ids(View())
            st.integrity_check()
            st.store_entries(A, [entry("new")], T0)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", ["zero-bytes", "empty-sqlite"])
def test_empty_files_become_a_newstui_database(tmp_path, kind):
    path = tmp_path / DB_NAME
    if kind == "zero-bytes":
        path.write_bytes(b"")
    else:
        con = raw(path)
        con.execute("VACUUM")  # a valid one-page database with no tables
        con.close()
        assert path.stat().st_size > 0
    with Store(path) as st:
        st.sync_feeds([Feed(A)])
        assert [f.url for f in st.feeds()] == [A]


def test_data_dir_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="data directory"):
        Store.open(blocker / "sub")


def test_store_belongs_to_its_thread(store):
    errors: list[BaseException] = []

    def other() -> None:
        try:
            store.unread_total()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert len(errors) == 1 and isinstance(errors[0], sqlite3.ProgrammingError)


def test_lock_timeout_is_a_one_line_store_error(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT", 0.1)
    with Store.open(tmp_path) as st:
        holder = raw(st.path)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="locked"):
                st.set_state("k", "v")
            assert st.get_state("k") is None  # readers are not blocked by a writer (WAL)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        st.set_state("k", "v")
        assert st.get_state("k") == "v"


# --- feeds ----------------------------------------------------------------------------------

def test_sync_feeds_order_titles_tags_and_unsubscribe(store):
    rows = store.feeds()
    assert [(r.url, r.title, r.tags) for r in rows] == [
        (A, "Feed A", ("news", "tech")), (B, B, ("news",)), (C, C, ())]
    store.store_entries(C, [entry("c1"), entry("c2")], T0)
    c_ids = store.article_ids(View(kind="feed", feed_id=store.feed_id(C)))
    store.set_read(c_ids[:1], True, T0)
    store.sync_feeds([Feed(B, "Bee"), Feed(A, None, ("x",))])
    rows = store.feeds()
    assert [(r.url, r.title, r.tags) for r in rows] == [(B, "Bee", ()), (A, A, ("x",))]
    assert store.unread_total() == 0 and store.article_ids(View()) == []
    assert C in store.feed_states()  # kept, only unsubscribed
    store.sync_feeds([Feed(A), Feed(B), Feed(C)])  # configured again: articles and read state are back
    assert [r.url for r in store.feeds()] == [A, B, C]
    assert store.unread_total() == 1
    assert store.headlines(c_ids[:1])[c_ids[0]].read


def test_sync_feeds_writes_nothing_when_unchanged(store):
    feeds = [Feed(A, "Feed A", ("news", "tech")), Feed(B, None, ("news",)), Feed(C)]
    before = store._con.total_changes
    store.sync_feeds(feeds)
    assert store._con.total_changes == before
    store.sync_feeds(feeds + [Feed(A, "dup ignored")])  # a repeated URL keeps its first entry
    assert store._con.total_changes == before


def test_record_fetch_validators_errors_and_titles(store):
    store.record_fetch(A, now=T0, status=200, error=None, etag='"v1"', last_modified="Mon", title="Own A",
                       link="https://a.example/", next_due=T0 + 3600)
    st = store.feed_states()[A]
    assert (st.etag, st.last_modified, st.next_due, st.last_fetched, st.gone, st.moved_to) == (
        '"v1"', "Mon", T0 + 3600, T0, False, None)
    store.record_fetch(A, now=T0 + 1, status=304, error=None)  # None keeps validators
    assert store.feed_states()[A].etag == '"v1"'
    store.record_fetch(A, now=T0 + 2, status=0, error="timed out\x1b[2J after 30 s")
    row = store.feeds()[0]
    assert row.error == "timed out[2J after 30 s" and row.last_status == 0 and row.last_fetched == T0 + 2
    assert row.title == "Feed A" and row.link == "https://a.example/"  # the configured title wins
    store.record_fetch(A, now=T0 + 3, status=200, error=None, etag="", last_modified="",
                       moved_to="https://new.example/feed")
    st = store.feed_states()[A]
    assert (st.etag, st.last_modified, st.moved_to) == (None, None, "https://new.example/feed")
    assert store.feeds()[0].error is None
    store.record_fetch(B, now=T0, status=200, error=None, title="Bee's own", link="javascript:alert(1)")
    b = store.feeds()[1]
    assert b.title == "Bee's own" and b.link is None
    store.record_fetch(C, now=T0, status=410, error="gone", gone=True)
    assert store.feed_states()[C].gone and store.feeds()[2].gone
    with pytest.raises(StoreError, match="unknown feed"):
        store.record_fetch("https://nope.example/", now=T0, status=200, error=None)


# --- storing entries ------------------------------------------------------------------------

def test_refetch_updates_content_and_never_resets_read_or_starred(store):
    assert store.store_entries(A, [entry("1", summary="old words"), entry("2")], T0) == (2, 0)
    ids = store.article_ids(View())
    store.set_read(ids, True, T0)
    store.set_starred(ids[0], True, T0)
    assert store.store_entries(A, [entry("1", summary="old words"), entry("2")], T0 + 10) == (0, 0)
    assert store.store_entries(A, [entry("1", "New title", summary="new words"), entry("2")], T0 + 20) == (0, 1)
    assert sorted(store.article_ids(View())) == sorted(ids)
    heads = store.headlines(ids)
    assert all(h.read for h in heads.values()) and heads[ids[0]].starred
    art = next(store.article(i) for i in ids if store.article(i).title == "New title")
    assert art.summary == "new words" and art.read and art.first_seen == T0
    count = store._con.execute("SELECT update_count, last_seen FROM articles WHERE id = ?", (art.id,)).fetchone()
    assert count == (1, T0 + 20)
    assert store.unread_total() == 0


def test_duplicate_keys_in_one_batch_never_hit_unique(store):
    batch = [entry("dup", "First"), entry("dup", "Second"), entry("other"), entry("dup", "Third")]
    assert store.store_entries(A, batch, T0) == (2, 0)
    titles = {h.title for h in store.headlines(store.article_ids(View())).values()}
    assert titles == {"First", "Title other"}
    assert store.store_entries(A, batch, T0 + 1) == (0, 0)
    # The same key in another feed is another article.
    assert store.store_entries(B, batch, T0) == (2, 0)


def test_articles_missing_from_the_latest_fetch_stay(store):
    store.store_entries(A, [entry("1"), entry("2"), entry("3")], T0)
    store.store_entries(A, [entry("3")], T0 + 100)
    store.store_entries(A, [], T0 + 200)
    assert len(store.article_ids(View())) == 3


def test_order_dates_and_feed_order_for_undated_entries(store):
    store.store_entries(A, [entry("top"), entry("middle"), entry("bottom")], T0)
    store.store_entries(B, [entry("old", published=T0 - DAY), entry("new", published=T0 + 60)], T0)
    heads = store.headlines(store.article_ids(View()))
    order = [heads[i].title for i in store.article_ids(View())]
    assert order == ["Title new", "Title top", "Title middle", "Title bottom", "Title old"]
    by_title = {h.title: h for h in heads.values()}
    assert by_title["Title old"].date == T0 - DAY and by_title["Title old"].date_known
    assert by_title["Title top"].date == T0 and not by_title["Title top"].date_known
    assert by_title["Title top"].feed_title == "Feed A" and by_title["Title new"].feed_title == B


def test_article_round_trip(store):
    e = entry("1", "Héllo", published=T0 - 5, summary="<p>s</p>", content="<p>c</p>", author="Ann",
              updated=T0 - 1, enclosures=(Enclosure("https://cdn.example/a.mp3", "audio/mpeg", 12),),
              tags=("x", "y"))
    store.record_fetch(A, now=T0, status=200, error=None, link="https://a.example/")
    store.store_entries(A, [e], T0)
    (aid,) = store.article_ids(View())
    art = store.article(aid)
    assert (art.title, art.author, art.published, art.updated, art.first_seen, art.summary, art.content) == (
        "Héllo", "Ann", T0 - 5, T0 - 1, T0, "<p>s</p>", "<p>c</p>")
    assert art.enclosures == (Enclosure("https://cdn.example/a.mp3", "audio/mpeg", 12),)
    assert art.tags == ("x", "y") and art.feed_url == A and art.feed_title == "Feed A"
    assert art.feed_link == "https://a.example/" and art.link == "https://x.example/1" and art.fulltext is None
    assert store.article(aid + 1000) is None
    assert store.headlines([aid, aid + 1000]).keys() == {aid}


def test_lone_surrogates_are_sanitised_instead_of_failing(store):
    bad = entry("s", "bad \ud800 title", summary="x\udfffy")
    assert store.store_entries(A, [bad, entry("ok")], T0) == (2, 0)
    arts = [store.article(i) for i in store.article_ids(View())]
    assert {a.title for a in arts} == {"bad \ufffd title", "Title ok"}
    assert store.store_entries(A, [bad], T0 + 1) == (0, 0)  # same entry: unchanged, not re-stored


def test_unknown_feed_is_an_error(store):
    with pytest.raises(StoreError, match="unknown feed"):
        store.store_entries("https://nope.example/", [entry("1")], T0)


# --- views ------------------------------------------------------------------------------------

@pytest.fixture
def populated(store):
    """A: a1..a3, B: b1..b2, C: c1 (C later unsubscribed in some tests); dates spread out."""
    store.store_entries(A, [entry("a1", "alpha one", published=T0 + 10), entry("a2", "alpha two", published=T0 + 40),
                            entry("a3", "alpha three", published=T0 + 60)], T0)
    store.store_entries(B, [entry("b1", "beta one", published=T0 + 20), entry("b2", "beta two", published=T0 + 50)],
                        T0)
    store.store_entries(C, [entry("c1", "gamma one", published=T0 + 30)], T0)
    ids = {h.title: h.id for h in store.headlines(store.article_ids(View())).values()}
    return store, ids


def titles(st: Store, view: View) -> list[str]:
    ids = st.article_ids(view)
    heads = st.headlines(ids)
    return [heads[i].title for i in ids]


def test_views_of_each_kind_and_unread_only(populated):
    st, ids = populated
    fa = st.feed_id(A)
    assert titles(st, View()) == ["alpha three", "beta two", "alpha two", "gamma one", "beta one", "alpha one"]
    st.set_read([ids["beta two"], ids["alpha one"]], True, T0)
    st.set_starred(ids["alpha two"], True, T0)
    st.set_starred(ids["beta two"], True, T0)
    st.set_flags("highlighted", [ids["gamma one"], ids["alpha three"]])
    assert titles(st, View(kind="unread")) == ["alpha three", "alpha two", "gamma one", "beta one"]
    assert titles(st, View(unread_only=True)) == titles(st, View(kind="unread"))
    assert titles(st, View(kind="starred")) == ["beta two", "alpha two"]
    assert titles(st, View(kind="starred", unread_only=True)) == ["alpha two"]
    assert titles(st, View(kind="highlighted")) == ["alpha three", "gamma one"]
    assert titles(st, View(kind="feed", feed_id=fa)) == ["alpha three", "alpha two", "alpha one"]
    assert titles(st, View(kind="feed", feed_id=fa, unread_only=True)) == ["alpha three", "alpha two"]
    assert titles(st, View(kind="tag", tag="tech")) == ["alpha three", "alpha two", "alpha one"]
    assert titles(st, View(kind="tag", tag="news", unread_only=True)) == ["alpha three", "alpha two", "beta one"]
    assert titles(st, View(kind="tag", tag="none")) == []
    assert titles(st, View(kind="search", query="one")) == ["gamma one", "beta one", "alpha one"]
    assert titles(st, View(kind="search", query="one", unread_only=True)) == ["gamma one", "beta one"]
    assert titles(st, View(kind="feed")) == [] and titles(st, View(kind="tag")) == []
    assert st.article_ids(View(), limit=2) == [ids["alpha three"], ids["beta two"]]
    with pytest.raises(ValueError):
        st.article_ids(View(kind="bogus"))
    # Counts: unread/total per feed.
    assert [(r.unread, r.total) for r in st.feeds()] == [(2, 3), (1, 2), (1, 1)]
    assert st.unread_total() == 4


def test_hidden_articles_and_unsubscribed_feeds_are_left_out_everywhere(populated):
    st, ids = populated
    st.set_flags("hidden", [ids["alpha three"]])
    st.sync_feeds([Feed(A, "Feed A", ("news", "tech")), Feed(B, None, ("news",))])  # C unsubscribed
    assert "alpha three" not in titles(st, View()) and "gamma one" not in titles(st, View())
    assert titles(st, View(kind="feed", feed_id=st.feed_id(A))) == ["alpha two", "alpha one"]
    assert titles(st, View(kind="search", query="alpha")) == ["alpha two", "alpha one"]
    assert titles(st, View(kind="feed", feed_id=st.feed_id(C))) == []
    assert [(r.unread, r.total) for r in st.feeds()] == [(2, 2), (2, 2)]
    assert st.unread_total() == 4
    assert ids["alpha three"] in st.article_ids(View(), include_hidden=True)
    changed = st.mark_view_read(View(), T0)
    assert sorted(changed) == sorted(ids[t] for t in ("alpha two", "alpha one", "beta two", "beta one"))
    assert not st.headlines([ids["alpha three"], ids["gamma one"]])[ids["gamma one"]].read


def test_set_flags_with_scope(populated):
    st, ids = populated
    st.set_flags("hidden", [ids["alpha one"], ids["beta one"]])
    st.set_flags("hidden", [ids["alpha two"]], scope_ids=[ids["alpha one"], ids["alpha two"]])
    hidden = {t for t, i in ids.items() if i not in st.article_ids(View())}
    assert hidden == {"alpha two", "beta one"}  # beta one was outside the scope: untouched
    st.set_flags("hidden", ())
    assert len(st.article_ids(View())) == 6
    with pytest.raises(ValueError):
        st.set_flags("read", [1])


def test_set_read_returns_previous_state_and_handles_many_ids(store):
    n = CHUNK * 2 + 17
    store.store_entries(A, [entry(str(i)) for i in range(n)], T0)
    ids = store.article_ids(View())
    assert store.set_read(ids[:3], True, T0) == [(i, False) for i in ids[:3]]
    prev = store.set_read(ids + [10**9, ids[0]], True, T0 + 1)
    assert prev == [(i, i in ids[:3]) for i in ids]
    assert store.unread_total() == 0
    assert store._con.execute("SELECT read_at FROM articles WHERE id = ?", (ids[0],)).fetchone()[0] == T0
    # Undo from the returned pairs.
    store.set_read([i for i, was in prev if not was], False, T0 + 2)
    assert store.unread_total() == n - 3


def test_set_starred_returns_previous(populated):
    st, ids = populated
    aid = ids["beta one"]
    assert st.set_starred(aid, True, T0) is False
    assert st.set_starred(aid, True, T0) is True
    assert st.set_starred(aid, False, T0) is True
    assert st.set_starred(10**9, True, T0) is False


def test_mark_view_read_and_undo(populated):
    st, ids = populated
    st.set_read([ids["alpha two"]], True, T0)
    changed = st.mark_view_read(View(kind="feed", feed_id=st.feed_id(A)), T0 + 1)
    assert sorted(changed) == sorted([ids["alpha one"], ids["alpha three"]])
    assert [(r.unread, r.total) for r in st.feeds()][0] == (0, 3)
    assert st.mark_view_read(View(kind="feed", feed_id=st.feed_id(A)), T0 + 2) == []
    st.set_read(changed, False, T0 + 3)
    assert [(r.unread, r.total) for r in st.feeds()][0] == (2, 3)
    assert st.headlines([ids["alpha two"]])[ids["alpha two"]].read  # read before: stays read
    changed = st.mark_view_read(View(kind="search", query="beta"), T0)
    assert sorted(changed) == sorted([ids["beta one"], ids["beta two"]])


def test_next_unread_in_view_order_wraps_and_crosses_feeds(populated):
    st, ids = populated
    order = ["alpha three", "beta two", "alpha two", "gamma one", "beta one", "alpha one"]
    assert st.next_unread(None, View()) == ids["alpha three"]
    assert st.next_unread(ids["beta two"], View()) == ids["alpha two"]
    st.set_read([ids["alpha two"], ids["gamma one"]], True, T0)
    assert st.next_unread(ids["beta two"], View()) == ids["beta one"]
    assert st.next_unread(ids["alpha one"], View()) == ids["alpha three"]  # wraps to the top
    fa = View(kind="feed", feed_id=st.feed_id(A))
    assert st.next_unread(ids["alpha three"], fa) == ids["alpha one"]
    assert st.next_unread(ids["alpha one"], fa) == ids["alpha three"]  # wraps inside the feed first
    st.set_read([ids["alpha one"], ids["alpha three"]], True, T0)
    # Feed A has nothing unread left: continue in the All ordering below the current article.
    assert st.next_unread(ids["alpha two"], fa) == ids["beta one"]
    assert st.next_unread(ids["alpha one"], fa) == ids["beta two"]  # nothing below: top of All
    st.mark_view_read(View(), T0)
    assert st.next_unread(None, View()) is None and st.next_unread(ids["alpha one"], fa) is None
    assert order  # (documents the All ordering used above)


def test_next_unread_skips_the_current_article(populated):
    st, ids = populated
    st.mark_view_read(View(), T0)
    st.set_read([ids["beta one"]], False, T0)
    assert st.next_unread(ids["beta one"], View()) is None
    assert st.next_unread(ids["alpha two"], View(kind="starred")) is None


# --- search ---------------------------------------------------------------------------------

@pytest.fixture
def searchable(store):
    store.store_entries(A, [
        entry("1", "Near the river", summary="<p>Boats &amp; <b>bridges</b></p>", published=T0 + 1),
        entry("2", "Café culture", content="<div>Espresso in <i>Paris</i>; e-mail us</div>", published=T0 + 2),
        entry("3", "日本語のニュース", summary="東京 news in Japanese", published=T0 + 3),
        entry("4", 'Quotes "inside" title', content="<p>a (parenthesised) remark, price -5 * 3</p>",
              published=T0 + 4),
        entry("5", "Feeds and feeders", summary="<script>ignored</script> readers of rss", published=T0 + 5),
    ], T0)
    ids = {h.title: h.id for h in store.headlines(store.article_ids(View())).values()}
    return store, ids


def found(st: Store, q: str) -> set[str]:
    heads = st.headlines(st.search(q))
    return {h.title for h in heads.values()}


def test_search_title_summary_and_content(searchable):
    st, ids = searchable
    assert found(st, "bridges") == {"Near the river"}       # summary, tag-stripped
    assert found(st, "boats bridges") == {"Near the river"}  # every word must match
    assert found(st, "boats paris") == set()
    assert found(st, "espresso") == {"Café culture"}        # content
    assert found(st, "cafe") == {"Café culture"}            # diacritics folded
    assert found(st, "CAFÉ") == {"Café culture"}
    assert found(st, "feed") == {"Feeds and feeders"}       # prefix match for longer words
    assert found(st, "东京") == set() and found(st, "東京") == {"日本語のニュース"}
    assert found(st, "日本語") == {"日本語のニュース"}
    assert found(st, '"the river"') == {"Near the river"}   # a quoted phrase
    assert found(st, '"river the"') == set()
    assert found(st, "amp") == set()                        # entities decoded, not indexed as words
    assert st.search("rss", limit=0) == []
    assert found(st, "espress") == {"Café culture"}
    assert found(st, "e-mail") == {"Café culture"}
    assert found(st, "e") == {"Café culture"}  # short words match exactly: the "e" of "e-mail"
    assert found(st, "rea") == set()           # ... and not as prefixes ("readers")


@pytest.mark.parametrize("query", [
    '"', '""', '"""', "'", "NEAR", "NEAR(river bridges)", "near/3", "AND", "OR", "NOT", "river OR paris",
    "river NOT boats", "*", "river*", "-river", "-", "(", ")", "(river", "river)", "^river", "title:river",
    "{title}: river", "+", ":", "\\", "river\\", "\x00river", "r\u0301iver", "🦀", "river 🦀", "日本語 OR",
    "a" * 5000, " ".join(["river"] * 300), "\u202eriver", "NEAR(\"river\" \"bridges\", 1)", '"unbalanced',
])
def test_hostile_search_queries_never_raise(searchable, query):
    st, _ = searchable
    res = st.search(query)
    assert isinstance(res, list)
    assert all(isinstance(i, int) for i in res)
    assert st.article_ids(View(kind="search", query=query)) == res
    assert isinstance(st.search_terms(query), list)


def test_search_operators_are_plain_words(searchable):
    st, _ = searchable
    assert found(st, "NEAR") == {"Near the river"}
    assert found(st, "river OR paris") == set()  # OR is a word here, and no article has all three
    assert found(st, "-river") == {"Near the river"}
    assert found(st, "(parenthesised)") == {'Quotes "inside" title'}
    assert found(st, '"inside"') == {'Quotes "inside" title'}
    assert found(st, 'quotes"inside') == {'Quotes "inside" title'}
    assert found(st, "title:river") == set()  # not a column filter: the phrase "title river"
    assert found(st, "river:near") == set()
    assert found(st, "river*") == {"Near the river"}
    for empty in ("", "   ", '"', "* - ( )", "🦀"):
        assert st.search(empty) == [] and st.search_terms(empty) == []


def test_fts_query_builder():
    assert fts_query("") == (None, [])
    assert fts_query("river") == ('"river"*', ["river"])
    assert fts_query("on NEAR") == ('"on" AND "NEAR"*', ["on", "NEAR"])
    assert fts_query('say "hi there" x"y') == ('"say" AND "hi there" AND "x""y"', ["say", "hi there", 'x"y'])
    assert fts_query("a a A") == ('"a" AND "A"', ["a", "A"])
    assert fts_query("_ -- ()") == (None, [])


def test_search_follows_content_changes_and_pruning(store):
    store.store_entries(A, [entry("1", "Plain", summary="zebra stripes")], T0)
    assert len(store.search("zebra")) == 1
    store.store_entries(A, [entry("1", "Plain", summary="giraffe neck")], T0 + 1)
    assert store.search("zebra") == [] and len(store.search("giraffe")) == 1
    assert store.pending_index_count() == 0
    store.store_entries(A, [entry("2", "Other", summary="okapi")], T0 + 2)
    assert store.pending_index_count() == 1
    assert store.index_pending() == 1 and store.pending_index_count() == 0
    store.set_read(store.article_ids(View()), True, T0 + 3)
    assert store.prune(1, T0 + 5 * DAY) == 1  # "1" left the feed in the last fetch; "2" has not
    assert store.search("giraffe") == [] and len(store.search("okapi")) == 1
    assert store.integrity_check() == "ok"


def test_search_terms_for_highlighting(store):
    assert store.search_terms('Rust "memory safety" NEAR(') == ["Rust", "memory safety", "NEAR("]


# --- retention ------------------------------------------------------------------------------

def test_prune_rules(store):
    old = T0 - 100 * DAY
    store.store_entries(A, [entry(k, published=old) for k in ("read", "starred", "unread", "still", "recent")], old)
    ids = {h.title.removeprefix("Title "): h.id for h in store.headlines(store.article_ids(View())).values()}
    store.store_entries(A, [entry("still", published=old), entry("fresh", published=T0)], T0 - DAY)
    store.store_entries(B, [entry("first-seen-recently", published=old)], T0 - DAY)
    store.store_entries(B, [], T0)
    every = store.article_ids(View())
    store.set_read(every, True, T0)
    store.set_read([ids["unread"]], False, T0)
    store.set_starred(ids["starred"], True, T0)
    assert store.prune(0, T0) == 0 and store.prune(-1, T0) == 0
    assert store.prune(30, T0) == 2  # "read" and "recent" (published old; left the feed; first seen long ago)
    left = {h.title.removeprefix("Title ") for h in store.headlines(store.article_ids(View())).values()}
    assert left == {"starred", "unread", "still", "fresh", "first-seen-recently"}
    assert store.prune(30, T0) == 0
    assert store._con.execute("SELECT count(*) FROM article_text").fetchone()[0] == 5
    assert store.integrity_check() == "ok"


# --- full text, highlights, rules, state -----------------------------------------------------

def test_fulltext_and_highlight_cache(populated):
    st, ids = populated
    aid = ids["alpha one"]
    st.set_fulltext(aid, "Main text\x1b[31m here")
    assert st.article(aid).fulltext == "Main text[31m here"
    st.set_fulltext(aid, None)
    assert st.article(aid).fulltext is None
    assert st.cached_highlights(aid, "h1") is None
    st.store_highlights(aid, "h1", ["First.", "Second — ünïcode."])
    assert st.cached_highlights(aid, "h1") == ["First.", "Second — ünïcode."]
    assert st.cached_highlights(aid, "h2") is None
    st.store_highlights(aid, "h2", [])
    assert st.cached_highlights(aid, "h2") == [] and st.cached_highlights(aid, "h1") is None


def test_iter_texts_batches_and_min_id(populated):
    st, ids = populated
    rows = list(st.iter_texts(batch=2))
    assert [r[0] for r in rows] == sorted(ids.values())
    by_id = {r[0]: r for r in rows}
    assert by_id[ids["beta one"]][1:4] == (B, "beta one", "")
    cut = sorted(ids.values())[3]
    assert [r[0] for r in st.iter_texts(batch=1, min_id=cut)] == sorted(i for i in ids.values() if i >= cut)
    # Writing between batches is allowed (apply_rules does it).
    for aid, *_ in st.iter_texts(batch=1):
        st.set_flags("highlighted", [aid], scope_ids=[aid])
    assert len(st.article_ids(View(kind="highlighted"))) == 6
    assert st.max_article_id() == max(ids.values())


def test_state_table(store):
    assert store.get_state("theme") is None
    store.set_state("theme", "nord")
    store.set_state("theme", "gruvbox")
    store.set_state("view", '{"kind": "feed", "feed_id": 3}')
    assert store.get_state("theme") == "gruvbox"
    assert store.get_state("view") == '{"kind": "feed", "feed_id": 3}'


# --- concurrency ----------------------------------------------------------------------------

_WRITER = r"""
import sys, time
from pathlib import Path
from newstui.models import ParsedEntry
from newstui.store import Store
path, url, prefix, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
while not go.exists():
    time.sleep(0.005)
with Store(path) as st:
    for t in range(40):
        batch = [ParsedEntry(key=f"{prefix}-{t}-{i}", title=f"{prefix} {t} {i}", link=None, summary="x " * 300)
                 for i in range(25)]
        assert st.store_entries(url, batch, 1_700_000_000 + t) == (25, 0)
        st.set_state(f"{prefix}-{t}", "done")
        if t % 5 == 0:
            st.set_read([st.max_article_id()], True, 1)
print("ok")
"""


def test_two_processes_writing_at_once_lose_nothing(tmp_path, store):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(store.path), url, name, str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for url, name in ((A, "pa"), (B, "pb"))]
    go.touch()
    # Meanwhile this process (the "TUI") reads and writes too.
    for i in range(30):
        store.set_state(f"ui-{i}", "x")
        store.unread_total()
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip() == "ok"
    rows = {r.url: r for r in store.feeds()}
    assert rows[A].total == rows[B].total == 1000
    assert rows[A].unread + rows[B].unread == 2000 - sum(1 for r in store._con.execute(
        "SELECT 1 FROM articles WHERE read = 1"))
    assert store._con.execute("SELECT count(*) FROM state").fetchone()[0] == 30 + 80
    assert store.integrity_check() == "ok"


_CREATOR = r"""
import sys, time
from pathlib import Path
from newstui.store import Store
path, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    time.sleep(0.002)
with Store(path) as st:
    st.set_state(sys.argv[3], "here")
print("ok")
"""


def test_two_processes_creating_the_database_at_once(tmp_path):
    path = tmp_path / DB_NAME
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _CREATOR, str(path), str(go), name],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("p1", "p2")]
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0 and out.strip() == "ok", err
    with Store(path) as st:
        assert st.get_state("p1") == st.get_state("p2") == "here"


def test_a_reader_sees_writes_of_another_store_in_the_same_process(tmp_path):
    with Store.open(tmp_path) as ui, Store.open(tmp_path) as worker:
        worker.sync_feeds([Feed(A)])
        ui.sync_feeds([Feed(A)])
        worker.store_entries(A, [entry("1"), entry("2")], T0)
        assert ui.unread_total() == 2
        ui.set_read(ui.article_ids(View())[:1], True, T0)
        assert worker.unread_total() == 1
