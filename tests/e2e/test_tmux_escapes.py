"""Hostile feeds in a real terminal: nothing a feed carries may act as a control sequence.

The installed newstui runs in tmux with every byte it writes recorded (``pipe-pane``). It
shows the ``esc-*`` adversarial feeds (raw controls, character references, CDATA HTML,
Atom fields, JSON Feed) and markup injection, in the list, the sidebar and the article pane
(each article opened in turn). Then: the pane title is unchanged, the tmux clipboard has no
buffer (OSC 52 would create one with ``set-clipboard on``), and the recorded output holds no
payload sequence: no OSC 52, no OSC 8 to evil.invalid, no 8-bit CSI, no title-setting OSC 0,
no screen clear or colour from a payload.
"""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from conftest import ADVERSARIAL, Response
from e2e.tmux import Tmux, newstui_command

pytestmark = pytest.mark.e2e

FILES = ["esc-raw-controls.rss", "esc-charref-controls.rss", "esc-cdata-html.rss", "esc-atom-fields.atom",
         "esc-all-fields.json", "markup-injection.rss", "unicode-bidi-override.rss"]


def test_escape_payloads_never_reach_the_terminal(feed_server, tmp_path):
    conf = ["[settings]\nrefresh_on_start = true\n"]
    for name in FILES:
        url = feed_server.add("/" + name, Response((ADVERSARIAL / name).read_bytes()))
        conf.append(f'\n[[feed]]\nurl = "{url}"\n')
    config = tmp_path / "feeds.toml"
    config.write_text("".join(conf))
    log = tmp_path / "pane.log"
    t = Tmux(160, 48)
    try:
        t.start([newstui_command(), "--config", str(config), "--data-dir", str(tmp_path / "data")],
                {"TERM": "xterm-256color", "HOME": str(tmp_path), "LANG": "C.UTF-8"}, record=log)
        t.wait_for("RED ALERT", timeout=30)
        title = t.pane_title()
        # Open every article of the All view in turn (preview + full open), then come back.
        for _ in range(40):
            t.send("Enter")
            time.sleep(0.05)
            t.send("Escape")
            t.send("j")
        t.send("g")
        t.send("Tab", "j", "j", "Tab")       # the sidebar too
        time.sleep(0.5)
        t.send("q")
        t.wait_for("EXIT=0", timeout=15)
        assert t.pane_title() == title
        assert "pwned" not in t.pane_title().lower()
        buffers = t._tmux("list-buffers", check=False).stdout
        assert buffers.strip() == "", buffers       # no OSC 52 clipboard write took effect
        raw = log.read_bytes()
        assert len(raw) > 1000
        assert b"\x1b]52" not in raw
        # The app's own OSC 8 links are fine; none may point where a payload's does.
        assert not re.search(rb"\x1b]8;[^;\x1b\x07]*;https?://evil\.invalid", raw)
        assert b"\xc2\x9b" not in raw and b"\x9b[" not in raw   # 8-bit CSI, UTF-8 or raw
        assert b"\x1b]0;pwned" not in raw.lower() and b"\x1b]2;pwned" not in raw.lower()
        assert b"\x1b[31;1mRED" not in raw and b"\x1b[2J\x1b[HSCREEN" not in raw
        assert b"\x07 harmless" not in raw
        # The visible text kept the payload's words, inert, and markup literally.
        assert b"SCREEN WIPED" in raw
        assert b"[bold magenta]Feed[/]" in raw   # the markup feed's title, in the sidebar
    finally:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], capture_output=True)
