"""Shared fixtures: temporary dirs and a local HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REAL_FEEDS = SHARED / "data" / "feeds" / "real"
ADVERSARIAL = SHARED / "data" / "feeds" / "adversarial"
HIGHLIGHTS_DATA = SHARED / "data" / "highlights"


@dataclass
class Response:
    """A canned response. ``body`` may be bytes or a callable(handler) that writes itself."""

    body: bytes | Callable[["_Handler"], None] = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    gzip: bool = False
    """Compress the body and send Content-Encoding: gzip (if the client accepts it)."""


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms stalls
    server: "_Server"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802
        srv = self.server
        srv.owner.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
        resp = srv.owner.routes.get(self.path)
        if resp is None:
            self._send(404, {}, b"not found")
            return
        if resp.delay:
            srv.owner.stop.wait(resp.delay)
        if callable(resp.body):
            resp.body(self)
            return
        headers = dict(resp.headers)
        if resp.etag:
            headers["ETag"] = resp.etag
        if resp.last_modified:
            headers["Last-Modified"] = resp.last_modified
        if resp.status == 200 and (
            (resp.etag and self.headers.get("If-None-Match") == resp.etag)
            or (resp.last_modified and self.headers.get("If-Modified-Since") == resp.last_modified)
        ):
            self._send(304, headers, b"")
            return
        body = resp.body
        if resp.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self._send(resp.status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    owner: "FeedServer"


class FeedServer:
    """A local HTTP server: ``server.add("/feed.xml", Response(body))`` then ``server.url("/feed.xml")``."""

    def __init__(self) -> None:
        self.routes: dict[str, Response] = {}
        self.requests: list[Request] = []
        self.stop = threading.Event()
        self._srv = _Server(("127.0.0.1", 0), _Handler)
        self._srv.owner = self
        self._thread = threading.Thread(target=self._srv.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._srv.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, response: Response | bytes) -> str:
        if isinstance(response, bytes):
            response = Response(response)
        self.routes[path] = response
        return self.url(path)

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.stop.set()
        self._srv.shutdown()
        self._srv.server_close()


@pytest.fixture
def feed_server():
    srv = FeedServer()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def tmp_data_dir(tmp_path, monkeypatch) -> Path:
    """A data dir, with XDG and NEWSTUI_DATA_DIR pointed into tmp so nothing touches $HOME."""
    d = tmp_path / "data"
    d.mkdir()
    monkeypatch.setenv("NEWSTUI_DATA_DIR", str(d))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return d


def wait_until(pred: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> bool:
    """Poll ``pred`` until true or ``timeout``; for e2e tests, never a fixed sleep."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()
