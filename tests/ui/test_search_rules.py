"""Search (/) and highlight rules in the list and the article, including NO_COLOR."""

from __future__ import annotations

from rich.style import Style

from newstui.models import View
from newstui.ui.styles import rule_style

from .conftest import config_with

RULES = '''
[[highlight]]
pattern = "climate"
style = "yellow"

[[highlight]]
pattern = "alpha story [0-9]"
style = "bold magenta"
feeds = ["world"]
'''


def styles_of(widget, y: int, word: str) -> list[Style]:
    return [seg.style for seg in widget.render_line(y) if word in seg.text]


async def test_search_shows_results_with_terms_marked_and_esc_returns(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("slash")
        await pilot.press(*"paris")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert main.view == View("search", query="paris")
        assert len(main.headlines.ids) == 1  # only the long story mentions Paris
        assert main.terms == ["paris"]
        await pilot.press("enter")
        lines = main.article_view.doc.lines(main.article_view._width)
        marked = [r.text for line in lines for r in line if "bold reverse" in r.styles]
        assert marked and all(t.lower() == "paris" for t in marked)
        await pilot.press("escape", "escape")
        assert main.view == View("all") and len(main.headlines.ids) == 11
        assert main.terms == []


async def test_search_terms_styled_in_the_list(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.screen
        await pilot.press("slash", *"alpha", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(main.headlines.ids) >= 5
        styles = styles_of(main.headlines, 1, "Alpha")
        assert styles and styles[0].reverse and styles[0].bold


async def test_search_with_no_words(harness):
    app = harness.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"--", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.headlines.ids == []
        assert "no searchable words" in app.screen.status.message


async def test_rules_style_titles_and_body_scoped_by_feed(harness, tmp_path):
    cfg = config_with(RULES, tmp_path)
    app = harness.app(config=cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.screen
        hl = main.headlines
        climate = styles_of(hl, 0, "Climate")
        assert climate and climate[0].color is not None and climate[0].color.name == "yellow"
        y = next(i for i, aid in enumerate(hl.ids) if hl.row(aid).title == "Alpha story 0")
        styled = styles_of(hl, y, "Alpha story 0")
        assert styled and styled[0].bold and styled[0].color.name == "magenta"
        await pilot.press("enter")
        runs = [r for line in main.article_view.doc.lines(80) for r in line]
        assert any(r.text.lower() == "climate" and "yellow" in r.styles for r in runs)


async def test_no_color_rules_still_show(harness, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    cfg = config_with(RULES, tmp_path)
    app = harness.app(config=cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.no_color
        styled = styles_of(app.screen.headlines, 0, "Climate")
        assert styled and styled[0].bold and styled[0].underline
        await pilot.pause()


def test_rule_style_parsing_and_fallback():
    assert rule_style("bold yellow").bold and rule_style("bold yellow").color.name == "yellow"
    assert rule_style("not a style at all").underline  # unparsable: bold + underline
    plain = rule_style("color(9)", True)
    assert plain.bold and plain.underline and plain.color.number == 9


async def test_changed_rules_reflag_articles_at_startup_without_a_refresh(harness, tmp_path):
    cfg = config_with(RULES, tmp_path)
    app = harness.app(config=cfg)  # refresh_on_start = false
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause(1.0)  # the list reloads once the flags are redone
        main = app.screen
        assert main.highlighted_count == 1 + 5  # the climate story and Alpha stories 0-4 (feeds = world)
        assert main.headlines.render_line(0).text[:5] == ">N + "
        main.go_to_entry("view:highlighted")
        assert len(main.headlines.ids) == 6
