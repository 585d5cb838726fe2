"""Hostile feeds through the real widgets: clicks on markup, long and wide titles, literal
brackets in a real feed, and keys handled while a refresh is stuck in a slow parse.

The rows come from the adversarial and real corpus files, parsed with ``parse_feed`` and
stored with ``Store.store_entries``, so the widgets see what a refresh would give them.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.widgets import Static

import newstui.parse as parse_mod
from newstui.config import Config, parse_config
from newstui.models import ParsedEntry
from newstui.parse import parse_feed
from newstui.store import Store
from newstui.ui.app import make_app

from conftest import ADVERSARIAL, REAL_FEEDS, Response
from .conftest import NOW, entry, line_texts

MARKUP = "http://127.0.0.1:9/markup-injection.rss"
LONG = "http://127.0.0.1:9/size-long-title-100k.rss"
WIDE = "http://127.0.0.1:9/unicode-wide-combining.rss"
DARING = "http://127.0.0.1:9/DaringFireball.atom"
FILES = {MARKUP: ADVERSARIAL / "markup-injection.rss", LONG: ADVERSARIAL / "size-long-title-100k.rss",
         WIDE: ADVERSARIAL / "unicode-wide-combining.rss", DARING: REAL_FEEDS / "nnw__DaringFireball.atom"}
QUIT_TITLE = "[@click=app.quit]quit[/]"
PWN_TITLE = "[@click=app.pwn]pwn[/] [@click=app.quit]quit[/]"


@lru_cache(maxsize=None)
def parsed(url: str) -> tuple[ParsedEntry, ...]:
    return tuple(parse_feed(FILES[url].read_bytes(), url=url).entries)


def feeds_toml(feeds: list[tuple[str, str]], settings: str = "") -> str:
    out = ["[settings]", "refresh_on_start = false", settings]
    for url, title in feeds:
        title_line = f"title = {title!r}\n" if title else ""
        out.append(f'[[feed]]\nurl = "{url}"\n{title_line}')
    return "\n".join(out)


def corpus_env(tmp_path: Path, feeds: list[tuple[str, str]],
               extra: dict[str, list[ParsedEntry]] | None = None) -> tuple[Config, Path]:
    """(config, data dir) with each corpus feed's parsed entries stored, as a refresh would."""
    config = parse_config(feeds_toml(feeds), tmp_path / "feeds.toml")
    assert not config.errors, config.errors
    data = tmp_path / "data"
    with Store.open(data) as store:
        store.sync_feeds(config.feeds)
        for url, _ in feeds:
            store.store_entries(url, [*parsed(url), *(extra or {}).get(url, [])], NOW)
    return config, data


def app_for(config: Config, data: Path):
    return make_app(config, data, now=lambda: NOW, opener=lambda url: None, refresh=None, env={"DISPLAY": ":0"})


def has_controls(text: str) -> bool:
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


# --- 1. a click on markup runs nothing ---------------------------------------------------------

class ClickProbe(App[None]):
    """Control for the click test: the same Pilot click *does* run a ``@click`` action when a
    widget renders markup, so an inert click in newstui is the widgets' doing."""

    def __init__(self) -> None:
        super().__init__()
        self.pwned: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static(PWN_TITLE)  # markup on purpose

    def action_pwn(self) -> None:
        self.pwned.append("pwn")


async def test_a_click_on_rendered_markup_would_run_its_action():
    app = ClickProbe()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click(Static, offset=(1, 0))
        await pilot.pause()
        assert app.pwned == ["pwn"]


def click_points(widget, y: int, text: str, needle: str) -> list[tuple[int, int]]:
    """Screen cells on line ``y`` of ``widget``: the first, a middle and the last cell of
    ``needle`` (rendered markup would carry its action on every cell of its text)."""
    x0 = cell_len(text[:text.index(needle)])
    last = min(x0 + cell_len(needle), widget.scrollable_content_region.width) - 1
    region = widget.scrollable_content_region
    return [(region.x + x, region.y + y) for x in sorted({x0, (x0 + last) // 2, last})]


async def click_all(app, pilot, widget, points: list[tuple[int, int]]) -> None:
    for sx, sy in points:
        hit, _ = app.screen.get_widget_at(sx, sy)
        assert hit is widget, (sx, sy, hit)
        assert "@click" not in app.screen.get_style_at(sx, sy).meta
        await pilot.click(offset=(sx, sy))
        assert app.is_running and app.return_code is None


async def test_clicks_on_click_markup_in_sidebar_list_and_article_run_nothing(tmp_path):
    pwn = entry("pwn", PWN_TITLE, 30, summary=f"<p>Body {PWN_TITLE} end.</p>")
    config, data = corpus_env(tmp_path, [(MARKUP, QUIT_TITLE), (LONG, "")], extra={MARKUP: [pwn]})
    app = app_for(config, data)
    calls: list[str] = []
    app.action_pwn = lambda: calls.append("pwn")  # what the @click=app.pwn markup would call
    app.bell = lambda: calls.append("bell")
    app.open_url = lambda *a, **kw: calls.append(f"open_url {a}")
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        screens = list(app.screen_stack)
        with Store.open(data) as s:
            fid = s.feed_id(MARKUP)

        # Sidebar: the feed row titled [@click=app.quit]quit[/]. The click selects the feed.
        sidebar = main.sidebar
        index = sidebar._index[f"feed:{fid}"]
        y = index - sidebar.scroll_offset.y
        text = sidebar.render_line(y).text
        shown = text[1:].split("…")[0].strip()  # the 28-cell sidebar cuts the label
        assert QUIT_TITLE.startswith(shown) and shown.startswith("[@click=app.quit]quit"), text
        await click_all(app, pilot, sidebar, click_points(sidebar, y, text, shown))
        await pilot.pause()
        assert main.view.kind == "feed" and main.view.feed_id == fid  # the click landed, as a click

        # Headline rows with @click markup: every row of the feed that has one.
        hl = main.headlines
        targets = [aid for aid in hl.ids if "[@click=" in hl.row(aid).title]
        assert len(targets) >= 6  # markup-injection.rss has six, plus the pwn row
        for aid in targets:
            hl.move_to_id(aid)  # on screen
            y = hl.ids.index(aid) - hl.scroll_offset.y
            text = hl.render_line(y).text
            title = hl.row(aid).title
            needle = title if title in text else text[5:].split("…")[0]
            await click_all(app, pilot, hl, click_points(hl, y, text, needle))
            await pilot.pause()
            assert hl.cursor_id == aid and main.article_id == aid  # a second click on the row opened it

        # Article pane showing the pwn article: its title, Feed: line and body.
        main.open_article(next(a for a in targets if hl.row(a).title == PWN_TITLE))
        await pilot.pause()
        art = main.article_view
        lines = line_texts(art)
        hits = [(y, t) for y, t in enumerate(lines) if "[@click=" in t]
        assert len(hits) >= 3, lines  # title, Feed: [@click=app.quit]quit[/], body
        for y, t in hits:
            await click_all(app, pilot, art, click_points(art, y, t, t[t.index("[@click="):].rstrip()[:40]))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert calls == []
        assert list(app.screen_stack) == screens and app.screen is main  # no palette, no dismiss
        assert app._exit_renderables == []
        await pilot.press("q")
    assert app.return_code == 0


# --- 2. long and wide titles: one line, the widget's width, an ellipsis -------------------------

@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_long_and_wide_corpus_titles_fit_their_rows(tmp_path, size):
    config, data = corpus_env(tmp_path, [(LONG, "Long titles"), (WIDE, "Wide and combining")])
    app = app_for(config, data)
    async with app.run_test(size=size) as pilot:
        hl = app.screen.headlines
        width = hl.scrollable_content_region.width
        assert len(hl.ids) == len(parsed(LONG)) + len(parsed(WIDE)) <= hl.size.height
        title_w = width - 5 - 6 - (max(8, min(22, width // 5)) + 2 if width >= 56 else 0)
        cut = 0
        for y, aid in enumerate(hl.ids):
            strip = hl.render_line(y)
            text = strip.text
            assert strip.cell_length == width and cell_len(text) == width, (y, text)
            assert "\n" not in text and not has_controls(text), repr(text)
            title = hl.row(aid).title
            if cell_len(title) > title_w:
                shown = text[5:].split("…")[0]
                assert "…" in text and title.startswith(shown.rstrip()), (title[:40], text)
                cut += 1
            else:
                assert text[5:].startswith(title), (title, text)
        # both 1,024-character titles of the 100k file, CJK, the ZWJ family row, the long word
        assert cut >= 5
        screen_lines = app.screen._compositor.render_strips()
        assert [s.cell_length for s in screen_lines] == [size[0]] * size[1]  # nothing bleeds over
        await pilot.pause()


# --- 3. brackets in a real feed stay ------------------------------------------------------------

async def test_daring_fireball_sponsor_titles_show_literally(tmp_path):
    config, data = corpus_env(tmp_path, [(DARING, "Daring Fireball")])
    sponsored = [e.title for e in parsed(DARING) if e.title.startswith("[Sponsor]")]
    assert sponsored
    app = app_for(config, data)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        hl = main.headlines
        shown = 0
        for aid in hl.ids:
            if hl.row(aid).title in sponsored:
                hl.move_to_id(aid)  # on screen
                text = hl.render_line(hl.ids.index(aid) - hl.scroll_offset.y).text
                assert text[5:].startswith("[Sponsor] "), text
                shown += 1
        assert shown == len(sponsored)
        aid = next(a for a in hl.ids if hl.row(a).title == sponsored[0])
        hl.move_to_id(aid)  # the cursor's own (debounced) preview must not replace the article
        await pilot.pause(0.5)
        main.open_article(aid)
        await pilot.pause(0.3)
        article = "\n".join(line_texts(main.article_view))
        assert sponsored[0] in article


# --- 5. keys are handled while a refresh sits in a slow parse -----------------------------------

async def test_keys_are_handled_while_a_slow_parse_runs(tmp_path, feed_server, monkeypatch):
    """The refresh parses ``redos-author.rss`` made malformed, with the author-length guard
    switched off: feedparser's quadratic regex runs in the fallback child until the 3 s
    deadline kills it. j/k/Enter/Esc must act while that refresh is still going."""
    monkeypatch.setattr(parse_mod, "cap_author_fields", lambda text, cap=0: text)
    body = (ADVERSARIAL / "redos-author.rss").read_bytes().replace(b"</channel>", b"<x></y></channel>")
    redos = feed_server.add("/redos.xml", Response(body))
    good = feed_server.add("/good.xml", Response(FILES[LONG].read_bytes()))
    config = parse_config(feeds_toml([(redos, "Redos"), (good, "Good")], "timeout = 3\nconcurrency = 2"),
                          tmp_path / "feeds.toml")
    data = tmp_path / "data"
    with Store.open(data) as store:
        store.sync_feeds(config.feeds)
        store.store_entries(good, [entry(f"s{i}", f"Stored story {i}", 600 * (i + 1)) for i in range(6)], NOW)
    app = make_app(config, data, now=lambda: NOW, opener=lambda url: None, env={"DISPLAY": ":0"})
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        hl = main.headlines
        await pilot.press("R")
        for _ in range(100):  # until the redos feed has been fetched and is being parsed
            if feed_server.requests_for("/redos.xml"):
                break
            await pilot.pause(0.02)
        assert feed_server.requests_for("/redos.xml") and main._refreshing
        ids = list(hl.ids)
        await pilot.press("j")
        assert hl.cursor == 1
        await pilot.press("j", "j")
        assert hl.cursor == 3
        await pilot.press("k")
        assert hl.cursor == 2
        await pilot.press("enter")
        assert main.reading and main.article_id == ids[2]
        await pilot.press("escape")
        assert not main.reading and hl.has_focus
        assert main._refreshing  # all of the above happened while the refresh was still running
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not main._refreshing
        with Store.open(data) as s:
            feeds = {f.url: f for f in s.feeds()}
        assert "parse timed out" in (feeds[redos].error or "")
        assert feeds[good].error is None
