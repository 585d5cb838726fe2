"""UI test fixtures: a small store built from ParsedEntry rows in tmp_path (no network),
a frozen clock, a recording link opener and a fake refresh function."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newstui.config import Config, parse_config
from newstui.models import ParsedEntry
from newstui.store import Store

NOW = 1_700_000_000
"""Frozen clock for every UI test (2023-11-14 22:13:20 UTC)."""

A = "http://127.0.0.1:9/alpha.xml"
B = "http://127.0.0.1:9/beta.xml"
C = "http://127.0.0.1:9/gamma.xml"

HOSTILE_MARKUP = "[bold red]PWNED[/] [@click=app.quit]x[/]"
HOSTILE_ESC = "Evil \x1b]0;PWNED-TITLE\x07\x1b[41mRED"

BASE_CONFIG = f'''
[settings]
refresh_on_start = false
highlight_sentences = 3

[[feed]]
url = "{A}"
title = "Alpha News"
tags = ["world"]

[[feed]]
url = "{B}"
title = "Beta {HOSTILE_MARKUP}"
tags = ["tech"]

[[feed]]
url = "{C}"
title = "Gamma"
tags = ["world"]
'''

STORY = "".join(
    f"<p>Paragraph {i}: the climate summit in Paris agreed on new targets for emissions. "
    f"Delegates from {i + 10} countries said the deal was historic and binding.</p>" for i in range(6))


def entry(key: str, title: str, age: int, *, link: str | None = "auto", content: str = "",
          summary: str = "<p>Short summary.</p>", author: str = "") -> ParsedEntry:
    return ParsedEntry(key=key, title=title, link=f"https://example.org/{key}" if link == "auto" else link,
                       author=author, published=NOW - age, summary=summary, content=content)


def build_store(data_dir: Path, config: Config) -> None:
    """Alpha: 6 articles (one long story), Beta: 3 hostile ones, Gamma: 2 (CJK, emoji)."""
    with Store.open(data_dir) as store:
        store.sync_feeds(config.feeds)
        store.store_entries(A, [entry(f"a{i}", f"Alpha story {i}", 3600 * (i + 1)) for i in range(5)]
                            + [entry("long", "Climate summit reaches a deal", 60, content=STORY,
                                     author="Jane Doe")], NOW)
        store.store_entries(B, [entry("b0", HOSTILE_MARKUP, 1800),
                                entry("b1", HOSTILE_ESC, 7200, link="javascript:alert(1)"),
                                entry("b2", "Plain beta", 90000, link=None)], NOW)
        store.store_entries(C, [entry("c0", "日本語のニュース見出しがとても長い場合のテスト表示です", 600),
                                entry("c1", "Emoji 🎉🎉 party 👩‍👩‍👧 family", 5000)], NOW)


@dataclass
class FakeRefresh:
    """Stands in for update.refresh: stores ``batches`` of entries with its own Store."""

    batches: dict[str, list[ParsedEntry]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    raise_exc: BaseException | None = None
    calls: list[list[str] | None] = field(default_factory=list)

    def __call__(self, config, data_dir, *, urls=None, progress=None, cancel=None, **kw):
        from newstui.update import FeedOutcome, RefreshSummary

        self.calls.append(list(urls) if urls else None)
        if self.raise_exc is not None:
            raise self.raise_exc
        feeds = [f.url for f in config.feeds if not urls or f.url in urls]
        outcomes = []
        with Store.open(data_dir) as store:
            for i, url in enumerate(feeds, 1):
                if url in self.errors:
                    store.record_fetch(url, now=NOW, status=500, error=self.errors[url])
                    o = FeedOutcome(url, url, "error", error=self.errors[url])
                else:
                    new, upd = store.store_entries(url, self.batches.get(url, []), NOW)
                    store.record_fetch(url, now=NOW, status=200, error=None)
                    o = FeedOutcome(url, url, "ok", new=new, updated=upd)
                outcomes.append(o)
                if progress:
                    progress(i, len(feeds), o)
        return RefreshSummary(outcomes, 0.01)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Dates in the article header are local time: make them deterministic."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def ui_env(tmp_path):
    """(config, data_dir) with the small store built."""
    config = parse_config(BASE_CONFIG, Path(tmp_path / "feeds.toml"))
    data = tmp_path / "data"
    build_store(data, config)
    return config, data


@dataclass
class Harness:
    config: Config
    data: Path
    opened: list[str] = field(default_factory=list)
    refresh: FakeRefresh = field(default_factory=FakeRefresh)

    def app(self, *, config: Config | None = None, env: dict[str, str] | None = None, **kw):
        from newstui.ui.app import make_app

        return make_app(config or self.config, self.data, now=lambda: NOW, opener=self.opened.append,
                        refresh=self.refresh, env=env if env is not None else {"DISPLAY": ":0"}, **kw)

    def store(self) -> Store:
        return Store.open(self.data)


@pytest.fixture
def harness(ui_env) -> Harness:
    return Harness(*ui_env)


def config_with(extra: str, tmp: Path) -> Config:
    return parse_config(BASE_CONFIG + extra, tmp / "feeds.toml")


def line_texts(widget, count: int | None = None) -> list[str]:
    """The text of a Line API widget's visible lines."""
    height = widget.size.height if count is None else count
    return [widget.render_line(y).text for y in range(height)]

