"""settings.preview: the three-pane layout previews the article under the cursor only when
asked to ("auto" = not over SSH), since each preview repaints the whole article pane."""

from __future__ import annotations

import pytest

from newstui.config import parse_config
from newstui.models import View
from newstui.ui.app import preview_enabled
from newstui.ui.screens.main import PREVIEW_DELAY

from .conftest import BASE_CONFIG

SSH = {"DISPLAY": ":0", "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}


def unread_count(harness) -> int:
    with harness.store() as s:
        ids = s.article_ids(View("all"))
        return sum(not h.read for h in s.headlines(ids).values())


def _with_setting(line: str) -> str:
    return BASE_CONFIG.replace("[settings]\n", f"[settings]\n{line}\n", 1)


async def _move_slowly(pilot, times: int) -> None:
    """j ``times``, each time resting longer than the preview's debounce."""
    for _ in range(times):
        await pilot.press("j")
        await pilot.pause(PREVIEW_DELAY + 0.15)


@pytest.mark.parametrize(("setting", "env"), [("off", None), ("auto", SSH), ("false", None)])
async def test_no_preview_cursor_leaves_article_pane_alone(harness, tmp_path, setting, env):
    value = setting if setting == "false" else f'"{setting}"'
    config = parse_config(_with_setting(f"preview = {value}"), tmp_path / "feeds.toml")
    assert not config.errors
    app = harness.app(config=config, env=env)
    before = unread_count(harness)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        assert main.wide and not app.preview
        await _move_slowly(pilot, 3)
        assert main.headlines.cursor_id == main.headlines.ids[3]
        assert main.article_id is None and main.article_view.article is None
        # Enter opens (and marks read); the opened article stays while the cursor moves.
        await pilot.press("enter")
        opened = main.headlines.ids[3]
        assert main.article_id == opened
        await pilot.press("tab", "tab")  # article -> sidebar -> headlines
        assert main.headlines.has_focus
        await _move_slowly(pilot, 2)
        assert main.headlines.cursor_id == main.headlines.ids[5]
        assert main.article_id == opened and main.article_view.article.id == opened
        # Esc closes it.
        await pilot.press("escape")
        assert main.article_id is None and main.article_view.article is None
        assert main.headlines.has_focus
        await _move_slowly(pilot, 1)
        assert main.article_id is None
    assert unread_count(harness) == before - 1  # only the opened article was marked read


async def test_preview_on_previews_as_before_even_over_ssh(harness, tmp_path):
    config = parse_config(_with_setting('preview = "on"'), tmp_path / "feeds.toml")
    app = harness.app(config=config, env=SSH)
    before = unread_count(harness)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        assert app.preview
        await _move_slowly(pilot, 2)
        assert main.article_id == main.headlines.ids[2]
    assert unread_count(harness) == before  # a preview marks nothing read


async def test_auto_previews_without_ssh(harness):
    app = harness.app(env={"DISPLAY": ":0"})
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.screen
        await _move_slowly(pilot, 1)
        assert main.article_id == main.headlines.ids[1]


# --- config -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    ('"auto"', "auto"), ('"on"', "on"), ('"off"', "off"), ('" OFF "', "off"), ("true", "on"), ("false", "off"),
])
def test_config_accepts_preview_values(raw, expected):
    config = parse_config(f"[settings]\npreview = {raw}\n")
    assert config.errors == () and config.warnings == ()
    assert config.settings.preview == expected


def test_config_default_is_auto():
    assert parse_config("").settings.preview == "auto"


@pytest.mark.parametrize("raw", ['"sometimes"', "1", '""', "[]"])
def test_config_rejects_other_preview_values(raw):
    config = parse_config(f"# comment\n[settings]\nmouse = true\npreview = {raw}\n")
    assert config.settings.preview == "auto"
    assert len(config.errors) == 1
    msg = config.errors[0]
    assert msg.startswith('feeds.toml:4: settings.preview: expected "auto", "on" or "off"')
    assert "\n" not in msg


@pytest.mark.parametrize(("setting", "env", "expected"), [
    ("auto", {}, True), ("auto", {"SSH_CONNECTION": "a b c d"}, False), ("on", {"SSH_CONNECTION": "x"}, True),
    ("off", {}, False),
])
def test_preview_enabled(setting, env, expected):
    assert preview_enabled(setting, env) is expected
