"""A newstui.db that is not a healthy newstui database is reported, never repaired or replaced.

Random bytes, a truncated copy of a real database, a damaged schema page, another
application's SQLite file and a database from a future newstui: ``newstui unread`` and
``newstui refresh`` print one clear line, exit non-zero, fetch nothing, and leave the file
byte for byte as it was.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from newstui.store import DB_NAME, SCHEMA_VERSION, Store
from newstui.update import refresh

from conftest import Response
from robust_support import cli, make_config, no_traceback, rss, write_toml


@pytest.fixture(scope="module")
def healthy_db(tmp_path_factory) -> Path:
    """A real newstui.db with articles, checkpointed so the main file holds everything."""
    from conftest import FeedServer

    srv = FeedServer()
    try:
        url = srv.add("/f.xml", Response(rss([(f"g{i}", f"Story {i} " + "text " * 40) for i in range(300)])))
        data = tmp_path_factory.mktemp("healthy")
        refresh(make_config([url]), data)
    finally:
        srv.close()
    with Store.open(data) as st:
        st.index_pending()
    con = sqlite3.connect(data / DB_NAME)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")
    con.close()
    assert not (data / (DB_NAME + "-wal")).exists()
    return data / DB_NAME


def _random_bytes(path: Path, healthy: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(64 * 1024))


def _truncated(path: Path, healthy: Path) -> None:
    data = healthy.read_bytes()
    assert len(data) > 8 * 4096
    path.write_bytes(data[: len(data) // 2])


def _bad_schema_page(path: Path, healthy: Path) -> None:
    data = bytearray(healthy.read_bytes())
    data[100:4096] = random.Random(8).randbytes(4096 - 100)
    path.write_bytes(bytes(data))


def _foreign(path: Path, healthy: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
    con.executemany("INSERT INTO moz_places (url, title) VALUES (?, ?)",
                    [(f"https://example.org/{i}", f"page {i}") for i in range(100)])
    con.commit()
    con.close()


def _future(path: Path, healthy: Path) -> None:
    shutil.copyfile(healthy, path)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.commit()
    con.close()


def _header_only(path: Path, healthy: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84)


CASES = {"random-bytes": _random_bytes, "truncated": _truncated, "bad-schema-page": _bad_schema_page,
         "other-application": _foreign, "future-version": _future, "header-only": _header_only}
COMMANDS = {"unread": ["unread"], "unread-total": ["unread", "--total"], "refresh": ["refresh"]}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_database_is_reported_and_left_untouched(case, command, healthy_db, feed_server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / DB_NAME
    CASES[case](db, healthy_db)
    before = db.read_bytes()
    url = feed_server.add("/f.xml", Response(rss([("a", "Alpha")])))
    conf = write_toml(tmp_path / "feeds.toml", [url])
    args = ["--data-dir", str(data)] + ([] if command == "unread-total" else ["--config", str(conf)])

    r = cli(*args, *COMMANDS[command], cwd=tmp_path)

    assert r.returncode != 0, r.stdout
    no_traceback(r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("newstui: ") and DB_NAME in lines[0], lines[0]
    assert any(w in lines[0] for w in ("corrupt", "not a newstui database", "not an SQLite database",
                                       "truncated", "newer newstui", "damaged")), lines[0]
    assert db.read_bytes() == before, "the database file was modified"
    assert feed_server.requests == [], "fetched feeds into a database it cannot use"


def test_future_database_message_says_upgrade(healthy_db, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _future(data / DB_NAME, healthy_db)
    r = cli("--data-dir", str(data), "unread", "--total", cwd=tmp_path)
    assert r.returncode != 0 and "upgrade newstui" in r.stderr


def test_healthy_copy_still_works(healthy_db, tmp_path):
    """The fixture itself is a usable database (so the cases above fail for their damage)."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(healthy_db, data / DB_NAME)
    r = cli("--data-dir", str(data), "unread", "--total", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.strip() == "300", r.stderr
