"""Opening and copying article links: which URLs we open, and how, without a shell.

Why this is not ``App.open_url``: on a terminal that calls ``webbrowser.open``, which
starts a console browser (w3m, lynx) *while the app still owns the terminal*, and over
SSH it opens nothing useful. So the policy is:

- only ``http``/``https`` links (``sanitize.clean_url``); anything else gets a one-line
  "not opening X: link" notice;
- over SSH (``SSH_CONNECTION``/``SSH_TTY``) the link is copied (OSC 52) and shown;
- ``$BROWSER`` is split with ``shlex`` into an argv list (never a shell); the URL is the
  last element (or replaces ``%s``). A console browser runs under ``App.suspend()``; a
  graphical one is started detached with its output discarded;
- no ``$BROWSER``: ``xdg-open``/``open`` when there is a display, else copy and show.

:func:`plan_open` is the pure policy (unit-tested); :class:`LinkOpener` carries it out.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal, Mapping

from newstui.sanitize import clean_url, display_url, url_refusal

if TYPE_CHECKING:
    from textual.app import App

CONSOLE_BROWSERS = frozenset({"w3m", "lynx", "links", "links2", "elinks", "browsh", "carbonyl",
                              "www-browser", "netrik", "retawq"})
"""Browsers that draw in the terminal, so they must run with the app suspended."""

PlanKind = Literal["refuse", "copy", "console", "gui", "system"]


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """What pressing ``o`` on a link will do."""

    kind: PlanKind
    url: str | None
    """The cleaned URL (None when refused)."""
    argv: tuple[str, ...] = ()
    """Program and arguments for ``console``/``gui``/``system``."""
    reason: str = ""
    """Why the link is refused or only copied (shown on the status line before the URL:
    short, so that an 80-column line still shows the URL)."""


def has_display(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True when a graphical browser could appear (X11/Wayland, macOS, Windows)."""
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def over_ssh(env: Mapping[str, str]) -> bool:
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))


def plan_open(raw_url: object, env: Mapping[str, str], *, platform: str = sys.platform,
              which: Callable[[str], str | None] = shutil.which) -> OpenPlan:
    """Decide how to open ``raw_url`` given the environment (pure; no side effects)."""
    url = clean_url(raw_url)
    if url is None:
        return OpenPlan("refuse", None, reason=url_refusal(raw_url))
    if over_ssh(env):
        return OpenPlan("copy", url, reason="over SSH")
    browser = (env.get("BROWSER") or "").strip()
    if browser:
        # $BROWSER may list several commands separated by os.pathsep (the webbrowser convention).
        first = browser.split(os.pathsep)[0].strip()
        try:
            argv = shlex.split(first)
        except ValueError:
            return OpenPlan("copy", url, reason="$BROWSER cannot be parsed")
        if not argv:
            return OpenPlan("copy", url, reason="$BROWSER is empty")
        if any("%s" in a for a in argv):
            argv = [a.replace("%s", url) for a in argv]
        else:
            argv.append(url)
        console = os.path.basename(argv[0]) in CONSOLE_BROWSERS or not has_display(env, platform)
        return OpenPlan("console" if console else "gui", url, tuple(argv))
    if not has_display(env, platform):
        return OpenPlan("copy", url, reason="no display, no $BROWSER")
    if platform == "darwin":
        return OpenPlan("system", url, ("open", url))
    if platform.startswith("win"):
        return OpenPlan("system", url, ())  # os.startfile
    if which("xdg-open"):
        return OpenPlan("system", url, ("xdg-open", url))
    return OpenPlan("copy", url, reason="no xdg-open, no $BROWSER")


Opener = Callable[[str], None]
"""Replaces every launch (tests inject one that records the URL)."""


class LinkOpener:
    """Carries out :func:`plan_open` for an app; returns the line to show to the user."""

    def __init__(self, app: "App", *, env: Mapping[str, str] | None = None,
                 opener: Opener | None = None, platform: str = sys.platform) -> None:
        self.app = app
        self.env = env if env is not None else os.environ
        self.opener = opener
        self.platform = platform
        self.copied: str | None = None
        """The URL the last :meth:`open` copied instead of opening (for the UI to show it)."""

    def copy(self, url: str) -> None:
        """Copy to the clipboard with OSC 52 (works over SSH where the terminal allows it)."""
        self.app.copy_to_clipboard(url)
        self.copied = url

    def open(self, raw_url: object) -> str:
        """Open (or copy) the link; the returned line is safe to show (sanitised URL)."""
        self.copied = None
        plan = plan_open(raw_url, self.env, platform=self.platform)
        if plan.kind == "refuse" or plan.url is None:
            return plan.reason
        shown = display_url(plan.url)
        if self.opener is not None and not over_ssh(self.env):
            self.opener(plan.url)
            return f"opened {shown}"
        if plan.kind == "copy":
            self.copy(plan.url)
            return f"{plan.reason}: copied {shown}"
        try:
            if plan.kind == "console":
                return self._run_console(plan, shown)
            if plan.kind == "system" and not plan.argv:
                os.startfile(plan.url)  # type: ignore[attr-defined]  # Windows only
            else:
                subprocess.Popen(list(plan.argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
        except OSError as exc:
            self.copy(plan.url)
            return f"cannot start {os.path.basename(plan.argv[0]) if plan.argv else 'browser'}: " \
                   f"{exc.strerror or exc}; copied {shown}"
        return f"opened {shown}"

    def _run_console(self, plan: OpenPlan, shown: str) -> str:
        from textual.app import SuspendNotSupported

        try:
            with self.app.suspend():
                subprocess.run(list(plan.argv), check=False)
        except SuspendNotSupported:
            self.copy(plan.url or "")
            return f"cannot hand the terminal to {os.path.basename(plan.argv[0])} here: copied {shown}"
        return f"back from {os.path.basename(plan.argv[0])}"
