"""A tiny driver for the installed ``newstui`` in a real terminal (tmux), for e2e tests.

Private socket per test (``-L``), explicit TERM, polling instead of sleeping, Escape sent
alone: the pitfalls measured in ../shared/design/textual-notes.md section 3.2.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path


def newstui_command() -> str:
    """The console script installed next to the running interpreter (the 'installed newstui')."""
    script = Path(sys.executable).with_name("newstui")
    if script.exists():
        return str(script)
    found = shutil.which("newstui")
    if not found:
        raise RuntimeError("newstui console script not installed (pip install -e .)")
    return found


class Tmux:
    def __init__(self, width: int = 80, height: int = 24) -> None:
        if not shutil.which("tmux"):
            raise RuntimeError("tmux is not installed (apt-get install tmux)")
        self.socket = f"newstui-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.width, self.height = width, height
        self.session = "t"

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True,
                              check=check, timeout=30)

    def start(self, argv: list[str], env: dict[str, str], *, record: Path | None = None) -> None:
        """Run ``argv`` in a new pane; with ``record``, every byte it writes is appended there.

        When recording, the program waits until ``pipe-pane`` is attached, so the first
        frame is recorded too.
        """
        envs = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        gate = ""
        if record is not None:
            ready = record.with_name(record.name + ".ready")
            gate = f"while [ ! -e {shlex.quote(str(ready))} ]; do sleep 0.05; done; "
        cmd = f"{gate}env {envs} {shlex.join(argv)}; echo EXIT=$?; sleep 60"
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", self.session,
                   "-x", str(self.width), "-y", str(self.height), cmd)
        self._tmux("set-option", "-g", "set-clipboard", "on", check=False)
        if record is not None:
            self._tmux("pipe-pane", "-o", "-t", self.session, f"cat >> {shlex.quote(str(record))}")
            ready.touch()

    def capture(self, *, escapes: bool = False) -> str:
        args = ["capture-pane", "-p", "-t", self.session]
        if escapes:
            args.insert(2, "-e")
        return self._tmux(*args).stdout

    def pane_title(self) -> str:
        return self._tmux("display", "-p", "-t", self.session, "#{pane_title}").stdout.strip()

    def send(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)
            time.sleep(0.15 if key == "Escape" else 0.03)

    def wait_for(self, text: str, timeout: float = 15.0) -> str:
        end = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < end:
            screen = self.capture()
            if text in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 15.0) -> str:
        end = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < end:
            screen = self.capture()
            if text not in screen:
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{text!r} still on screen after {timeout} s:\n{screen}")

    def kill(self) -> None:
        self._tmux("kill-server", check=False)
