"""Bounded, polite HTTP retrieval: the only code in newstui that talks to the network.

feedparser's own fetcher has no timeout, no size cap and follows ``file:`` paths
(docs: design/robustness.md), so feeds and article pages are fetched here and
handed on as bytes. Every fetch is bounded in time (a whole-fetch deadline that
covers every redirect hop and the body), in size (checked while streaming *and*
after decompression) and in redirects, and never raises for network or HTTP
problems: :class:`FetchResult` carries a one-line, sanitised ``error`` instead.

The deadline is enforced three ways: connect/read timeouts are shrunk to the time
left, the elapsed time is checked between chunks, and a watchdog thread shuts the
socket down when the deadline passes (so a server that drips one byte per second
cannot keep a worker forever). DNS resolution is the one phase it cannot
interrupt: the system resolver is blocking.
"""

from __future__ import annotations

import email.utils
import heapq
import http.client
import itertools
import os
import re
import socket
import ssl
import stat
import threading
import time
import zlib
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from newstui import __version__
from newstui.errors import FetchError
from newstui.models import FetchResult
from newstui.sanitize import clean_line, clean_url, display_host, normalize_url, url_scheme

__all__ = ["FEED_ACCEPT", "PAGE_ACCEPT", "Fetcher"]

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
"""Accept header for feed documents (JSON Feed and XML feeds first, anything as a fallback)."""
PAGE_ACCEPT = "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8"
"""Accept header for article pages (full text on demand)."""

_CHUNK = 64 * 1024
"""Bytes read (and decompressed) per step: small enough to check the deadline and caps often."""
_DRAIN_LIMIT = 64 * 1024
"""Largest error/redirect body read just to keep the connection alive; bigger ones close it."""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_MAX_HEADERS = 100
_MAX_HEADER_NAME = 128
_MAX_HEADER_VALUE = 2048
_MAX_VALIDATOR = 1024
_MAX_ERROR = 300
_MAX_RETRY_AFTER = 7 * 86400.0
"""Cap on Retry-After: a hostile server must not silence a feed for years."""
_MAX_MAX_AGE = 365 * 86400
_DEADLINE_SLACK = 0.05
"""A timeout firing this close to the deadline is reported as the whole-fetch timeout."""
_MAX_AGE_RE = re.compile(r'(?:^|,)\s*max-age\s*=\s*"?(\d{1,12})"?\s*(?:,|$)', re.IGNORECASE)


# --- Deadline watchdog ------------------------------------------------------------------------

_local = threading.local()
"""``_local.watch``: the :class:`_Watch` of the fetch running on this thread (read by the connection)."""
_watch_lock = threading.Lock()
"""Guards every _Watch's state and each connection's ``_newstui_watch`` owner mark."""


class _Watch:
    """One fetch's deadline and the connection it is currently using."""

    __slots__ = ("deadline", "conn", "fired", "done")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.conn: HTTPConnection | None = None
        self.fired = False
        self.done = False

    def attach(self, conn: HTTPConnection) -> None:
        """Called on the fetching thread just before a request goes out on ``conn``."""
        with _watch_lock:
            self.conn = conn
            conn._newstui_watch = self  # type: ignore[attr-defined]

    def fire(self) -> None:
        """Deadline passed: shut the socket down so a blocked recv returns at once.

        A connection another fetch has since taken from the pool carries that fetch's
        mark, so it is left alone. ``shutdown`` (not ``close``) is safe from another
        thread: the descriptor stays valid until its owner closes it.
        """
        with _watch_lock:
            if self.done:
                return
            self.fired = True
            conn = self.conn
            if conn is None or getattr(conn, "_newstui_watch", None) is not self:
                return
            sock = conn.sock
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def finish(self) -> None:
        with _watch_lock:
            self.done = True
            conn = self.conn
            if conn is not None and getattr(conn, "_newstui_watch", None) is self:
                conn._newstui_watch = None  # type: ignore[attr-defined]
            self.conn = None


class _Watchdog:
    """One daemon thread per Fetcher that fires watches whose deadline has passed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Watch]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(self, deadline: float) -> _Watch:
        w = _Watch(deadline)
        with self._cond:
            if not self._closed:
                heapq.heappush(self._heap, (deadline, next(self._seq), w))
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="newstui-fetch-watchdog",
                                                    daemon=True)
                    self._thread.start()
                self._cond.notify()
        return w

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, _seq, w = self._heap[0]
                if w.done:
                    heapq.heappop(self._heap)
                    continue
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                w.fire()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=1.0)


class _WatchedMixin:
    """Registers the connection with the current fetch's watch before each request."""

    def request(self, *args: object, **kwargs: object) -> None:
        watch: _Watch | None = getattr(_local, "watch", None)
        if watch is not None:
            watch.attach(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]
        if watch is not None and watch.fired:
            # The deadline passed while connecting (no socket to shut down then).
            watch.fire()


class _HTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _HTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


# --- Small helpers ----------------------------------------------------------------------------

def _size_text(n: int) -> str:
    """``10 MB`` / ``1.5 MB`` / ``64 KB`` / ``100 bytes`` for error messages."""
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            v = n / size
            return f"{v:g} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n} bytes"


def _seconds(v: float) -> str:
    return f"{v:g} s" if v >= 1 else f"{v:.2g} s"


def _header_value(v: object, max_len: int = _MAX_VALIDATOR) -> str | None:
    """A value safe to send as a request header (one line, latin-1), else None."""
    s = clean_line(v, max_len)
    if not s:
        return None
    try:
        s.encode("latin-1")
    except UnicodeEncodeError:
        return None
    return s


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP date), capped at 7 days."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return min(max(delta, 0.0), _MAX_RETRY_AFTER)


def parse_max_age(value: str | None) -> int | None:
    """``max-age`` from a Cache-Control value, in seconds (capped at a year)."""
    if not value:
        return None
    m = _MAX_AGE_RE.search(value)
    if not m:
        return None
    return min(int(m.group(1)), _MAX_MAX_AGE)


def _ascii_url(url: str) -> str:
    """``url`` with an internationalised host name in punycode (urllib3 wants ASCII hosts)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.isascii():
        return url
    try:
        puny = host.encode("idna").decode("ascii")
        port = parts.port
    except (UnicodeError, ValueError):
        raise FetchError("invalid host name") from None
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + puny + (f":{port}" if port is not None else "")
    return parts._replace(netloc=netloc).geturl()


def _status_text(status: int, reason: str | None) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = clean_line(reason or "", 60)
    return f"HTTP {status} {phrase}".rstrip()


class _Inflater:
    """Incremental gzip/deflate decoder whose output never exceeds ``limit`` bytes.

    zlib is asked for at most ``_CHUNK`` bytes at a time (``max_length``), so a gzip
    bomb costs at most ``limit`` bytes of memory before it is refused.
    """

    def __init__(self, coding: str, limit: int) -> None:
        self.coding = coding
        self.limit = limit
        self._d: zlib._Decompress | None = None  # type: ignore[name-defined]
        self._pending = b""
        self._members = 0
        self._finished = False

    def _start(self, data: bytes) -> bytes:
        """Choose the decoder from the first bytes; returns input not consumed yet ("" = wait)."""
        data = self._pending + data
        if len(data) < 2:
            self._pending = data
            return b""
        self._pending = b""
        if self.coding == "gzip":
            if self._members and not data.startswith(b"\x1f\x8b"):
                self._finished = True  # trailing padding/garbage after the last member
                return b""
            wbits = 47  # gzip or zlib header, detected by zlib
        else:
            cmf, flg = data[0], data[1]
            zlib_wrapped = (cmf & 0x0F) == 8 and (cmf >> 4) <= 7 and ((cmf << 8) | flg) % 31 == 0
            wbits = 15 if zlib_wrapped else -15
        self._d = zlib.decompressobj(wbits)
        self._members += 1
        return data

    def feed(self, data: bytes, out: bytearray) -> None:
        while data and not self._finished:
            if self._d is None:
                data = self._start(data)
                continue
            room = self.limit - len(out) + 1
            try:
                out += self._d.decompress(data, min(_CHUNK, room))
            except zlib.error:
                raise FetchError(f"invalid {self.coding} data") from None
            if len(out) > self.limit:
                raise FetchError(f"too large (over {_size_text(self.limit)} after decompression)")
            if self._d.eof:
                data = self._d.unused_data
                self._d = None
                if self.coding != "gzip":
                    self._finished = True
            else:
                data = self._d.unconsumed_tail

    def finish(self, out: bytearray) -> None:
        if self._d is None:
            if self._members == 0 and self._pending:
                raise FetchError(f"invalid {self.coding} data")  # a 1-byte "compressed" body
            return
        try:
            out += self._d.flush(self.limit - len(out) + 1)
        except zlib.error:
            raise FetchError(f"invalid {self.coding} data") from None
        if len(out) > self.limit:
            raise FetchError(f"too large (over {_size_text(self.limit)} after decompression)")
        if not self._d.eof:
            raise FetchError(f"truncated {self.coding} data")


def _content_coding(value: str | None) -> str | None:
    """The one compression to undo ("gzip"/"deflate"), None for identity; else FetchError."""
    codings = [c.strip().lower() for c in (value or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return "deflate" if codings[0] == "deflate" else "gzip"
    raise FetchError(f"unsupported Content-Encoding {clean_line(', '.join(codings), 40)}")


# --- The fetcher ------------------------------------------------------------------------------

class Fetcher:
    """Bounded HTTP(S) GETs with conditional requests, shared by the refresh worker threads.

    Thread-safe: one instance serves a whole ThreadPoolExecutor. At most ``per_host``
    requests run against one host at a time (politeness; the connection pool keeps
    that many connections per host). No retries: the scheduler decides when to try again.
    """

    def __init__(self, timeout: float = 30.0, connect_timeout: float = 10.0,
                 read_timeout: float = 20.0, max_bytes: int = 10 * 1024 * 1024,
                 max_redirects: int = 5, per_host: int = 8,
                 user_agent: str = f"newstui/{__version__}", allow_file: bool = False) -> None:
        if timeout <= 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if max_bytes <= 0 or max_redirects < 0 or per_host < 1:
            raise ValueError("max_bytes and per_host must be positive, max_redirects >= 0")
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.max_bytes = int(max_bytes)
        self.max_redirects = int(max_redirects)
        self.per_host = int(per_host)
        self.user_agent = _header_value(user_agent, 256) or f"newstui/{__version__}"
        self.allow_file = allow_file
        # PoolManager never reads proxy environment variables, so loopback feeds stay direct.
        self._pool = urllib3.PoolManager(num_pools=32, maxsize=self.per_host, block=False,
                                         retries=False)
        self._pool.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        self._host_lock = threading.Lock()
        self._host_slots: dict[str, threading.BoundedSemaphore] = {}
        self._watchdog = _Watchdog()
        self._closed = False

    # -- lifecycle --

    def close(self) -> None:
        """Drop pooled connections and stop the watchdog thread."""
        self._closed = True
        self._watchdog.close()
        self._pool.clear()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- public API --

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              accept: str = FEED_ACCEPT) -> FetchResult:
        """GET ``url`` within the limits; never raises for network or HTTP problems.

        ``etag``/``last_modified`` are the validators stored from the previous fetch; on
        304 they are echoed back unless the server sent new ones.
        """
        start = time.monotonic()
        res = FetchResult(url=url, final_url=url if isinstance(url, str) else "")
        try:
            if self._closed:
                raise FetchError("fetcher is closed")
            norm = normalize_url(url)
            scheme = url_scheme(norm)
            if scheme == "file" and self.allow_file:
                self._fetch_file(norm, res)
            elif scheme not in ("http", "https"):
                raise FetchError(f"unsupported URL scheme {clean_line(scheme, 32)}" if scheme
                                 else "not an absolute URL")
            else:
                target = clean_url(norm)
                if target is None:
                    raise FetchError("invalid URL")
                res.final_url = target
                self._fetch_http(target, res, etag, last_modified, accept)
        except FetchError as e:
            res.error = clean_line(str(e), _MAX_ERROR) or "fetch failed"
            res.body = None
        except Exception as e:  # noqa: BLE001 - a fetch must never take the refresh down
            res.error = clean_line(f"fetch failed ({type(e).__name__}: {e})", _MAX_ERROR)
            res.body = None
        res.elapsed = time.monotonic() - start
        return res

    # -- HTTP --

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._host_lock:
            sem = self._host_slots.get(host)
            if sem is None:
                sem = self._host_slots[host] = threading.BoundedSemaphore(self.per_host)
            return sem

    def _fetch_http(self, url: str, res: FetchResult, etag: str | None,
                    last_modified: str | None, accept: str) -> None:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": _header_value(accept, 512) or FEED_ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        sent_etag = _header_value(etag) if etag else None
        sent_lm = _header_value(last_modified) if last_modified else None
        if sent_etag:
            headers["If-None-Match"] = sent_etag
        if sent_lm:
            headers["If-Modified-Since"] = sent_lm

        watch: _Watch | None = None
        hops = 0
        permanent = True
        current = url
        try:
            while True:
                current = _ascii_url(current)
                host = (urlsplit(current).hostname or "").lower()
                slot = self._slot(host)
                if watch is None:
                    # Waiting for a free slot on a busy host is not the server's time.
                    slot.acquire()
                    watch = self._watchdog.watch(time.monotonic() + self.timeout)
                elif not slot.acquire(timeout=max(0.0, watch.deadline - time.monotonic())):
                    raise self._timed_out()
                try:
                    location = self._hop(current, headers, watch, res, sent_etag, sent_lm)
                finally:
                    slot.release()
                if location is None:
                    break
                hops += 1
                if hops > self.max_redirects:
                    raise FetchError("too many redirects")
                permanent = permanent and res.status in _PERMANENT
                current = location
                res.final_url = current
        finally:
            if watch is not None:
                watch.finish()
        if hops and permanent and res.error is None:
            res.moved_to = current

    def _timed_out(self) -> FetchError:
        return FetchError(f"timed out after {_seconds(self.timeout)}")

    def _hop(self, url: str, headers: dict[str, str], watch: _Watch, res: FetchResult,
             sent_etag: str | None, sent_lm: str | None) -> str | None:
        """One request. Returns the next URL for a redirect, None when ``res`` is complete."""
        remaining = watch.deadline - time.monotonic()
        if remaining <= 0 or watch.fired:
            raise self._timed_out()
        timeout = urllib3.Timeout(connect=min(self.connect_timeout, remaining),
                                  read=min(self.read_timeout, remaining))
        _local.watch = watch
        try:
            resp = self._pool.urlopen("GET", url, headers=headers, timeout=timeout, retries=False,
                                      redirect=False, preload_content=False, decode_content=False)
        except Exception as e:  # noqa: BLE001 - mapped to one line
            raise self._network_error(e, url, watch) from None
        finally:
            _local.watch = None

        ok = False
        try:
            status = resp.status
            res.status = status
            res.headers = self._headers(resp)
            res.content_type = res.headers.get("content-type", "")
            if status in _REDIRECTS:
                location = self._redirect_target(url, resp)
                ok = self._drain(resp, watch)
                return location
            if status == 304:
                res.etag = clean_line(resp.headers.get("etag"), _MAX_VALIDATOR) or sent_etag
                res.last_modified = (clean_line(resp.headers.get("last-modified"), _MAX_VALIDATOR)
                                     or sent_lm)
                res.max_age = parse_max_age(resp.headers.get("cache-control"))
                res.body = None
                ok = self._drain(resp, watch)
                return None
            if not 200 <= status < 300:
                msg = _status_text(status, resp.reason)
                if status in (429, 503):
                    res.retry_after = parse_retry_after(resp.headers.get("retry-after"))
                    if res.retry_after is not None:
                        msg += f" (retry after {round(res.retry_after)} s)"
                ok = self._drain(resp, watch)
                raise FetchError(msg)
            res.etag = clean_line(resp.headers.get("etag"), _MAX_VALIDATOR) or None
            res.last_modified = clean_line(resp.headers.get("last-modified"), _MAX_VALIDATOR) or None
            res.max_age = parse_max_age(resp.headers.get("cache-control"))
            res.body = self._read_body(resp, watch)
            ok = True
            return None
        except FetchError:
            raise
        except Exception as e:  # noqa: BLE001 - errors while reading the body
            raise self._network_error(e, url, watch) from None
        finally:
            if not ok:
                resp.close()  # never reuse a connection left mid-body
            resp.release_conn()

    @staticmethod
    def _headers(resp: urllib3.BaseHTTPResponse) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in resp.headers:
            if len(out) >= _MAX_HEADERS:
                break
            key = clean_line(name, _MAX_HEADER_NAME).lower()
            if key and key not in out:
                out[key] = clean_line(resp.headers.get(name), _MAX_HEADER_VALUE)
        return out

    @staticmethod
    def _redirect_target(url: str, resp: urllib3.BaseHTTPResponse) -> str:
        raw = resp.headers.get("location")
        if not raw or not raw.strip():
            raise FetchError(f"{_status_text(resp.status, resp.reason)} without a Location")
        target = normalize_url(urljoin(url, normalize_url(raw)))
        scheme = url_scheme(target)
        if scheme not in ("http", "https"):
            raise FetchError(f"redirect to unsupported URL scheme {clean_line(scheme, 32)}"
                             if scheme else "redirect to an invalid URL")
        cleaned = clean_url(target)
        if cleaned is None:
            raise FetchError("redirect to an invalid URL")
        return cleaned

    def _set_read_timeout(self, resp: urllib3.BaseHTTPResponse, watch: _Watch) -> float:
        """Shrink the socket's read timeout to the time left; returns that time."""
        remaining = watch.deadline - time.monotonic()
        if remaining <= 0 or watch.fired:
            raise self._timed_out()
        conn = getattr(resp, "connection", None)
        sock = getattr(conn, "sock", None)
        if sock is not None:
            sock.settimeout(min(self.read_timeout, remaining))
        return remaining

    def _drain(self, resp: urllib3.BaseHTTPResponse, watch: _Watch) -> bool:
        """Read a small unwanted body so the connection can be reused; False = close it."""
        if resp.status in (204, 304):
            return True  # no body by definition, whatever Content-Length says
        length = resp.headers.get("content-length", "")
        if not length.isdigit() or int(length) > _DRAIN_LIMIT:
            return False
        try:
            left = int(length)
            while left > 0:
                self._set_read_timeout(resp, watch)
                chunk = resp.read(min(left, _CHUNK))
                if not chunk:
                    break
                left -= len(chunk)
            return left == 0 and not watch.fired
        except Exception:  # noqa: BLE001 - only a courtesy to the pool
            return False

    def _read_body(self, resp: urllib3.BaseHTTPResponse, watch: _Watch) -> bytes:
        limit = self.max_bytes
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError(f"too large (over {_size_text(limit)})")
        coding = _content_coding(resp.headers.get("content-encoding"))
        inflater = _Inflater(coding, limit) if coding else None
        # read1 returns whatever one recv brought, so the deadline is checked between
        # small steps; urllib3 < 2.3 lacks it and read() then waits for a full chunk.
        read = getattr(resp, "read1", None) or resp.read
        out = bytearray()
        raw = 0
        while True:
            self._set_read_timeout(resp, watch)
            chunk = read(_CHUNK)
            if not chunk:
                break
            raw += len(chunk)
            if raw > limit:
                raise FetchError(f"too large (over {_size_text(limit)})")
            if inflater is not None:
                inflater.feed(chunk, out)
            else:
                out += chunk
        if watch.fired:
            # The watchdog's shutdown can look like a clean end of a read-until-close body.
            raise self._timed_out()
        if inflater is not None:
            inflater.finish(out)
        return bytes(out)

    def _network_error(self, e: BaseException, url: str, watch: _Watch) -> FetchError:
        """Map an exception from urllib3/http.client/ssl to a one-line FetchError."""
        if isinstance(e, FetchError):
            return e
        at_deadline = watch.fired or time.monotonic() >= watch.deadline - _DEADLINE_SLACK
        if isinstance(e, NameResolutionError):
            return FetchError(f"DNS lookup failed for {display_host(url) or 'host'}")
        if isinstance(e, NewConnectionError):
            cause = e.__cause__
            if isinstance(cause, ConnectionRefusedError):
                return FetchError("connection refused")
            if isinstance(cause, OSError) and cause.strerror:
                return FetchError(f"connection failed ({cause.strerror})")
            return FetchError("connection failed")
        if isinstance(e, ConnectTimeoutError):
            if at_deadline:
                return self._timed_out()
            return FetchError(f"connection timed out after {_seconds(self.connect_timeout)}")
        if isinstance(e, (ReadTimeoutError, socket.timeout, TimeoutError)) or at_deadline:
            if at_deadline:
                return self._timed_out()
            return FetchError(f"timed out (no data for {_seconds(self.read_timeout)})")
        if isinstance(e, (SSLError, ssl.SSLError)):
            return FetchError(f"TLS error: {_tls_reason(e)}")
        if isinstance(e, LocationValueError):
            return FetchError("invalid URL")
        if isinstance(e, ProtocolError):
            inner = e.args[1] if len(e.args) > 1 else e.__cause__
            return FetchError(_protocol_reason(inner))
        if isinstance(e, (HTTPError, http.client.HTTPException, OSError)):
            return FetchError(_protocol_reason(e))
        return FetchError(f"fetch failed ({type(e).__name__}: {e})")

    # -- file:// --

    def _fetch_file(self, url: str, res: FetchResult) -> None:
        """Read an explicit ``file://`` URL with the same size cap (local feeds)."""
        from urllib.request import url2pathname

        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise FetchError("file: URL with a remote host is not supported")
        path = url2pathname(parts.path)
        shown = clean_line(path, 200)
        res.final_url = url
        try:
            # O_NONBLOCK so a FIFO cannot block the open; only regular files are read.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            raise FetchError(f"no such file: {shown}") from None
        except PermissionError:
            raise FetchError(f"permission denied: {shown}") from None
        except OSError as e:
            raise FetchError(f"cannot read {shown}: {e.strerror or type(e).__name__}") from None
        try:
            st = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise FetchError(f"not a regular file: {shown}")
        with os.fdopen(fd, "rb") as fh:
            if st.st_size > self.max_bytes:
                raise FetchError(f"too large (over {_size_text(self.max_bytes)})")
            try:
                data = fh.read(self.max_bytes + 1)
            except OSError as e:
                raise FetchError(f"cannot read {shown}: {e.strerror or type(e).__name__}") from None
        if len(data) > self.max_bytes:
            raise FetchError(f"too large (over {_size_text(self.max_bytes)})")
        res.status = 200
        res.body = data


def _tls_reason(e: BaseException) -> str:
    """The short reason inside an SSL error (e.g. "certificate has expired")."""
    seen: list[BaseException] = [e]
    while seen:
        err = seen.pop(0)
        if isinstance(err, ssl.SSLCertVerificationError) and err.verify_message:
            return clean_line(err.verify_message, 120)
        if isinstance(err, ssl.SSLError) and err.reason:
            return clean_line(str(err.reason).replace("_", " ").lower(), 120)
        # urllib3 wraps the ssl error as args[0] and/or as the cause.
        seen.extend(x for x in (*err.args[:1], err.__cause__) if isinstance(x, BaseException))
        if len(seen) > 8:
            break
    return clean_line(str(e), 120) or "handshake failed"


def _protocol_reason(inner: object) -> str:
    if isinstance(inner, http.client.RemoteDisconnected):
        return "server closed the connection without a response"
    if isinstance(inner, ConnectionResetError):
        return "connection reset by server"
    if isinstance(inner, http.client.IncompleteRead):
        return "connection closed before the whole body arrived"
    if isinstance(inner, (http.client.BadStatusLine, http.client.LineTooLong)):
        return "invalid HTTP response"
    if isinstance(inner, BaseException):
        text = clean_line(str(inner), 120)
        return f"connection error ({text})" if text else f"connection error ({type(inner).__name__})"
    return "connection error"
