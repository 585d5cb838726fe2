"""Highlight rules: precedence, case, fields, scope, empty matches, unicode, terms, version."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from newstui.config import HighlightRule
from newstui.highlight_rules import (
    MAX_MATCHES,
    MAX_SCAN,
    SEARCH_STYLE,
    RuleSet,
    RuleSpan,
    flag_articles,
    term_rules,
)


def rule(pattern: str, style: str = "bold", *, case_sensitive: bool = False,
         fields: frozenset[str] = frozenset({"title", "body"}), feeds: tuple[str, ...] = (),
         name: str | None = None) -> HighlightRule:
    flags = 0 if case_sensitive else re.IGNORECASE
    return HighlightRule(pattern, re.compile(pattern, flags), style, case_sensitive, fields, feeds, name)


def styled(text: str, spans: list[RuleSpan]) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.style) for s in spans]


# --- precedence -----------------------------------------------------------------------------

def test_later_rule_wins_on_the_overlap_only() -> None:
    rs = RuleSet([rule("rust lang", "A"), rule("st language", "B")])
    text = "the rust language"
    assert styled(text, rs.spans(text, "title")) == [("ru", "A"), ("st language", "B")]
    reverse = RuleSet([rule("st language", "B"), rule("rust lang", "A")])
    assert styled(text, reverse.spans(text, "title")) == [("rust lang", "A"), ("uage", "B")]


def test_later_rule_inside_an_earlier_match_splits_it() -> None:
    rs = RuleSet([rule("a big red dog", "outer"), rule("red", "inner")])
    text = "see a big red dog run"
    spans = rs.spans(text, "body")
    assert styled(text, spans) == [("a big ", "outer"), ("red", "inner"), (" dog", "outer")]
    assert [s.rule for s in spans] == [0, 1, 0]
    # the same rules the other way round: the later, outer rule covers everything
    assert styled(text, RuleSet([rule("red", "inner"), rule("a big red dog", "outer")]).spans(text, "body")) == [
        ("a big red dog", "outer")]


def test_three_rules_and_every_match_is_styled() -> None:
    rs = RuleSet([rule(r"\w+", "word"), rule("b+", "bees"), rule("bb", "pair")])
    text = "abbbc ab"
    assert styled(text, rs.spans(text, "title")) == [
        ("a", "word"), ("bb", "pair"), ("b", "bees"), ("c", "word"), ("a", "word"), ("b", "bees")]


def test_adjacent_matches_of_one_rule_stay_separate_spans() -> None:
    rs = RuleSet([rule("ab", "x"), rule("zzz", "y")])
    assert rs.spans("abab", "title") == [RuleSpan(0, 2, 0, "x"), RuleSpan(2, 4, 0, "x")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "ab", "a+", "b?a", r"\w", "ba*", "aba", "x*", "^a", "b$"]),
                min_size=1, max_size=4),
       st.text(alphabet="abx ", max_size=30))
def test_precedence_matches_a_painted_reference(patterns: list[str], text: str) -> None:
    rs = RuleSet([rule(p, f"s{i}") for i, p in enumerate(patterns)])
    spans = rs.spans(text, "body")
    painted: list[int | None] = [None] * len(text)
    for i, p in enumerate(patterns):
        for m in re.finditer(p, text, re.IGNORECASE):
            for k in range(m.start(), m.end()):
                painted[k] = i  # later rules paint over earlier ones
    got: list[int | None] = [None] * len(text)
    last_end = 0
    for s in spans:
        assert last_end <= s.start < s.end  # sorted, non-overlapping, non-empty
        last_end = s.end
        assert s.style == f"s{s.rule}"
        for k in range(s.start, s.end):
            got[k] = s.rule
    assert got == painted


# --- matching details -----------------------------------------------------------------------------

def test_case_sensitivity() -> None:
    insensitive = RuleSet([rule("Rust")])
    sensitive = RuleSet([rule("Rust", case_sensitive=True)])
    assert len(insensitive.spans("rust RUST Rust", "title")) == 3
    assert sensitive.spans("rust RUST Rust", "title") == [RuleSpan(10, 14, 0, "bold")]
    assert not sensitive.matches("rust", "")


@dataclass
class BareRule:
    """A rule without a compiled regex or applies_to (duck typing)."""

    pattern: str
    style: str = "underline"
    case_sensitive: bool = False
    feeds: tuple[str, ...] = ()


def test_duck_typed_rules_compile_their_pattern() -> None:
    rs = RuleSet([BareRule("go+gle"), BareRule("Py", case_sensitive=True)])
    assert styled("GOOGLE py Py", rs.spans("GOOGLE py Py", "body")) == [("GOOGLE", "underline"), ("Py", "underline")]
    assert rs.for_feed("https://x.example/", ["t"]) is rs


def test_fields() -> None:
    rs = RuleSet([rule("alpha", "t", fields=frozenset({"title"})), rule("beta", "b", fields=frozenset({"body"}))])
    assert styled("alpha beta", rs.spans("alpha beta", "title")) == [("alpha", "t")]
    assert styled("alpha beta", rs.spans("alpha beta", "body")) == [("beta", "b")]
    assert rs.spans("alpha", "author") == []
    assert rs.matches("alpha", "")
    assert not rs.matches("beta", "alpha")
    assert rs.matches("", "beta")


def test_scope_by_feed_url_and_tag() -> None:
    rs = RuleSet([rule("a", "all"), rule("b", "url", feeds=("https://one.example/feed",)),
                  rule("c", "tag", feeds=("news",)), rule("d", "star", feeds=("*",))])
    one = rs.for_feed("https://one.example/feed", [])
    assert [s.style for s in one.spans("abcd", "title")] == ["all", "url", "star"]
    tagged = rs.for_feed("https://two.example/feed", ("tech", "news"))
    assert [(s.style, s.rule) for s in tagged.spans("abcd", "title")] == [("all", 0), ("tag", 2), ("star", 3)]
    other = rs.for_feed("https://two.example/feed", ())
    assert [s.style for s in other.spans("abcd", "title")] == ["all", "star"]
    # cached per (url, tag set), tag order irrelevant; the full set when everything applies
    assert rs.for_feed("https://two.example/feed", ("news", "tech")) is tagged
    full = RuleSet([rule("a"), rule("b", feeds=("*",))])
    assert full.for_feed("https://x.example/", ()) is full
    assert tagged.rule(2).pattern == "c"


def test_empty_matches_are_skipped() -> None:
    rs = RuleSet([rule("x*", "x"), rule("", "empty"), rule(r"\b", "boundary")])
    assert rs.spans("abxxc", "title") == [RuleSpan(2, 4, 0, "x")]
    assert rs.spans("abc", "title") == []
    assert not rs.matches("abc", "def")
    assert rs.matches("abx", "")


def test_unicode_offsets_are_string_indices() -> None:
    rs = RuleSet([rule("straße"), rule("日本"), rule("ÜBER"), rule("😀+")])
    text = "Über die Straße 😀😀 nach 日本"
    assert styled(text, rs.spans(text, "body")) == [
        ("Über", "bold"), ("Straße", "bold"), ("😀😀", "bold"), ("日本", "bold")]


def test_caps_on_matches_and_scan_length() -> None:
    rs = RuleSet([rule("a")])
    assert len(rs.spans("a" * (MAX_MATCHES + 500), "body")) == MAX_MATCHES
    late = "x" * MAX_SCAN + "needle"
    needle = RuleSet([rule("needle")])
    assert needle.spans(late, "body") == [] and not needle.matches("", late)
    assert needle.spans(late[-MAX_SCAN:], "body") != []


def test_empty_ruleset() -> None:
    rs = RuleSet([])
    assert not rs and len(rs) == 0
    assert rs.spans("anything", "title") == []
    assert not rs.matches("anything", "at all")
    assert flag_articles(rs, [(1, "u", (), "anything", "")]) == []


# --- version ---------------------------------------------------------------------------------

def test_version_is_stable_and_tracks_what_styles() -> None:
    base = [rule("rust", "bold"), rule("go", "red", feeds=("news",))]
    v = RuleSet(base).version
    assert v == RuleSet(list(base)).version
    assert isinstance(v, str) and len(v) >= 8
    changes = [
        [rule("rusty", "bold"), base[1]],
        [rule("rust", "italic"), base[1]],
        [rule("rust", "bold", case_sensitive=True), base[1]],
        [rule("rust", "bold", fields=frozenset({"title"})), base[1]],
        [base[0], rule("go", "red", feeds=("tech",))],
        [base[1], base[0]],
        [base[0]],
    ]
    versions = {RuleSet(c).version for c in changes}
    assert v not in versions and len(versions) == len(changes)
    assert RuleSet([replace(base[0], name="renamed"), base[1]]).version == v  # names do not style
    assert RuleSet(base).for_feed("https://x.example/", ()).version != v


# --- search terms ----------------------------------------------------------------------------

def test_term_rules_literal_case_insensitive() -> None:
    rs = term_rules(["c++", "a.b", "(x"])
    text = "C++ and A.B but not axb (X"
    assert styled(text, rs.spans(text, "body")) == [("C++", SEARCH_STYLE), ("A.B", SEARCH_STYLE), ("(X", SEARCH_STYLE)]


def test_term_rules_words_prefixes_and_phrases() -> None:
    rs = term_rules(["go", "feed", '"hello world"', "日本"])
    text = "go good ago feeds refeed Hello,  WORLD 日本語"
    assert styled(text, rs.spans(text, "title")) == [
        ("go", SEARCH_STYLE), ("feed", SEARCH_STYLE), ("Hello,  WORLD", SEARCH_STYLE), ("日本", SEARCH_STYLE)]


def test_term_rules_drop_empty_duplicate_and_punctuation_terms() -> None:
    rs = term_rules(["", "  ", "--", "Rust", "rust", "\x1b[2J"])
    assert [r.pattern for r in rs.rules] == ["Rust", "[2J"]
    assert not term_rules([])
    assert len(term_rules([f"t{i}" for i in range(100)])) == 32


# --- watchlist ----------------------------------------------------------------------------------

def test_flag_articles_uses_scope_and_fields() -> None:
    rs = RuleSet([rule("rust", fields=frozenset({"title"}), feeds=("tech",)), rule("python", feeds=("https://py.example/",))])
    rows = [
        (1, "https://a.example/", ("tech",), "Rust 2.0", ""),
        (2, "https://a.example/", ("news",), "Rust 2.0", ""),
        (3, "https://a.example/", ("tech",), "title", "rust in body only"),
        (4, "https://py.example/", (), "x", "about Python"),
        (5, "https://a.example/", (), "x", "about Python"),
    ]
    assert flag_articles(rs, rows) == [1, 4]
