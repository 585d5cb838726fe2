"""Crash safety of the store: ``newstui refresh`` SIGKILLed at random points, and a refresh
writing while another process marks articles read and starred.

What must hold: the database passes ``PRAGMA integrity_check``, no read/starred change made
between (or during) refreshes is lost, and the next refresh runs normally. Every fetch
serves new articles, so the refresh process is writing most of the time it is alive.
"""

from __future__ import annotations

import itertools
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from newstui.models import View
from newstui.store import DB_NAME, Store

from conftest import Response
from robust_support import cli, cli_popen, no_traceback, write_toml

N_FEEDS = 40
SLOW = {3, 11, 19, 27, 35}
"""Feeds answered after a delay, so kills also land while some fetches are still in flight."""
KILL_RUNS = 22
SEED = 20240611


class ChangingFeeds:
    """40 feeds whose every fetch has 3 stable items and 4 never seen before (~3 KB each)."""

    def __init__(self, server) -> None:
        self.server = server
        self.generation = itertools.count()
        self.urls = [server.add(f"/f{i}.xml", Response(self._writer(i), delay=0.4 if i in SLOW else 0.0))
                     for i in range(N_FEEDS)]

    def _writer(self, i: int):
        def write(handler) -> None:
            gen = next(self.generation)
            text = " ".join(f"word{(i * 7 + k) % 97}" for k in range(450))
            items = [(f"s{i}-{k}", f"Feed {i} stable {k}") for k in range(3)]
            items += [(f"n{i}-{gen}-{k}", f"Feed {i} gen {gen} item {k}") for k in range(4)]
            body = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Feed %d</title>"
                    "<link>https://example.org/</link>%s</channel></rss>" % (i, "".join(
                        f"<item><title>{t}</title><guid>{g}</guid><link>https://example.org/{g}</link>"
                        f"<description>{text}</description></item>" for g, t in items))).encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "application/rss+xml")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            try:
                handler.wfile.write(body)
            except OSError:
                pass
        return write


def _integrity(data: Path) -> str:
    con = sqlite3.connect(data / DB_NAME)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def _count(data: Path) -> int:
    with Store.open(data) as st:
        return st.max_article_id()


def _check_marks(data: Path, expected: dict[int, tuple[bool, bool]]) -> None:
    with Store.open(data) as st:
        heads = st.headlines(list(expected))
    lost = {i: (exp, (heads[i].read, heads[i].starred) if i in heads else None)
            for i, exp in expected.items() if i not in heads or (heads[i].read, heads[i].starred) != exp}
    assert not lost, f"read/starred state lost: {dict(itertools.islice(lost.items(), 10))}"


def _mark_some(data: Path, rnd: random.Random, expected: dict[int, tuple[bool, bool]], n: int) -> None:
    with Store.open(data) as st:
        ids = st.article_ids(View())
        for aid in rnd.sample(ids, min(n, len(ids))):
            read, starred = expected.get(aid, (False, False))
            if rnd.random() < 0.7:
                read = not read
                st.set_read([aid], read, int(time.time()))
            if rnd.random() < 0.4:
                starred = not starred
                st.set_starred(aid, starred, int(time.time()))
            expected[aid] = (read, starred)


def test_sigkill_at_random_points_keeps_the_database_and_the_marks(feed_server, tmp_path):
    rnd = random.Random(SEED)
    feeds = ChangingFeeds(feed_server)
    conf = write_toml(tmp_path / "feeds.toml", feeds.urls, timeout=10, concurrency=8)
    data = tmp_path / "data"
    args = ("--config", str(conf), "--data-dir", str(data), "refresh", "--quiet")

    started = time.monotonic()
    first = cli(*args, cwd=tmp_path)
    full_run = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    expected: dict[int, tuple[bool, bool]] = {}
    _mark_some(data, rnd, expected, 60)

    killed_mid_run = mid_write = 0
    for run in range(KILL_RUNS):
        before = _count(data)
        proc = cli_popen(*args, cwd=tmp_path)
        time.sleep(rnd.uniform(0.2, 0.95) * full_run)
        if proc.poll() is None:
            killed_mid_run += 1
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, err.decode(errors="replace")
        assert _integrity(data) == "ok", f"run {run}"
        added = _count(data) - before
        mid_write += proc.returncode == -signal.SIGKILL and 0 < added < N_FEEDS * 4
        _check_marks(data, expected)
        _mark_some(data, rnd, expected, 10)

    print(f"full refresh {full_run:.2f} s; {killed_mid_run}/{KILL_RUNS} runs killed, "
          f"{mid_write} of them after some feeds were stored and before the rest")
    assert killed_mid_run >= KILL_RUNS // 2, "the refreshes finished before the kills: nothing was tested"
    assert mid_write >= 3, "no kill landed while feeds were being stored"
    last = cli(*args, cwd=tmp_path)
    assert last.returncode == 0, last.stderr
    no_traceback(last.stderr)
    assert f"{N_FEEDS} feeds: {N_FEEDS} ok" in last.stdout, last.stdout
    _check_marks(data, expected)
    with Store.open(data) as st:
        assert st.integrity_check() == "ok"
        rows = st.feeds()
    assert len(rows) == N_FEEDS and all(r.error is None for r in rows)


def test_refresh_and_marking_in_two_processes_lose_nothing(feed_server, tmp_path):
    rnd = random.Random(SEED + 1)
    feeds = ChangingFeeds(feed_server)
    conf = write_toml(tmp_path / "feeds.toml", feeds.urls, timeout=10, concurrency=8)
    data = tmp_path / "data"
    args = ("--config", str(conf), "--data-dir", str(data), "refresh", "--quiet")
    assert cli(*args, cwd=tmp_path).returncode == 0
    expected: dict[int, tuple[bool, bool]] = {}
    _mark_some(data, rnd, expected, 30)

    marks = 0
    proc = cli_popen(*args, cwd=tmp_path)
    try:
        with Store.open(data) as st:  # this process's own connection, while the refresh writes
            ids = st.article_ids(View())
            while proc.poll() is None or marks < 50:
                aid = rnd.choice(ids)
                read, starred = expected.get(aid, (False, False))
                if marks % 3:
                    read = not read
                    st.set_read([aid], read, int(time.time()))
                else:
                    starred = not starred
                    st.set_starred(aid, starred, int(time.time()))
                expected[aid] = (read, starred)
                marks += 1
                time.sleep(0.005)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode(errors="replace")
    no_traceback(err.decode(errors="replace"))
    assert marks >= 50
    _check_marks(data, expected)
    assert _integrity(data) == "ok"
    with Store.open(data) as st:
        assert len(st.article_ids(View())) == N_FEEDS * (3 + 4 * 2)


def test_two_refreshes_at_once_both_finish(feed_server, tmp_path):
    """The TUI's background refresh and a cron ``newstui refresh`` can overlap."""
    feeds = ChangingFeeds(feed_server)
    conf = write_toml(tmp_path / "feeds.toml", feeds.urls[:10], timeout=10)
    data = tmp_path / "data"
    args = ("--config", str(conf), "--data-dir", str(data), "refresh", "--quiet")
    results: list[subprocess.CompletedProcess] = []
    threads = [threading.Thread(target=lambda: results.append(cli(*args, cwd=tmp_path))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
    assert _integrity(data) == "ok"
