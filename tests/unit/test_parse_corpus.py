"""parse_feed over the shared corpora: real-world feeds, hostile feeds, and generated big ones.

Robustness requirements 1, 5, 6, 8, 10, 12, 13, 15, 16, 17 and 20 (../shared/design/robustness.md).
"""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from typing import Callable

import feedparser
import pytest

from newstui import parse as P
from newstui.errors import ParseError
from newstui.models import ParsedFeed
from newstui.parse import parse_feed
from newstui.sanitize import MAX_AUTHOR, MAX_CONTENT, MAX_ENCLOSURES, MAX_TAG, MAX_TAGS, MAX_TITLE, MAX_URL, is_clean
from conftest import ADVERSARIAL, REAL_FEEDS

URL = "https://feeds.example.com/feed.xml"
REAL = sorted(p for p in REAL_FEEDS.iterdir() if p.is_file())


def parse_or_error(body: bytes, **kw: object) -> ParsedFeed | ParseError:
    try:
        return parse_feed(body, url=URL, **kw)  # type: ignore[arg-type]
    except ParseError as err:
        return err


def assert_clean(feed: ParsedFeed) -> None:
    """Every stored string: no C0 but \\n/\\t in bodies, no DEL/C1/bidi/lone surrogates, capped."""
    single = [feed.title, feed.link or "", *feed.warnings]
    for e in feed.entries:
        single += [e.title, e.author, e.link or "", *e.tags, *(x.url for x in e.enclosures),
                   *(x.type for x in e.enclosures)]
        for body in (e.summary, e.content, e.key):
            assert is_clean(body), repr(body[:200])
            assert len(body) <= MAX_CONTENT
        assert e.title and len(e.title) <= MAX_TITLE
        assert len(e.author) <= MAX_AUTHOR
        assert len(e.enclosures) <= MAX_ENCLOSURES and len(e.tags) <= MAX_TAGS
        assert all(len(t) <= MAX_TAG for t in e.tags)
        for url in [e.link, *(x.url for x in e.enclosures)]:
            assert url is None or (url.startswith(("http://", "https://")) and len(url) < MAX_URL), url
        for t in (e.published, e.updated):
            assert t is None or 0 <= t <= time.time() + 86400
    assert feed.link is None or feed.link.startswith(("http://", "https://"))
    for s in single:
        assert is_clean(s, single_line=True), repr(s[:200])
        s.encode("utf-8")


# --------------------------------------------------------------------------- real feeds


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_real_feed(path: Path) -> None:
    body = path.read_bytes()
    result = parse_or_error(body)
    if isinstance(result, ParseError):
        assert "\n" not in str(result) and str(result)
        found = len(feedparser.parse(body).entries)
        assert found == 0, f"feedparser finds {found} entries, we say {result}"
        if path.suffix == ".json":
            items = json.loads(body).get("items") if body.strip().startswith(b"{") else None
            assert not items
        return
    assert_clean(result)
    expected = len(feedparser.parse(body).entries)
    if path.suffix == ".json":
        data = json.loads(body)
        expected = len(data.get("items") or []) if isinstance(data.get("items"), list) else 0
    if expected:
        assert result.entries, f"feedparser/JSON finds {expected} entries, we find none"
        assert any(e.title for e in result.entries)


def test_daring_fireball_sponsor_titles_stay_literal() -> None:
    for name in ("nnw__DaringFireball.atom", "nnw__DaringFireball.json"):
        path = REAL_FEEDS / name
        if not path.exists():
            continue
        feed = parse_feed(path.read_bytes(), url=URL)
        raw = path.read_text(encoding="utf-8")
        if "[Sponsor]" in raw:
            assert any(e.title.startswith("[Sponsor]") for e in feed.entries), name


# --------------------------------------------------------------------------- adversarial files


def _passwd_lines() -> list[str]:
    try:
        return [ln for ln in Path("/etc/passwd").read_text().splitlines() if len(ln) >= 8]
    except OSError:
        return []


def _strings(feed: ParsedFeed) -> list[str]:
    out = [feed.title, feed.link or ""]
    for e in feed.entries:
        out += [e.title, e.author, e.summary, e.content, e.link or "", e.key, *e.tags,
                *(x.url for x in e.enclosures)]
    return out


def _no_expansion(feed: ParsedFeed) -> None:
    passwd = _passwd_lines()
    for s in _strings(feed):
        assert "lollollol" not in s and "A" * 1000 not in s
        assert not any(line in s for line in passwd)


def _markup_literal(feed: ParsedFeed) -> None:
    titles = [e.title for e in feed.entries]
    assert "[bold red]PWNED[/]" in titles
    assert "[/]" in titles
    assert "[@click=app.quit]Click to read more[/]" in titles
    assert feed.title.startswith("[bold magenta]Feed[/]")


def _dates_sane(feed: ParsedFeed) -> None:
    assert feed.entries
    for e in feed.entries:
        for t in (e.published, e.updated):
            if t is not None:
                assert 1970 <= time.gmtime(t).tm_year <= time.gmtime().tm_year + 1


def _only_http_links(feed: ParsedFeed) -> None:
    links = [e.link for e in feed.entries if e.link] + [x.url for e in feed.entries for x in e.enclosures]
    assert links and all(u.startswith(("http://", "https://")) for u in links)
    assert feed.link is None  # the channel link is javascript:
    assert len(feed.entries) == 29


def _controls_gone(feed: ParsedFeed) -> None:
    assert feed.entries
    for s in _strings(feed):
        assert "\x1b" not in s and "\x9b" not in s and "\x07" not in s


def _entries(n: int) -> Callable[[ParsedFeed], None]:
    def check(feed: ParsedFeed) -> None:
        assert len(feed.entries) == n

    return check


def _titles(*expected: str) -> Callable[[ParsedFeed], None]:
    def check(feed: ParsedFeed) -> None:
        assert [e.title for e in feed.entries] == list(expected)

    return check


def _untitled_placeholder(feed: ParsedFeed) -> None:
    assert "(untitled)" in [e.title for e in feed.entries]
    assert all("\u200b" not in e.title and "\n" not in e.title for e in feed.entries)


def _wide_combining(feed: ParsedFeed) -> None:
    for e in feed.entries:
        run = max((len(r) for r in __import__("re").findall("[\u0300-\u036f]+", e.title)), default=0)
        assert run <= 4


def _invalid_utf8(feed: ParsedFeed) -> None:
    titles = " ".join(e.title for e in feed.entries)
    assert "\ufffd" in titles and "\x9b" not in titles and len(feed.entries) == 6


ADVERSARIAL_EXPECT: dict[str, str | Callable[[ParsedFeed], None]] = {
    # name: exact ParseError message, or a check on the ParsedFeed (which is also checked clean)
    "binary-junk.bin": "not a feed",
    "binary-png.rss": "not a feed",
    "dates-extreme.atom": _dates_sane,
    "dates-extreme.json": _dates_sane,
    "dates-extreme.rss": _dates_sane,
    "dup-guid-feed-a.rss": _entries(2),
    "dup-guid-feed-b.rss": _entries(2),
    "dup-guids.rss": _entries(8),
    "empty-atom.atom": _entries(0),
    "empty-channel.rss": _entries(0),
    "empty-file.xml": "empty response",
    "enc-bogus-encoding-name.rss": _titles("bogus encoding name"),
    "enc-bom-mismatch.rss": _titles("UTF-8 BOM but declared UTF-16"),
    "enc-cp1252-labelled-utf8.rss": _titles("Café crème à la française “smart quotes”"),
    "enc-gb18030-undeclared.rss": _entries(1),
    "enc-invalid-utf8.rss": _invalid_utf8,
    "enc-utf16-labelled-utf8.rss": _titles("UTF-16LE body, no BOM, declaration says utf-8"),
    "enc-utf7.rss": _controls_gone,
    "enc-utf8-labelled-latin1.rss": _titles("Café — 日本語 ☃"),
    "esc-all-fields.json": _controls_gone,
    "esc-atom-fields.atom": _controls_gone,
    "esc-cdata-html.rss": _controls_gone,
    "esc-charref-controls.rss": _controls_gone,
    "esc-not-a-feed-error-echo.txt": "not a feed",
    "esc-nul.json": _entries(1),
    "esc-raw-controls.rss": _controls_gone,
    "feeds-hostile.toml": "not a feed",
    "html-dangerous.rss": _entries(1),
    "html-deeply-nested.rss": _entries(1),
    "json-deeply-nested.json": "malformed JSON: nested too deeply",
    "json-items-not-list.json": _entries(0),
    "json-not-a-feed.json": "not a feed (JSON without items)",
    "json-wrong-types.json": _titles("the only sane item"),
    "links-dangerous-schemes.rss": _only_http_links,
    "links-xmlbase.atom": _entries(2),
    "markup-in-html-content.atom": _titles("[@click=app.quit]x[/]"),
    "markup-injection.json": _entries(21),
    "markup-injection.rss": _markup_literal,
    "not-a-feed-captive-portal.xml": "not a feed (got HTML)",
    "not-a-feed.html": "not a feed (got HTML)",
    "opml-hostile.opml": "not a feed (got OPML)",
    "redos-author.rss": _titles("author ReDoS", "dc:creator ReDoS"),
    "size-long-title-100k.rss": _entries(3),
    "truncated.rss": _titles("item 0", "item 1"),
    "unicode-bidi-override.rss": _entries(6),
    "unicode-lone-surrogates.json": _entries(3),
    "unicode-wide-combining.rss": _wide_combining,
    "unicode-zero-width.rss": _untitled_placeholder,
    "whitespace-only.xml": "empty response",
    "xml-billion-laughs-atom.xml": _no_expansion,
    "xml-billion-laughs.rss": _no_expansion,
    "xml-deeply-nested.rss": _entries(1),
    "xml-external-dtd.rss": _no_expansion,
    "xml-quadratic-blowup.rss": _no_expansion,
    "xml-raw-nul.rss": _controls_gone,
    "xml-stylesheet-pi.rss": _no_expansion,
    "xml-xinclude.rss": _no_expansion,
    "xml-xxe-file-passwd.rss": _no_expansion,
    "xml-xxe-parameter-entity.rss": _no_expansion,
    "xml-xxe-utf16.rss": _no_expansion,
}


def _manifest_files() -> list[str]:
    rows = (ADVERSARIAL / "manifest.tsv").read_text().splitlines()[1:]
    return [r.split("\t")[0] for r in rows if r.split("\t")[1] == "file"]


def test_every_committed_adversarial_file_has_an_expectation() -> None:
    assert sorted(_manifest_files()) == sorted(ADVERSARIAL_EXPECT)


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_EXPECT))
def test_adversarial(name: str) -> None:
    expected = ADVERSARIAL_EXPECT[name]
    result = parse_or_error((ADVERSARIAL / name).read_bytes())
    if isinstance(expected, str):
        assert isinstance(result, ParseError), f"expected ParseError({expected!r}), got {result!r}"[:300]
        assert str(result) == expected
        return
    assert isinstance(result, ParsedFeed), repr(result)
    assert_clean(result)
    expected(result)


def test_xml_attacks_stay_unexpanded_in_the_fallback_path_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even when the strict path gives up, feedparser only ever sees DOCTYPE-free bytes."""
    seen: list[bytes] = []
    real = P.feedparser_feed

    def spy(data: bytes, **kw: object) -> object:
        seen.append(data)
        return real(data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(P, "FALLBACK_IN_SUBPROCESS", False)
    monkeypatch.setattr(P, "feedparser_feed", spy)
    for name in ("xml-quadratic-blowup.rss", "xml-billion-laughs.rss", "xml-xxe-file-passwd.rss"):
        body = (ADVERSARIAL / name).read_bytes().replace(b"</channel>", b"<broken></channel>")
        feed = parse_feed(body, url=URL)
        assert any(w.startswith("recovered from malformed XML") for w in feed.warnings)
        _no_expansion(feed)
        assert_clean(feed)
    assert len(seen) == 3 and all(b"<!DOCTYPE" not in d and b"<!ENTITY" not in d for d in seen)


# --------------------------------------------------------------------------- generated big files


@pytest.fixture(scope="session")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated files this module needs (about 1 s; the 1 GiB gzip bomb is not built)."""
    spec = importlib.util.spec_from_file_location("adversarial_generate", ADVERSARIAL / "generate.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    out = tmp_path_factory.mktemp("adversarial-large")
    for name in ("size-50k-items.rss", "size-50k-items.json", "size-long-fields-300.rss",
                 "xml-quadratic-blowup-big.rss", "xml-deep-200k.rss", "size-20k-enclosures.rss"):
        gen.LARGE[name][0](str(out / name))
    return out


@pytest.mark.parametrize("name", ["size-50k-items.rss", "size-50k-items.json"])
def test_50k_items_are_capped_at_max_items(big: Path, name: str) -> None:
    feed = parse_feed((big / name).read_bytes(), url=URL, max_items=1000)
    assert len(feed.entries) == 1000
    assert feed.entries[0].title == "Item 0 of 50000" or feed.entries[0].title == "Item 0"
    assert "kept the first 1000 of 50000 entries" in feed.warnings


def test_long_fields_are_capped(big: Path) -> None:
    feed = parse_feed((big / "size-long-fields-300.rss").read_bytes(), url=URL)
    assert len(feed.entries) == 300
    assert_clean(feed)
    assert all(len(e.key) <= P.MAX_KEY for e in feed.entries)
    assert len({e.key for e in feed.entries}) == 300


@pytest.mark.slow
def test_long_fields_through_the_fallback_finish_within_the_deadline(big: Path) -> None:
    """The malformed variant goes to feedparser: author fields are capped first (no ReDoS)."""
    body = (big / "size-long-fields-300.rss").read_bytes().replace(b"</channel>", b"<x></channel>")
    result = parse_or_error(body, deadline=20.0)
    if isinstance(result, ParseError):
        assert str(result) == "parse timed out"
    else:
        assert len(result.entries) == 300 and all(len(e.author) <= MAX_AUTHOR for e in result.entries)


def test_redos_author_through_the_fallback() -> None:
    body = (ADVERSARIAL / "redos-author.rss").read_bytes().replace(b"</channel>", b"<x></channel>")
    feed = parse_feed(body, url=URL, deadline=20.0)
    assert [e.title for e in feed.entries] == ["author ReDoS", "dc:creator ReDoS"]


def test_quadratic_blowup_big_is_not_expanded(big: Path) -> None:
    feed = parse_feed((big / "xml-quadratic-blowup-big.rss").read_bytes(), url=URL)
    _no_expansion(feed)
    assert_clean(feed)
    assert feed.entries[0].summary.startswith("&big;&big;")


def test_deep_xml_200k(big: Path) -> None:
    feed = parse_feed((big / "xml-deep-200k.rss").read_bytes(), url=URL)
    assert [e.title for e in feed.entries] == ["deep"]


def test_20k_enclosures_and_categories_are_capped(big: Path) -> None:
    (e,) = parse_feed((big / "size-20k-enclosures.rss").read_bytes(), url=URL).entries
    assert len(e.enclosures) == MAX_ENCLOSURES and len(e.tags) == MAX_TAGS
