"""The article pane: a Line API ``ScrollView`` over lines wrapped for the pane's width.

``newstui.article`` (no Textual) decides *what* is shown: header, the story-highlights
box, the body wrapped to a width with rule spans, the numbered links. This widget only
turns those runs into segments with Rich styles, keeps one wrapped copy per width (a
resize re-wraps once; scrolling re-renders nothing), and scrolls without animation.
Feed text becomes ``Segment`` text, never markup; links become OSC 8 hyperlinks only
for http(s) URLs the store already cleaned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newstui.sanitize import clean_url
from newstui.ui.styles import rule_style
from newstui.ui.widgets.line_list import set_virtual_height

if TYPE_CHECKING:
    from newstui.article import ArticleDoc, Line
    from newstui.highlight_rules import RuleSet
    from newstui.models import Article

Builder = Callable[["Article", "RuleSet | None", "RuleSet | None"], "ArticleDoc"]

KINDS = ("title", "label", "meta", "link", "box", "box-title", "heading", "code", "quote", "linkref",
         "muted", "flag")
"""Component classes ``article-view--<kind>`` (theme-aware styles for the names below)."""
NAME_TO_KIND = {"title": "title", "label": "label", "meta": "meta", "link": "link", "box": "box",
                "box-title": "box-title", "heading": "heading", "code": "code", "pre": "code",
                "quote": "quote", "linknum": "linkref", "image": "muted", "rule": "muted", "flag": "flag"}
"""Style names from ``newstui.article``/``newstui.render`` drawn with a component class."""
PLAIN_NAMES = {"bold": Style(bold=True), "italic": Style(italic=True), "strike": Style(strike=True),
               "underline": Style(underline=True), "table": Style()}
"""Style names that are plain attributes; any other name is a highlight-rule style."""


class ArticleView(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows one :class:`~newstui.article.ArticleDoc`; keys are bound by the screen."""

    COMPONENT_CLASSES = {f"article-view--{k}" for k in KINDS} | {"article-view--empty"}
    DEFAULT_CSS = """
    ArticleView {
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        overflow-y: scroll;
        & > .article-view--title { text-style: bold; color: $text-primary; }
        & > .article-view--label { color: $text-muted; text-style: bold; }
        & > .article-view--meta { color: $text-muted; }
        & > .article-view--link { color: $text-accent; text-style: underline; }
        & > .article-view--box { color: $accent; }
        & > .article-view--box-title { color: $accent; text-style: bold; }
        & > .article-view--heading { text-style: bold; color: $text-primary; }
        & > .article-view--code { color: $text-secondary; }
        & > .article-view--quote { color: $text-muted; text-style: italic; }
        & > .article-view--linkref { color: $text-muted; }
        & > .article-view--muted { color: $text-muted; }
        & > .article-view--flag { color: $text-warning; text-style: bold; }
        & > .article-view--empty { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(self, builder: Builder, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._builder = builder
        self.doc: "ArticleDoc | None" = None
        self._lines: list["Line"] = []
        self._strips: LRUCache[int, Strip] = LRUCache(512)
        self._width = -1
        self._styles: dict[str, Style] | None = None
        self._run_styles: LRUCache[tuple, Style] = LRUCache(256)
        self.wraps = 0
        """How many times the article was wrapped (tests check a resize re-wraps once)."""

    @property
    def article(self) -> "Article | None":
        return self.doc.article if self.doc is not None else None

    def show_article(self, article: "Article", rules: "RuleSet | None", terms: "RuleSet | None") -> None:
        """Build and show ``article`` from the top."""
        self.show(self._builder(article, rules, terms))

    def show(self, doc: "ArticleDoc") -> None:
        self.doc = doc
        self._width = -1
        self._wrap()
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def clear(self) -> None:
        self.doc = None
        self._lines = []
        self._strips.clear()
        self._width = -1
        set_virtual_height(self, 0)
        self.refresh()

    def set_flags(self, *, read: bool | None = None, starred: bool | None = None) -> None:
        """The open article was (un)read or (un)starred: update its header line."""
        if self.doc is None:
            return
        self.doc = self.doc.with_flags(read=read, starred=starred)
        self._width = -1
        self._wrap()
        self.refresh()

    # --- scrolling --------------------------------------------------------------------------

    def scroll_lines(self, n: int) -> None:
        self.scroll_to(y=self.scroll_offset.y + n, animate=False, immediate=True)

    def page(self, direction: int) -> None:
        step = max(1, self.size.height - 2)
        self.scroll_to(y=self.scroll_offset.y + direction * step, animate=False, immediate=True)

    @property
    def at_end(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y

    # --- wrapping and rendering ------------------------------------------------------------

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width)

    def _wrap(self) -> None:
        width = self._text_width()
        if self.doc is None or width == self._width:
            return
        self._width = width
        self.wraps += 1
        self._lines = self.doc.lines(width)
        self._strips.clear()  # strips are made on demand: only the lines on screen cost anything
        set_virtual_height(self, len(self._lines))

    def on_resize(self, event: events.Resize) -> None:
        if self.doc is not None and self._text_width() != self._width:
            self._wrap()
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._run_styles.clear()
        self._strips.clear()
        if self.doc is not None:
            self._width = -1
            self._wrap()

    def _kind_styles(self) -> dict[str, Style]:
        if self._styles is None:
            get = self.get_component_rich_style
            self._styles = {k: get(f"article-view--{k}", partial=True) for k in KINDS}
            self._styles["empty"] = get("article-view--empty", partial=True)
        return self._styles

    def _run_style(self, names: tuple[str, ...], url: str | None) -> Style:
        key = (names, url)
        style = self._run_styles.get(key)
        if style is None:
            kinds = self._kind_styles()
            style = Style()
            for name in names:
                kind = NAME_TO_KIND.get(name)
                if kind is not None:
                    style += kinds[kind]
                elif name in PLAIN_NAMES:
                    style += PLAIN_NAMES[name]
                else:
                    style += rule_style(name, self.app.no_color)
            if url and clean_url(url) == url:
                style += Style(link=url)
            self._run_styles.set(key, style)
        return style

    def _to_strip(self, line: "Line", width: int) -> Strip:
        segments = [Segment(run.text, self._run_style(run.styles, run.url)) for run in line if run.text]
        return Strip(segments).crop(0, width).simplify()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if self.doc is None:
            if y == 1:
                text = "  Enter opens the headline under the cursor."
                return Strip([Segment(text, self._kind_styles()["empty"])]).crop_extend(0, width, base) \
                    .apply_style(base)
            return Strip.blank(width, base)
        if self._width != self._text_width():
            self._wrap()
        index = self.scroll_offset.y + y
        if index >= len(self._lines):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._to_strip(self._lines[index], self._width)
            self._strips.set(index, strip)
        return strip.extend_cell_length(width).apply_style(base)
