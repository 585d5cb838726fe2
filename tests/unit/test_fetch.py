"""Fetcher: conditional GET, redirects, size/time limits, compression, errors, file://.

Everything runs against 127.0.0.1 (the ``feed_server`` fixture or a raw socket server
defined here); nothing touches the internet.
"""

from __future__ import annotations

import email.utils
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from typing import Callable

import pytest

from newstui import __version__
from newstui.fetch import FEED_ACCEPT, PAGE_ACCEPT, Fetcher, parse_max_age, parse_retry_after
from newstui.sanitize import is_clean
from conftest import FeedServer, Response

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.fixture(scope="module")
def _module_server():
    srv = FeedServer()
    yield srv
    srv.close()


@pytest.fixture
def feed_server(_module_server):
    """conftest's server, started once for this module: its shutdown costs 0.5 s per test.

    Routes and the request log are emptied for each test, so tests stay independent.
    """
    _module_server.routes.clear()
    _module_server.requests.clear()
    return _module_server


@pytest.fixture
def fetcher():
    with Fetcher() as f:
        yield f


def run_bounded(fn: Callable[[], object], limit: float = 20.0) -> object:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it never returns."""
    box: list[object] = []
    t = threading.Thread(target=lambda: box.append(fn()), daemon=True)
    t.start()
    t.join(limit)
    assert not t.is_alive(), "fetch did not return"
    return box[0]


class RawServer:
    """A TCP server on 127.0.0.1 whose per-connection behaviour is a plain function.

    ``handler(conn, stop)`` runs in its own thread for each accepted connection; with
    ``accept=False`` connections are left in the listen backlog and never answered.
    """

    def __init__(self, handler: Callable[[socket.socket, threading.Event], None] | None = None,
                 *, accept: bool = True) -> None:
        self.stop = threading.Event()
        self.handler = handler
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.conns: list[socket.socket] = []
        self.thread = None
        if accept:
            self.thread = threading.Thread(target=self._loop, daemon=True)
            self.thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.handler is not None:
                self.handler(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(2)
        self.sock.close()


@pytest.fixture
def raw_server():
    servers: list[RawServer] = []

    def make(handler=None, *, accept: bool = True) -> RawServer:
        srv = RawServer(handler, accept=accept)
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


# --- Successful fetches and headers -----------------------------------------------------------

def test_plain_fetch_sends_identity_headers(feed_server, fetcher):
    url = feed_server.add("/feed.xml", Response(FEED, headers={"Content-Type": "application/rss+xml",
                                                               "Cache-Control": "public, max-age=600"}))
    res = fetcher.fetch(url)
    assert res.error is None
    assert res.status == 200
    assert res.body == FEED
    assert res.final_url == url and res.moved_to is None
    assert res.content_type == "application/rss+xml"
    assert res.headers["content-type"] == "application/rss+xml"
    assert res.max_age == 600
    req = feed_server.requests_for("/feed.xml")[0]
    assert req.headers["user-agent"] == f"newstui/{__version__}"
    assert req.headers["accept"] == FEED_ACCEPT
    assert req.headers["accept-encoding"] == "gzip, deflate"
    assert "if-none-match" not in req.headers and "if-modified-since" not in req.headers


def test_page_accept_is_sent_when_asked(feed_server, fetcher):
    url = feed_server.add("/page.html", Response(b"<html></html>"))
    assert fetcher.fetch(url, accept=PAGE_ACCEPT).error is None
    assert feed_server.requests_for("/page.html")[0].headers["accept"] == PAGE_ACCEPT


def test_custom_user_agent(feed_server):
    url = feed_server.add("/f", Response(FEED))
    with Fetcher(user_agent="test-agent/1") as f:
        assert f.fetch(url).error is None
    assert feed_server.requests_for("/f")[0].headers["user-agent"] == "test-agent/1"


def test_conditional_get_round_trip(feed_server, fetcher):
    lm = "Wed, 21 Oct 2015 07:28:00 GMT"
    url = feed_server.add("/feed.xml", Response(FEED, etag='"v1"', last_modified=lm))
    first = fetcher.fetch(url)
    assert first.status == 200 and first.body == FEED
    assert first.etag == '"v1"' and first.last_modified == lm

    second = fetcher.fetch(url, etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304 and second.not_modified
    assert second.body is None and second.error is None
    assert second.etag == '"v1"' and second.last_modified == lm
    sent = feed_server.requests_for("/feed.xml")[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == lm


def test_304_without_validators_echoes_the_ones_sent(feed_server, fetcher):
    url = feed_server.add("/nm", Response(b"", status=304))
    res = fetcher.fetch(url, etag='"old"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert res.not_modified and res.body is None
    assert res.etag == '"old"'
    assert res.last_modified == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_200_replaces_validators(feed_server, fetcher):
    url = feed_server.add("/changed", Response(FEED, etag='"v2"'))
    res = fetcher.fetch(url, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    assert res.status == 200 and res.body == FEED
    assert res.etag == '"v2"'
    assert res.last_modified is None


def test_hostile_header_values_are_sanitised(feed_server, fetcher):
    url = feed_server.add("/h", Response(FEED, etag='"a\x1b[31mb"',
                                         headers={"X-Evil": "x\x1b]0;title\x07y\x9bz",
                                                  "Content-Type": "text/xml\x1b[2J"}))
    res = fetcher.fetch(url)
    assert res.error is None
    assert res.etag == '"a[31mb"'
    assert res.content_type == "text/xml[2J"
    assert res.headers["x-evil"] == "x]0;titleyz"
    for k, v in res.headers.items():
        assert k == k.lower()
        assert is_clean(k, single_line=True) and is_clean(v, single_line=True)


def test_validators_with_controls_are_not_sent_raw(feed_server, fetcher):
    url = feed_server.add("/v", Response(FEED))
    res = fetcher.fetch(url, etag='"x"\r\nX-Injected: 1', last_modified="\x1b\x07\u200b")
    assert res.error is None
    headers = feed_server.requests_for("/v")[0].headers
    assert "x-injected" not in headers
    assert headers["if-none-match"] == '"x" X-Injected: 1'
    assert "if-modified-since" not in headers


# --- Redirects --------------------------------------------------------------------------------

def test_permanent_redirect_chain_sets_moved_to(feed_server, fetcher):
    feed_server.add("/old", Response(status=301, headers={"Location": "/older"}))
    feed_server.add("/older", Response(status=308, headers={"Location": feed_server.url("/new")}))
    new = feed_server.add("/new", Response(FEED))
    res = fetcher.fetch(feed_server.url("/old"))
    assert res.error is None and res.body == FEED
    assert res.final_url == new
    assert res.moved_to == new
    assert res.url == feed_server.url("/old")


def test_temporary_hop_means_not_moved(feed_server, fetcher):
    feed_server.add("/a", Response(status=301, headers={"Location": "/b"}))
    feed_server.add("/b", Response(status=302, headers={"Location": "/c"}))
    final = feed_server.add("/c", Response(FEED))
    res = fetcher.fetch(feed_server.url("/a"))
    assert res.error is None and res.body == FEED
    assert res.final_url == final
    assert res.moved_to is None


def test_redirect_keeps_conditional_headers(feed_server, fetcher):
    feed_server.add("/old", Response(status=301, headers={"Location": "/new"}))
    feed_server.add("/new", Response(FEED, etag='"e"'))
    res = fetcher.fetch(feed_server.url("/old"), etag='"e"')
    assert res.not_modified and res.etag == '"e"'
    assert feed_server.requests_for("/new")[0].headers["if-none-match"] == '"e"'


def _chain(feed_server, n: int) -> str:
    for i in range(n):
        feed_server.add(f"/r{i}", Response(status=301, headers={"Location": f"/r{i + 1}"}))
    feed_server.add(f"/r{n}", Response(FEED))
    return feed_server.url("/r0")


def test_five_redirects_are_followed(feed_server, fetcher):
    res = fetcher.fetch(_chain(feed_server, 5))
    assert res.error is None and res.body == FEED
    assert res.final_url == feed_server.url("/r5")


def test_six_redirects_are_too_many(feed_server, fetcher):
    res = fetcher.fetch(_chain(feed_server, 6))
    assert res.error == "too many redirects"
    assert res.body is None and res.moved_to is None
    assert not feed_server.requests_for("/r6")


def test_redirect_loop_stops(feed_server, fetcher):
    feed_server.add("/loop", Response(status=302, headers={"Location": "/loop"}))
    res = fetcher.fetch(feed_server.url("/loop"))
    assert res.error == "too many redirects"
    assert len(feed_server.requests_for("/loop")) == 6


@pytest.mark.parametrize("location, scheme", [("file:///etc/passwd", "file"),
                                              ("javascript:alert(1)", "javascript"),
                                              ("ftp://example.invalid/feed", "ftp")])
def test_redirect_to_other_scheme_is_refused(feed_server, fetcher, location, scheme):
    url = feed_server.add("/bad", Response(status=302, headers={"Location": location}))
    res = fetcher.fetch(url)
    assert res.error == f"redirect to unsupported URL scheme {scheme}"
    assert res.body is None and res.status == 302


def test_redirect_without_location(feed_server, fetcher):
    url = feed_server.add("/noloc", Response(status=301))
    res = fetcher.fetch(url)
    assert res.error == "HTTP 301 Moved Permanently without a Location"


# --- HTTP errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("status, message", [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone"),
                                             (500, "HTTP 500 Internal Server Error"),
                                             (418, "HTTP 418 I'm a Teapot")])
def test_http_error_statuses(feed_server, fetcher, status, message):
    url = feed_server.add("/e", Response(b"<h1>error</h1>", status=status))
    res = fetcher.fetch(url)
    assert res.status == status
    assert res.error == message
    assert res.body is None and res.retry_after is None


def test_429_retry_after_seconds(feed_server, fetcher):
    url = feed_server.add("/slow", Response(b"", status=429, headers={"Retry-After": "120"}))
    res = fetcher.fetch(url)
    assert res.status == 429
    assert res.retry_after == 120
    assert res.error == "HTTP 429 Too Many Requests (retry after 120 s)"


def test_503_retry_after_http_date(feed_server, fetcher):
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    url = feed_server.add("/down", Response(b"", status=503, headers={"Retry-After": when}))
    res = fetcher.fetch(url)
    assert res.status == 503
    assert 3500 < res.retry_after <= 3600
    assert res.error.startswith("HTTP 503 Service Unavailable (retry after ")


def test_retry_after_parsing():
    now = 1_700_000_000.0
    assert parse_retry_after("30", now) == 30
    assert parse_retry_after(email.utils.formatdate(now + 90, usegmt=True), now) == 90
    assert parse_retry_after(email.utils.formatdate(now - 90, usegmt=True), now) == 0
    assert parse_retry_after("99999999999", now) == 7 * 86400
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("-5", now) is None
    assert parse_retry_after(None, now) is None


def test_max_age_parsing():
    assert parse_max_age("max-age=300") == 300
    assert parse_max_age('public, max-age="60", must-revalidate') == 60
    assert parse_max_age("s-maxage=10") is None
    assert parse_max_age("no-cache") is None
    assert parse_max_age("max-age=99999999999") == 365 * 86400
    assert parse_max_age(None) is None


# --- Size caps and compression ----------------------------------------------------------------

def test_body_at_cap_is_accepted_and_over_cap_refused(feed_server):
    ok = feed_server.add("/ok", Response(b"x" * 1000))
    big = feed_server.add("/big", Response(b"x" * 1001))
    with Fetcher(max_bytes=1000) as f:
        assert f.fetch(ok).body == b"x" * 1000
        res = f.fetch(big)
    assert res.error == "too large (over 1000 bytes)"
    assert res.body is None and res.status == 200


def _stream_without_length(total: int, chunk: int = 64 * 1024):
    """A close-delimited body of ``total`` bytes: only a streaming count can stop it."""

    def write(handler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        block = b"y" * chunk
        try:
            for _ in range(total // chunk):
                handler.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        handler.close_connection = True

    return write


def test_size_cap_while_streaming_without_content_length(feed_server):
    url = feed_server.add("/stream", Response(_stream_without_length(64 * 1024 * 1024)))
    with Fetcher(max_bytes=1024 * 1024) as f:
        res = run_bounded(lambda: f.fetch(url))
    assert res.error == "too large (over 1 MB)"
    assert res.body is None


def test_close_delimited_body_is_read_whole(feed_server, fetcher):
    url = feed_server.add("/stream", Response(_stream_without_length(4 * 64 * 1024)))
    res = fetcher.fetch(url)
    assert res.error is None and res.body == b"y" * (4 * 64 * 1024)


def test_gzip_body_is_decompressed(feed_server, fetcher):
    url = feed_server.add("/gz", Response(FEED * 100, gzip=True))
    res = fetcher.fetch(url)
    assert res.error is None
    assert res.body == FEED * 100
    assert res.headers["content-encoding"] == "gzip"
    assert feed_server.requests_for("/gz")[0].headers["accept-encoding"] == "gzip, deflate"


def test_multi_member_gzip(feed_server, fetcher):
    body = _gzip(b"first ") + _gzip(b"second")
    url = feed_server.add("/mm", Response(body, headers={"Content-Encoding": "gzip"}))
    assert fetcher.fetch(url).body == b"first second"


def _gzip(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("wbits", [15, -15], ids=["zlib-wrapped", "raw"])
def test_deflate_both_flavours(feed_server, fetcher, wbits):
    c = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = c.compress(FEED * 50) + c.flush()
    url = feed_server.add("/d", Response(body, headers={"Content-Encoding": "deflate"}))
    res = fetcher.fetch(url)
    assert res.error is None
    assert res.body == FEED * 50


def test_corrupt_gzip_is_an_error(feed_server, fetcher):
    url = feed_server.add("/bad", Response(b"\x1f\x8b\x08\x00garbage-not-deflate" * 4,
                                           headers={"Content-Encoding": "gzip"}))
    res = fetcher.fetch(url)
    assert res.error == "invalid gzip data" and res.body is None


def test_truncated_gzip_is_an_error(feed_server, fetcher):
    url = feed_server.add("/trunc", Response(_gzip(FEED * 100)[:-30],
                                             headers={"Content-Encoding": "gzip"}))
    res = fetcher.fetch(url)
    assert res.error == "truncated gzip data" and res.body is None


def test_unsupported_content_encoding(feed_server, fetcher):
    url = feed_server.add("/br", Response(b"\x00\x01", headers={"Content-Encoding": "br"}))
    res = fetcher.fetch(url)
    assert res.error == "unsupported Content-Encoding br"


def _gzip_bomb_writer(blocks: int):
    """Stream a single-member gzip of ``blocks`` MiB of zeros without building it in memory.

    After a full flush deflate forgets its history, so every 1 MiB block of zeros
    compresses to the same bytes: one ~1 KB block, repeated. The CRC for the trailer
    is only computed if a client ever reads that far.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    mib = b"\0" * (1 << 20)
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    final = c.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"

    def write(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(header) + len(first) + (blocks - 1) * len(block)
                                                  + len(final) + 8))
        handler.end_headers()
        try:
            handler.wfile.write(header + first)
            for _ in range(blocks - 1):
                handler.wfile.write(block)
            handler.wfile.write(final)
            crc = 0
            for _ in range(blocks):
                crc = zlib.crc32(mib, crc)
            handler.wfile.write(struct.pack("<II", crc, (blocks << 20) & 0xFFFFFFFF))
        except (BrokenPipeError, ConnectionResetError):
            pass

    return write, len(header) + len(first) + (blocks - 1) * len(block) + len(final) + 8


def test_gzip_bomb_writer_is_a_valid_gzip():
    """The bomb generator itself (small size) round-trips through zlib."""
    out = bytearray()

    class Sink:
        def send_response(self, status): pass
        def send_header(self, k, v): pass
        def end_headers(self): pass
        wfile = type("W", (), {"write": staticmethod(out.extend)})()

    write, size = _gzip_bomb_writer(3)
    write(Sink())
    assert len(out) == size
    assert zlib.decompress(bytes(out), 31) == b"\0" * (3 << 20)


def test_gzip_bomb_stops_at_cap_with_bounded_memory(feed_server, fetcher):
    write, compressed = _gzip_bomb_writer(1024)  # ~1 MB on the wire, 1 GiB inflated
    assert compressed < fetcher.max_bytes  # so only the decompressed count can trip
    url = feed_server.add("/bomb", Response(write))
    tracemalloc.start()
    try:
        res = run_bounded(lambda: fetcher.fetch(url))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.error == "too large (over 10 MB after decompression)"
    assert res.body is None
    assert peak < 2 * fetcher.max_bytes  # the capped output, not the 1 GiB


# --- Time limits ------------------------------------------------------------------------------

def test_server_that_never_answers_times_out_within_deadline(raw_server):
    srv = raw_server(accept=False)  # the kernel completes the handshake; nobody replies
    with Fetcher(timeout=1.0) as f:
        res = run_bounded(lambda: f.fetch(srv.url("/feed")))
    assert res.error == "timed out after 1 s"
    assert res.status == 0 and res.body is None
    assert res.elapsed < 10  # generous: the point is that it returned at all


def _drip_headers(conn: socket.socket, stop: threading.Event) -> None:
    # One endless header line (http.client allows 64 KiB per line): no limit but the deadline.
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
    while not stop.wait(0.05):
        conn.sendall(b"a")


def _drip_body(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
    while not stop.wait(0.1):
        conn.sendall(b"x")


@pytest.mark.parametrize("handler", [_drip_headers, _drip_body], ids=["headers", "body"])
def test_dripping_server_is_cut_at_the_deadline(raw_server, handler):
    """Each byte arrives well within the read timeout; only the whole-fetch deadline stops it."""
    srv = raw_server(handler)
    with Fetcher(timeout=1.0, read_timeout=0.5) as f:
        res = run_bounded(lambda: f.fetch(srv.url("/feed")))
    assert res.error == "timed out after 1 s"
    assert res.body is None


def test_read_timeout_before_deadline_is_reported_as_such(raw_server):
    srv = raw_server(lambda conn, stop: (read_request(conn), stop.wait(5)))
    with Fetcher(timeout=10.0, read_timeout=0.3) as f:
        res = run_bounded(lambda: f.fetch(srv.url("/feed")))
    assert res.error == "timed out (no data for 0.3 s)"


def test_connection_pool_survives_a_timeout(raw_server, feed_server):
    """A timed-out fetch must not poison the shared fetcher for the next one."""
    srv = raw_server(_drip_body)
    url = feed_server.add("/f", Response(FEED))
    with Fetcher(timeout=1.0, read_timeout=0.5) as f:
        assert run_bounded(lambda: f.fetch(srv.url("/x"))).error == "timed out after 1 s"
        assert f.fetch(url).body == FEED
        assert f.fetch(url).body == FEED


# --- Connection-level errors ------------------------------------------------------------------

def test_idn_host_is_looked_up_in_punycode(fetcher):
    res = run_bounded(lambda: fetcher.fetch("http://bücher.invalid/feed.xml"), limit=60)
    assert res.error == "DNS lookup failed for xn--bcher-kva.invalid"


def test_dns_failure_message(fetcher):
    res = run_bounded(lambda: fetcher.fetch("http://nonexistent.invalid/feed.xml"), limit=60)
    assert res.error == "DNS lookup failed for nonexistent.invalid"
    assert res.status == 0


def test_connection_refused(fetcher):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    res = fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert res.error == "connection refused"
    assert res.status == 0


def test_server_closing_without_response(raw_server, fetcher):
    srv = raw_server(lambda conn, stop: read_request(conn))
    res = fetcher.fetch(srv.url())
    assert res.error == "server closed the connection without a response"


def test_short_body_is_an_error(raw_server, fetcher):
    def short(conn, stop):
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")

    res = fetcher.fetch(raw_server(short).url())
    assert res.error is not None and res.error.startswith("connection")
    assert res.body is None


def test_tls_error_is_one_line(feed_server, fetcher):
    url = feed_server.add("/f", Response(FEED)).replace("http://", "https://")
    res = run_bounded(lambda: fetcher.fetch(url))
    assert res.error is not None and res.error.startswith("TLS error: ")
    assert is_clean(res.error, single_line=True)


@pytest.mark.parametrize("url, message", [
    ("ftp://example.invalid/feed", "unsupported URL scheme ftp"),
    ("javascript:alert(1)", "unsupported URL scheme javascript"),
    ("file:///etc/hostname", "unsupported URL scheme file"),
    ("/etc/hostname", "not an absolute URL"),
    ("feed.xml", "not an absolute URL"),
    ("http:///nohost", "invalid URL"),
])
def test_refused_urls(fetcher, url, message):
    res = fetcher.fetch(url)
    assert res.error == message
    assert res.body is None and res.status == 0


# --- file:// ----------------------------------------------------------------------------------

def test_file_url_only_when_allowed(tmp_path):
    p = tmp_path / "local feed.xml"
    p.write_bytes(FEED)
    url = p.as_uri()
    with Fetcher() as f:
        assert f.fetch(url).error == "unsupported URL scheme file"
    with Fetcher(allow_file=True) as f:
        res = f.fetch(url)
        assert res.error is None and res.status == 200 and res.body == FEED
        assert res.final_url == url
        # Still never a bare path, even when file: URLs are allowed.
        assert f.fetch(str(p)).error == "not an absolute URL"


def test_file_url_size_cap_and_errors(tmp_path):
    big = tmp_path / "big.xml"
    big.write_bytes(b"z" * 2048)
    with Fetcher(allow_file=True, max_bytes=1024) as f:
        assert f.fetch(big.as_uri()).error == "too large (over 1 KB)"
        assert f.fetch(tmp_path.as_uri()).error.startswith("not a regular file: ")
        missing = f.fetch((tmp_path / "missing.xml").as_uri())
        assert missing.error.startswith("no such file: ") and missing.body is None
        assert f.fetch("file://otherhost/etc/hostname").error == \
            "file: URL with a remote host is not supported"


# --- Concurrency and lifecycle ----------------------------------------------------------------

def test_per_host_limit_and_thread_safety(feed_server):
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(handler) -> None:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        handler._send(200, {}, FEED)

    url = feed_server.add("/slow", Response(slow))
    with Fetcher(per_host=2) as f:
        results: list = [None] * 6

        def work(i: int) -> None:
            results[i] = f.fetch(url)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
    assert all(r is not None and r.error is None and r.body == FEED for r in results)
    assert 1 <= state["max"] <= 2


def test_many_concurrent_fetches_share_one_fetcher(feed_server):
    urls = [feed_server.add(f"/f{i}", Response(FEED + str(i).encode(), etag=f'"{i}"'))
            for i in range(24)]
    with Fetcher() as f:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(f.fetch, urls))
    for i, res in enumerate(results):
        assert res.error is None
        assert res.body == FEED + str(i).encode()
        assert res.etag == f'"{i}"'


def test_closed_fetcher_refuses(feed_server):
    url = feed_server.add("/f", Response(FEED))
    f = Fetcher()
    assert f.fetch(url).error is None
    f.close()
    assert f.fetch(url).error == "fetcher is closed"
