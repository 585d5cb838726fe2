"""Pilot tests: links, background refresh, feed errors, full text, the command palette."""

from __future__ import annotations

import pytest

from newstui.models import View

from .conftest import A, B, C, entry, line_texts


def index_of(app, key_title: str) -> int:
    hl = app.screen.headlines
    for i, aid in enumerate(hl.ids):
        if hl.row(aid).title == key_title:
            return i
    raise AssertionError(key_title)


async def test_o_opens_link_through_the_opener(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        assert harness.opened == ["https://example.org/long"]
        assert "opened https://example.org/long" in app.screen.status.message


async def test_o_over_ssh_copies_instead(harness):
    app = harness.app(env={"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22", "DISPLAY": ":0"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        assert harness.opened == []
        assert app.clipboard == "https://example.org/long"
        assert "copied https://example.org/long" in app.screen.status.message


async def test_y_copies_link_and_articles_without_http_links_refuse(harness):
    from .conftest import HOSTILE_ESC

    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("y")
        assert app.clipboard == "https://example.org/long"
        main.headlines.move_to(index_of(app, HOSTILE_ESC))
        await pilot.press("o")
        assert harness.opened == []
        assert main.status.message == "not opening javascript: link"


async def test_refresh_in_background_keeps_cursor_and_open_article(harness):
    harness.refresh.batches = {A: [entry("fresh1", "Fresh alpha story", 10), entry("fresh2", "Another fresh one", 20)]}
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("j", "j")
        cursor_id = main.headlines.cursor_id
        await pilot.press("enter")
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert harness.refresh.calls == [None]
        assert len(main.headlines.ids) == 13
        assert main.headlines.cursor_id == cursor_id  # two rows arrived above: the cursor stayed on its article
        assert main.reading and main.article_id == cursor_id
        assert main.unread_total == 12  # 11 + 2 new - the one opened
        assert "2 new" in main.status.summary and main.status.progress == ""


async def test_r_refreshes_only_the_feed_in_view(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        with harness.store() as s:
            main.show_view(View("feed", feed_id=s.feed_id(B)))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert harness.refresh.calls == [[B]]


async def test_refresh_errors_mark_the_feed_and_e_explains(harness):
    harness.refresh.errors = {B: "HTTP 500 Internal Server Error"}
    app = harness.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        main = app.screen
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        with harness.store() as s:
            fid = s.feed_id(B)
        entry_ = main.sidebar.entries[f"feed:{fid}"]
        assert entry_.error == "HTTP 500 Internal Server Error"
        assert main.sidebar.row_text(f"feed:{fid}").startswith("!")
        assert "1 failed" in main.status.summary
        app.clear_notifications()
        await pilot.press("backslash")
        main.sidebar.highlight_key(f"feed:{fid}")
        await pilot.press("e")
        messages = [n.message for n in app._notifications]
        assert any("HTTP 500" in m for m in messages)


async def test_refresh_crash_is_reported_not_fatal(harness):
    harness.refresh.raise_exc = RuntimeError("network stack exploded")
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert "refresh failed" in main.status.summary and "exploded" in main.status.summary
        await pilot.press("j")
        assert main.headlines.cursor == 1  # still responsive


async def test_refresh_on_start_runs_after_first_paint(harness):
    harness.refresh.batches = {A: [entry("fresh1", "Fresh alpha story", 10)]}
    app = harness.app(refresh_on_start=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert harness.refresh.calls == [None]
        assert len(app.screen.headlines.ids) == 12


async def test_x_fetches_full_text(harness, monkeypatch):
    import newstui.fulltext

    calls = []

    def fake(url, *, timeout=30.0, fetcher=None):
        calls.append(url)
        return "The full text of the article.\n\nSecond paragraph of it."

    monkeypatch.setattr(newstui.fulltext, "fetch_fulltext", fake)
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("j", "enter", "x")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        aid = main.article_id
        assert calls == [main.article_view.article.link]
        with harness.store() as s:
            assert s.article(aid).fulltext.startswith("The full text")
        assert any("Second paragraph of it." in t for t in line_texts(main.article_view))


async def test_x_failure_is_one_line(harness, monkeypatch):
    import newstui.fulltext
    from newstui.errors import FetchError

    def fake(url, *, timeout=30.0, fetcher=None):
        raise FetchError("full text: HTTP 404")

    monkeypatch.setattr(newstui.fulltext, "fetch_fulltext", fake)
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "x")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        assert app.screen.status.message == "full text: HTTP 404"


async def test_palette_jumps_to_feed(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"gamma")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        main = app.screen
        with harness.store() as s:
            assert main.view == View("feed", feed_id=s.feed_id("http://127.0.0.1:9/gamma.xml"))


async def test_palette_lists_actions(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any(t.startswith("Next (n)") for t in titles)
        assert any(t.startswith("Mark all read (M)") for t in titles)
        await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_headline_rows_align_with_cjk_and_emoji(harness, size):
    from rich.cells import cell_len

    app = harness.app()
    async with app.run_test(size=size) as pilot:
        hl = app.screen.headlines
        width = hl.scrollable_content_region.width
        ages = set()
        for y in range(len(hl.ids)):
            strip = hl.render_line(y)
            assert strip.cell_length == width
            text = strip.text
            assert cell_len(text) == width
            ages.add(len(text) - len(text.rstrip()))  # every row ends with its age, flush right
        assert ages == {0}
        await pilot.pause()


async def test_failing_feeds_do_not_bury_the_screen_in_toasts(harness, monkeypatch):
    import newstui.ui.screens.main as main_mod

    monkeypatch.setattr(main_mod, "MAX_FAILED_TOASTS", 1)
    harness.refresh.errors = {A: "DNS lookup failed for a", B: "DNS lookup failed for b",
                              C: "DNS lookup failed for c"}
    app = harness.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        messages = [n.message for n in app._notifications]
        assert sum("DNS lookup failed" in m for m in messages) == 1
        assert any(m == "2 more feeds failed (e explains)" for m in messages)
        assert "3 failed" in app.screen.status.summary
