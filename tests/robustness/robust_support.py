"""Helpers shared by the robustness tests: the adversarial manifest, the generated big files,
configs, a read-back of every stored string, hostile servers, and running the CLI.

Not a conftest.py on purpose: the other test modules import ``conftest`` by name (the root
one), and a second conftest.py here would shadow it in ``sys.modules``.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from newstui.config import FILE_FEED_SUFFIXES, Config, parse_config
from newstui.models import View
from newstui.sanitize import MAX_AUTHOR, MAX_ENCLOSURES, MAX_TAG, MAX_TAGS, MAX_TITLE, MAX_URL, clean_url, is_clean
from newstui.store import Store

from conftest import ADVERSARIAL

MANIFEST = ADVERSARIAL / "manifest.tsv"
PYTHON = sys.executable


@dataclass(frozen=True)
class Row:
    """One line of manifest.tsv."""

    file: str
    where: str
    cls: str
    description: str
    expected: str


def manifest_rows() -> list[Row]:
    with open(MANIFEST, newline="", encoding="utf-8") as fh:
        return [Row(r["file"], r["where"], r["class"], r["description"], r["expected_safe_behaviour"])
                for r in csv.DictReader(fh, delimiter="\t")]


# --- generated (large) files -----------------------------------------------------------------

_gen_lock = threading.Lock()
_generator = None


def _generate_module():
    global _generator
    if _generator is None:
        spec = importlib.util.spec_from_file_location("adversarial_generate", ADVERSARIAL / "generate.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _generator = mod
    return _generator


def generated_file(base: Path, name: str) -> Path:
    """``name`` from generate.py's LARGE table, written once into ``base`` (one per session)."""
    path = base / name
    with _gen_lock:
        if not path.exists():
            base.mkdir(parents=True, exist_ok=True)
            fn = _generate_module().LARGE[name][0]
            tmp = base / (name + ".part")
            fn(str(tmp))
            os.replace(tmp, path)
    return path


def generated_dir(tmp_path_factory) -> Path:
    """The session's directory for generated files (the same for every test module)."""
    return tmp_path_factory.getbasetemp() / "adversarial-generated"


# --- configs ---------------------------------------------------------------------------------

CONTENT_TYPES = {
    ".rss": "application/rss+xml; charset=utf-8", ".atom": "application/atom+xml", ".xml": "application/xml",
    ".json": "application/feed+json", ".html": "text/html; charset=utf-8", ".txt": "text/plain",
    ".bin": "application/octet-stream",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")


def make_config(urls: list[str], **settings: object) -> Config:
    """A Config with one [[feed]] per URL; ``settings`` go into [settings] (timeout=5 by default)."""
    settings.setdefault("timeout", 5)
    settings.setdefault("concurrency", 4)
    lines = ["[settings]"]
    for k, v in settings.items():
        lines.append(f"{k} = {str(v).lower() if isinstance(v, bool) else v}")
    for u in urls:
        lines.append(f'\n[[feed]]\nurl = "{u}"')
    cfg = parse_config("\n".join(lines) + "\n")
    assert not cfg.errors, cfg.errors
    return cfg


def file_url(src: Path, tmp: Path) -> str:
    """A ``file://`` URL for ``src``; copied under a .xml name when its suffix is not one the
    config accepts for local feeds."""
    if src.suffix.lower() in FILE_FEED_SUFFIXES:
        return src.resolve().as_uri()
    dst = tmp / (src.name + ".xml")
    shutil.copyfile(src, dst)
    return dst.resolve().as_uri()


def write_toml(path: Path, urls: list[str], **settings: object) -> Path:
    settings.setdefault("timeout", 5)
    lines = ["[settings]"] + [f"{k} = {v}" for k, v in settings.items()]
    lines += [f'\n[[feed]]\nurl = "{u}"' for u in urls]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- reading back everything stored ----------------------------------------------------------

@dataclass(frozen=True)
class Stored:
    where: str
    field: str
    value: str
    single_line: bool


def stored_strings(data_dir: Path) -> Iterator[Stored]:
    """Every string the store hands to the UI and CLI: feed rows and whole articles."""
    with Store.open(data_dir) as st:
        for row in st.feeds():
            yield Stored(f"feed {row.id}", "title", row.title, True)
            if row.error is not None:
                yield Stored(f"feed {row.id}", "error", row.error, True)
            if row.link is not None:
                yield Stored(f"feed {row.id}", "link", row.link, True)
        for aid in st.article_ids(View(), include_hidden=True):
            a = st.article(aid)
            assert a is not None
            where = f"article {aid}"
            yield Stored(where, "title", a.title, True)
            yield Stored(where, "author", a.author, True)
            if a.link is not None:
                yield Stored(where, "link", a.link, True)
            if a.feed_link is not None:
                yield Stored(where, "feed_link", a.feed_link, True)
            yield Stored(where, "summary", a.summary, False)
            yield Stored(where, "content", a.content, False)
            if a.fulltext is not None:
                yield Stored(where, "fulltext", a.fulltext, False)
            for i, e in enumerate(a.enclosures):
                yield Stored(where, f"enclosure[{i}].url", e.url, True)
                yield Stored(where, f"enclosure[{i}].type", e.type, True)
            for i, t in enumerate(a.tags):
                yield Stored(where, f"tag[{i}]", t, True)


_CAPS = {"title": MAX_TITLE, "author": MAX_AUTHOR, "link": MAX_URL, "feed_link": MAX_URL}


def check_store_clean(data_dir: Path) -> list[Stored]:
    """Assert every stored string is clean, capped, single-line where it must be, and every
    stored URL is an absolute http(s) URL; returns the strings for further checks."""
    out = list(stored_strings(data_dir))
    for s in out:
        assert is_clean(s.value, single_line=s.single_line), f"{s.where} {s.field} not clean: {s.value[:200]!r}"
        cap = _CAPS.get(s.field) or (MAX_TAG if s.field.startswith("tag[") else None)
        if cap is not None and s.where.startswith("article"):
            assert len(s.value) <= cap, f"{s.where} {s.field}: {len(s.value)} > {cap}"
        if s.field in ("link", "feed_link") or s.field.endswith(".url"):
            assert clean_url(s.value) == s.value, f"{s.where} {s.field} is not a safe http(s) URL: {s.value[:200]!r}"
            assert s.value.split(":", 1)[0] in ("http", "https")
    per_article: dict[str, tuple[int, int]] = {}
    for s in out:
        if s.where.startswith("article"):
            e, t = per_article.get(s.where, (0, 0))
            per_article[s.where] = (e + s.field.endswith(".url"), t + s.field.startswith("tag["))
    for where, (n_enc, n_tags) in per_article.items():
        assert n_enc <= MAX_ENCLOSURES and n_tags <= MAX_TAGS, (where, n_enc, n_tags)
    return out


def article_titles(data_dir: Path) -> list[str]:
    with Store.open(data_dir) as st:
        ids = st.article_ids(View(), include_hidden=True)
        return [st.article(i).title for i in ids]


def check_one_line_error(text: str | None) -> str:
    """A user-visible error: present, one line, no controls, not a traceback."""
    assert text, "expected an error message"
    assert is_clean(text, single_line=True), repr(text)
    assert "Traceback" not in text and len(text) <= 2000
    return text


# --- hostile servers ---------------------------------------------------------------------------

class Listener:
    """A TCP listener on 127.0.0.1 that counts connections; ``answer=False`` accepts and then
    never sends a byte (the stalled server of requirement 3)."""

    def __init__(self, answer: bool = False) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.answer = answer
        self.connections = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            self._held.append(conn)  # kept open, never answered

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for c in self._held:
            c.close()
        self.sock.close()


# --- the CLI -------------------------------------------------------------------------------------

def cli_env(cwd: Path) -> dict[str, str]:
    """The environment for a newstui subprocess: XDG dirs inside ``cwd`` (never the user's files)."""
    env = dict(os.environ)
    env.update({"XDG_CONFIG_HOME": str(cwd / "xdg-config"), "XDG_DATA_HOME": str(cwd / "xdg-data"),
                "XDG_CACHE_HOME": str(cwd / "xdg-cache"), "NEWSTUI_DATA_DIR": str(cwd / "default-data")})
    return env


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m newstui ARGS``, waited for."""
    return subprocess.run([PYTHON, "-m", "newstui", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=cli_env(cwd))


def cli_popen(*args: str, cwd: Path) -> subprocess.Popen:
    """``python -m newstui ARGS``, started (output discarded) for tests that kill it."""
    return subprocess.Popen([PYTHON, "-m", "newstui", *args], cwd=cwd, env=cli_env(cwd),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "\x1b" not in stderr



def rss(items: list[tuple[str, str]], title: str = "Good feed", pubdate: str | None = None) -> bytes:
    """A small valid RSS 2.0 document: ``items`` are (guid, title)."""
    date = f"<pubDate>{pubdate}</pubDate>" if pubdate else ""
    body = "".join(
        f"<item><title>{t}</title><link>https://example.org/{g}</link><guid>{g}</guid>{date}"
        f"<description>{t} body text.</description></item>" for g, t in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://example.org/</link>{body}</channel></rss>").encode()
