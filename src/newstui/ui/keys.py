"""Every key of the reading screen, in one place: ids for ``[keys]`` remaps, help text.

Each binding has an ``id`` (the name used in feeds.toml ``[keys]``), a short description
(Footer and help) and a tooltip. vim keys and arrows both work by default. The help
screen and the command palette are generated from this list, so they cannot drift.
"""

from __future__ import annotations

from typing import Mapping

from textual.binding import Binding

MAIN_BINDINGS: list[Binding] = [
    Binding("j,down", "cursor_down", "Down", show=False, id="cursor_down",
            tooltip="Next headline (in the article: scroll down a line)."),
    Binding("k,up", "cursor_up", "Up", show=False, id="cursor_up",
            tooltip="Previous headline (in the article: scroll up a line)."),
    Binding("g,home", "first", "First", show=False, id="first", tooltip="First headline / top of the article."),
    Binding("G,end", "last", "Last", show=False, id="last", tooltip="Last headline / end of the article."),
    Binding("space,pagedown", "page_down", "Page", show=False, id="page_down",
            tooltip="Page the article down (the list when no article is shown)."),
    Binding("b,pageup", "page_up", "Page up", show=False, id="page_up",
            tooltip="Page the article up (the list when no article is shown)."),
    Binding("enter", "open", "Open", id="open", tooltip="Open the headline under the cursor (marks it read)."),
    Binding("n", "next_unread", "Next", id="next_unread",
            tooltip="Next unread article; at the end of a feed, the next feed with unread articles."),
    Binding("N", "prev_unread", "Prev unread", show=False, id="prev_unread",
            tooltip="Previous unread article (into the previous feed at the start)."),
    Binding("tab", "next_pane", "Next pane", show=False, id="next_pane", tooltip="Focus the next pane."),
    Binding("shift+tab", "prev_pane", "Previous pane", show=False, id="prev_pane",
            tooltip="Focus the previous pane."),
    Binding("o", "open_link", "Link", show=False, id="open_link",
            tooltip="Open the article's link in the browser (over SSH: copy it and show it)."),
    Binding("y", "copy_link", "Copy link", show=False, id="copy_link",
            tooltip="Copy the article's link to the clipboard (OSC 52)."),
    Binding("m", "toggle_read", "Read/unread", show=False, id="toggle_read", tooltip="Toggle read."),
    Binding("M", "mark_all_read", "Mark all read", show=False, id="mark_all_read",
            tooltip="Mark every article in this view read (asks first; u undoes)."),
    Binding("u", "undo", "Undo", show=False, id="undo", tooltip="Undo the last read/star change."),
    Binding("s", "toggle_star", "Star", id="toggle_star", tooltip="Star or unstar the article."),
    Binding("slash", "search", "Search", id="search", tooltip="Search all articles."),
    Binding("f", "toggle_unread_only", "Unread only", show=False, id="toggle_unread_only",
            tooltip="Show only unread articles in this view, or all again."),
    Binding("r", "refresh", "Refresh", id="refresh", tooltip="Refresh the feed (or tag) in view; all feeds elsewhere."),
    Binding("R", "refresh_all", "Refresh all", show=False, id="refresh_all", tooltip="Refresh every feed."),
    Binding("e", "show_error", "Feed error", show=False, id="show_error",
            tooltip="Explain why the highlighted feed fails (feeds marked !)."),
    Binding("x", "fetch_fulltext", "Full text", show=False, id="fulltext",
            tooltip="Fetch the full article text from the web page."),
    Binding("backslash,f2", "toggle_sidebar", "Feeds", id="toggle_sidebar", tooltip="Show or hide the feed list."),
    Binding("escape", "back", "Back", id="back",
            tooltip="Close the article, leave a search, or return to the previous view."),
    Binding("question_mark", "help", "Help", id="help", tooltip="All keys."),
    Binding("q", "quit", "Quit", id="quit", tooltip="Quit newstui."),
]

BINDING_IDS = frozenset(b.id for b in MAIN_BINDINGS if b.id)

FOOTER_DROP_ORDER = ("toggle_star", "refresh", "search", "toggle_sidebar", "next_unread", "open", "back")
"""Footer keys left out, first ones first, when the row does not fit (80 columns with the
sidebar, long remapped keys). Help and Quit are not here: they always show, and ``?``
lists the rest."""


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys that trigger ``binding`` once the user's ``[keys]`` remaps apply."""
    keys = keymap.get(binding.id or "", binding.key)
    return [k.strip() for k in keys.split(",") if k.strip()]
