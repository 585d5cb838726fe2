"""newstui.article: what the article pane shows, without Textual."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from newstui.article import ArticleDoc, Run, body_source, build_article, line_runs, story_highlights
from newstui.models import Article, Enclosure
from newstui.render import Span, cell_width

from .conftest import NOW, STORY


def make_article(**kw) -> Article:
    base = dict(id=7, feed_id=1, feed_url="http://127.0.0.1:9/a.xml", feed_title="Alpha News",
                title="Climate summit reaches a deal", link="https://example.org/long", author="Jane Doe",
                published=NOW - 60, updated=None, first_seen=NOW, summary="<p>Short.</p>", content=STORY,
                fulltext=None, enclosures=(), tags=(), read=False, starred=False)
    base.update(kw)
    return Article(**base)


class FakeStore:
    """Just the highlight cache of Store."""

    def __init__(self) -> None:
        self.cache: dict[int, tuple[str, list[str]]] = {}
        self.stores = 0

    def cached_highlights(self, id: int, text_hash: str):
        hit = self.cache.get(id)
        return hit[1] if hit and hit[0] == text_hash else None

    def store_highlights(self, id: int, text_hash: str, sentences) -> None:
        self.stores += 1
        self.cache[id] = (text_hash, list(sentences))


@dataclass
class Sp:
    start: int
    end: int
    style: str


class Words:
    """A RuleSet stand-in: marks every occurrence of ``word`` in the given field."""

    def __init__(self, word: str, style: str = "bold yellow", field: str = "body") -> None:
        self.word, self.style, self.field = word, style, field

    def spans(self, text: str, field: str):
        if field != self.field:
            return []
        out, i = [], text.find(self.word)
        while i >= 0:
            out.append(Sp(i, i + len(self.word), self.style))
            i = text.find(self.word, i + 1)
        return out


def text_of(lines) -> list[str]:
    return ["".join(r.text for r in line) for line in lines]


def test_body_source_prefers_fulltext_then_content_then_summary():
    assert body_source(make_article(fulltext="FT")) == "FT"
    assert body_source(make_article()) == STORY
    assert body_source(make_article(content="")) == "<p>Short.</p>"


def test_highlights_are_computed_once_and_cached_per_text_and_count():
    store = FakeStore()
    doc = build_article(make_article(), store, sentences=3)
    assert 1 <= len(doc.highlights) <= 3
    assert store.stores == 1
    again = build_article(make_article(), store, sentences=3)
    assert again.highlights == doc.highlights and store.stores == 1
    build_article(make_article(), store, sentences=2)  # a different count is a different key
    assert store.stores == 2
    assert story_highlights(store, 7, "whatever", 0) == []


def test_no_box_when_there_are_no_highlights():
    doc = build_article(make_article(content="<p>One short line.</p>"), FakeStore())
    assert doc.highlights == []
    assert not any("Highlights" in t for t in text_of(doc.lines(60)))
    full = build_article(make_article(), FakeStore())
    texts = text_of(full.lines(60))
    top = next(i for i, t in enumerate(texts) if "Highlights" in t)
    assert texts[top].startswith("┌─ Highlights") and texts[top].endswith("┐")
    bottom = next(i for i, t in enumerate(texts) if t.startswith("└"))
    assert all(t.startswith("│ ") and t.endswith(" │") for t in texts[top + 1:bottom])
    assert {cell_width(t) for t in texts[top:bottom + 1]} == {60}  # a closed box, every line


@pytest.mark.parametrize("width", [10, 24, 40, 80, 133])
def test_every_line_fits_the_width(width):
    art = make_article(title="日本語のニュース見出しがとても長い場合のテスト 🎉🎉 " * 3,
                       enclosures=(Enclosure("https://example.org/a.mp3", "audio/mpeg"),))
    doc = build_article(art, FakeStore())
    for line in doc.lines(width):
        assert cell_width("".join(r.text for r in line)) <= max(10, width)


def test_header_fields_and_status():
    doc = build_article(make_article(starred=True, read=True), None)
    texts = text_of(doc.lines(80))
    assert texts[0] == "Climate summit reaches a deal"
    assert "Feed:   Alpha News" in texts
    assert "Author: Jane Doe" in texts
    assert "Date:   Tue 14 Nov 2023 22:12" in texts
    assert "Link:   https://example.org/long" in texts
    assert "Status: read, starred" in texts
    flipped = doc.with_flags(read=False, starred=False)
    assert "Status: unread" in text_of(flipped.lines(80))


def test_links_carry_urls_for_hyperlinks_and_are_numbered():
    html = '<p>Read <a href="/more">more here</a> or <a href="javascript:alert(1)">this</a>.</p>'
    doc = build_article(make_article(content=html), None)
    lines = doc.lines(80)
    linked = [r for line in lines for r in line if r.url]
    assert {r.url for r in linked} == {"https://example.org/long", "https://example.org/more"}
    body_link = next(r for line in lines for r in line if r.text == "more here")
    assert body_link.url == "https://example.org/more" and "link" in body_link.styles
    texts = text_of(lines)
    assert "Links:" in texts and "[1] https://example.org/more" in texts
    assert not any("javascript" in t for t in texts)


def test_rule_and_term_spans_reach_title_body_and_highlights():
    rules = Words("Paris")
    terms = Words("deal", field="title")
    doc = build_article(make_article(), FakeStore(), rules=rules, term_rules=terms)
    runs = [r for line in doc.lines(70) for r in line]
    assert any(r.text == "Paris" and "bold yellow" in r.styles for r in runs)
    assert any(r.text == "deal" and "bold reverse" in r.styles and "title" in r.styles for r in runs)
    boxed = [line for line in doc.lines(70) if line and line[0].text == "│ "]
    assert any(r.text == "Paris" and "bold yellow" in r.styles for line in boxed for r in line)


def test_a_rule_match_across_a_wrap_point_is_styled_on_both_lines():
    rules = Words("climate summit in Paris")
    doc = build_article(make_article(content="<p>" + "word " * 10 + "climate summit in Paris today.</p>"),
                        None, rules=rules)
    styled = [r.text for line in doc.lines(60) for r in line if "bold yellow" in r.styles]
    assert "".join(styled).replace(" ", "") == "climatesummitinParis"
    assert len(styled) == 2


def test_hostile_strings_are_sanitised_and_literal():
    art = make_article(title="[b]x[/b] \x1b]0;PWN\x07 t", author="\x1b[31mEvil", feed_title="Feed\x9b2J",
                       content="<p>[@click=app.quit]go[/] \x1b[2J</p><script>alert(1)</script>")
    text = "\n".join(text_of(build_article(art, None).lines(80)))
    assert "[b]x[/b] ]0;PWN t" in text and "[@click=app.quit]go[/]" in text
    assert "alert" not in text
    assert not any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in text)


def test_line_runs_cut_at_span_edges_later_spans_win_order():
    runs = line_runs("abcdef", [Span(0, 4, "bold"), Span(2, 6, "x")], ("base",))
    assert runs == (Run("ab", ("base", "bold")), Run("cd", ("base", "bold", "x")), Run("ef", ("base", "x")))
    assert line_runs("", []) == ()


def test_layout_is_cached_per_width():
    doc = build_article(make_article(), None)
    assert doc.lines(50) is doc.lines(50)
    assert doc.lines(50) is not doc.lines(51)
    assert isinstance(replace(doc), ArticleDoc)
