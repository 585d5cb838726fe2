"""Layout snapshots at 80x24 and 160x48 (frozen clock and data). Plain ``def``: snap_compare
runs its own event loop. Regenerate with ``pytest tests/ui --snapshot-update`` and look at
the SVGs before committing them."""

from __future__ import annotations


def test_list_80x24(harness, snap_compare):
    assert snap_compare(harness.app(), terminal_size=(80, 24))


def test_article_80x24(harness, snap_compare):
    assert snap_compare(harness.app(), press=["enter"], terminal_size=(80, 24))


def test_sidebar_80x24(harness, snap_compare):
    assert snap_compare(harness.app(), press=["backslash"], terminal_size=(80, 24))


def test_three_panes_160x48(harness, snap_compare):
    async def open_first(pilot) -> None:
        await pilot.press("j", "enter")
        await pilot.pause()

    assert snap_compare(harness.app(), terminal_size=(160, 48), run_before=open_first)


def test_help_80x24(harness, snap_compare):
    assert snap_compare(harness.app(), press=["question_mark"], terminal_size=(80, 24))
