"""feeds.toml: one bad file per failure mode, exact file:line:key messages, good entries survive."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADVERSARIAL, REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from newstui import paths
from newstui.config import (
    Config,
    FeedConfig,
    Settings,
    add_feeds,
    check_feed_url,
    ensure_user_config,
    load_config,
    normalize_style,
    parse_config,
    textual_style,
    validate_style,
)
from newstui.errors import ConfigError
from newstui.sanitize import is_clean

DATA = REPO / "tests" / "data" / "config"


def load(name: str) -> Config:
    return load_config(DATA / name)


def where(name: str, line: int, key: str) -> str:
    return f"{DATA / name}:{line}: {key}: "


def assert_messages(messages: tuple[str, ...], name: str, expected: list[tuple[int, str, str]]) -> None:
    """Each message is "file:line: key: text", in file order, and contains the given words."""
    assert len(messages) == len(expected), "\n".join(messages)
    for msg, (line, key, words) in zip(messages, expected):
        assert msg.startswith(where(name, line, key)), msg
        assert words in msg, msg
        assert "\n" not in msg and is_clean(msg, single_line=True)


# --- the shipped feeds.toml ------------------------------------------------------------------


def test_bundled_feeds_toml_is_the_repo_copy():
    assert paths.bundled_feeds_toml().read_bytes() == (REPO / "feeds.toml").read_bytes()


def test_default_feeds_toml_loads_clean():
    cfg = load_config(REPO / "feeds.toml")
    assert cfg.errors == () and cfg.warnings == ()
    assert 12 <= len(cfg.feeds) <= 20
    assert cfg.feed("http://rss.cnn.com/rss/cnn_topstories.rss") is not None
    for f in cfg.feeds:
        assert f.url.startswith(("https://", "http://")) and f.title and f.tags, f
    assert {"world", "tech", "science"} <= set(cfg.tags())
    assert cfg.settings == Settings()  # the file documents the defaults, with the default values
    assert len(cfg.highlights) == 1 and cfg.ignores == () and dict(cfg.keys) == {}


def test_default_feeds_toml_documents_every_setting():
    text = (REPO / "feeds.toml").read_text()
    for name in Settings.__dataclass_fields__:
        assert re.search(rf"^{name} = .*#", text, re.MULTILINE), f"{name} is not documented"
    assert "\n# [[ignore]]" in text and "\n# [keys]" in text


def test_ensure_user_config_copies_once(tmp_path):
    target = tmp_path / "deep" / "dir" / "feeds.toml"
    assert ensure_user_config(target) == (target, True)
    assert target.read_bytes() == paths.bundled_feeds_toml().read_bytes()
    target.write_text("# mine\n")
    assert ensure_user_config(target) == (target, False)
    assert target.read_text() == "# mine\n"


def test_ensure_user_config_default_path(tmp_data_dir, tmp_path):
    path, created = ensure_user_config()  # XDG_CONFIG_HOME points into tmp_path
    assert created and path == paths.default_config_path() and path.is_file()
    assert tmp_path in path.parents


# --- one file per failure mode ---------------------------------------------------------------


def test_syntax_error_raises_with_line():
    with pytest.raises(ConfigError) as exc:
        load("syntax.toml")
    assert str(exc.value).startswith(f"{DATA / 'syntax.toml'}:4: TOML syntax: ")
    assert exc.value.line == 4


def test_syntax_error_at_end_of_document():
    with pytest.raises(ConfigError, match=r"^feeds\.toml:3: TOML syntax: .*end of file"):
        parse_config('[[feed]]\nurl = "https://a.example/"\ntags = [')


def test_unreadable_and_non_utf8(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[[feed]]\nurl = "https://a.example/"\ntitle = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"latin1\.toml:3: not UTF-8"):
        load_config(bad)


def test_wrong_types():
    cfg = load("wrong-types.toml")
    assert_messages(cfg.errors, "wrong-types.toml", [
        (3, "settings.concurrency", "expected a whole number, got string \"8\""),
        (4, "settings.refresh_on_start", "expected true or false"),
        (6, "settings.theme", "expected a non-empty string"),
        (10, "feed[1].title", "expected a string, got integer 42"),
        (11, "feed[1].tags", "write tags = [\"world\"]"),
        (12, "feed[1].fulltext", "expected true or false"),
        (16, "feed[2].tags", "got integer 7"),
        (20, "highlight[1].case_sensitive", "this rule is ignored"),
        (23, "keys.next_unread", "expected a string"),
    ])
    # Bad optional values fall back to defaults; the feeds themselves still load.
    assert [f.url for f in cfg.feeds] == ["https://example.org/good.xml", "https://example.org/second.xml"]
    assert cfg.feeds[0] == FeedConfig("https://example.org/good.xml", None, (), False, line=8)
    assert cfg.settings.timeout == 2.5 and cfg.settings.concurrency == 8 and cfg.settings.refresh_on_start
    assert cfg.highlights == () and dict(cfg.keys) == {"refresh": "r"}


def test_structure_mistakes():
    cfg = load("structure.toml")
    assert_messages(cfg.errors, "structure.toml", [
        (2, "settings", "expected a [settings] table, got integer 5"),
        (3, "feed[1]", "expected a table with a url"),
        (5, "highlight", "expected [[highlight]] tables"),
    ])
    assert [f.url for f in cfg.feeds] == ["https://example.org/good.xml"]  # [[feeds]] is accepted too


def test_invalid_regex_includes_re_error():
    cfg = load("bad-regex.toml")
    assert_messages(cfg.errors, "bad-regex.toml", [
        (7, "highlight[1].pattern", "missing ), unterminated subpattern at position 6"),
        (13, "ignore[1].pattern", "unterminated character set at position 0"),
        (16, "ignore[2].pattern", "matches empty text"),
    ])
    assert [h.pattern for h in cfg.highlights] == ["korea"]
    assert [i.pattern for i in cfg.ignores] == ["advert"]
    assert cfg.highlights[0].regex.search("North KOREA") and cfg.highlights[0].line == 9


def test_invalid_style():
    cfg = load("bad-style.toml")
    assert_messages(cfg.errors, "bad-style.toml", [
        (4, "highlight[1].style", "unknown word \"purple\""),
        (8, "highlight[2].style", "\"on\" must be followed by a background colour"),
        (12, "highlight[3].style", "colour number 300 is out of range"),
        (16, "highlight[4].style", "did you mean \"bold\"?"),
    ])
    assert_messages(cfg.warnings, "bad-style.toml", [(24, "highlight[6].style", "uses colour only")])
    assert [(h.pattern, h.style) for h in cfg.highlights] == [("e", "bold bright_red on #112233"), ("f", "green")]


def test_duplicate_feed_url_second_rejected():
    cfg = load("duplicate-url.toml")
    assert_messages(cfg.errors, "duplicate-url.toml",
                    [(10, "feed[3].url", "duplicate of feed[1] at line 2")])
    assert [(f.url, f.title) for f in cfg.feeds] == [("https://example.org/a.xml", "First"),
                                                    ("https://example.org/b.xml", None)]


def test_url_schemes():
    cfg = load("bad-scheme.toml")
    assert_messages(cfg.errors, "bad-scheme.toml", [
        (3, "feed[1].url", "unsupported URL \"file:///etc/passwd\""),
        (6, "feed[2].url", "not an absolute URL"),
        (9, "feed[3].url", "unsupported URL scheme \"javascript\""),
        (12, "feed[4].url", "unsupported URL integer 42"),
        (15, "feed[5].url", "unsupported URL scheme \"ftp\""),
    ])
    assert [f.url for f in cfg.feeds] == ["file:///var/lib/feeds/local.xml", "https://example.org/good.xml"]


def test_missing_url_and_pattern():
    cfg = load("missing-url.toml")
    assert_messages(cfg.errors, "missing-url.toml", [
        (2, "feed[1]", "missing url"),
        (7, "feed[2].url", "empty URL"),
        (13, "highlight[1]", "missing pattern"),
    ])
    assert [(f.url, f.title) for f in cfg.feeds] == [("https://example.org/good.xml", "Good")]


def test_out_of_range_settings_use_defaults():
    cfg = load("out-of-range.toml")
    assert_messages(cfg.errors, "out-of-range.toml", [
        (3, "settings.concurrency", "0 is out of range: expected 1 to 64; using the default 8"),
        (4, "settings.per_host", "1000 is out of range"),
        (5, "settings.timeout", "expected 1 to 600 seconds; using the default 30"),
        (6, "settings.keep_days", "0 is out of range"),
        (7, "settings.highlight_sentences", "21 is out of range: expected 0 to 20"),
        (8, "settings.max_items_per_feed", "0 is out of range"),
        (9, "settings.max_response_mb", "expected 0.1 to 1024 MB"),
        (10, "settings.theme", "non-empty string"),
    ])
    assert cfg.settings == Settings(mouse=False)


def test_nan_and_inf_are_out_of_range():
    cfg = parse_config("[settings]\ntimeout = nan\nmax_response_mb = inf\n")
    assert [e.split(":")[2].strip() for e in cfg.errors] == ["settings.timeout", "settings.max_response_mb"]
    assert cfg.settings == Settings()


def test_unknown_keys_warn_with_suggestion():
    cfg = load("unknown-keys.toml")
    assert cfg.errors == ()
    assert_messages(cfg.warnings, "unknown-keys.toml", [
        (2, "setings", "did you mean \"settings\"?"),
        (6, "settings.concurency", "did you mean \"concurrency\"?"),
        (11, "feed[1].tittle", "did you mean \"title\"?"),
        (16, "highlight[1].colour", "unknown key \"colour\""),
        (17, "highlight[1].feeds", "no feed has the tag \"wrold\"; did you mean \"world\"?"),
        (21, "ignore[1].field", "did you mean \"fields\"?"),
    ])
    assert cfg.settings.keep_days == 30 and cfg.settings.concurrency == 8
    assert len(cfg.feeds) == 1 and len(cfg.highlights) == 1 and len(cfg.ignores) == 1


def test_rule_fields_and_scopes():
    cfg = load("bad-fields.toml")
    assert_messages(cfg.errors, "bad-fields.toml", [
        (8, "highlight[1].fields", "unknown field \"summary\""),
        (12, "ignore[1].fields", "empty fields"),
        (21, "ignore[3].feeds", "expected an array of strings"),
    ])
    [rule] = cfg.ignores
    assert rule.fields == frozenset({"author", "body"}) and rule.line == 14
    assert rule.applies_to("https://example.org/a.xml", [])
    assert rule.applies_to("https://other.example/", ["tech"])
    assert not rule.applies_to("https://other.example/", ["world"])


def test_keys_table():
    cfg = load("bad-keys.toml")
    assert_messages(cfg.errors, "bad-keys.toml", [
        (5, "keys.quit", "invalid key list \"\""),
        (6, "keys.bad action!", "is not an action id"),
        (8, "keys.star", "invalid key list \"a b\""),
    ])
    assert_messages(cfg.warnings, "bad-keys.toml", [(7, "keys.mark_read", "also bound to \"next_unread\"")])
    assert dict(cfg.keys) == {"next_unread": "n", "refresh": "r,ctrl+r", "mark_read": "n"}
    with pytest.raises(TypeError):
        cfg.keys["x"] = "y"  # type: ignore[index]


def test_line_numbers_survive_tricky_toml():
    cfg = load("tricky-lines.toml")
    assert_messages(cfg.errors, "tricky-lines.toml", [
        (19, "feed[2].url", "unsupported URL scheme \"javascript\""),
        (23, "feed[3].url", "unsupported URL integer 7"),
    ])
    assert_messages(cfg.warnings, "tricky-lines.toml", [(2, "note", "unknown table or key")])
    [feed] = cfg.feeds
    assert feed.line == 9 and feed.tags == ("world", "tech") and feed.title == "multi"
    assert cfg.settings.theme == "x]]"


def test_inline_array_of_feeds_gets_the_key_line():
    text = '# x\n\nfeed = [\n  { url = "https://a.example/" },\n  { url = "gopher://b.example/" },\n]\n'
    cfg = parse_config(text)
    assert cfg.errors == ('feeds.toml:3: feed[2].url: unsupported URL scheme "gopher" in '
                          '"gopher://b.example/" (use http or https); this entry is ignored',)
    assert [f.url for f in cfg.feeds] == ["https://a.example/"]


def test_dotted_settings_keys_get_their_line():
    cfg = parse_config('\nsettings.timeout = 0\nsettings.mouse = "no"\n')
    assert [e.split(": ")[0] for e in cfg.errors] == ["feeds.toml:2", "feeds.toml:3"]


def test_hostile_feeds_toml():
    path = ADVERSARIAL / "feeds-hostile.toml"
    cfg = load_config(path)
    name = str(path)
    expected = [(3, "feeds[1].url", "file:///etc/passwd"), (10, "feeds[3].url", "javascript"),
                (13, "feeds[4].url", "duplicate of feeds[2]"), (16, "feeds[5].url", "integer 42"),
                (19, "feeds[6].url", "contains a space"), (22, "feeds[7].url", "too long (5024 characters")]
    assert len(cfg.errors) == len(expected), cfg.errors
    for msg, (line, key, words) in zip(cfg.errors, expected):
        assert msg.startswith(f"{name}:{line}: {key}: ") and words in msg, msg
        assert len(msg) < 400 and is_clean(msg, single_line=True)
    assert cfg.warnings == ()
    [good] = cfg.feeds
    assert good.url == "https://example.invalid/feed.xml"
    # Markup stays literal text; the escaped ESC is removed.
    assert good.title == "[@click=app.quit]quit[/] [2J"


def test_titles_and_tags_are_sanitised():
    text = ('[[feed]]\nurl = "https://a.example/"\ntitle = "A\\u001b[31m\\u202eB\\nC\\u0085D"\n'
            'tags = ["  x\\u0007y ", "", "x\\u0007y", "z"]\n')
    cfg = parse_config(text)
    [f] = cfg.feeds
    assert f.title == "A[31mB C D" and f.tags == ("xy", "z")
    assert cfg.warnings == ("feeds.toml:4: feed[1].tags: empty tag ignored",)


def test_star_is_not_a_tag():
    cfg = parse_config('[[feed]]\nurl = "https://a.example/"\ntags = ["*", "ok"]\n')
    assert cfg.feeds[0].tags == ("ok",) and "cannot be a tag" in cfg.errors[0]


def test_config_lookup_and_tags():
    cfg = parse_config('[[feed]]\nurl = "https://a.example/"\ntags = ["b", "a"]\n'
                       '[[feed]]\nurl = "https://b.example/"\ntags = ["a", "c"]\n')
    assert cfg.feed("https://b.example/").tags == ("a", "c")
    assert cfg.feed("https://nope.example/") is None
    assert cfg.tags() == ["b", "a", "c"]
    assert cfg.path is None
    empty = Config(None)
    assert empty.settings == Settings() and empty.feed("https://a.example/") is None and empty.tags() == []
    built = Config(None, feeds=(FeedConfig("https://a.example/", tags=("x",)),))
    assert built.feed("https://a.example/").tags == ("x",)


def test_highlight_rule_defaults_and_scope():
    cfg = parse_config('[[feed]]\nurl = "https://a.example/"\ntags = ["world"]\n'
                       '[[highlight]]\npattern = "korea"\n'
                       '[[highlight]]\npattern = "Korea"\ncase_sensitive = true\nfeeds = ["world"]\n'
                       'style = "underline"\nname = "k"\nfields = ["title"]\n')
    a, b = cfg.highlights
    assert (a.style, a.fields, a.feeds, a.case_sensitive) == ("bold yellow", frozenset({"title", "body"}), (), False)
    assert a.regex.search("KOREA") and not b.regex.search("KOREA")
    assert a.applies_to("https://x.example/", []) and not b.applies_to("https://x.example/", ["tech"])
    assert b.applies_to("https://x.example/", ["world"]) and b.name == "k"
    cfg = parse_config('[[highlight]]\npattern = "x"\nfeeds = ["*"]\n')
    assert cfg.warnings == () and cfg.highlights[0].applies_to("https://any.example/", [])


def test_ignore_rule_case_and_scope_warning():
    cfg = parse_config('[[ignore]]\npattern = "Sponsored"\nfeeds = ["https://none.example/"]\n'
                       '[[ignore]]\npattern = "Sponsored"\ncase_sensitive = true\n')
    a, b = cfg.ignores
    assert a.regex.search("sponsored") and not b.regex.search("sponsored")
    assert cfg.warnings == ('feeds.toml:3: ignore[1].feeds: "https://none.example/" is not a subscribed '
                            'feed URL, so it scopes nothing',)


def test_path_none_uses_default_name():
    cfg = parse_config('[[feed]]\nurl = "nope"\n')
    assert cfg.errors[0].startswith("feeds.toml:2: feed[1].url: ")


def test_bom_is_tolerated(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b'\xef\xbb\xbf[[feed]]\nurl = "https://a.example/"\n')
    assert load_config(p).feeds[0].url == "https://a.example/"


# --- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [
    ("https://example.org/feed", "https://example.org/feed"),
    ("  HTTP://Example.org/a\t/b  ", "http://Example.org/a/b"),
    ("https://[::1]:8080/rss", "https://[::1]:8080/rss"),
    ("file:///srv/feeds/local.atom", "file:///srv/feeds/local.atom"),
    ("file://localhost/tmp/x.RSS", "file://localhost/tmp/x.RSS"),
])
def test_check_feed_url_accepts(raw, expected):
    assert check_feed_url(raw) == (expected, None)


@pytest.mark.parametrize("raw, words", [
    ("javascript:alert(1)", "scheme \"javascript\""),
    ("data:text/xml,<rss/>", "contains"),
    ("/etc/passwd", "not an absolute URL"),
    ("example.org/rss", "not an absolute URL"),
    ("file:///etc/passwd", "must name a feed file"),
    ("file:/tmp/x.xml", "file:///absolute/path.xml"),
    ("file://server/share/x.xml", "must be local"),
    ("http:///path", "has no host"),
    ("https://example.org:99999/", "Port out of range"),
    ("https://example.org/a b", "contains a space"),
    ("https://example.org/`id`", "contains a backtick"),
    ("https://example.org/" + "a" * 3000, "too long"),
    (42, "integer 42"),
    (True, "boolean"),
    (None, "unsupported URL"),
    ("", "empty URL"),
])
def test_check_feed_url_refuses(raw, words):
    url, why = check_feed_url(raw)
    assert url is None and words in why and is_clean(why, single_line=True)


def test_check_feed_url_without_file_or_quote():
    assert check_feed_url("file:///tmp/a.xml", allow_file=False)[1] == \
        'unsupported URL scheme "file" in "file:///tmp/a.xml" (use http or https)'
    assert check_feed_url("ftp://x/y", quote_url=False)[1] == 'unsupported URL scheme "ftp" (use http or https)'


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_check_feed_url_never_raises(raw):
    url, why = check_feed_url(raw)
    assert (url is None) != (why is None)
    if url:
        assert url.startswith(("http://", "https://", "file://"))


# --- styles ----------------------------------------------------------------------------------

VALID_STYLES = ["bold yellow", "bold", "dim italic", "underline red on black", "reverse", "strike blink",
                "not bold", "bright_magenta on bright_black", "default on red", "color(196)", "color9 bold",
                "#abc", "#A0B1C2 on #000", "rgb(1, 2, 3) bold", "on rgb(255,255,255)", "BOLD Yellow",
                "not italic underline green"]
INVALID_STYLES = [("", "empty"), ("   ", "empty"), ("blod", "did you mean \"bold\""), ("bold on", "\"on\""),
                  ("on blu", "background"), ("red green", "two foreground"), ("on red on blue", "two background"),
                  ("not", "\"not\""), ("not red", "\"not\""), ("color(256)", "out of range"),
                  ("rgb(1,2,300)", "above 255"), ("#12", "unknown"), ("#ggg", "unknown"), ("link", "unknown word"),
                  ("[bold]", "unknown word")]


@pytest.mark.parametrize("style", VALID_STYLES)
def test_validate_style_accepts(style):
    assert validate_style(style) is None


@pytest.mark.parametrize("style, words", INVALID_STYLES)
def test_validate_style_refuses(style, words):
    why = validate_style(style)
    assert why is not None and words in why, why


def test_validate_style_non_string():
    assert "expected a string" in validate_style(3)  # type: ignore[arg-type]


def test_normalize_and_textual_style_forms():
    assert normalize_style("BOLD Yellow on #abc") == "bold yellow on #aabbcc"
    assert normalize_style("color9 on rgb(1, 2, 3)") == "color(9) on #010203"
    assert textual_style("bold yellow") == "bold ansi_yellow"
    assert textual_style("bright_red on default") == "ansi_bright_red on ansi_default"
    assert textual_style("color(9)") == "ansi_bright_red"
    assert textual_style("color(196) on color(232)") == "#ff0000 on #080808"
    assert textual_style("color(16) on color(231)") == "#000000 on #ffffff"
    with pytest.raises(ValueError):
        textual_style("blod")


@pytest.mark.parametrize("style", VALID_STYLES)
def test_styles_are_understood_by_rich_and_textual(style):
    """The grammar is ours (no rich import in config), but the UI must be able to use every style."""
    from rich.style import Style as RichStyle
    from textual.markup import parse_style

    RichStyle.parse(normalize_style(style))
    parse_style(textual_style(style))


def test_domain_modules_do_not_import_ui_libraries():
    code = ("import sys, newstui.config, newstui.opml\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})


# --- robustness ------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('[]{}"\'=#.,\n abc123\\urlfeedtitl:/*')), max_size=120))
def test_parse_config_raises_only_config_error(text):
    try:
        cfg = parse_config(text)
    except ConfigError as exc:
        assert "TOML syntax" in str(exc)
        return
    for msg in cfg.errors + cfg.warnings:
        assert msg.startswith("feeds.toml") and "\n" not in msg


# --- add_feeds -------------------------------------------------------------------------------

USER_TOML = """\
# my feeds -- keep this comment
[settings]
timeout = 10  # short

[[feed]]
url = "https://a.example/rss"   # first
title = "A"

# a comment between tables
[[highlight]]
pattern = "x"

[keys]
next_unread = "n"
# trailing comment"""


def test_add_feeds_keeps_existing_text_and_backs_up(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(USER_TOML)
    os.chmod(path, 0o600)
    add_feeds(path, [FeedConfig("https://b.example/rss", title='B "quoted" \\ <x>', tags=("t1", "t 2")),
                     FeedConfig("https://a.example/rss", title="dup"),
                     FeedConfig("https://c.example/rss", fulltext=True)])
    text = path.read_text()
    assert text.startswith(USER_TOML + "\n")
    assert (tmp_path / "feeds.toml.bak").read_text() == USER_TOML
    assert (path.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.toml", "feeds.toml.bak"]  # no temp file left
    cfg = load_config(path)
    assert cfg.errors == () and cfg.warnings == ()
    assert [(f.url, f.title, f.tags, f.fulltext) for f in cfg.feeds] == [
        ("https://a.example/rss", "A", (), False),
        ("https://b.example/rss", 'B "quoted" \\ <x>', ("t1", "t 2"), False),
        ("https://c.example/rss", None, (), True),
    ]
    assert cfg.settings.timeout == 10 and dict(cfg.keys) == {"next_unread": "n"}


def test_add_feeds_nothing_new_leaves_file_alone(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text(USER_TOML)
    add_feeds(path, [FeedConfig("https://a.example/rss")])
    assert path.read_text() == USER_TOML and not (tmp_path / "feeds.toml.bak").exists()


def test_add_feeds_creates_missing_file(tmp_path):
    path = tmp_path / "sub" / "feeds.toml"
    add_feeds(path, [FeedConfig("https://a.example/rss", tags=("x",))])
    assert [f.tags for f in load_config(path).feeds] == [("x",)]


def test_add_feeds_uses_the_files_spelling_and_line_endings(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_bytes(b'[[feeds]]\r\nurl = "https://a.example/"\r\n')
    add_feeds(path, [FeedConfig("https://b.example/")])
    data = path.read_bytes()
    assert b"[[feeds]]" in data[30:] and b"\n" not in data.replace(b"\r\n", b"")
    assert [f.url for f in load_config(path).feeds] == ["https://a.example/", "https://b.example/"]


def test_add_feeds_inline_array(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text('# keep me\nfeed = [ { url = "https://a.example/" } ]\n')
    add_feeds(path, [FeedConfig("https://b.example/", title="B")])
    assert path.read_text().startswith("# keep me\n")
    assert [f.url for f in load_config(path).feeds] == ["https://a.example/", "https://b.example/"]


def test_add_feeds_refuses_broken_files(tmp_path):
    path = tmp_path / "feeds.toml"
    path.write_text('[[feed]]\nurl = "https://a.example/\n')
    with pytest.raises(ConfigError, match=r"feeds\.toml:2: TOML syntax"):
        add_feeds(path, [FeedConfig("https://b.example/")])
    path.write_text('[feed]\nurl = "https://a.example/"\n')
    with pytest.raises(ConfigError, match=r"expected \[\[feed\]\] tables"):
        add_feeds(path, [FeedConfig("https://b.example/")])
    assert not (tmp_path / "feeds.toml.bak").exists()
