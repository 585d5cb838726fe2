"""HTML -> terminal text: goldens, hostile input, bounds, wrapping and cell widths.

Goldens: every ``tests/data/html/*.html`` is rendered (base URL from its ``<!-- base: -->``
comment) and wrapped at 60 cells with the link list; the result must equal the ``.txt``
next to it. After an intended change, regenerate with
``NEWSTUI_UPDATE_GOLDENS=1 .venv/bin/pytest tests/unit/test_render.py`` and review the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newstui.render import (
    BLOCK_COST,
    Block,
    RenderedArticle,
    Span,
    cell_width,
    char_width,
    html_to_text,
    render_html,
    wrap_article,
    wrap_block,
)
from newstui.sanitize import clean_url, is_clean

from conftest import ADVERSARIAL, REAL_FEEDS, REPO

HTML_DIR = REPO / "tests" / "data" / "html"
GOLDEN_WIDTH = 60
UPDATE = os.environ.get("NEWSTUI_UPDATE_GOLDENS") == "1"


def lines_of(article: RenderedArticle, width: int) -> list[str]:
    return [text for text, _spans in wrap_article(article, width)]


def all_text(article: RenderedArticle) -> str:
    return "\n".join(b.text for b in article.blocks) + "\n" + "\n".join(
        f"{link.url} {link.text}" for link in article.links)


def entries(name: str, **kw: object) -> list[feedparser.FeedParserDict]:
    return feedparser.parse((ADVERSARIAL / name).read_bytes(), **kw).entries


def bodies(entry: feedparser.FeedParserDict) -> list[str]:
    out = [entry.get("summary", "")]
    out += [c.get("value", "") for c in entry.get("content", [])]
    return [b for b in out if b]


def assert_sane(article: RenderedArticle, width: int = 40) -> None:
    for block in article.blocks:
        assert is_clean(block.text), repr(block.text)
        if block.kind not in ("pre", "table"):
            assert "\n" not in block.text
        for s in block.spans:
            assert 0 <= s.start < s.end <= len(block.text), (s, block)
    for link in article.links:
        assert clean_url(link.url) == link.url
        assert is_clean(link.text, single_line=True)
    for text, spans in wrap_article(article, width):
        assert cell_width(text) <= width, text
        assert is_clean(text, single_line=True)
        for s in spans:
            assert 0 <= s.start < s.end <= len(text)


# --- goldens --------------------------------------------------------------------------------

GOLDENS = sorted(HTML_DIR.glob("*.html"))


def test_golden_fixtures_exist() -> None:
    names = {p.stem for p in GOLDENS}
    assert {"basic", "lists", "quote-pre", "tables", "links-images", "breaks", "unicode"} <= names
    assert len([n for n in names if n.startswith("real-")]) >= 3


@pytest.mark.parametrize("path", GOLDENS, ids=[p.stem for p in GOLDENS])
def test_golden(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    m = re.search(r"<!-- base: (\S+) -->", source)
    article = render_html(source, base_url=m.group(1) if m else None)
    assert_sane(article, GOLDEN_WIDTH)
    got = "\n".join(lines_of(article, GOLDEN_WIDTH)) + "\n"
    golden = path.with_suffix(".txt")
    if UPDATE:
        golden.write_text(got, encoding="utf-8")
    assert got == golden.read_text(encoding="utf-8")


# --- hostile content ----------------------------------------------------------------------------

@pytest.mark.parametrize("sanitize", [True, False])
def test_html_dangerous_shows_only_visible_text(sanitize: bool) -> None:
    (entry,) = entries("html-dangerous.rss", sanitize_html=sanitize)
    for body in bodies(entry):
        article = render_html(body, base_url="https://example.invalid/item")
        assert_sane(article)
        text = article.plain_text()
        everything = all_text(article) + "\n".join(lines_of(article, 60))
        assert "visible text after the junk" in text
        assert "fine link" in text
        for junk in ("alert(", "display:none", "<", "evil.invalid", "127.0.0.1", "password", "[2J"):
            assert junk not in everything, junk
        assert "https://ok.example/" in [link.url for link in article.links]


def test_controls_are_removed_after_entity_decoding() -> None:
    entries_ = entries("esc-cdata-html.rss", sanitize_html=False)
    assert entries_
    for entry in entries_:
        for body in bodies(entry):
            article = render_html(body)
            assert_sane(article)
            text = article.plain_text()
            assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
            # &amp;#27; decodes once, to the literal text "&#27;", never to a live ESC
            assert "&#27;]52;c;" in text


def test_charrefs_and_raw_controls_never_survive() -> None:
    html = ("<p>a&#27;[2Jb &#x9b;c &#7;d &#0;e &#128;f \x1b[31mg\x9bh \u202eRLO</p>"
            "<img alt='x&#27;]0;title&#7;' src='https://e.example/&#27;.png'>"
            "<a href='https://e.example/a&#10;b'>t&#8;x</a>")
    article = render_html(html)
    assert_sane(article)
    assert "\u202e" not in article.plain_text()
    assert "€" in article.plain_text()  # &#128; is windows-1252 per HTML5, not C1


def test_markup_in_html_content_is_literal() -> None:
    (entry,) = entries("markup-in-html-content.atom")
    (body,) = {c.value for c in entry.content}
    article = render_html(body)
    assert_sane(article)
    text = article.plain_text()
    assert "[bold red]inside html[/]" in text
    assert "[@click=app.quit]link text[/]" in text
    assert "[link=file:///etc/passwd]x[/link]" in text
    assert any(b.kind == "pre" and b.text == "[/]" for b in article.blocks)
    assert [link.url for link in article.links] == ["https://example.invalid/"]


def test_dangerous_link_schemes_keep_text_but_get_no_number() -> None:
    html = ('<a href="javascript:alert(1)">js</a> <a href="JaVaScRiPt:x">js2</a> '
            '<a href="java&#x09;script:alert(2)">tab</a> <a href="data:text/html,x">data</a> '
            '<a href="file:///etc/passwd">file</a> <a href="vbscript:x">vb</a> '
            '<a href="//evil.example/p">protocol-relative</a> <a href="#top">frag</a> '
            '<img src="javascript:alert(3)" alt="jsimg"> <img src="data:image/png;base64,AA" alt="d">')
    article = render_html(html, base_url="https://base.example/dir/page")
    assert_sane(article)
    text = article.plain_text()
    for word in ("js", "js2", "tab", "data", "file", "vb", "frag", "[image: jsimg]", "[image: d]"):
        assert word in text
    assert [link.url for link in article.links] == ["https://evil.example/p"]


@pytest.mark.parametrize("base", ["file:///etc/", "javascript:alert(1)//", "data:text/html,x", None])
def test_relative_links_against_a_dangerous_or_missing_base_stay_inert(base: str | None) -> None:
    article = render_html('<a href="passwd">rel</a> <img src="pixel.gif" alt="p">', base_url=base)
    assert article.links == ()
    assert article.plain_text() == "rel [image: p]"


def test_links_resolve_number_and_dedupe() -> None:
    html = ('<p><a href="/a">one</a> <a href="b?x=1&amp;y=2">two</a> '
            '<a href="https://example.com/a">again</a> <img src="i.png" alt="pic"></p>')
    article = render_html(html, base_url="https://example.com/dir/page.html")
    assert [(link.number, link.url, link.text, link.kind) for link in article.links] == [
        (1, "https://example.com/a", "one", "link"),
        (2, "https://example.com/dir/b?x=1&y=2", "two", "link"),
        (3, "https://example.com/dir/i.png", "pic", "image"),
    ]
    block = article.blocks[0]
    assert block.text == "one[1] two[2] again[1] [image: pic][3]"
    styled = {(block.text[s.start:s.end], s.style) for s in block.spans}
    assert {("one", "link"), ("[1]", "linknum"), ("two", "link"), ("again", "link"),
            ("[image: pic]", "image"), ("[3]", "linknum")} <= styled
    assert article.plain_text() == "one two again [image: pic]"


def test_tracking_pixels_and_emoji_images() -> None:
    html = ('<p>a<img src="https://t.example/p.gif" width="1" height="1">b '
            '<img class="wp-smiley emoji" alt="😀" src="https://s.example/e.svg"></p>')
    article = render_html(html)
    assert article.plain_text() == "ab 😀"
    assert article.links == ()


@pytest.mark.parametrize("tag", ["script", "style", "noscript", "template", "iframe", "object",
                                 "svg", "math", "title", "textarea", "select", "video", "audio"])
def test_invisible_element_contents_are_dropped(tag: str) -> None:
    # script and style are raw text: they end at the first end tag and cannot nest
    nested = "" if tag in ("script", "style") else f"<{tag}>nested HIDDEN</{tag}>HIDDEN"
    html = f"<p>before</p><{tag}><p>HIDDEN <b>x</b></p>{nested}</{tag}><p>after</p>"
    assert render_html(html).plain_text() == "before\n\nafter"


def test_comments_doctype_and_processing_instructions_are_dropped() -> None:
    # <![CDATA[ is a bogus comment in HTML: it ends at the first ">", as in browsers
    html = "<!DOCTYPE html><?xml x?><!-- c\x1b[2J --><p>a<!--x-->b</p><![CDATA[junk]]>c"
    assert render_html(html).plain_text() == "ab\n\nc"


def test_unterminated_tag_at_end_is_dropped_not_shown() -> None:
    assert render_html('<p>hello <a href="https://x.example/').plain_text() == "hello"
    assert render_html("<p>hello <img src='x").plain_text() == "hello"
    assert render_html("<p>hello <b").plain_text() == "hello"


def test_full_html_document_head_is_not_shown() -> None:
    html = ("<html><head><title>T</title><meta charset=utf-8><style>p{}</style>"
            "<link rel=stylesheet href=x.css></head><body><p>Body text</p></body></html>")
    assert render_html(html).plain_text() == "Body text"
    assert render_html("<head><title>T</title><body><p>x</p>").plain_text() == "x"


# --- bounds -----------------------------------------------------------------------------------

def test_html_deeply_nested_feed() -> None:
    (entry,) = entries("html-deeply-nested.rss", sanitize_html=False)
    article = render_html(entry.summary)
    assert_sane(article)
    assert "deep text" in article.plain_text()
    assert "unclosed bold" in article.plain_text()


def test_100k_deep_nesting_is_flattened_not_recursed() -> None:
    html = "<div>" * 100_000 + "deep text" + "</div>" * 100_000
    assert "deep text" in render_html(html).plain_text()
    quotes = render_html("<blockquote><ul><li>" * 30_000 + "x", max_depth=200)
    assert_sane(quotes)
    (block,) = quotes.blocks
    assert block.text == "x"
    assert len(block.prefix) + block.indent <= 4 * 12  # gutter capped at MAX_GUTTER_LEVELS


def test_huge_body_is_truncated_with_a_notice() -> None:
    para = "<p>" + "All work and no play makes Jack a dull boy. " * 20 + "</p>\n"
    html = para * 5700  # ~5 MB
    assert len(html) > 5_000_000
    article = render_html(html)
    assert article.truncated
    last = article.blocks[-1]
    assert last.kind == "truncated"
    assert re.fullmatch(r"… article truncated \(\d+ KB\)", last.text)
    assert f"({len(html.encode()) // 1024} KB)" in last.text or f"({round(len(html) / 1024)} KB)" in last.text
    assert sum(len(b.text) + BLOCK_COST for b in article.blocks[:-1]) <= 200_000 + BLOCK_COST
    assert "truncated" not in article.plain_text()


def test_huge_markup_only_body_completes() -> None:
    article = render_html("<div><span></span></div>" * 220_000 + "<p>end</p>")
    assert article.truncated  # read up to the input cap
    assert article.blocks[-1].kind == "truncated"


def test_max_chars_is_respected() -> None:
    words = " ".join(f"w{i}" for i in range(5000))
    article = render_html(f"<p>{words}</p><p>more</p>", max_chars=1000)
    assert article.truncated
    assert sum(len(b.text) for b in article.blocks if b.kind != "truncated") <= 1000
    assert article.blocks[-1].kind == "truncated"
    plain = render_html(words, max_chars=1000)
    assert plain.truncated and plain.blocks[-1].kind == "truncated"
    assert len(plain.blocks[0].text) <= 1000


def test_many_tiny_blocks_are_bounded() -> None:
    article = render_html("<ul><li>" + "<li>x" * 300_000)
    assert article.truncated
    assert len(article.blocks) <= 200_000 // BLOCK_COST + 2


@pytest.mark.parametrize("html", [
    "</" * 1_000_000,          # took 474 s through html.parser without the sentinel
    "<![" * 300_000,           # AssertionError in _markupbase without the rewrite
    "<!--x>" * 200_000,
    "<a" * 500_000,
    '<a href="x' * 100_000,
    "<?" * 500_000,
    "<!x" * 300_000,
    "&" * 1_000_000,
], ids=["endtag", "marked-section", "comment", "starttag", "attr-quote", "pi", "decl", "amp"])
def test_parser_pathologies_stay_linear_and_raise_nothing(html: str) -> None:
    article = render_html("<p>start</p>" + html)
    assert article.plain_text().startswith("start")
    assert_sane(article)


alphabet = st.sampled_from(["<", ">", "/", "p", "a", " href=", '"', "'", "!--", "-->", "&", "#27;",
                            "amp;", "<br>", "<li>", "<ul>", "</ul>", "<pre>", "</pre>", "<table>",
                            "<td>", "<tr>", "</table>", "<q>", "<b>", "</b>", "<script>", "x", "日本",
                            "\t", "\n", "\x1b", "\u202e", "👨\u200d👩", "\u0301", "<img alt=y>",
                            "<blockquote>", "<h2>", "<hr>", "<![", "<?", "https://e.x/"])


@settings(max_examples=300, deadline=None)
@given(st.lists(alphabet, max_size=60), st.integers(1, 50))
def test_fuzz_random_markup(parts: list[str], width: int) -> None:
    html = "".join(parts)
    article = render_html(html, base_url="https://base.example/")
    assert_sane(article, width)
    html_to_text(html)


# --- structure --------------------------------------------------------------------------------

def test_whitespace_and_entities() -> None:
    article = render_html("<p>  a \n\t b&nbsp;&amp;&lt;c&gt;  </p><p>\u2028x\u2029y</p>")
    assert [b.text for b in article.blocks] == ["a b\u00a0&<c>", "x y"]


def test_plain_text_input_becomes_paragraphs() -> None:
    article = render_html("First para\nline two\n\n\n  Second &amp; para  \n \nThird < 4")
    assert [b.text for b in article.blocks] == ["First para line two", "Second & para", "Third < 4"]
    assert article.plain_text() == "First para line two\n\nSecond & para\n\nThird < 4"
    forced = render_html("a &amp; <b>b</b>", plain=True)
    assert forced.plain_text() == "a &amp; <b>b</b>"


def test_empty_and_non_string_input() -> None:
    for value in ("", "   ", "<p> </p><div>&nbsp;</div>", None):
        article = render_html(value)  # type: ignore[arg-type]
        assert article.blocks == () and article.links == () and not article.truncated
        assert article.plain_text() == ""


def test_block_kinds_and_styles() -> None:
    html = ("<h2>Head <i>it</i></h2><p>x <b>b</b> <code>c</code> <del>d</del> <u>u</u></p>"
            "<blockquote>q</blockquote><pre>a\n  b</pre><hr><ul><li>li</li></ul>")
    article = render_html(html)
    kinds = [b.kind for b in article.blocks]
    assert kinds == ["h2", "p", "quote", "pre", "hr", "li"]
    h2, p, quote, pre, _hr, li = article.blocks
    assert (h2.spans[0].style, h2.spans[0].start, h2.spans[0].end) == ("heading", 0, len(h2.text))
    assert {(p.text[s.start:s.end], s.style) for s in p.spans} == {
        ("b", "bold"), ("c", "code"), ("d", "strike"), ("u", "underline")}
    assert quote.prefix == "> " and quote.spans[0].style == "quote"
    assert pre.text == "a\n  b" and pre.spans[0].style == "pre"
    assert li.prefix == "• "


def test_nested_same_style_makes_one_span() -> None:
    article = render_html("<p>" + "<b>" * 3000 + "x" + "</b>" * 10 + "y</p>")
    (block,) = article.blocks
    assert block.spans == (Span(0, 2, "bold"),)


def test_lists_numbering_and_tightness() -> None:
    html = ('<p>p</p><ol start="3" type="i"><li>a<li value="10">b</li></ol>'
            '<ol reversed start="2"><li>x</li><li>y</li></ol><ul><li>u<ul><li>v</li></ul></li></ul>')
    article = render_html(html)
    got = [(b.indent, b.prefix, b.text, b.tight) for b in article.blocks]
    assert got == [(0, "", "p", False), (0, "iii. ", "a", False), (0, "x. ", "b", True),
                   (0, "2. ", "x", False), (0, "1. ", "y", True),
                   (0, "• ", "u", False), (2, "◦ ", "v", True)]


def test_br_and_div_lines_are_tight_paragraphs_are_not() -> None:
    article = render_html("<div>a</div><div>b<br>c</div><div><br></div><div>d</div><p>e</p>")
    assert [(b.text, b.tight) for b in article.blocks] == [
        ("a", False), ("b", True), ("c", True), ("d", False), ("e", False)]
    assert article.plain_text() == "a\nb\nc\n\nd\n\ne"


def test_tables_grid_and_linear() -> None:
    grid = render_html("<table><tr><th>A</th><th>Bee</th></tr><tr><td>1</td><td></td><td>3</td></tr></table>")
    (block,) = grid.blocks
    assert block.kind == "table"
    assert block.text == "A │ Bee\n1 │     │ 3"
    assert ("A", "bold") in {(block.text[s.start:s.end], s.style) for s in block.spans}
    linear = render_html("<table><tr><td><pre>code\n  here</pre></td><td>text</td></tr></table>")
    assert [(b.kind, b.text) for b in linear.blocks] == [("pre", "code\n  here"), ("p", "text")]
    layout = render_html("<table><tr><td>only one</td></tr><tr><td>cell per row</td></tr></table>")
    assert [b.kind for b in layout.blocks] == ["p", "p"]


def test_unclosed_table_inside_list_item_ends_with_it() -> None:
    article = render_html("<ul><li>item<table><tr><td>a</td><td>b</td></li></ul><p>after</p>")
    assert [(b.kind, b.text) for b in article.blocks][-1] == ("p", "after")
    assert article.blocks[-1].prefix == ""


def test_plain_text_joins_and_strips_link_numbers() -> None:
    article = render_html('<p>a <a href="https://x.example/">link</a></p><hr><ul><li>1</li><li>2</li></ul>')
    assert article.plain_text() == "a link\n\n1\n2"
    assert html_to_text('<p>a <a href="https://x.example/">link</a></p>') == "a link"


# --- wrapping ---------------------------------------------------------------------------------

def test_wrap_keeps_spans_across_lines() -> None:
    block = Block("hello world foo bar", (Span(6, 15, "bold"),), "p")
    assert wrap_block(block, 11) == [("hello world", (Span(6, 11, "bold"),)),
                                     ("foo bar", (Span(0, 3, "bold"),))]


def test_wrap_prefix_hangs_and_quote_bars_repeat() -> None:
    li = Block("alpha beta gamma", (), "li", 2, "> • ")
    assert [t for t, _ in wrap_block(li, 12)] == ["  > • alpha", "  >   beta", "  >   gamma"]
    numbered = Block("one two three", (Span(0, 13, "bold"),), "li", 0, "10. ")
    assert wrap_block(numbered, 10) == [("10. one", (Span(4, 7, "bold"),)),
                                        ("    two", (Span(4, 7, "bold"),)),
                                        ("    three", (Span(4, 9, "bold"),))]


def test_wrap_hard_breaks_long_words_and_expands_tabs() -> None:
    assert [t for t, _ in wrap_block(Block("x" * 25, (), "p"), 10)] == ["x" * 10, "x" * 10, "x" * 5]
    assert [t for t, _ in wrap_block(Block("ab cdefghijklmn", (), "p"), 6)] == ["ab cde", "fghijk", "lmn"]
    pre = Block("a\tb\n\tc", (Span(0, 6, "pre"),), "pre")
    assert wrap_block(pre, 20) == [("a       b", (Span(0, 9, "pre"),)),
                                   ("        c", (Span(0, 9, "pre"),))]


def test_wrap_wide_characters() -> None:
    cjk = Block("日本語のテキスト", (Span(2, 4, "bold"),), "p")
    lines = wrap_block(cjk, 5)
    assert [t for t, _ in lines] == ["日本", "語の", "テキ", "スト"]
    assert lines[1][1] == (Span(0, 2, "bold"),)
    assert lines[2][1] == ()
    # a 2-cell character cannot fit a 1-cell pane: a placeholder keeps the width promise
    assert wrap_block(Block("日x", (), "p"), 1) == [("?", ()), ("x", ())]
    family = "👨\u200d👩\u200d👧"
    assert [t for t, _ in wrap_block(Block(f"{family} {family}", (), "p"), 6)] == [family, family]
    # a joined sequence is split at its joins only when it cannot fit the pane
    assert [t for t, _ in wrap_block(Block(f"a {family}", (), "p"), 3)] == ["a", "👨\u200d", "👩\u200d", "👧"]


def test_wrap_gutter_never_eats_the_whole_line() -> None:
    deep = Block("text here", (), "li", 30, "> > • ")
    for width in range(1, 40):
        for text, _spans in wrap_block(deep, width):
            assert cell_width(text) <= width
    assert wrap_block(Block("", (), "hr"), 7) == [("───────", (Span(0, 7, "rule"),))]
    assert wrap_block(Block("", (), "hr", 0, "> "), 7) == [("> ─────", (Span(2, 7, "rule"),))]


def test_wrap_article_separators_and_link_list() -> None:
    html = '<blockquote><p>one</p><p>two</p></blockquote><p><a href="https://e.example/x">t</a></p>'
    lines = wrap_article(render_html(html), 30)
    assert [t for t, _ in lines] == ["> one", ">", "> two", "", "t[1]", "", "Links:",
                                     "[1] https://e.example/x"]
    assert lines[-1][1] == (Span(0, 3, "linknum"), Span(4, 23, "link"))
    extra = wrap_article(render_html("<p>find me</p>"), 30,
                         extra_spans=lambda text: [Span(text.index("me"), len(text), "rule-1")])
    assert extra == [("find me", (Span(5, 7, "rule-1"),))]


block_text = st.text(alphabet=st.sampled_from(list("ab cd\tefg日本語😀👨\u200d👩\u0301\u200b─>•1#©\n")
                                             + ["\ufe0f", "❤", "\U0001F1FA"]), max_size=80)


@settings(max_examples=400, deadline=None)
@given(block_text, st.integers(1, 30), st.sampled_from(["p", "pre", "li", "table"]),
       st.sampled_from(["", "• ", "> ", "12. ", "> > ◦ "]), st.integers(0, 6))
def test_wrap_property_width_and_span_integrity(text: str, width: int, kind: str, prefix: str,
                                                indent: int) -> None:
    if kind not in ("pre", "table"):
        text = text.replace("\n", " ")
    spans = (Span(0, len(text), "all"),) if text else ()
    lines = wrap_block(Block(text, spans, kind, indent, prefix), width)
    assert lines
    kept = []
    for line, line_spans in lines:
        assert cell_width(line) <= width, (line, width)
        for s in line_spans:
            assert 0 <= s.start < s.end <= len(line)
            kept.append(line[s.start:s.end])
    if kind != "pre" and "\t" not in text and width >= 2 * (indent + cell_width(prefix)) + 2:
        # with room for any single character, nothing but whitespace at break points is lost
        def squash(s: str) -> str:
            return re.sub(r"\s+", "", s)
        assert squash("".join(kept)) == squash(text)


# --- cell widths ------------------------------------------------------------------------------

def test_char_width_never_below_rich() -> None:
    from rich.cells import get_character_cell_size

    ranges = [range(0, 0xD800), range(0xE000, 0x30000), range(0xE0000, 0xE1000)]
    narrower = [cp for r in ranges for cp in r if char_width(chr(cp)) < get_character_cell_size(chr(cp))]
    assert narrower == []


def test_cell_width_against_rich_on_hard_strings() -> None:
    from rich.cells import cell_len

    samples = ["plain", "日本語", "🇺🇸🇬🇧", "\u2764\ufe0f", "क्ष", "é", "1\ufe0f\u20e3", " \ufe0f",
               "Z" + "".join(chr(0x300 + i) for i in range(20)), "\ue000\U000F0000", "a\u200bb",
               "Ｆｕｌｌ", "한국어", "\u00ad", "☀️ok"]
    for s in samples:
        assert cell_width(s) == cell_len(s), s
    # ZWJ sequences: Rich says 2, terminals without ZWJ support draw every person; we never
    # measure less than Rich, so a line we wrap is never wider than Textual thinks
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert cell_width(family) == 8 >= cell_len(family)


def test_unicode_wide_combining_feed_wraps_within_width() -> None:
    for entry in entries("unicode-wide-combining.rss", sanitize_html=False):
        article = render_html(f"<p>{entry.title}</p>")
        for width in (1, 2, 7, 40):
            assert_sane(article, width)


# --- corpus and hygiene -----------------------------------------------------------------------

def test_real_feed_bodies_render_safely() -> None:
    files = sorted(p for p in REAL_FEEDS.iterdir() if p.suffix in (".xml", ".rss", ".atom"))[::4]
    rendered = 0
    for path in files:
        for entry in feedparser.parse(path.read_bytes(), sanitize_html=False).entries[:20]:
            for body in bodies(entry):
                assert_sane(render_html(body, base_url=entry.get("link")), 40)
                rendered += 1
    assert rendered > 200


def test_render_modules_do_not_import_textual_or_rich() -> None:
    code = ("import sys, newstui.render, newstui.highlight_rules; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
