"""The network faults of ../shared/bench/feedbench.py ``serve --faulty`` (404, 500, a 10 s slow
feed, a 3-hop redirect chain, truncated XML, a wrong Content-Type, a 20 MB feed), reproduced
with the local test server, mixed with good feeds and run through ``newstui refresh``.

Each faulty feed gets its own outcome, the good ones all refresh, the exit status is 0
(not every feed failed), stderr has exactly one line per failing feed and no traceback.
(feedbench.py itself is the lead's benchmark tool; it is not run from the test suite.)
"""

from __future__ import annotations

import time

from newstui.store import Store
from newstui.update import refresh

from conftest import Response
from robust_support import check_one_line_error, check_store_clean, cli, make_config, no_traceback, rss, write_toml

TIMEOUT = 3


def _big_feed(mb: int) -> bytes:
    item = "<item><title>t{0}</title><guid>g{0}</guid><description>" + "x" * 5000 + "</description></item>"
    n = mb * 1024 * 1024 // 5100 + 1
    return rss([("head", "Head")]).replace(b"</channel>", "".join(item.format(i) for i in range(n)).encode()
                                           + b"</channel>")


def test_faulty_feeds_fail_one_by_one_and_the_rest_refresh(feed_server, tmp_path):
    good = [feed_server.add(f"/good{i}.xml", Response(rss([(f"g{i}a", f"Good {i} A"), (f"g{i}b", f"Good {i} B")],
                                                          title=f"Good {i}")))
            for i in range(5)]
    final = feed_server.add("/chain/final.xml", Response(rss([("r1", "Redirected")], title="Chain")))
    hop2 = feed_server.add("/chain/2", Response(b"", status=302, headers={"Location": final}))
    hop1 = feed_server.add("/chain/1", Response(b"", status=307, headers={"Location": "/chain/2"}))
    truncated_doc = rss([("t1", "Complete one"), ("t2", "Complete two"), ("t3", "Cut")])
    faults = {
        "404": feed_server.add("/404.xml", Response(b"<html>not found</html>", status=404)),
        "500": feed_server.add("/500.xml", Response(b"Internal Server Error", status=500)),
        "slow": feed_server.add("/slow.xml", Response(rss([("s", "Slow")]), delay=10)),
        "redirect": feed_server.add("/chain/0", Response(b"", status=302, headers={"Location": hop1})),
        "truncated": feed_server.add("/truncated.xml", Response(truncated_doc[: truncated_doc.index(b"<title>Cut") + 4])),
        "wrong-type": feed_server.add("/wrong.xml", Response(rss([("w", "Wrong type")]),
                                                             headers={"Content-Type": "text/html; charset=utf-8"})),
        "20mb": feed_server.add("/big.xml", Response(_big_feed(20), headers={"Content-Type": "application/rss+xml"})),
    }
    conf = write_toml(tmp_path / "feeds.toml", [*good, *faults.values()], timeout=TIMEOUT, concurrency=8)
    data = tmp_path / "data"

    started = time.monotonic()
    r = cli("--config", str(conf), "--data-dir", str(data), "refresh", cwd=tmp_path)
    elapsed = time.monotonic() - started

    assert r.returncode == 0, r.stderr
    no_traceback(r.stderr)
    failing = {"404": "HTTP 404", "500": "HTTP 500", "slow": "timed out", "20mb": "too large"}
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == len(failing), r.stderr
    for key, reason in failing.items():
        (line,) = [ln for ln in lines if faults[key] in ln]
        assert reason in line, line
        check_one_line_error(line)
    assert f"{len(good) + len(faults)} feeds: {len(good) + 3} ok" in r.stdout, r.stdout
    assert f"{len(failing)} failed" in r.stdout
    assert elapsed < 60, f"{elapsed:.1f} s"  # the slow feed costs its 3 s deadline, not its 10 s

    with Store.open(data) as st:
        rows = {row.url: row for row in st.feeds()}
    for u in good:
        assert rows[u].error is None and rows[u].unread == 2
    for key in failing:
        assert rows[faults[key]].error and rows[faults[key]].total == 0
    assert rows[faults["redirect"]].unread == 1 and rows[faults["redirect"]].moved_to is None  # temporary hops
    assert rows[faults["truncated"]].unread == 2  # the complete items only
    assert rows[faults["wrong-type"]].unread == 1
    check_store_clean(data)
    assert len([q for q in feed_server.requests if q.path.startswith("/chain/")]) == 4


def test_hostile_status_lines_and_redirects_give_clean_one_line_errors(feed_server, tmp_path):
    def status(code: int, reason: str, headers: dict[str, str] | None = None):
        def write(handler) -> None:
            handler.send_response(code, reason)
            for k, v in (headers or {}).items():
                handler.send_header(k, v)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
        return write

    urls = {
        "reason": feed_server.add("/r", Response(status(599, "\x1b]0;PWNED\x07 [bold]x[/] \x9b2J"))),
        "to-file": feed_server.add("/f", Response(b"", status=302, headers={"Location": "file:///etc/passwd.xml"})),
        "to-js": feed_server.add("/j", Response(b"", status=301, headers={"Location": "javascript:alert(1)"})),
        "loop": feed_server.add("/loop", Response(b"", status=302, headers={"Location": "/loop"})),
        "no-location": feed_server.add("/n", Response(b"", status=302)),
        "good": feed_server.add("/good.xml", Response(rss([("a", "Alpha")]))),
    }
    summary = refresh(make_config(list(urls.values())), tmp_path)
    by = {o.url: o for o in summary.outcomes}
    assert by[urls["good"]].status == "ok"
    for key, u in urls.items():
        if key == "good":
            continue
        o = by[u]
        assert o.status == "error", o.line()
        check_one_line_error(o.error)
        check_one_line_error(o.line())
    assert "\x1b" not in by[urls["reason"]].error and "599" in by[urls["reason"]].error
    assert "file" in by[urls["to-file"]].error and "javascript" in by[urls["to-js"]].error
    check_store_clean(tmp_path)
