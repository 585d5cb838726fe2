"""End to end: the installed ``newstui`` in a real terminal (tmux), 80x24, local feed server.

Navigate, open an article, star one, quit; start again and check on the screen that the
read and starred state persisted. Run under xterm-256color, TERM=linux and NO_COLOR=1.
A hostile title (ESC sequences that would retitle the pane and clear the screen) rides
along: the pane title must not change and no injected sequence may take effect.
"""

from __future__ import annotations

import re

import pytest

from conftest import Response
from e2e.tmux import Tmux, newstui_command

pytestmark = pytest.mark.e2e

TITLES = ["Alpha story", "Bravo story", "Charlie story", "Delta story", "Echo story"]
HOSTILE = "Evil &#27;]0;PWNED-TITLE&#7;&#27;[41mREDBG&#27;[2J title"


def feed_xml() -> bytes:
    items = []
    for i, t in enumerate(TITLES + [HOSTILE]):
        items.append(
            f"<item><title>{t}</title><link>https://example.org/{i}</link><guid>g{i}</guid>"
            f"<pubDate>Mon, 0{9 - i} Jun 2025 10:00:00 GMT</pubDate>"
            f"<description>&lt;p&gt;Body of {t}. It has sentences. Several of them. "
            f"Enough for a test.&lt;/p&gt;</description></item>")
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>E2E Feed</title>"
            "<link>https://example.org/</link>" + "".join(items) + "</channel></rss>").encode()


def row(screen: str, title: str) -> str:
    for line in screen.splitlines():
        if title in line:
            return line
    raise AssertionError(f"no row for {title!r}:\n{screen}")


def marks(line: str, title: str) -> str:
    """The marker columns before the title (cursor, unread N, star *, highlight +)."""
    return line[: line.index(title)]


@pytest.mark.parametrize("env", [
    {"TERM": "xterm-256color"},
    {"TERM": "linux"},
    {"TERM": "xterm-256color", "NO_COLOR": "1"},
], ids=["xterm-256color", "linux", "no-color"])
def test_read_and_star_survive_a_restart(feed_server, tmp_path, env):
    url = feed_server.add("/e2e.xml", Response(feed_xml()))
    config = tmp_path / "feeds.toml"
    config.write_text(f'[settings]\nrefresh_on_start = true\n\n[[feed]]\nurl = "{url}"\n'
                      f'title = "E2E Feed"\n')
    data = tmp_path / "data"
    argv = [newstui_command(), "--config", str(config), "--data-dir", str(data)]
    full_env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "LANG": "C.UTF-8",
                **env}

    t = Tmux(80, 24)
    try:
        t.start(argv, full_env)
        screen = t.wait_for("Echo story", timeout=30)
        title_before = t.pane_title()
        assert "N" in marks(row(screen, "Alpha story"), "Alpha story")
        # Move to the second headline and open it: opening marks it read.
        t.send("g", "j", "Enter")
        t.wait_for("Body of Bravo story", timeout=10)
        t.send("Escape")
        t.send("g", "j", "j")           # Charlie
        t.send("s")                     # star it
        screen = t.wait_for("Charlie story")
        t.send("q")
        t.wait_for("EXIT=0", timeout=15)
        raw = t.capture(escapes=True)
        assert t.pane_title() == title_before
        assert "PWNED-TITLE" != t.pane_title()
        assert "\x1b[41m" not in raw
    finally:
        t.kill()

    t = Tmux(80, 24)
    try:
        config.write_text(f'[settings]\nrefresh_on_start = false\n\n[[feed]]\nurl = "{url}"\n'
                          f'title = "E2E Feed"\n')
        t.start(argv, full_env)
        screen = t.wait_for("Echo story", timeout=30)
        bravo = marks(row(screen, "Bravo story"), "Bravo story")
        charlie = marks(row(screen, "Charlie story"), "Charlie story")
        alpha = marks(row(screen, "Alpha story"), "Alpha story")
        assert "N" not in bravo, screen      # read persisted
        assert "N" in alpha, screen          # untouched stays unread
        assert "*" in charlie, screen        # star persisted
        assert "*" not in bravo, screen
        # The hostile title is shown as inert text, on one line.
        evil = row(screen, "Evil")
        assert "\x1b" not in evil
        assert re.search(r"Evil .*title", evil)
        t.send("q")
        t.wait_for("EXIT=0", timeout=15)
        assert "PWNED" not in t.pane_title()
    finally:
        t.kill()
