"""Figures for newstui.fetch against a local server (127.0.0.1 only): prints, never asserts.

    .venv/bin/python benchmarks/fetch_bench.py [--feeds 200] [--threads 8]

Measures: many small feeds through one shared Fetcher (200 then 304), a gzip bomb
(~1 MB inflating to 1 GiB) and a 300 MB body, with peak RSS after each.
"""

from __future__ import annotations

import argparse
import resource
import struct
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newstui.fetch import Fetcher

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title>'
        + b"<item><title>x</title><description>" + b"lorem ipsum " * 400 + b"</description></item>"
        + b"</channel></rss>")
MIB = 1 << 20


def _bomb_parts(mib_blocks: int) -> tuple[bytes, bytes, bytes, int]:
    """gzip header+first block, repeated block, tail: deflate forgets history at a full flush."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\0" * MIB
    first = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    return first, block, tail, len(first) + (mib_blocks - 1) * len(block) + len(tail) + 8


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid delayed-ACK stalls

    def log_message(self, *args: object) -> None:
        pass

    def _head(self, length: int | None, extra: dict[str, str] | None = None) -> None:
        self.send_response(200)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if length is not None:
            self.send_header("Content-Length", str(length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        try:
            if self.path.startswith("/feed"):
                if self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.end_headers()
                    return
                self._head(len(FEED), {"ETag": '"v1"', "Content-Type": "application/rss+xml"})
                self.wfile.write(FEED)
            elif self.path == "/bomb":
                first, block, tail, size = _bomb_parts(1024)
                self._head(size, {"Content-Encoding": "gzip"})
                self.wfile.write(first)
                for _ in range(1023):
                    self.wfile.write(block)
                self.wfile.write(tail + struct.pack("<II", 0, 0))
            elif self.path == "/huge":
                self._head(None)
                chunk = b"y" * MIB
                for _ in range(300):
                    self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass


def rss_mb() -> float:
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args(argv)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.handle_error = lambda request, client_address: None  # resets when the fetcher closes
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    urls = [f"{base}/feed{i}" for i in range(args.feeds)]
    print(f"baseline peak RSS: {rss_mb():.1f} MB")
    with Fetcher() as f, ThreadPoolExecutor(args.threads) as pool:
        for label, kw in (("200", {}), ("304", {"etag": '"v1"'})):
            t = time.perf_counter()
            results = list(pool.map(lambda u: f.fetch(u, **kw), urls))
            dt = time.perf_counter() - t
            bad = [r.error for r in results if r.error]
            print(f"{args.feeds} feeds ({len(FEED)} B each), {args.threads} threads, {label}: "
                  f"{dt:.3f} s, {args.feeds / dt:.0f} fetches/s, errors={len(bad)}")
        for path, what in (("/bomb", "gzip bomb (~1 MB -> 1 GiB)"), ("/huge", "300 MB body, no length")):
            t = time.perf_counter()
            r = f.fetch(base + path)
            print(f"{what}: {time.perf_counter() - t:.3f} s, error={r.error!r}, "
                  f"peak RSS {rss_mb():.1f} MB")
    srv.shutdown()


if __name__ == "__main__":
    main()
