"""OPML import/export: hostile input refused or defused, folders become tags, round trip via feeds.toml."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import ADVERSARIAL, REPO

from newstui.config import FeedConfig, add_feeds, load_config
from newstui.errors import ConfigError
from newstui.opml import OpmlFeed, read_opml, write_opml
from newstui.sanitize import is_clean

DATA = REPO / "tests" / "data" / "opml"
HOSTILE = ADVERSARIAL / "opml-hostile.opml"


def hostile_without_dtd() -> bytes:
    """The hostile OPML with its DOCTYPE and entity references removed, to exercise the rest of it."""
    text = HOSTILE.read_bytes().decode("utf-8")
    text, n = re.subn(r"<!DOCTYPE.*?\]>", "", text, count=1, flags=re.DOTALL)
    assert n == 1
    return re.sub(r"&(xxe|l\d);", "", text).encode("utf-8")


# --- hostile input ---------------------------------------------------------------------------


def test_hostile_opml_entities_refused():
    with pytest.raises(ConfigError, match=r"^OPML: entities/DTD refused"):
        read_opml(HOSTILE.read_bytes())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_entities_refused_in_any_encoding(encoding):
    data = HOSTILE.read_bytes().decode("utf-8").encode(encoding)
    with pytest.raises(ConfigError, match="entities/DTD refused"):
        read_opml(data)


def test_declared_encoding_cannot_hide_a_doctype():
    data = ('<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE opml [<!ENTITY a "b">]>\n'
            '<opml version="2.0"><body/></opml>').encode("latin-1")
    with pytest.raises(ConfigError, match="entities/DTD refused"):
        read_opml(data)


def test_hostile_opml_body_imports_only_http_urls():
    result = read_opml(hostile_without_dtd())
    urls = [f.url for f in result.feeds]
    assert urls == ["https://example.invalid/", "https://example.invalid/feed.xml",
                    "https://example.invalid/esc.xml", "http://127.0.0.1:22/"]
    assert len(set(urls)) == len(urls)
    assert result.skipped == [
        'skipped file:///etc/passwd: unsupported URL scheme "file" (use http or https)',
        'skipped javascript:alert(1): unsupported URL scheme "javascript" (use http or https)',
        "skipped https://example.invalid/feed.xml: duplicate",
        "skipped no url: empty xmlUrl",
        "skipped https://example.invalid/$(touch pwned): URL contains a space, "
        "which a URL cannot hold (percent-encode it)",
    ]
    titles = [f.title for f in result.feeds]
    assert titles[1] == "[@click=app.quit]quit[/]"  # markup kept literally
    assert titles[2].startswith("escape [2J[H]52;c;")  # ESC and BEL gone
    for f in result.feeds:
        assert f.title is None or is_clean(f.title, single_line=True)
        # the 2000-deep folder nest holds no feed, and tags never explode
        assert len(f.tags) <= 1


def test_deep_nesting_does_not_recurse():
    depth = 20_000
    data = ('<opml version="2.0"><body>' + '<outline text="n">' * depth
            + '<outline type="rss" text="deep" xmlUrl="https://deep.example/"/>'
            + "</outline>" * depth + "</body></opml>").encode()
    result = read_opml(data)
    assert [(f.url, f.tags) for f in result.feeds] == [("https://deep.example/", ("n",))]


def test_many_folder_names_cap_tags():
    depth = 300
    data = ('<opml version="2.0"><body>' + "".join(f'<outline text="f{i}">' for i in range(depth))
            + '<outline type="rss" text="deep" xmlUrl="https://deep.example/"/>'
            + "</outline>" * depth + "</body></opml>").encode()
    [feed] = read_opml(data).feeds
    assert len(feed.tags) == 100 and feed.tags[0] == "f0"


@pytest.mark.parametrize("name, words", [
    ("not-opml.xml", "not an OPML document (root element <rss>"),
    ("no-body.opml", "no <body>"),
    ("malformed.opml", "malformed XML"),
])
def test_not_opml(name, words):
    with pytest.raises(ConfigError) as exc:
        read_opml((DATA / name).read_bytes())
    assert str(exc.value).startswith("OPML: ") and words in str(exc.value)


@pytest.mark.parametrize("data", [b"", b"   \n", b"\xff\xfe", b"\x00\x01\x02 junk"])
def test_empty_or_junk(data):
    with pytest.raises(ConfigError, match="^OPML: "):
        read_opml(data)


def test_undeclared_entity_is_an_error_not_a_lookup():
    with pytest.raises(ConfigError, match="malformed XML"):
        read_opml(b'<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/"/></body></opml>')


# --- ordinary files --------------------------------------------------------------------------


def test_folders_and_categories_become_tags():
    result = read_opml((DATA / "folders.opml").read_bytes())
    assert result.feeds == [
        OpmlFeed("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC World", ("News",)),
        OpmlFeed("https://rss.dw.com/rdf/rss-en-all", "Deutsche Welle", ("News", "Europe", "world", "europe",
                                                                          "public")),
        OpmlFeed("https://lwn.net/headlines/rss", "LWN <weekly>", ("Tech & Science",)),
        OpmlFeed("https://example.org/atom.xml", "Top level", ()),
    ]
    assert result.skipped == ["skipped no address at all: no xmlUrl",
                              "skipped https://feeds.bbci.co.uk/news/world/rss.xml: duplicate"]


def test_existing_urls_are_duplicates():
    result = read_opml((DATA / "folders.opml").read_bytes(), existing=["  https://lwn.net/headlines/rss"])
    assert "https://lwn.net/headlines/rss" not in [f.url for f in result.feeds]
    assert "skipped https://lwn.net/headlines/rss: duplicate" in result.skipped


def test_utf16_with_bom_reads_the_same():
    data = (DATA / "folders.opml").read_bytes()
    text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert read_opml(text.encode("utf-16")) == read_opml(data)


def test_raw_controls_in_titles_are_dropped():
    data = b'<opml version="2.0"><body><outline text="a\x1b[2Jb\x07" xmlUrl="https://a.example/"/></body></opml>'
    assert read_opml(data).feeds[0].title == "a[2Jb"


# --- export and round trip -------------------------------------------------------------------

AWKWARD = [
    FeedConfig("https://a.example/rss?x=1&y=2", title='Quotes "q" & <tags> \'s', tags=("world", "a&b")),
    FeedConfig("https://b.example/feed", title=None, tags=()),
    FeedConfig("https://c.example/atom", title="Ünïcödé 日本", tags=("tech", "science", "x/y,z")),
]


def test_write_opml_is_valid_opml_2():
    data = write_opml(AWKWARD, title="mine & yours")
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title").text == "mine & yours"
    outlines = root.findall("body/outline")
    assert [o.get("xmlUrl") for o in outlines] == [f.url for f in AWKWARD]
    assert outlines[0].get("text") == outlines[0].get("title") == 'Quotes "q" & <tags> \'s'
    assert outlines[0].get("category") == "/world,/a&b"
    assert outlines[1].get("text") == "https://b.example/feed" and outlines[1].get("category") is None
    assert outlines[2].get("category") == "/tech,/science,/x y z"


def test_write_opml_drops_controls():
    data = write_opml([FeedConfig("https://a.example/", title="bad\x1b[31m\x00title\ufffe")])
    assert ET.fromstring(data).find("body/outline").get("title") == "bad[31mtitle"


def test_round_trip_through_feeds_toml(tmp_path):
    source = load_config(REPO / "feeds.toml").feeds + tuple(AWKWARD)
    imported = read_opml(write_opml(source))
    assert imported.skipped == []
    path = tmp_path / "feeds.toml"
    path.write_text("# an empty config\n")
    add_feeds(path, [f.as_feed_config() for f in imported.feeds])
    cfg = load_config(path)
    assert cfg.errors == () and cfg.warnings == ()
    expected_tags = {f.url: tuple(t.replace(",", " ").replace("/", " ") for t in f.tags) for f in source}
    assert [f.url for f in cfg.feeds] == [f.url for f in source]
    assert {f.url: f.tags for f in cfg.feeds} == expected_tags
    assert {f.url: f.title for f in cfg.feeds} == {f.url: f.title for f in source}
    assert path.read_text().startswith("# an empty config\n")
