"""What the article pane shows, assembled without Textual (so it is unit-testable).

Given a stored :class:`~newstui.models.Article` this module picks the body to show (full
text, else content, else summary), computes the story highlights once per text (cached
in the store), collects highlight-rule and search-term spans, and lays everything out
for a given width as lines of :class:`Run` (text + style names + optional link):

    title (wrapped)                       rules for the "title" field
    Feed: / Author: / Date: / Link: / Status:
    ┌ Highlights ──────┐                  only when highlights.extract found some
    │ • key sentence   │
    └──────────────────┘
    body blocks, wrapped by render.wrap_block; rule spans applied before wrapping
    Links: [1] url ...                    each with its URL for an OSC 8 hyperlink

Style names are render's semantic names (``bold``, ``link``, ``heading``...), this
module's own (``title``, ``label``, ``meta``, ``box``, ``box-title``, ``flag``) or, for
rule spans, the rule's style string itself ("bold yellow"); the UI maps each to a style.
Every string from the feed is sanitised again here before it becomes a run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence

from newstui import highlights as story
from newstui.models import Article
from newstui.render import Block, Link, RenderedArticle, Span, cell_width, render_html, wrap_block
from newstui.sanitize import clean_line, clean_title, clean_url, display_url

if TYPE_CHECKING:
    from newstui.store import Store

MAX_BODY_CHARS = 200_000
"""Body text shown at most; longer articles end with render's "truncated" line."""
TERM_STYLE = "bold reverse"
"""How search terms look (reverse survives NO_COLOR and 16 colours)."""
LINK_PREFIX = "link#"
"""A body ``link`` span becomes ``link#N`` so the UI can attach link N's URL (OSC 8)."""
OWN_STYLES = frozenset({"title", "label", "meta", "box", "box-title", "flag"})


class SpanSource(Protocol):
    """What :class:`newstui.highlight_rules.RuleSet` provides (kept structural on purpose)."""

    def spans(self, text: str, field: str) -> Sequence[object]: ...


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of one line: ``text`` with style names applied in order (later wins)."""

    text: str
    styles: tuple[str, ...] = ()
    url: str | None = None
    """http(s) target for a terminal hyperlink (already through ``clean_url``)."""


Line = tuple[Run, ...]


def body_source(article: Article) -> str:
    """The text the pane shows: fetched full text, else the content, else the summary."""
    if article.fulltext:
        return article.fulltext
    return article.content or article.summary or ""


def story_highlights(store: "Store | None", article_id: int, text: str, n: int) -> list[str]:
    """Up to ``n`` key sentences of ``text``, computed once and cached in the store.

    The cache key covers the text and ``n``, so editing ``highlight_sentences`` or
    fetching the full text recomputes them.
    """
    if n <= 0 or not text.strip():
        return []
    key = f"{story.text_hash(text)}:{n}"
    if store is not None:
        cached = store.cached_highlights(article_id, key)
        if cached is not None:
            return cached
    sentences = [clean_line(s, 2000) for s in story.extract(text, n)]
    sentences = [s for s in sentences if s]
    if store is not None:
        store.store_highlights(article_id, key, sentences)
    return sentences


def _rule_spans(source: SpanSource | None, text: str, field: str, style: str | None = None) -> list[Span]:
    if source is None or not text:
        return []
    out = []
    for s in source.spans(text, field):
        start, end = getattr(s, "start"), getattr(s, "end")
        name = style or getattr(s, "style", None) or "bold"
        if 0 <= start < end <= len(text):
            out.append(Span(start, end, name))
    return out


def line_runs(text: str, spans: Iterable[Span], base: tuple[str, ...] = (),
              links: Sequence[Link] = ()) -> Line:
    """Cut ``text`` at span edges into runs carrying every covering style name."""
    spans = [s for s in spans if s.end > s.start and s.start < len(text)]
    if not spans:
        return (Run(text, base),) if text else ()
    cuts = sorted({0, len(text), *(max(0, s.start) for s in spans), *(min(len(text), s.end) for s in spans)})
    runs: list[Run] = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        names = list(base)
        url = None
        for s in spans:
            if s.start <= a and b <= s.end:
                name = s.style
                if name.startswith(LINK_PREFIX):
                    number = name[len(LINK_PREFIX):]
                    if number.isdigit() and 0 < int(number) <= len(links):
                        url = links[int(number) - 1].url
                    name = "link"
                names.append(name)
        runs.append(Run(text[a:b], tuple(names), url))
    return tuple(runs)


def _numbered_links(block: Block) -> Block:
    """Tag each ``link`` span with the number of the ``[N]`` marker that follows it."""
    spans = list(block.spans)
    nums = [s for s in spans if s.style == "linknum"]
    if not nums:
        return block
    out = []
    for s in spans:
        if s.style == "link":
            marker = next((n for n in nums if n.start >= s.end), None)
            digits = block.text[marker.start:marker.end].strip("[]") if marker else ""
            if marker is not None and marker.start - s.end <= 1 and digits.isdigit():
                s = Span(s.start, s.end, f"{LINK_PREFIX}{digits}")
        out.append(s)
    return replace(block, spans=tuple(out))


def format_date(ts: int | None) -> str:
    if ts is None:
        return ""
    return time.strftime("%a %d %b %Y %H:%M", time.localtime(ts))


@dataclass
class ArticleDoc:
    """One article ready to lay out at any width (:meth:`lines` is cached per width)."""

    article: Article
    rendered: RenderedArticle
    highlights: list[str]
    rules: SpanSource | None = None
    terms: SpanSource | None = None
    _cache: dict[int, list[Line]] = field(default_factory=dict, repr=False)

    def with_flags(self, *, read: bool | None = None, starred: bool | None = None) -> "ArticleDoc":
        art = self.article
        art = replace(art, read=art.read if read is None else read,
                      starred=art.starred if starred is None else starred)
        return ArticleDoc(art, self.rendered, self.highlights, self.rules, self.terms)

    def _extra(self, text: str, field: str) -> list[Span]:
        return _rule_spans(self.rules, text, field) + _rule_spans(self.terms, text, field, TERM_STYLE)

    def lines(self, width: int) -> list[Line]:
        """The whole article as lines no wider than ``width`` cells."""
        width = max(10, width)
        cached = self._cache.get(width)
        if cached is None:
            cached = self._cache[width] = self._layout(width)
        return cached

    def _layout(self, width: int) -> list[Line]:
        out: list[Line] = []
        art = self.article
        title = clean_title(art.title)
        block = Block(title, tuple(self._extra(title, "title")), "p")
        for text, spans in wrap_block(block, width):
            out.append(line_runs(text, spans, ("title",)))
        out.append(())
        label_w = 8
        fields: list[tuple[str, str, str | None]] = [("Feed:", clean_line(art.feed_title), None)]
        if art.author:
            fields.append(("Author:", clean_line(art.author, 256), None))
        date = format_date(art.published) or f"{format_date(art.first_seen)} (first seen)"
        if art.updated and art.published and art.updated > art.published + 60:
            date += f", updated {format_date(art.updated)}"
        fields.append(("Date:", date, None))
        link = clean_url(art.link) if art.link else None
        if link:
            fields.append(("Link:", display_url(link), link))
        status = ("unread" if not art.read else "read") + (", starred" if art.starred else "")
        fields.append(("Status:", status, None))
        for enc in art.enclosures[:5]:
            url = clean_url(enc.url)
            if url:
                kind = clean_line(enc.type, 60) or "file"
                fields.append(("Media:", f"{display_url(url)} ({kind})", url))
        for label, value, url in fields:
            out.extend(self._field(label, value, url, label_w, width))
        if self.highlights:
            out.append(())
            out.extend(self._highlights_box(width))
        out.append(())
        links = self.rendered.links
        first = True
        for block in self.rendered.blocks:
            block = _numbered_links(block)
            if block.text and block.kind != "truncated":
                extra = self._extra(block.text, "body")
                if extra:
                    block = replace(block, spans=block.spans + tuple(extra))
            if not first and not block.tight:
                out.append(())
            first = False
            base = ("meta",) if block.kind == "truncated" else ()
            for text, spans in wrap_block(block, width):
                out.append(line_runs(text, spans, base, links))
        if links:
            out.append(())
            out.append((Run("Links:", ("heading",)),))
            for ln in links:
                out.extend(self._link_line(ln, width))
        return out

    def _field(self, label: str, value: str, url: str | None, label_w: int, width: int) -> list[Line]:
        block = Block(value, (Span(0, len(value), "link"),) if url else (), "p", 0, label.ljust(label_w))
        lines = []
        for i, (text, spans) in enumerate(wrap_block(block, width)):
            runs = list(line_runs(text, spans, ("meta",)))
            if url:
                runs = [Run(r.text, r.styles, url if "link" in r.styles else None) for r in runs]
            if i == 0 and runs and text.startswith(label):
                head, rest = runs[0].text[:len(label)], runs[0].text[len(label):]
                runs[0:1] = [Run(head, ("label",))] + ([Run(rest, runs[0].styles, runs[0].url)] if rest else [])
            lines.append(tuple(runs))
        return lines

    def _highlights_box(self, width: int) -> list[Line]:
        inner = max(4, width - 4)
        if width >= 16:
            out: list[Line] = [(Run("┌─ ", ("box",)), Run("Highlights", ("box-title",)),
                                Run(" " + "─" * (width - 15) + "┐", ("box",)))]
        else:
            out = [(Run("┌" + "─" * (width - 2) + "┐", ("box",)),)]
        for sentence in self.highlights:
            block = Block(sentence, tuple(self._extra(sentence, "body")), "li", 0, "• ")
            for text, spans in wrap_block(block, inner):
                pad = " " * max(0, inner - cell_width(text))
                out.append((Run("│ ", ("box",)), *line_runs(text, spans), Run(pad + " │", ("box",))))
        out.append((Run("└" + "─" * max(0, width - 2) + "┘", ("box",)),))
        return out

    def _link_line(self, ln: Link, width: int) -> list[Line]:
        url = display_url(ln.url)
        tail = " (image)" if ln.kind == "image" else ""
        block = Block(url + tail, (Span(0, len(url), "link"),), "p", 0, f"[{ln.number}] ")
        lines = []
        for text, spans in wrap_block(block, width):
            runs = [Run(r.text, r.styles, ln.url if "link" in r.styles else None) for r in line_runs(text, spans)]
            lines.append(tuple(runs))
        return lines


def build_article(article: Article, store: "Store | None", *, rules: SpanSource | None = None,
                  term_rules: SpanSource | None = None, sentences: int = 3) -> ArticleDoc:
    """Everything the pane needs for ``article``: rendered body, highlights, rule sources.

    Args:
        rules: highlight rules already scoped to the article's feed (``RuleSet.for_feed``).
        term_rules: search terms to mark (``highlight_rules.term_rules``), or None.
        sentences: how many story highlights (``settings.highlight_sentences``); 0 = none.
    """
    source = body_source(article)
    base = clean_url(article.link) if article.link else None
    rendered = render_html(source, base_url=base or clean_url(article.feed_link) or None,
                           max_chars=MAX_BODY_CHARS)
    plain = rendered.plain_text()
    sentences_found = story_highlights(store, article.id, plain, sentences)
    return ArticleDoc(article, rendered, sentences_found, rules, term_rules)
