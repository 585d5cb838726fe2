"""`newstui rules test`: a dry run showing which rule matches where, changing nothing."""

from __future__ import annotations

import subprocess
import sys

from conftest import Response


def rss() -> bytes:
    items = [
        ("k1", "Pyongyang fires missile", "<p>Officials in Seoul said the launch was detected.</p>"),
        ("k2", "Markets rally", "<p>Stocks rose as North Korea talks resumed.</p>"),
        ("k3", "Sponsored: buy this", "<p>An advert.</p>"),
        ("k4", "Weather today", "<p>Sunny.</p>"),
    ]
    body = "".join(f"<item><title>{t}</title><guid>{g}</guid><link>https://example.org/{g}</link>"
                   f"<description><![CDATA[{d}]]></description></item>" for g, t, d in items)
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{body}"
            "</channel></rss>").encode()


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "newstui", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_rules_test_reports_matches_without_changing_state(feed_server, tmp_path):
    url = feed_server.add("/r.xml", Response(rss()))
    conf = tmp_path / "feeds.toml"
    conf.write_text(
        f'[[feed]]\nurl = "{url}"\ntitle = "Test"\n\n'
        '[[highlight]]\nname = "korea"\npattern = "north korea|pyongyang"\nstyle = "bold yellow"\n\n'
        '[[highlight]]\npattern = "seoul"\nstyle = "underline"\nfields = ["title"]\n\n'
        '[[ignore]]\npattern = "^sponsored"\n')
    data = tmp_path / "data"
    assert run("--config", str(conf), "--data-dir", str(data), "refresh", cwd=tmp_path).returncode == 0
    before = run("--config", str(conf), "--data-dir", str(data), "unread", "--json", cwd=tmp_path).stdout
    r = run("--config", str(conf), "--data-dir", str(data), "rules", "test", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "highlight korea (north korea|pyongyang) in title: «Pyongyang» fires missile" in out
    assert "highlight korea (north korea|pyongyang) in body:" in out and "«North Korea»" in out
    assert "highlight korea (north korea|pyongyang): 2 articles" in out
    # the title-only rule does not look at bodies ("Seoul" is only in a body)
    assert "highlight #2 (seoul): 0 articles" in out
    assert "ignore #1 (^sponsored) in title: «Sponsored»: buy this -> hidden" in out
    after = run("--config", str(conf), "--data-dir", str(data), "unread", "--json", cwd=tmp_path).stdout
    assert before == after  # a dry run
    # the ignore rule hides the sponsored story from counts (3 of 4 visible)
    assert '"unread": 3' in after
