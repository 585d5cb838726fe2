"""Property-based: mutated feed documents, feeds.toml files and OPML files.

Real and adversarial documents are mutated byte-wise (insert, delete, replace) with hostile
snippets: controls, C1 in UTF-8, lone-surrogate encodings, Rich markup, character and
entity references, XML structure (CDATA, DOCTYPE, stray tags, xml:base) and random bytes.
Through parse_feed -> Store -> render_html (and parse_config / read_opml) nothing may raise
anything but the project's ParseError / ConfigError, and everything that comes out must be
clean: that is the sanitiser's promise, whatever path (strict, repaired, salvaged,
feedparser fallback, JSON) a document takes.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newstui.config import FeedConfig, parse_config
from newstui.errors import ConfigError, ParseError
from newstui.models import View
from newstui.opml import read_opml
from newstui.parse import parse_feed
from newstui.render import render_html
from newstui.sanitize import MAX_ENCLOSURES, MAX_TAGS, MAX_TITLE, clean_url, is_clean
from newstui.store import Store

from conftest import ADVERSARIAL, REAL_FEEDS, REPO

FEED_SEEDS = [ADVERSARIAL / n for n in (
    "esc-charref-controls.rss", "esc-atom-fields.atom", "markup-in-html-content.atom", "links-xmlbase.atom",
    "html-dangerous.rss", "dup-guids.rss", "truncated.rss", "unicode-bidi-override.rss", "enc-invalid-utf8.rss",
    "unicode-lone-surrogates.json", "json-wrong-types.json", "xml-billion-laughs.rss", "enc-utf7.rss",
)] + [REAL_FEEDS / n for n in (
    "feedparser__encoding__utf-16le-bom.xml", "podcastparser__multi_enclosures.rss", "reader__10.json",
    "feedjira__AtomEscapedHTMLInPreTag.xml", "rustatom__content_text_xhtml.xml", "feedjira__atom_simple_single_entry.xml",
)]
TOML_SEEDS = [ADVERSARIAL / "feeds-hostile.toml", REPO / "src" / "newstui" / "feeds.toml",
              *sorted((REPO / "tests" / "data" / "config").glob("*.toml"))]
OPML_SEEDS = [*sorted((REPO / "tests" / "data" / "opml").glob("*")), REAL_FEEDS / "nnw__SubsNoTitleAttributes.opml",
              ADVERSARIAL / "opml-hostile.opml"]

_FEEDS = [p.read_bytes() for p in FEED_SEEDS]
_TOMLS = [p.read_text(encoding="utf-8", errors="replace") for p in TOML_SEEDS]
_OPMLS = [p.read_bytes() for p in OPML_SEEDS]

HOSTILE = [
    "\x1b[2J", "\x1b]52;c;cHduZWQ=\x07", "\x1b]8;;https://evil.invalid/\x1b\\", "\x00", "\x07", "\x08", "\r",
    "\x0b", "\x7f", "\u0085", "\u009b", "\u202e", "\u2066", "\u2028", "\u200b", "\ufeff", "\ufffe", "\u0301" * 9,
    "[bold red]", "[/]", "[@click=app.quit]", "[$accent]", "&#27;", "&#x1b;", "&#155;", "&#0;", "&#xD800;",
    "&amp;#27;", "&lol;", "&nbsp;", "&", "<", ">", "<![CDATA[", "]]>", "<!--", "-->",
    '<!DOCTYPE x [<!ENTITY e "AAAA">]>', "&e;", "</item>", "<item><title>", "</title>", "<entry>", "</entry>",
    '<link href="javascript:alert(1)"/>', ' xml:base="file:///etc/" ', "<description>", "<script>alert(1)</script>",
    '<a href="java&#x09;script:x">', '<enclosure url="data:text/html,x"/>', '{"items": [', '"title": ', "\\u001b",
    "\\ud800", "]}", "</channel></rss>", "<guid>", "<pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate>",
]
_HOSTILE_BYTES = [h.encode("utf-8", "surrogatepass") for h in HOSTILE] + [
    b"\xed\xa0\x80", b"\xc2\x9b", b"\xff\xfe", b"\xef\xbb\xbf", b"\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]

snippet_bytes = st.one_of(st.sampled_from(_HOSTILE_BYTES), st.binary(min_size=1, max_size=6))
snippet_text = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=6))
ops = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.floats(0, 1), st.integers(1, 40)),
               min_size=1, max_size=6)


def _mutate(doc, edits, snippets):
    """Apply (op, position fraction, length) edits with the snippets drawn for them."""
    for (op, where, n), snip in zip(edits, snippets):
        i = int(where * len(doc))
        if op == "insert":
            doc = doc[:i] + snip + doc[i:]
        elif op == "delete":
            doc = doc[:i] + doc[i + n:]
        else:
            doc = doc[:i] + snip + doc[i + n:]
    return doc


def mutated(docs: list, snippets: st.SearchStrategy) -> st.SearchStrategy:
    """One of ``docs`` with 1-6 edits, each inserting/replacing with a drawn snippet."""

    @st.composite
    def build(draw):
        doc = draw(st.sampled_from(docs))
        edits = draw(ops)
        return _mutate(doc, edits, [draw(snippets) for _ in edits])

    return build()


def _line(s: str | None) -> None:
    if s is not None:
        assert is_clean(s, single_line=True), repr(s[:300])


def _url(u: str | None) -> None:
    if u is not None:
        assert clean_url(u) == u and u.split(":", 1)[0] in ("http", "https"), repr(u[:300])


def _check_rendered(html: str, base: str | None) -> None:
    r = render_html(html, base_url=base)
    for b in r.blocks:
        assert is_clean(b.text), repr(b.text[:300])
        _line(b.prefix)
        for sp in b.spans:
            assert 0 <= sp.start <= sp.end <= len(b.text)
    for link in r.links:
        _url(link.url)
        _line(link.text)


URL = "http://127.0.0.1:8/feed.xml"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(_FEEDS, snippet_bytes))
def test_mutated_feeds_parse_store_and_render_cleanly(doc: bytes) -> None:
    try:
        feed = parse_feed(doc, url=URL, headers={"content-type": "application/xml"}, deadline=10)
    except ParseError as exc:
        _line(str(exc))
        assert str(exc)
        return
    _line(feed.title)
    _url(feed.link)
    for w in feed.warnings:
        _line(w)
    for e in feed.entries:
        _line(e.title)
        assert e.title and len(e.title) <= MAX_TITLE
        _line(e.author)
        _url(e.link)
        assert is_clean(e.summary) and is_clean(e.content)
        assert len(e.enclosures) <= MAX_ENCLOSURES and len(e.tags) <= MAX_TAGS
        for enc in e.enclosures:
            _url(enc.url)
            _line(enc.type)
        for t in e.tags:
            _line(t)
        assert e.published is None or 0 <= e.published <= time.time() + 86400 + 60
    data = Path(tempfile.mkdtemp(prefix="newstui-prop-"))
    try:
        with Store.open(data) as store:
            store.sync_feeds([FeedConfig(url=URL)])
            store.store_entries(URL, feed.entries, int(time.time()))
            store.record_fetch(URL, now=int(time.time()), status=200, error=None, title=feed.title or None,
                               link=feed.link)
            ids = store.article_ids(View())
            assert len(ids) == len({e.key for e in feed.entries})
            for aid in ids:
                a = store.article(aid)
                assert a is not None
                _line(a.title)
                _line(a.author)
                _url(a.link)
                _check_rendered(a.content or a.summary, a.link or URL)
            assert store.search("title") is not None
    finally:
        shutil.rmtree(data, ignore_errors=True)


@settings(max_examples=300, deadline=None)
@given(mutated(_TOMLS, snippet_text))
def test_mutated_feeds_toml_gives_config_or_one_line_error(text: str) -> None:
    try:
        cfg = parse_config(text)
    except ConfigError as exc:
        _line(str(exc))
        assert str(exc).startswith("feeds.toml")
        return
    for msg in (*cfg.errors, *cfg.warnings):
        _line(msg)
        assert msg.startswith("feeds.toml")
    for f in cfg.feeds:
        assert f.url.startswith(("http://", "https://", "file://")), f.url
        if not f.url.startswith("file:"):
            _url(f.url)
        _line(f.title)
        for t in f.tags:
            _line(t)
    for r in cfg.highlights:
        _line(r.name)


@settings(max_examples=300, deadline=None)
@given(mutated(_OPMLS, snippet_bytes))
def test_mutated_opml_imports_only_clean_http_feeds(data: bytes) -> None:
    try:
        result = read_opml(data)
    except ConfigError as exc:
        _line(str(exc))
        return
    urls = [f.url for f in result.feeds]
    assert len(urls) == len(set(urls))
    for f in result.feeds:
        _url(f.url)
        _line(f.title)
        for t in f.tags:
            _line(t)
    for s in result.skipped:
        _line(s)
        assert s.startswith("skipped ")
