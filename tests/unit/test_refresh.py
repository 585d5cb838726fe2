"""The whole refresh path: local HTTP server -> fetch -> parse -> store, and the CLI on top."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from newstui.config import parse_config
from newstui.models import View
from newstui.store import Store
from newstui.update import refresh

from conftest import ADVERSARIAL, REAL_FEEDS, Response


def rss(items: list[tuple[str, str]], title: str = "Test feed") -> bytes:
    body = "".join(
        f"<item><title>{t}</title><link>https://example.org/{g}</link><guid>{g}</guid>"
        f"<description>{t} body text.</description></item>" for g, t in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://example.org/</link>{body}</channel></rss>").encode()


def config_for(urls: list[str], extra: str = "") -> object:
    text = "[settings]\nconcurrency = 4\ntimeout = 5\n" + extra + "".join(
        f'\n[[feed]]\nurl = "{u}"\n' for u in urls)
    cfg = parse_config(text)
    assert not cfg.errors, cfg.errors
    return cfg


def count(data_dir: Path, url: str) -> int:
    with Store.open(data_dir) as st:
        fid = st.feed_id(url)
        return len(st.article_ids(View(kind="feed", feed_id=fid))) if fid else 0


def test_real_corpus_goes_through_fetch_parse_store(feed_server, tmp_path):
    files = sorted(p for p in REAL_FEEDS.iterdir() if p.is_file())
    assert len(files) > 50
    urls = {}
    for p in files:
        urls[p.name] = feed_server.add("/real/" + p.name, Response(p.read_bytes()))
    cfg = config_for(list(urls.values()))
    summary = refresh(cfg, tmp_path)
    assert len(summary.outcomes) == len(files)
    for o in summary.outcomes:
        assert "internal error" not in (o.error or ""), o.line()
    for p in files:
        data = p.read_bytes()
        if p.suffix == ".json":
            try:
                expected = bool(json.loads(data).get("items"))
            except Exception:
                expected = False
        else:
            expected = bool(feedparser.parse(data).entries)
        if expected:
            assert count(tmp_path, urls[p.name]) >= 1, f"{p.name}: nothing stored"


def test_conditional_get_from_the_first_refresh(feed_server, tmp_path):
    url = feed_server.add("/f.xml", Response(rss([("a", "Alpha")]), etag='"v1"',
                                             last_modified="Wed, 01 Jan 2025 00:00:00 GMT"))
    cfg = config_for([url])
    first = refresh(cfg, tmp_path)
    assert first.outcomes[0].status == "ok" and first.outcomes[0].new == 1
    second = refresh(cfg, tmp_path)
    assert second.outcomes[0].status == "not_modified"
    req = feed_server.requests_for("/f.xml")[-1]
    assert req.headers.get("if-none-match") == '"v1"'
    assert req.headers.get("if-modified-since") == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert req.headers.get("user-agent", "").startswith("newstui/")


@pytest.mark.parametrize("junk", ["empty-file.xml", "whitespace-only.xml", "not-a-feed.html",
                                  "not-a-feed-captive-portal.xml", "binary-junk.bin", "binary-png.rss",
                                  "json-not-a-feed.json", "esc-not-a-feed-error-echo.txt"])
def test_good_feed_replaced_by_junk_keeps_articles(feed_server, tmp_path, junk):
    url = feed_server.add("/f.xml", Response(rss([("a", "Alpha"), ("b", "Beta")])))
    cfg = config_for([url])
    refresh(cfg, tmp_path)
    with Store.open(tmp_path) as st:
        ids = st.article_ids(View())
        st.set_read(ids[:1], True, 1)
    feed_server.add("/f.xml", Response((ADVERSARIAL / junk).read_bytes()))
    summary = refresh(cfg, tmp_path)
    o = summary.outcomes[0]
    assert o.status == "error" and o.error
    assert "\n" not in o.line() and "\x1b" not in o.line()
    with Store.open(tmp_path) as st:
        assert st.article_ids(View()) == ids
        assert st.headlines(ids[:1])[ids[0]].read
        row = st.feeds()[0]
        assert row.error and "\x1b" not in row.error


def test_refetch_updates_content_but_keeps_read_and_star(feed_server, tmp_path):
    url = feed_server.add("/f.xml", Response(rss([("a", "Alpha"), ("b", "Beta")])))
    cfg = config_for([url])
    refresh(cfg, tmp_path)
    with Store.open(tmp_path) as st:
        ids = st.article_ids(View())
        st.set_read(ids, True, 1)
        st.set_starred(ids[0], True, 1)
    feed_server.add("/f.xml", Response(rss([("a", "Alpha (updated)")])))
    summary = refresh(cfg, tmp_path)
    assert summary.outcomes[0].updated == 1
    with Store.open(tmp_path) as st:
        assert st.article_ids(View()) == ids  # "b" left the feed but stays stored
        heads = st.headlines(ids)
        assert all(h.read for h in heads.values())
        assert heads[ids[0]].starred or heads[ids[1]].starred
        assert any(h.title == "Alpha (updated)" for h in heads.values())


def test_gone_permanent_redirect_and_errors(feed_server, tmp_path):
    gone = feed_server.add("/gone.xml", Response(b"", status=410))
    new = feed_server.add("/new.xml", Response(rss([("n", "New home")])))
    moved = feed_server.add("/old.xml", Response(b"", status=301, headers={"Location": new}))
    missing = feed_server.add("/missing.xml", Response(b"nope", status=404))
    cfg = config_for([gone, moved, missing])
    summary = refresh(cfg, tmp_path)
    by = {o.url: o for o in summary.outcomes}
    assert by[gone].status == "error" and "410" in by[gone].error
    assert by[moved].status == "ok" and by[moved].moved_to == new and "moved to" in by[moved].line()
    assert by[missing].status == "error" and "404" in by[missing].error
    again = {o.url: o for o in refresh(cfg, tmp_path).outcomes}
    assert again[gone].status == "skipped"
    assert feed_server.requests_for("/gone.xml").__len__() == 1
    assert again[moved].status in ("ok", "not_modified")
    assert len(feed_server.requests_for("/old.xml")) == 1  # the new address is used


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newstui", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_cli_refresh_unread_and_exit_status(feed_server, tmp_path):
    good = feed_server.add("/g.xml", Response(rss([("a", "Alpha"), ("b", "Beta")], title="Good")))
    bad = feed_server.add("/b.xml", Response(b"x", status=500))
    conf = tmp_path / "feeds.toml"
    conf.write_text(f'[[feed]]\nurl = "{good}"\ntitle = "Good one"\n\n[[feed]]\nurl = "{bad}"\n')
    data = tmp_path / "data"
    r = cli("--config", str(conf), "--data-dir", str(data), "refresh", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "HTTP 500" in r.stderr and "2 feeds" in r.stdout
    r = cli("--config", str(conf), "--data-dir", str(data), "unread", "--total", cwd=tmp_path)
    assert r.stdout.strip() == "2"
    r = cli("--config", str(conf), "--data-dir", str(data), "unread", "--json", cwd=tmp_path)
    rows = json.loads(r.stdout)
    assert [(x["url"], x["title"], x["unread"], x["total"]) for x in rows][0] == (good, "Good one", 2, 2)
    assert rows[1]["error"] and "500" in rows[1]["error"] and rows[0]["error"] is None
    conf.write_text(f'[[feed]]\nurl = "{bad}"\n')
    r = cli("--config", str(conf), "--data-dir", str(data), "refresh", cwd=tmp_path)
    assert r.returncode == 1


def test_cli_check_reports_errors(tmp_path):
    conf = tmp_path / "feeds.toml"
    conf.write_text('[[feed]]\nurl = "file:///etc/passwd"\n[[feed]]\nurl = "javascript:alert(1)"\n')
    r = cli("--config", str(conf), "check", cwd=tmp_path)
    assert r.returncode != 0
    assert "feeds.toml:" in r.stderr and "javascript" in r.stderr
    assert "Traceback" not in r.stderr


def test_first_run_copies_the_default_config_and_says_where(tmp_path):
    import os

    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "HOME": str(tmp_path)}
    env.pop("NEWSTUI_DATA_DIR", None)
    run = lambda: subprocess.run([sys.executable, "-m", "newstui", "check"], capture_output=True,  # noqa: E731
                                 text=True, cwd=tmp_path, env=env, timeout=60)
    r = run()
    target = tmp_path / "cfg" / "newstui" / "feeds.toml"
    assert r.returncode == 0, r.stderr
    assert target.is_file() and f"created {target}" in r.stderr
    assert "rss.cnn.com" in target.read_text()
    r = run()  # second run: nothing copied, nothing said
    assert "created" not in r.stderr
