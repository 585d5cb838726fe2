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


def test_rule_edits_apply_to_stored_articles_from_the_cli(feed_server, tmp_path):
    url = feed_server.add("/r.xml", Response(rss()))
    conf = tmp_path / "feeds.toml"
    base = f'[[feed]]\nurl = "{url}"\ntitle = "Test"\n'
    conf.write_text(base)
    data = tmp_path / "data"
    assert run("--config", str(conf), "--data-dir", str(data), "refresh", cwd=tmp_path).returncode == 0
    total = lambda: run("--config", str(conf), "--data-dir", str(data), "unread", "--total",  # noqa: E731
                        cwd=tmp_path).stdout.strip()
    assert total() == "4"
    # A new ignore rule hides stored articles at once, without a refresh or the reader.
    conf.write_text(base + '\n[[ignore]]\npattern = "MARKETS"\ncase_sensitive = true\n')
    assert total() == "4"  # case-sensitive: "Markets rally" does not match
    conf.write_text(base + '\n[[ignore]]\npattern = "MARKETS"\ncase_sensitive = false\n')
    assert total() == "3"  # only case_sensitive changed: flags recomputed
    conf.write_text(base)
    assert total() == "4"  # removing the rule brings the article back


def test_unread_text_output_keeps_the_error_separator(feed_server, tmp_path):
    bad = feed_server.add("/missing.xml", Response(b"no", status=404))
    conf = tmp_path / "feeds.toml"
    conf.write_text(f'[[feed]]\nurl = "{bad}"\ntitle = "Broken"\n')
    data = tmp_path / "data"
    run("--config", str(conf), "--data-dir", str(data), "refresh", cwd=tmp_path)
    out = run("--config", str(conf), "--data-dir", str(data), "unread", cwd=tmp_path).stdout
    assert "0  Broken  ! HTTP 404" in out


def test_import_opml_writes_through_a_symlinked_config(tmp_path):
    real = tmp_path / "dotfiles" / "feeds.toml"
    real.parent.mkdir()
    real.write_text('# my feeds\n[[feed]]\nurl = "https://a.example/rss"\n')
    link = tmp_path / "feeds.toml"
    link.symlink_to(real)
    opml = tmp_path / "subs.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="B" xmlUrl="https://b.example/rss"/></body></opml>')
    r = run("--config", str(link), "import-opml", str(opml), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert link.is_symlink()
    text = real.read_text()
    assert text.startswith("# my feeds") and "https://b.example/rss" in text


def test_export_opml_to_a_file_and_to_stdout(tmp_path):
    conf = tmp_path / "feeds.toml"
    conf.write_text('[[feed]]\nurl = "https://a.example/rss"\ntags = ["x"]\n')
    out = tmp_path / "out.opml"
    assert run("--config", str(conf), "export-opml", str(out), cwd=tmp_path).returncode == 0
    assert b"https://a.example/rss" in out.read_bytes()
    r = run("--config", str(conf), "export-opml", "-", cwd=tmp_path)
    assert "https://a.example/rss" in r.stdout and not (tmp_path / "-").exists()
