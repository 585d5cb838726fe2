"""User highlight rules -> non-overlapping styled spans (newsboat's ``highlight``, done better).

Rules come from ``[[highlight]]`` tables in feeds.toml (:class:`newstui.config.HighlightRule`,
duck-typed here: ``pattern``, ``regex``, ``style``, ``case_sensitive``, ``fields``,
``feeds``, ``name``, ``applies_to``). Matching works on plain text and returns
:class:`RuleSpan` offsets; the UI turns them into styles, so feed text is never parsed as
markup.

How rules combine (the user-facing rule, also in the docs):

* Every non-overlapping match of every rule is styled (``re.finditer``), the whole match,
  not capture groups. Empty matches are skipped.
* Where matches of different rules overlap, **the rule listed later in feeds.toml wins**,
  on the overlapped characters only: the parts of an earlier rule's match outside the
  overlap keep the earlier style. (newsboat documents the same "later wins" for
  ``highlight``.) A rule that is not in scope for the feed, or not for this field
  ("title" or "body"), takes no part.
* Case-insensitive unless the rule says ``case_sensitive = true``.

Limits: at most :data:`MAX_SCAN` characters of a text are scanned and at most
:data:`MAX_MATCHES` matches per rule are kept. A rule's regex is the user's own Python
regex: a catastrophically backtracking pattern (``(a+)+$``) can still take long on a
long text, which is why the scan is capped; Python's ``re`` has no time limit, so keep
patterns simple (no nested quantifiers) and try them with ``newstui rules test``.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from newstui.sanitize import clean_line
from newstui.store import matches_as_prefix

__all__ = ["RuleSpan", "RuleSet", "term_rules", "flag_articles", "MAX_SCAN", "MAX_MATCHES",
           "SEARCH_STYLE"]

MAX_SCAN = 200_000
"""Characters of one text scanned per rule (the article pane shows at most 200k too)."""
MAX_MATCHES = 10_000
"""Matches kept per rule per text."""
MAX_SCOPE_CACHE = 4096
SEARCH_STYLE = "search"
"""Style name of :func:`term_rules` spans; the UI draws it (e.g. bold reverse)."""
FIELDS = frozenset({"title", "body"})
MAX_TERMS = 32
MAX_TERM_LEN = 200


@dataclass(frozen=True, slots=True)
class RuleSpan:
    """``text[start:end]`` styled by rule number ``rule`` (its index in config order)."""

    start: int
    end: int
    rule: int
    style: str


def _rule_regex(rule: Any) -> re.Pattern[str]:
    rx = getattr(rule, "regex", None)
    if isinstance(rx, re.Pattern):
        return rx
    flags = 0 if getattr(rule, "case_sensitive", False) else re.IGNORECASE
    return re.compile(str(getattr(rule, "pattern", "")), flags)


def _rule_applies(rule: Any, feed_url: str, tags: tuple[str, ...]) -> bool:
    applies = getattr(rule, "applies_to", None)
    if callable(applies):
        return bool(applies(feed_url, tags))
    scope = tuple(getattr(rule, "feeds", ()) or ())
    if not scope or "*" in scope or feed_url in scope:
        return True
    return any(t in scope for t in tags)


def _fingerprint(rules: Sequence[Any], indices: Sequence[int]) -> str:
    """A stable hash of what changes the styling: patterns, flags, styles, fields, scopes."""
    h = hashlib.sha256()
    for i, rule in zip(indices, rules):
        rx = _rule_regex(rule)
        parts = (str(i), rx.pattern, str(int(rx.flags)), str(getattr(rule, "style", "")),
                 str(bool(getattr(rule, "case_sensitive", False))),
                 ",".join(sorted(getattr(rule, "fields", FIELDS) or ())),
                 ",".join(getattr(rule, "feeds", ()) or ()))
        h.update("\x1f".join(parts).encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()[:16]


class RuleSet:
    """Compiled highlight rules in config order, ready to match titles and bodies.

    Build it once per config (``RuleSet(config.highlights)``); :meth:`for_feed` gives the
    (cached) subset in scope for one feed. ``version`` changes whenever anything that
    affects styling changes: use it as a cache key for rendered rows and stored
    "highlighted" flags.
    """

    __slots__ = ("rules", "indices", "version", "_fields", "_scoped")

    def __init__(self, rules: Sequence[Any], *, _indices: Sequence[int] | None = None) -> None:
        self.rules: tuple[Any, ...] = tuple(rules)
        self.indices: tuple[int, ...] = (tuple(_indices) if _indices is not None
                                         else tuple(range(len(self.rules))))
        self.version: str = _fingerprint(self.rules, self.indices)
        # field -> ((config index, bound finditer, style), ...) in config order
        by_field: dict[str, list[tuple[int, Any, str]]] = {f: [] for f in FIELDS}
        for i, rule in zip(self.indices, self.rules):
            rx = _rule_regex(rule)
            style = str(getattr(rule, "style", "") or "bold")
            for f in getattr(rule, "fields", FIELDS) or ():
                by_field.setdefault(f, []).append((i, rx.finditer, style))
        self._fields = {f: tuple(v) for f, v in by_field.items()}
        self._scoped: dict[tuple[str, frozenset[str]], RuleSet] = {}

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, version={self.version})"

    def rule(self, index: int) -> Any:
        """The config rule behind ``RuleSpan.rule`` (for a "which rule matched" popup)."""
        return self.rules[self.indices.index(index)]

    def for_feed(self, feed_url: str, tags: Iterable[str]) -> "RuleSet":
        """The rules in scope for a feed (its URL and tags); cached, ``self`` if all apply."""
        tag_tuple = tuple(tags)
        key = (feed_url, frozenset(tag_tuple))
        hit = self._scoped.get(key)
        if hit is not None:
            return hit
        keep = [k for k, rule in enumerate(self.rules) if _rule_applies(rule, feed_url, tag_tuple)]
        if len(keep) == len(self.rules):
            sub = self
        else:
            sub = RuleSet([self.rules[k] for k in keep], _indices=[self.indices[k] for k in keep])
        if len(self._scoped) >= MAX_SCOPE_CACHE:
            self._scoped.clear()
        self._scoped[key] = sub
        return sub

    def spans(self, text: str, field: str) -> list[RuleSpan]:
        """Styled spans of ``text`` for ``field`` ("title" or "body"), sorted, non-overlapping."""
        compiled = self._fields.get(field)
        if not compiled or not text:
            return []
        end = min(len(text), MAX_SCAN)
        hits: list[tuple[int, int, int, str]] = []
        for index, finditer, style in compiled:
            n = 0
            for m in finditer(text, 0, end):
                s, e = m.span()
                if s == e:
                    continue
                hits.append((s, e, index, style))
                n += 1
                if n >= MAX_MATCHES:
                    break
        if not hits:
            return []
        if len(compiled) > 1:
            hits.sort()
            last_end = -1
            for s, e, _i, _st in hits:
                if s < last_end:
                    return _resolve(hits)
                last_end = max(last_end, e)
        return [RuleSpan(s, e, i, st) for s, e, i, st in hits]

    def matches(self, title: str, body: str) -> bool:
        """Whether any rule has a (non-empty) match: the "Highlighted" watchlist flag."""
        for field, text in (("title", title), ("body", body)):
            if not text:
                continue
            end = min(len(text), MAX_SCAN)
            for _index, finditer, _style in self._fields.get(field, ()):
                for m in finditer(text, 0, end):
                    if m.end() > m.start():
                        return True
        return False


def _resolve(hits: list[tuple[int, int, int, str]]) -> list[RuleSpan]:
    """Overlaps: on every character the active match of the highest rule index wins.

    A sweep over match boundaries with a heap of active matches (lazy removal), so the
    cost is O(m log m) in the number of matches, not in the text length.
    """
    points = sorted({p for s, e, _i, _st in hits for p in (s, e)})
    out: list[RuleSpan] = []
    active: list[tuple[int, int, int]] = []  # (-rule, end, hit number)
    k = 0
    n = len(hits)
    cur: list[Any] | None = None  # [start, end, hit number]
    for a, b in zip(points, points[1:]):
        while k < n and hits[k][0] <= a:
            heapq.heappush(active, (-hits[k][2], hits[k][1], k))
            k += 1
        while active and active[0][1] <= a:
            heapq.heappop(active)
        if not active:
            continue
        hid = active[0][2]
        if cur is not None and cur[2] == hid and cur[1] == a:
            cur[1] = b
            continue
        if cur is not None:
            h = hits[cur[2]]
            out.append(RuleSpan(cur[0], cur[1], h[2], h[3]))
        cur = [a, b, hid]
    if cur is not None:
        h = hits[cur[2]]
        out.append(RuleSpan(cur[0], cur[1], h[2], h[3]))
    return out


@dataclass(frozen=True, slots=True)
class _TermRule:
    """A search term as a rule (same attributes as config.HighlightRule)."""

    pattern: str
    regex: re.Pattern[str]
    style: str = SEARCH_STYLE
    case_sensitive: bool = False
    fields: frozenset[str] = FIELDS
    feeds: tuple[str, ...] = ()
    name: str | None = None

    def applies_to(self, feed_url: str, tags: Iterable[str]) -> bool:
        return True


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def term_rules(terms: Sequence[str]) -> RuleSet:
    """Search terms of a "/" search as rules styled ``"search"``.

    Literal and case-insensitive, matching what the store's full-text search finds: a term
    starts at a word boundary; single words that :func:`newstui.store.matches_as_prefix` accepts
    also match as prefixes ("feed" marks "feeds"), shorter ones only as whole words; a
    multi-word term (a quoted phrase) matches its words separated by any non-word run.
    """
    rules: list[_TermRule] = []
    seen: set[str] = set()
    for raw in list(terms)[:MAX_TERMS]:
        term = clean_line(raw, MAX_TERM_LEN).strip('"').strip()
        if not term or not any(ch.isalnum() for ch in term):
            continue
        key = term.casefold()
        if key in seen:
            continue
        seen.add(key)
        words = term.split()
        pattern = r"[\W_]+".join(re.escape(w) for w in words)
        if _is_word(term[0]):
            pattern = r"\b" + pattern
        prefix = len(words) == 1 and matches_as_prefix(term)
        if _is_word(term[-1]) and not prefix:
            pattern += r"\b"
        rules.append(_TermRule(term, re.compile(pattern, re.IGNORECASE)))
    return RuleSet(rules)


def flag_articles(ruleset: RuleSet,
                  rows: Iterable[tuple[int, str, Iterable[str], str, str]]) -> list[int]:
    """Ids of the rows ``(id, feed_url, tags, title, plain body)`` some in-scope rule matches."""
    if not ruleset:
        return []
    return [aid for aid, feed_url, tags, title, body in rows
            if ruleset.for_feed(feed_url, tags).matches(title, body)]
