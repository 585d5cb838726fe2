"""Link policy: which URLs open, how, and never through a shell."""

from __future__ import annotations

import pytest

from newstui.ui.external import LinkOpener, plan_open

URL = "https://example.org/story?id=1&x=2"
NO_XDG = {"which": lambda name: None}
XDG = {"which": lambda name: "/usr/bin/xdg-open"}


@pytest.mark.parametrize("raw, reason", [
    ("javascript:alert(1)", "not opening javascript: link"),
    ("file:///etc/passwd", "not opening file: link"),
    ("data:text/html,<b>x</b>", "not opening data: link"),
    ("", "no link"),
    ("/relative/path", "not an absolute http(s) link"),
])
def test_only_http_links_open(raw, reason):
    plan = plan_open(raw, {"DISPLAY": ":0"}, platform="linux", **XDG)
    assert plan.kind == "refuse" and plan.reason == reason and plan.url is None


def test_ssh_copies():
    plan = plan_open(URL, {"SSH_CONNECTION": "1 2 3 4", "DISPLAY": ":0", "BROWSER": "firefox"}, platform="linux")
    assert plan.kind == "copy" and plan.url == URL


def test_browser_is_an_argv_list_with_the_url_last():
    plan = plan_open(URL, {"BROWSER": "w3m -o 'confirm_qq=false'"}, platform="linux")
    assert plan.kind == "console"  # known console browser: run under App.suspend()
    assert plan.argv == ("w3m", "-o", "confirm_qq=false", URL)


def test_browser_with_percent_s_and_a_gui_browser():
    plan = plan_open(URL, {"BROWSER": "firefox --new-tab %s:lynx", "DISPLAY": ":0"}, platform="linux")
    assert plan.kind == "gui" and plan.argv == ("firefox", "--new-tab", URL)


def test_unknown_browser_without_display_counts_as_console():
    plan = plan_open(URL, {"BROWSER": "mybrowser"}, platform="linux")
    assert plan.kind == "console"


def test_shell_metacharacters_stay_one_argument():
    evil = "https://example.org/$(touch /tmp/pwned);`id`"
    plan = plan_open(evil, {"BROWSER": "firefox", "DISPLAY": ":0"}, platform="linux")
    assert plan.argv[-1] == evil and len(plan.argv) == 2


def test_unparsable_browser_copies():
    plan = plan_open(URL, {"BROWSER": "firefox 'unclosed", "DISPLAY": ":0"}, platform="linux")
    assert plan.kind == "copy"


def test_no_browser_uses_xdg_open_or_copies():
    assert plan_open(URL, {"DISPLAY": ":0"}, platform="linux", **XDG).argv == ("xdg-open", URL)
    assert plan_open(URL, {"DISPLAY": ":0"}, platform="linux", **NO_XDG).kind == "copy"
    assert plan_open(URL, {}, platform="linux", **XDG).kind == "copy"  # no display at all
    assert plan_open(URL, {}, platform="darwin").argv == ("open", URL)


class FakeApp:
    def __init__(self) -> None:
        self.clipboard = None

    def copy_to_clipboard(self, text: str) -> None:
        self.clipboard = text


def test_link_opener_uses_injected_opener_and_copies_over_ssh():
    opened: list[str] = []
    app = FakeApp()
    opener = LinkOpener(app, env={"DISPLAY": ":0"}, opener=opened.append)  # type: ignore[arg-type]
    assert opener.open(URL) == f"opened {URL}" and opened == [URL]
    assert opener.open("javascript:x") == "not opening javascript: link" and opened == [URL]
    ssh = LinkOpener(app, env={"SSH_TTY": "/dev/pts/1"}, opener=opened.append)  # type: ignore[arg-type]
    assert ssh.open(URL) == f"over SSH: copied {URL}" and app.clipboard == URL and opened == [URL]


def test_gui_launch_failure_falls_back_to_copy():
    app = FakeApp()
    opener = LinkOpener(app, env={"BROWSER": "/nonexistent/browser-xyz", "DISPLAY": ":0"},  # type: ignore[arg-type]
                        platform="linux")
    message = opener.open(URL)
    assert message.startswith("cannot start browser-xyz") and app.clipboard == URL
