"""Pilot tests of the reading screen: every key, the views, and state written to the store."""

from __future__ import annotations

from newstui.models import View
from newstui.ui.widgets.headline_list import HeadlineList

from .conftest import NOW, A, line_texts


def ids(app) -> list[int]:
    return app.screen.headlines.ids


def title_of(app, aid: int) -> str:
    return app.screen.headlines.row(aid).title


async def test_starts_from_store_with_counts(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        assert len(ids(app)) == 11
        # Newest first: the 1-minute-old story leads.
        assert title_of(app, ids(app)[0]) == "Climate summit reaches a deal"
        assert main.unread_total == 11
        assert harness.refresh.calls == []  # refresh_on_start = false
        assert "11 articles" in main.status.left
        assert not main.sidebar.display  # collapsed at 80 columns
        await pilot.press("backslash")
        assert main.sidebar.display and main.sidebar.has_focus
        labels = [e.label for e in main.sidebar.entries.values()]
        assert labels[:4] == ["All", "Unread", "Starred", "Highlighted"]
        assert "#world" in labels and "Alpha News" in labels


async def test_cursor_keys(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        hl = app.screen.headlines
        await pilot.press("j", "j", "down")
        assert hl.cursor == 3
        await pilot.press("k", "up")
        assert hl.cursor == 1
        await pilot.press("G")
        assert hl.cursor == 10
        await pilot.press("g")
        assert hl.cursor == 0
        await pilot.press("end", "home")
        assert hl.cursor == 0
        await pilot.press("pagedown")  # no article shown: pages the list
        assert hl.cursor == 10
        await pilot.press("pageup")
        assert hl.cursor == 0
        await pilot.press("f2")
        assert app.screen.sidebar.display and app.screen.sidebar.has_focus
        await pilot.press("j", "f2")
        assert not app.screen.sidebar.display and hl.has_focus


async def test_cursor_move_repaints_two_lines_only(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        hl = app.screen.headlines
        regions = []
        original = hl.refresh

        def spy(*regions_args, **kw):
            regions.append(regions_args)
            return original(*regions_args, **kw)

        hl.refresh = spy
        hl.move_by(1)
        assert len(regions) == 2 and all(len(r) == 1 and r[0].height == 1 for r in regions)
        hl.refresh = original
        await pilot.pause()


async def test_enter_opens_full_screen_marks_read_and_esc_returns(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        first = ids(app)[0]
        await pilot.press("enter")
        assert main.reading and main.article_view.has_focus
        assert not main.headlines.display
        with harness.store() as s:
            assert s.headlines([first])[first].read  # persisted at once
            assert s.get_state("ui.article") == str(first)
        text = "\n".join(line_texts(main.article_view))
        assert "Climate summit reaches a deal" in text and "Jane Doe" in text
        assert "Highlights" in text  # the long story gets a highlights box
        assert "Status: read" in text
        assert main.unread_total == 10
        await pilot.press("space")
        assert main.article_view.scroll_offset.y > 0
        await pilot.press("b")
        assert main.article_view.scroll_offset.y == 0
        await pilot.press("j")
        assert main.article_view.scroll_offset.y == 1
        await pilot.press("escape")
        assert not main.reading and main.headlines.has_focus and main.headlines.cursor_id == first


async def test_short_article_has_no_highlights_box(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("j", "enter")
        text = "\n".join(line_texts(main.article_view))
        assert "Short summary." in text and "Highlights" not in text


async def test_m_toggles_read_and_u_undoes(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        aid = ids(app)[0]
        await pilot.press("m")
        with harness.store() as s:
            assert s.headlines([aid])[aid].read
        assert main.unread_total == 10
        assert main.headlines.row(aid).read
        await pilot.press("m")
        with harness.store() as s:
            assert not s.headlines([aid])[aid].read
        await pilot.press("u")  # undoes the second m: read again
        with harness.store() as s:
            assert s.headlines([aid])[aid].read
        await pilot.press("u")
        with harness.store() as s:
            assert not s.headlines([aid])[aid].read
        assert main.unread_total == 11
        await pilot.press("u")
        assert "nothing to undo" in main.status.message


async def test_s_stars_and_u_undoes(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        aid = ids(app)[1]
        await pilot.press("j", "s")
        with harness.store() as s:
            assert s.headlines([aid])[aid].starred
        assert main.starred_count == 1
        assert "*" in main.headlines.render_line(1).text[:5]
        await pilot.press("u")
        with harness.store() as s:
            assert not s.headlines([aid])[aid].starred
        assert main.starred_count == 0


async def test_mark_all_read_asks_and_undo_restores(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("M")
        assert app.screen is not main  # the confirmation
        await pilot.press("n")
        assert app.screen is main and main.unread_total == 11
        await pilot.press("M", "y")
        assert main.unread_total == 0
        with harness.store() as s:
            assert s.unread_total() == 0
        await pilot.press("u")
        with harness.store() as s:
            assert s.unread_total() == 11
        assert main.unread_total == 11


async def test_next_unread_crosses_into_next_feed(harness):
    with harness.store() as s:
        alpha = s.feed_id(A)
        s.set_read(s.article_ids(View("feed", feed_id=alpha)), True, NOW)
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        main.show_view(View("feed", feed_id=alpha))
        await pilot.press("n")  # nothing unread in Alpha: newsboat-style jump to another feed
        assert main.view.kind == "feed" and main.view.feed_id != alpha
        h = main.headlines.row(main.headlines.cursor_id)
        assert not h.read
        # In the article, n opens the next unread article itself.
        await pilot.press("enter")
        first = main.article_id
        await pilot.press("n")
        assert main.article_id != first and main.reading
        with harness.store() as s:
            assert s.headlines([main.article_id])[main.article_id].read


async def test_prev_unread(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        hl = app.screen.headlines
        await pilot.press("G")
        last = hl.cursor
        await pilot.press("k", "m", "k")  # index last-1 read, cursor at last-2
        await pilot.press("G", "N")
        assert hl.cursor == last - 2


async def test_f_toggles_unread_only_keeping_cursor(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("m", "j")
        keep = main.headlines.cursor_id
        await pilot.press("f")
        assert main.view.unread_only and len(ids(app)) == 10 and main.headlines.cursor_id == keep
        with harness.store() as s:
            assert '"unread_only": true' in s.get_state("ui.view")
        await pilot.press("f")
        assert len(ids(app)) == 11


async def test_sidebar_selects_views_and_tags(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("backslash")
        main.sidebar.highlight_key("tag:world")
        await pilot.press("enter")
        assert main.view == View("tag", tag="world")
        assert len(ids(app)) == 8 and main.headlines.has_focus
        await pilot.press("escape")  # back to All
        assert main.view == View("all")
        main.go_to_entry("view:starred")
        assert ids(app) == []
        assert "No articles here" in main.headlines.render_line(1).text


async def test_tab_cycles_panes_wide(harness):
    app = harness.app()
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        assert main.wide and main.sidebar.display and main.article_view.display
        await pilot.press("enter")
        assert main.article_view.has_focus and not main.reading
        await pilot.press("tab")
        assert main.sidebar.has_focus
        await pilot.press("tab")
        assert main.headlines.has_focus
        await pilot.press("shift+tab")
        assert main.sidebar.has_focus


async def test_wide_preview_does_not_mark_read(harness):
    app = harness.app()
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        await pilot.press("j")
        await pilot.pause(0.4)
        second = ids(app)[1]
        assert main.article_id == second
        with harness.store() as s:
            assert not s.headlines([second])[second].read


async def test_resize_reflows_article(harness):
    app = harness.app()
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        await pilot.press("enter")
        wide_lines = len(main.article_view.doc.lines(main.article_view._width))
        await pilot.resize_terminal(60, 30)
        await pilot.pause()
        narrow = main.article_view._width
        assert narrow < 60
        assert len(main.article_view.doc.lines(narrow)) > wide_lines
        assert all(main.article_view.render_line(y).cell_length == narrow for y in range(30))


async def test_help_lists_every_binding_id(harness):
    from newstui.ui.keys import MAIN_BINDINGS

    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-keys")
        text = "\n".join(str(c) for c in table._lines(200))
        for b in MAIN_BINDINGS:
            assert b.id in text
        await pilot.press("escape")
        assert app.screen.id == "main"


async def test_keymap_from_config_remaps(harness, tmp_path):
    from .conftest import config_with

    cfg = config_with('\n[keys]\nnext_unread = "ctrl+n"\ntoggle_star = "S"\n', tmp_path)
    app = harness.app(config=cfg)
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("j", "m", "k", "m")  # first two read
        await pilot.press("n")
        assert main.headlines.cursor == 0  # n is no longer bound
        await pilot.press("ctrl+n")
        assert main.headlines.cursor == 2
        await pilot.press("S")
        assert main.headlines.row(main.headlines.cursor_id).starred


async def test_view_and_article_survive_restart(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        main.go_to_entry("tag:tech")
        await pilot.press("j", "enter")
        opened = main.article_id
        await pilot.press("q")
    assert app.return_code == 0
    app2 = harness.app()
    async with app2.run_test(size=(80, 24)) as pilot:
        main = app2.screen
        assert main.view == View("tag", tag="tech")
        assert main.headlines.cursor_id == opened and main.reading and main.article_id == opened


async def test_theme_choice_is_remembered(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "ansi-dark"
        app.theme = "nord"
        await pilot.pause()
    app2 = harness.app()
    async with app2.run_test(size=(80, 24)):
        assert app2.theme == "nord"


async def test_quit_returns_zero(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
    assert app.return_code == 0


async def test_click_selects_then_opens(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.click(HeadlineList, offset=(10, 2))
        assert main.headlines.cursor == 2
        await pilot.click(HeadlineList, offset=(10, 2))
        assert main.reading and main.article_id == ids(app)[2]
