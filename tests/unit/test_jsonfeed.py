"""jsonfeed.py: JSON Feed 1.0/1.1, wrong types, hostile strings, and dispatch from parse_feed."""

from __future__ import annotations

import calendar
import json

import pytest

from newstui.errors import ParseError
from newstui.jsonfeed import parse_json_feed
from newstui.parse import parse_feed
from newstui.sanitize import is_clean
from conftest import ADVERSARIAL, REAL_FEEDS

URL = "https://example.com/feed.json"


def doc(items: list[object], **top: object) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": items, **top}).encode()


def all_strings(feed: object) -> list[str]:
    out = [feed.title, feed.link or "", *feed.warnings]  # type: ignore[attr-defined]
    for e in feed.entries:  # type: ignore[attr-defined]
        out += [e.key, e.title, e.link or "", e.author, e.summary, e.content, *e.tags]
        out += [x.url for x in e.enclosures] + [x.type for x in e.enclosures]
    return out


def test_item_fields_1_1() -> None:
    item = {
        "id": "a1", "url": "/posts/1", "external_url": "https://elsewhere.example/x",
        "title": "Hello &amp; [Sponsor]", "content_html": "<p>Body</p>", "summary": "a < b",
        "date_published": "2024-06-01T08:00:00Z", "date_modified": "2024-06-02T08:00:00+02:00",
        "authors": [{"url": "https://a.example"}, {"name": "Ann"}], "tags": ["x", 3, "y", "x"],
        "attachments": [{"url": "https://cdn.example/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 12},
                        {"url": "file:///etc/passwd"}, "junk", {"url": 5}],
    }
    feed = parse_json_feed(doc([item], home_page_url="https://example.com/"), url=URL)
    assert (feed.title, feed.link) == ("T", "https://example.com/")
    (e,) = feed.entries
    assert e.key == "a1"
    assert e.link == "https://example.com/posts/1"
    assert e.title == "Hello & [Sponsor]"
    assert e.content == "<p>Body</p>"
    assert e.summary == "a &lt; b"
    assert e.published == calendar.timegm((2024, 6, 1, 8, 0, 0))
    assert e.updated == calendar.timegm((2024, 6, 2, 6, 0, 0))
    assert e.author == "Ann"
    assert e.tags == ("x", "y")
    assert [(x.url, x.type, x.length) for x in e.enclosures] == [("https://cdn.example/a.mp3", "audio/mpeg", 12)]


def test_version_1_0_author_feed_author_text_content_and_numeric_id() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "title": "Old",
                       "author": {"name": "Feed Person"},
                       "items": [{"id": 42, "content_text": "line one\nline <two>", "external_url": "https://x.example/"}]})
    (e,) = parse_json_feed(body.encode(), url=URL).entries
    assert e.key == "42"
    assert e.title == "(untitled)"
    assert e.author == "Feed Person"
    assert e.link == "https://x.example/"
    assert e.content == "line one<br>\nline &lt;two&gt;"


def test_wrong_types_leave_only_the_sane_item() -> None:
    feed = parse_json_feed((ADVERSARIAL / "json-wrong-types.json").read_bytes(), url=URL)
    assert [e.title for e in feed.entries] == ["the only sane item"]
    assert feed.title == ""
    assert feed.entries[0].link == "https://example.invalid/ok"


def test_items_not_a_list_gives_no_entries_and_a_warning() -> None:
    feed = parse_json_feed((ADVERSARIAL / "json-items-not-list.json").read_bytes(), url=URL)
    assert feed.entries == [] and feed.title == "items is an object" and feed.warnings


@pytest.mark.parametrize("body, message", [
    ((ADVERSARIAL / "json-deeply-nested.json").read_bytes(), "malformed JSON: nested too deeply"),
    ((ADVERSARIAL / "json-not-a-feed.json").read_bytes(), "not a feed (JSON without items)"),
    (b'{"items": 3}', "not a feed (JSON without items)"),
    (b'"just a string"', "not a feed (JSON without items)"),
    (b'{"version": "https://jsonfeed.org/version/1", "items": [', "malformed JSON: Expecting value at line 1 column 57"),
])
def test_errors_are_one_line(body: bytes, message: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_json_feed(body, url=URL)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_parse_feed_dispatches_json_by_content() -> None:
    body = b"\xef\xbb\xbf  \n" + doc([{"id": "1", "title": "x"}])
    assert [e.title for e in parse_feed(body, url=URL, headers={"content-type": "text/plain"}).entries] == ["x"]
    with pytest.raises(ParseError, match="JSON without items"):
        parse_feed(b"not json, not xml", url=URL, headers={"content-type": "application/json"})


@pytest.mark.parametrize("name", ["unicode-lone-surrogates.json", "esc-nul.json", "esc-all-fields.json",
                                  "markup-injection.json", "dates-extreme.json"])
def test_hostile_strings_come_out_clean_and_encodable(name: str) -> None:
    feed = parse_json_feed((ADVERSARIAL / name).read_bytes(), url=URL)
    assert feed.entries
    for s in all_strings(feed):
        assert is_clean(s), repr(s)
        s.encode("utf-8")  # no lone surrogate survives (SQLite would refuse it)
        assert "\x00" not in s
    for e in feed.entries:
        assert is_clean(e.title, single_line=True) and is_clean(e.author, single_line=True)


def test_nul_id_is_stable_and_markup_is_literal() -> None:
    feed = parse_json_feed((ADVERSARIAL / "esc-nul.json").read_bytes(), url=URL)
    assert feed.entries[0].key == "nul" and feed.entries[0].title == "beforeafter"
    mj = parse_json_feed((ADVERSARIAL / "markup-injection.json").read_bytes(), url=URL)
    assert mj.entries[0].title == "[bold red]PWNED[/]"
    assert mj.entries[0].tags == ("[bold red]PWNED[/]",)


def test_dates_extreme_json_gives_only_plausible_dates() -> None:
    feed = parse_json_feed((ADVERSARIAL / "dates-extreme.json").read_bytes(), url=URL)
    years = {e.title: e.published for e in feed.entries}
    assert years["numeric date"] is None and years["object date"] is None and years["list date"] is None
    for e in feed.entries:
        for t in (e.published, e.updated):
            assert t is None or 1970 <= __import__("time").gmtime(t).tm_year <= 2100


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    body = b'{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"caf\xe9 \xff"}]}'
    (e,) = parse_json_feed(body, url=URL).entries
    assert e.title == "caf\ufffd \ufffd"


def test_real_json_feeds_give_all_their_items() -> None:
    daring = parse_json_feed((REAL_FEEDS / "nnw__DaringFireball.json").read_bytes(), url=URL)
    assert len(daring.entries) == 48
    assert daring.title == "Daring Fireball"
    for path in sorted(REAL_FEEDS.glob("*.json")):
        data = json.loads(path.read_bytes())
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            continue
        feed = parse_json_feed(path.read_bytes(), url=URL)
        usable = [i for i in items if isinstance(i, dict)
                  and any(isinstance(i.get(k), str) and i.get(k).strip()
                          for k in ("title", "url", "external_url", "content_html", "content_text", "summary"))]
        assert len(feed.entries) == len({str(i.get("id")) for i in usable}), path.name
