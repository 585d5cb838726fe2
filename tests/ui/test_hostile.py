"""Feed text is shown literally everywhere: list, sidebar, article, notifications, palette.

Markup (``[bold red]``, ``[@click=app.quit]``) must stay visible text and never run;
ESC/BEL sequences must never reach a rendered line (they would retitle the terminal).
"""

from __future__ import annotations

from newstui.ui.commands import FeedProvider

from .conftest import B, HOSTILE_ESC, HOSTILE_MARKUP, line_texts


def assert_no_controls(text: str) -> None:
    assert not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) <= 0x9f for c in text), repr(text)


async def test_headline_list_shows_markup_literally_and_drops_escapes(harness):
    app = harness.app()
    async with app.run_test(size=(110, 30)) as pilot:
        texts = line_texts(app.screen.headlines)
        joined = "\n".join(texts)
        assert HOSTILE_MARKUP in joined  # the title, character for character
        assert "Beta [bold red]PWNED" in joined  # the feed column (hostile configured title)
        assert "Evil ]0;PWNED-TITLE[41mRED" in joined  # ESC and BEL removed, the rest visible
        assert_no_controls(joined)
        for y in range(len(texts)):
            for seg in app.screen.headlines.render_line(y):
                assert seg.style is None or not seg.style.meta  # no @click actions anywhere
        await pilot.press("q")
    assert app.return_code == 0


async def test_sidebar_prompts_are_literal(harness):
    app = harness.app()
    async with app.run_test(size=(160, 48)) as pilot:
        with harness.store() as s:
            fid = s.feed_id(B)
        sidebar = app.screen.sidebar
        assert "Beta [bold red]PWNED" in sidebar.row_text(f"feed:{fid}")
        row = sidebar.render_row(sidebar._index[f"feed:{fid}"], False, 26)
        assert all(seg.style is None or not seg.style.meta for seg in row)
        await pilot.pause()


async def test_article_pane_is_literal(harness):
    app = harness.app()
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        for title in (HOSTILE_MARKUP, HOSTILE_ESC):
            aid = next(a for a in main.headlines.ids if main.headlines.row(a).title == title)
            main.open_article(aid)
            await pilot.pause()
            text = "\n".join(line_texts(main.article_view))
            assert_no_controls(text)
            assert title.replace("\x1b", "").replace("\x07", "") in text
            assert "Beta [bold red]PWNED[/] [@click=app.quit]x[/]" in text  # Feed: line
            main.action_back()


async def test_notifications_are_literal(harness):
    harness.refresh.errors = {B: "[bold]boom[/] [@click=app.quit]q[/] \x1b[31mred"}
    app = harness.app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        messages = [n.message for n in app._notifications]
        hit = [m for m in messages if "boom" in m]
        assert hit and "[bold]boom[/] [@click=app.quit]q[/]" in hit[0]
        assert all(not n.markup for n in app._notifications)
        assert_no_controls("".join(messages))
        await pilot.press("e")  # explain: also literal
        await pilot.press("q")
    assert app.return_code == 0


async def test_palette_hits_are_literal(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        provider = FeedProvider(app.screen)
        hits = [hit async for hit in provider.search("pwned")]
        assert hits
        prompt = hits[0].prompt
        assert "[bold red]PWNED[/]" in prompt.plain
        assert all("@click" not in str(span.style) for span in prompt.spans)
        found = [hit async for hit in provider.discover()]
        assert any("[@click=app.quit]x[/]" in h.prompt.plain for h in found)
        await pilot.pause()
