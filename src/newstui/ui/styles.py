"""Rule styles from feeds.toml as Rich styles, and the fallback that keeps them visible.

The config stores each rule style validated and normalised in Rich syntax ("bold yellow",
"color(9)", "on blue"); the headline list and article pane draw segments, so they want a
Rich ``Style``. Parsing costs microseconds but runs per span, hence the cache. Under
``NO_COLOR`` Textual turns every colour grey, so a colour-only rule would vanish: there
every rule also gets bold + underline.
"""

from __future__ import annotations

from functools import lru_cache

from rich.errors import StyleSyntaxError
from rich.style import Style

FALLBACK = Style(bold=True, underline=True)
"""What a rule looks like when its style cannot be parsed, and what NO_COLOR adds."""
SEARCH_TERM = "bold reverse"
"""Search terms are highlighted like this (reverse survives every terminal)."""


@lru_cache(maxsize=512)
def rule_style(style: str, no_color: bool = False) -> Style:
    """``style`` parsed once; with ``no_color`` at least bold + underline are added."""
    try:
        parsed = Style.parse(style)
    except (StyleSyntaxError, ValueError):
        parsed = FALLBACK
    if no_color:
        parsed = parsed + FALLBACK
    return parsed
