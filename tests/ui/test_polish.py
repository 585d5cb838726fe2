"""Review fixes at 80x24: help scrolling keys, a copied URL that stays readable, a Footer
that fits every layout, and a mark-all-read question that keeps the list in view."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from newstui.models import View
from newstui.ui.screens.dialogs import ConfirmScreen
from newstui.ui.screens.help import HelpScreen
from newstui.ui.widgets.key_footer import KeyFooter

from .conftest import A, NOW, config_with, entry

LONG_URL = "https://example.org/" + "/".join(f"section-{i}" for i in range(12)) + "/the-story.html"
SSH = {"SSH_CONNECTION": "10.0.0.1 5 10.0.0.2 22"}


def screen_lines(app) -> list[str]:
    """What the terminal shows: the top screen composited over the ones behind it."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


# --- 1. the help screen scrolls with the reading screen's keys ------------------------------

@pytest.mark.parametrize("down, up", [("G", "g"), ("end", "home")])
async def test_help_first_and_last_keys(harness, down, up):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.body
        assert body.max_scroll_y > 0 and body.scroll_y == 0
        await pilot.press(down)
        assert body.scroll_y == body.max_scroll_y
        await pilot.press(up)
        assert body.scroll_y == 0


async def test_help_pages_with_overlap_and_j_k_still_scroll(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        body = app.screen.body
        page = body.scrollable_content_region.height - 2
        await pilot.press("pagedown")
        assert body.scroll_y == min(page, body.max_scroll_y) and page > 1
        await pilot.press("pageup")
        assert body.scroll_y == 0
        await pilot.press("space")
        assert body.scroll_y == min(page, body.max_scroll_y)
        await pilot.press("b", "j", "j")
        assert body.scroll_y == 2
        await pilot.press("k")
        assert body.scroll_y == 1
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_follows_keys_remaps(harness, tmp_path):
    """A ``[keys]`` remap of ``last`` moves it in the help too (same binding ids)."""
    config = config_with('\n[keys]\nlast = "ctrl+e"\n', tmp_path)
    app = harness.app(config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        body = app.screen.body
        await pilot.press("G")  # no longer bound to "last"
        assert body.scroll_y == 0
        await pilot.press("ctrl+e")
        assert body.scroll_y == body.max_scroll_y > 0


# --- 2. a copied URL is visible at 80 columns --------------------------------------------------

def add_long_link_story(harness) -> None:
    with harness.store() as store:
        store.store_entries(A, [entry("longlink", "Story with a long link", 5, link=LONG_URL)], NOW)


async def test_o_over_ssh_shows_the_url_on_the_status_line_and_whole_in_a_toast(harness):
    add_long_link_story(harness)
    app = harness.app(env=SSH)
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        assert main.headlines.row(main.headlines.cursor_id).title == "Story with a long link"
        await pilot.press("o")
        assert app.clipboard == LONG_URL and harness.opened == []
        status = screen_lines(app)[main.status.region.y]
        assert "copied https://example.org/section-0/section-1" in status, status
        assert status.startswith(" All: ")  # the view keeps its first cells
        toasts = [n for n in app._notifications if n.title == "Link copied"]
        assert [n.message for n in toasts] == [LONG_URL] and not toasts[0].markup
        # The toast stands above the status line, which it would otherwise cover.
        await pilot.pause()
        status_again = screen_lines(app)[main.status.region.y]
        assert "copied https://example.org/section-0" in status_again, status_again


async def test_short_copied_url_needs_no_toast(harness):
    app = harness.app(env=SSH)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        status = screen_lines(app)[app.screen.status.region.y]
        assert "over SSH: copied https://example.org/long" in status and "…" not in status
        assert not [n for n in app._notifications if n.title == "Link copied"]


async def test_y_with_a_long_url_toasts_it_too(harness):
    add_long_link_story(harness)
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("y")
        assert app.clipboard == LONG_URL
        assert [n.message for n in app._notifications if n.title == "Link copied"] == [LONG_URL]


async def test_no_display_reason_leaves_room_for_the_url(harness):
    """The wording used when there is neither a display nor $BROWSER, behind a long view
    name: the URL still gets most of the line."""
    from newstui.ui.external import plan_open

    reason = plan_open("https://example.org/a", {}, platform="linux", which=lambda _: None).reason
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        main.status.set_left("Tag: a-rather-long-tag-name-here: 12,345 articles, 6,789 unread")
        main.status.flash(f"{reason}: copied https://example.org/2024/05/story")
        await pilot.pause()
        status = screen_lines(app)[main.status.region.y]
        assert f"{reason}: copied https://example.org/2024/05/story" in status, status
        assert status.startswith(" Tag: a-rath…")


# --- 3. the Footer fits at 80 columns in every layout ------------------------------------------

def footer_keys(app) -> list[FooterKey]:
    return list(app.screen.query_one(KeyFooter).query(FooterKey))


@pytest.mark.parametrize("keys", [[], ["backslash"], ["enter"], ["backslash", "enter"], ["slash"]],
                         ids=["list", "sidebar", "reading", "sidebar-view", "search"])
async def test_footer_fits_80_columns(harness, keys):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in keys:
            await pilot.press(key)
        if keys == ["slash"]:
            await pilot.press(*"alpha", "enter")
            await app.workers.wait_for_complete()
        await pilot.pause()
        footer_row = screen_lines(app)[-1]
        assert "q Quit" in footer_row and "? Help" in footer_row, footer_row
        palette = [k for k in footer_keys(app) if k.has_class("-command-palette")][0]
        for key in footer_keys(app):
            if key is not palette:
                assert key.region.right <= palette.region.x, (key.description, footer_row)


async def test_sidebar_footer_drops_a_key_and_wide_shows_all(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("backslash")
        await pilot.pause()
        shown = {k.description for k in footer_keys(app)}
        assert {"Back", "Help", "Quit", "Feeds"} <= shown and "Star" not in shown
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        await pilot.pause()
        shown = {k.description for k in footer_keys(app)}
        assert {"Open", "Next", "Star", "Search", "Refresh", "Feeds", "Back", "Help", "Quit"} <= shown


# --- 4. mark-all-read asks over the list, which stays visible -----------------------------------

@pytest.mark.parametrize("theme", ["ansi-dark", "textual-dark"])
async def test_mark_all_read_question_keeps_the_list_visible(harness, theme):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause()
        await pilot.press("M")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.styles.background.a < 1
        shown = "\n".join(screen_lines(app))
        assert "Mark 11 unread articles in All read?" in shown
        assert "Climate summit reaches a deal" in shown and "Alpha story 0" in shown


@pytest.mark.parametrize("no, yes", [("n", "y"), ("escape", "enter")])
async def test_mark_all_read_is_keyboard_only(harness, no, yes):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("M", no)
        assert app.screen is main and main.status.message == "nothing marked"
        with harness.store() as store:
            assert len(store.article_ids(View("all", unread_only=True))) == 11
        await pilot.press("M", yes)
        assert app.screen is main and main.status.message.startswith("marked 11 read")
        with harness.store() as store:
            assert store.article_ids(View("all", unread_only=True)) == []
