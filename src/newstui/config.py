"""feeds.toml: subscriptions, settings, highlight and ignore rules, key remaps.

The file is read with ``tomllib`` into frozen dataclasses and validated by hand, so every
problem is one self-contained line: ``feeds.toml:14: feed[3].url: unsupported URL scheme
"javascript" ...``. Only an unreadable file or broken TOML syntax raises :class:`ConfigError`;
everything else is collected into ``Config.errors`` / ``Config.warnings`` while the good
entries still load, so one typo never costs the user all their subscriptions.

Conventions of the messages: ``feed[3]`` is the third ``[[feed]]`` table (1-based, counted
the way the user reads the file), the line is the line of the offending key (else of the
table header). ``tomllib`` reports no positions, so :class:`_LineIndex` finds them by
scanning the text.

This module must not import textual or rich (domain/UI split): :func:`validate_style`
implements the style grammar itself, and :func:`textual_style` translates it for the UI.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from newstui import paths
from newstui.errors import ConfigError
from newstui.sanitize import MAX_TAG, MAX_TAGS, MAX_TITLE, clean_line, normalize_url, url_scheme

DEFAULT_NAME = "feeds.toml"
MAX_FEED_URL = 2048
"""Longest feed URL accepted from the config (the sitemaps/browser limit; real feed URLs are far shorter)."""
MAX_QUOTE = 80
"""How much of a bad value is quoted back in a message."""
FILE_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".json", ".feed")
"""A ``file://`` feed must name a feed document, so a shared config cannot point us at ~/.ssh or /etc/passwd."""

HIGHLIGHT_FIELDS = frozenset({"title", "body"})
IGNORE_FIELDS = frozenset({"title", "body", "author"})
DEFAULT_IGNORE_FIELDS = frozenset({"title"})
ALL_FEEDS = "*"

# --- dataclasses -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    """The ``[settings]`` table; every key optional."""

    concurrency: int = 8
    per_host: int = 8
    timeout: float = 30.0
    refresh_on_start: bool = True
    keep_days: int = 90
    highlight_sentences: int = 3
    max_items_per_feed: int = 1000
    max_response_mb: float = 10.0
    theme: str = "ansi-dark"
    mouse: bool = True
    preview: str = "auto"
    """"auto" | "on" | "off": whether the three-pane layout previews the article under the
    cursor. "auto" previews except over SSH, where each preview repaints the pane (~8 KB)."""


PREVIEW_CHOICES = ("auto", "on", "off")


@dataclass(frozen=True, slots=True)
class FeedConfig:
    """One ``[[feed]]`` subscription."""

    url: str
    title: str | None = None
    """Sanitised single line; None means "use the feed's own title"."""
    tags: tuple[str, ...] = ()
    fulltext: bool = False
    line: int | None = None


def _scope_applies(scope: tuple[str, ...], feed_url: str, tags: Iterable[str]) -> bool:
    if not scope or ALL_FEEDS in scope:
        return True
    if feed_url in scope:
        return True
    return any(t in scope for t in tags)


@dataclass(frozen=True, slots=True)
class HighlightRule:
    """A ``[[highlight]]`` rule: colour regex matches in headlines and article text."""

    pattern: str
    regex: re.Pattern[str]
    style: str = "bold yellow"
    """Validated and normalised (Rich syntax); use :func:`textual_style` for Textual Content."""
    case_sensitive: bool = False
    fields: frozenset[str] = HIGHLIGHT_FIELDS
    feeds: tuple[str, ...] = ()
    """Empty or containing "*" = all feeds; otherwise feed URLs or tag names."""
    name: str | None = None
    line: int | None = None

    def applies_to(self, feed_url: str, tags: Iterable[str]) -> bool:
        return _scope_applies(self.feeds, feed_url, tags)


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """An ``[[ignore]]`` rule: matching articles are stored but hidden (reversible)."""

    pattern: str
    regex: re.Pattern[str]
    feeds: tuple[str, ...] = ()
    fields: frozenset[str] = DEFAULT_IGNORE_FIELDS
    line: int | None = None
    case_sensitive: bool = False

    def applies_to(self, feed_url: str, tags: Iterable[str]) -> bool:
        return _scope_applies(self.feeds, feed_url, tags)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything feeds.toml says, plus the problems found while reading it.

    Every field has a default so tests and the UI can build one directly: ``Config(None)``.
    """

    path: Path | None = None
    settings: Settings = Settings()
    feeds: tuple[FeedConfig, ...] = ()
    highlights: tuple[HighlightRule, ...] = ()
    ignores: tuple[IgnoreRule, ...] = ()
    keys: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    _by_url: Mapping[str, FeedConfig] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_url", MappingProxyType({f.url: f for f in self.feeds}))

    def feed(self, url: str) -> FeedConfig | None:
        return self._by_url.get(url)

    def tags(self) -> list[str]:
        """All tags in first-seen order."""
        seen: dict[str, None] = {}
        for f in self.feeds:
            for t in f.tags:
                seen.setdefault(t, None)
        return list(seen)


# --- style grammar ---------------------------------------------------------------------------

_ATTRIBUTES = ("bold", "dim", "italic", "underline", "reverse", "strike", "blink")
_BASE_COLOURS = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")
ANSI_COLOURS = _BASE_COLOURS + tuple(f"bright_{c}" for c in _BASE_COLOURS)
_COLOUR_WORDS = ANSI_COLOURS + ("default",)
_STYLE_TOKEN = re.compile(r"(?:rgb|color)\s*\([^)]*\)|\S+", re.IGNORECASE)
_HEX = re.compile(r"#([0-9a-f]{3}|[0-9a-f]{6})")
_COLOR_N = re.compile(r"color\s*\(\s*(\d{1,3})\s*\)|color(\d{1,3})")
_RGB = re.compile(r"rgb\s*\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)")


def _parse_colour(tok: str) -> tuple[str | None, str | None]:
    """(canonical Rich colour, None) or (None, reason)."""
    if tok in _COLOUR_WORDS:
        return tok, None
    m = _HEX.fullmatch(tok)
    if m:
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return f"#{h}", None
    m = _COLOR_N.fullmatch(tok)
    if m:
        n = int(m.group(1) or m.group(2))
        if n > 255:
            return None, f"colour number {n} is out of range (0-255)"
        return f"color({n})", None
    m = _RGB.fullmatch(tok)
    if m:
        parts = [int(g) for g in m.groups()]
        if any(p > 255 for p in parts):
            return None, f"{tok!s} has a component above 255"
        return "#" + "".join(f"{p:02x}" for p in parts), None
    return None, f"unknown colour {_quote(tok)}{_did_you_mean(tok, _COLOUR_WORDS)}"


def _parse_style(style: str) -> tuple[list[str], str | None, str | None, str | None]:
    """(attribute words incl. "not X", foreground, background, error)."""
    if not isinstance(style, str):
        return [], None, None, "expected a string such as \"bold yellow\""
    tokens = [t.lower() for t in _STYLE_TOKEN.findall(style)]
    if not tokens:
        return [], None, None, "empty style (write e.g. \"bold yellow\")"
    attrs: list[str] = []
    fg: str | None = None
    bg: str | None = None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "on":
            if i + 1 >= len(tokens):
                return [], None, None, "\"on\" must be followed by a background colour"
            colour, why = _parse_colour(tokens[i + 1])
            if why:
                return [], None, None, f"background: {why}"
            if bg is not None:
                return [], None, None, "two background colours"
            bg = colour
            i += 2
            continue
        if tok == "not":
            if i + 1 >= len(tokens) or tokens[i + 1] not in _ATTRIBUTES:
                return [], None, None, "\"not\" must be followed by an attribute (" + ", ".join(_ATTRIBUTES) + ")"
            attrs.append(f"not {tokens[i + 1]}")
            i += 2
            continue
        if tok in _ATTRIBUTES:
            attrs.append(tok)
            i += 1
            continue
        colour, why = _parse_colour(tok)
        if why:
            if not (_HEX.match(tok) or _COLOR_N.match(tok) or _RGB.match(tok)):
                why = (f"unknown word {_quote(tok)}: expected an attribute ({', '.join(_ATTRIBUTES)}), "
                       f"\"not <attribute>\", a colour or \"on <colour>\""
                       f"{_did_you_mean(tok, _ATTRIBUTES + _COLOUR_WORDS)}")
            return [], None, None, why
        if fg is not None:
            return [], None, None, f"two foreground colours ({fg} and {colour}); use \"on {colour}\" for a background"
        fg = colour
        i += 1
    return attrs, fg, bg, None


def validate_style(style: str) -> str | None:
    """None if ``style`` is valid, else the reason (grammar: attributes, colours, "on <colour>")."""
    return _parse_style(style)[3]


def normalize_style(style: str) -> str:
    """Canonical lower-case form, accepted by Rich's ``Style.parse``; raises ValueError if invalid."""
    attrs, fg, bg, err = _parse_style(style)
    if err:
        raise ValueError(err)
    words = list(attrs)
    if fg:
        words.append(fg)
    if bg:
        words.append(f"on {bg}")
    return " ".join(words)


def _xterm_hex(n: int) -> str:
    """The xterm 256-colour palette entry ``n`` (16-255) as #rrggbb."""
    if n >= 232:
        v = 8 + (n - 232) * 10
        return f"#{v:02x}{v:02x}{v:02x}"
    n -= 16
    steps = (0, 95, 135, 175, 215, 255)
    r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    return f"#{r:02x}{g:02x}{b:02x}"


def _textual_colour(colour: str) -> str:
    if colour == "default":
        return "ansi_default"
    if colour in ANSI_COLOURS:
        return f"ansi_{colour}"
    m = _COLOR_N.fullmatch(colour)
    if m:
        n = int(m.group(1) or m.group(2))
        return f"ansi_{ANSI_COLOURS[n]}" if n < 16 else _xterm_hex(n)
    return colour


def textual_style(style: str) -> str:
    """The same style in Textual's syntax (for ``Content.stylize``): ANSI names become ``ansi_*``.

    Textual reads "red" as CSS red and rejects "bright_red" and "color(9)", so the UI must
    translate rather than pass the user's string on. Raises ValueError if invalid.
    """
    attrs, fg, bg, err = _parse_style(style)
    if err:
        raise ValueError(err)
    words = list(attrs)
    if fg:
        words.append(_textual_colour(fg))
    if bg:
        words.append(f"on {_textual_colour(bg)}")
    return " ".join(words)


# --- URLs ------------------------------------------------------------------------------------

_URL_BAD_CHARS = {" ": "a space", '"': "a double quote", "<": "\"<\"", ">": "\">\"", "\\": "a backslash",
                  "^": "\"^\"", "`": "a backtick", "{": "\"{\"", "}": "\"}\"", "|": "\"|\""}
_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*:")


def check_feed_url(raw: object, *, allow_file: bool = True,
                   quote_url: bool = True) -> tuple[str | None, str | None]:
    """(normalised URL, None) if ``raw`` may be subscribed to, else (None, one-line reason).

    Shared by feeds.toml and OPML import so both follow the same rules: http(s) with a host;
    ``file://`` only when written out in full (and, for OPML, never). ``quote_url=False``
    leaves the URL out of the reason, for callers that print it already.
    """
    if isinstance(raw, bool) or not isinstance(raw, str):
        shown = _quote(raw) if isinstance(raw, str) else f"{_toml_type(raw)} {_short(raw)}"
        return None, f"unsupported URL {shown}: expected a quoted \"https://...\" string"
    url = normalize_url(raw)
    if not url:
        return None, "empty URL (expected \"https://...\")"
    q = f" {_quote(url)}" if quote_url else ""
    if len(url) > MAX_FEED_URL:
        return None, f"URL{q} too long ({len(url)} characters, at most {MAX_FEED_URL})"
    for ch in url:
        if ch in _URL_BAD_CHARS or ch.isspace():
            what = _URL_BAD_CHARS.get(ch, "whitespace")
            return None, f"URL{q} contains {what}, which a URL cannot hold (percent-encode it)"
    scheme = url_scheme(url) if _SCHEME_RE.match(url) else ""
    if scheme in ("http", "https"):
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError as exc:
            return None, f"invalid URL{q}: {clean_line(str(exc), 100)}"
        if not host or not url.startswith(f"{scheme}://"):
            return None, f"URL{q} has no host (expected \"{scheme}://host/path\")"
        return url, None
    if scheme == "file" and allow_file:
        if not url.startswith("file://"):
            return None, f"unsupported URL{q}: write a local feed as \"file:///absolute/path.xml\""
        host, _, path = url[len("file://"):].partition("/")
        if host not in ("", "localhost"):
            return None, f"unsupported URL{q}: a file:// URL must be local (file:///path)"
        if not path.lower().endswith(FILE_FEED_SUFFIXES):
            return None, (f"unsupported URL{q}: a file:// URL must name a feed file ending in "
                          + ", ".join(FILE_FEED_SUFFIXES))
        return url, None
    if scheme and not re.match(r"[a-z]:[\\/]", url, re.IGNORECASE):
        where = f" in {_quote(url)}" if quote_url else ""
        return None, f"unsupported URL scheme {_quote(scheme)}{where} (use http or https)"
    local = ", or file:///path.xml for a local feed" if allow_file else ""
    return None, f"unsupported URL{q}: not an absolute URL (use http:// or https://{local})"


# --- message helpers -------------------------------------------------------------------------


def _short(value: object, limit: int = MAX_QUOTE) -> str:
    return clean_line(value if isinstance(value, str) else repr(value), limit)


def _quote(value: object) -> str:
    return f"\"{_short(value)}\""


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def _toml_repr(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"\"{value}\""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _got(value: object) -> str:
    if isinstance(value, (dict, list)):
        return f"got {'a table' if isinstance(value, dict) else 'an array'}"
    return f"got {_toml_type(value)} {_quote(value) if isinstance(value, str) else _short(value)}"


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {_quote(match[0])}?" if match else ""


# --- line numbers ----------------------------------------------------------------------------

_BARE_KEY = r"[A-Za-z0-9_\-]+|\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY_LINE = re.compile(rf"\s*((?:{_BARE_KEY})(?:\s*\.\s*(?:{_BARE_KEY}))*)\s*=")


def _key_parts(text: str) -> list[str]:
    parts = re.findall(_BARE_KEY, text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


class _LineIndex:
    """Where tables and keys are in the TOML text (tomllib gives no positions).

    Assumes the text is valid TOML (it is scanned only after tomllib accepted it). Knows
    about multi-line strings and arrays so that their contents are not taken for headers.
    """

    def __init__(self, text: str) -> None:
        self.headers: dict[str, list[int]] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        ctx: tuple[str, int] = ("", -1)
        counts: dict[str, int] = {}
        in_ml: str | None = None
        depth = 0
        for lineno, line in enumerate(text.splitlines(), 1):
            pos = 0
            if in_ml:
                end = self._close_ml(line, 0, in_ml)
                if end < 0:
                    continue
                in_ml, pos = None, end
            elif depth == 0:
                stripped = line.lstrip()
                if stripped.startswith("["):
                    aot = stripped.startswith("[[")
                    inner = stripped[2:] if aot else stripped[1:]
                    close = inner.find("]]" if aot else "]")
                    name = ".".join(_key_parts(inner[:close] if close >= 0 else inner))
                    self.headers.setdefault(name, []).append(lineno)
                    if aot:
                        counts[name] = counts.get(name, -1) + 1
                        ctx = (name, counts[name])
                    else:
                        ctx = (name, -1)
                    continue
                m = _KEY_LINE.match(line)
                if m:
                    parts = _key_parts(m.group(1))
                    for n in range(1, len(parts) + 1):
                        self.keys.setdefault((ctx[0], ctx[1], ".".join(parts[:n])), lineno)
                    pos = m.end()
            in_ml, depth = self._scan_value(line, pos, depth)

    @staticmethod
    def _close_ml(line: str, pos: int, delim: str) -> int:
        """Index after the closing ``delim`` of a multi-line string, or -1."""
        i = pos
        while i < len(line):
            if delim == '"""' and line[i] == "\\":
                i += 2
                continue
            if line.startswith(delim, i):
                j = i + 3
                while j < len(line) and line[j] == delim[0] and j < i + 5:
                    j += 1
                return j
            i += 1
        return -1

    def _scan_value(self, line: str, pos: int, depth: int) -> tuple[str | None, int]:
        i = pos
        n = len(line)
        while i < n:
            c = line[i]
            if c == "#":
                break
            if line.startswith('"""', i) or line.startswith("'''", i):
                delim = line[i:i + 3]
                end = self._close_ml(line, i + 3, delim)
                if end < 0:
                    return delim, depth
                i = end
                continue
            if c == '"':
                i += 1
                while i < n and line[i] != '"':
                    i += 2 if line[i] == "\\" else 1
                i += 1
                continue
            if c == "'":
                end = line.find("'", i + 1)
                i = n if end < 0 else end + 1
                continue
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth = max(0, depth - 1)
            i += 1
        return None, depth

    def line(self, table: str, index: int = -1, key: str | None = None) -> int | None:
        """Line of ``key`` in the ``index``-th ``[[table]]`` (or ``[table]`` when index is -1)."""
        if key is not None:
            found = self.keys.get((table, index, key))
            if found is not None:
                return found
        heads = self.headers.get(table)
        if heads:
            if index < 0:
                return heads[0]
            if index < len(heads):
                return heads[index]
        # Written as a root key: `settings = {...}`, `feed = [{...}]`, `settings.timeout = 3`.
        if key is not None and (found := self.keys.get(("", -1, f"{table}.{key}"))) is not None:
            return found
        return self.keys.get(("", -1, table))


# --- validation ------------------------------------------------------------------------------

_TOP_KEYS = ("settings", "feed", "highlight", "ignore", "keys")
_ALIASES = {"feeds": "feed", "highlights": "highlight", "ignores": "ignore"}
"""Plural spellings accepted silently (the hostile test file and newsboat users write them)."""
_FEED_KEYS = ("url", "title", "tags", "fulltext")
_HIGHLIGHT_KEYS = ("pattern", "style", "case_sensitive", "fields", "feeds", "name")
_IGNORE_KEYS = ("pattern", "feeds", "fields", "case_sensitive")


@dataclass(frozen=True, slots=True)
class _Num:
    kind: type
    lo: float
    hi: float
    hint: str = ""


_SETTINGS_SPEC: dict[str, _Num | type | tuple[str, ...]] = {
    "concurrency": _Num(int, 1, 64),
    "per_host": _Num(int, 1, 64),
    "timeout": _Num(float, 1, 600, " seconds"),
    "refresh_on_start": bool,
    "keep_days": _Num(int, 1, 36500, " days"),
    "highlight_sentences": _Num(int, 0, 20),
    "max_items_per_feed": _Num(int, 1, 100_000),
    "max_response_mb": _Num(float, 0.1, 1024, " MB"),
    "theme": str,
    "mouse": bool,
    "preview": PREVIEW_CHOICES,
}
_ACTION_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_KEY_NAME = re.compile(r"[^\s,]+")


class _Checker:
    """Collects one-line messages while the tables are validated."""

    def __init__(self, text: str, display: str) -> None:
        self.display = display
        self.index = _LineIndex(text)
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def _msg(self, message: str, keypath: str, line: int | None) -> str:
        return ConfigError(message, path=self.display, line=line, key=keypath or None).format()

    def error(self, message: str, keypath: str, line: int | None) -> None:
        self.errors.append(self._msg(message, keypath, line))

    def warn(self, message: str, keypath: str, line: int | None) -> None:
        self.warnings.append(self._msg(message, keypath, line))

    def unknown_keys(self, table: dict[str, Any], allowed: Sequence[str], tname: str, index: int,
                     prefix: str, what: str) -> None:
        for key in table:
            if key not in allowed:
                self.warn(f"unknown key {_quote(key)} in {what}, ignored{_did_you_mean(key, allowed)}",
                          f"{prefix}.{_short(key)}", self.index.line(tname, index, key))


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_settings(raw: object, ck: _Checker) -> Settings:
    if raw is None:
        return Settings()
    if not isinstance(raw, dict):
        ck.error(f"expected a [settings] table, {_got(raw)}", "settings", ck.index.line("settings"))
        return Settings()
    ck.unknown_keys(raw, list(_SETTINGS_SPEC), "settings", -1, "settings", "[settings]")
    values: dict[str, Any] = {}
    for key, spec in _SETTINGS_SPEC.items():
        if key not in raw:
            continue
        v = raw[key]
        where = (f"settings.{key}", ck.index.line("settings", -1, key))
        default = getattr(Settings(), key)
        keep = f"; using the default {_toml_repr(default)}"
        if spec is bool:
            if not isinstance(v, bool):
                ck.error(f"expected true or false, {_got(v)}{keep}", *where)
                continue
        elif isinstance(spec, tuple):  # a choice; true/false stand for "on"/"off"
            if isinstance(v, bool):
                v = "on" if v else "off"
            elif isinstance(v, str) and v.strip().lower() in spec:
                v = v.strip().lower()
            else:
                choices = ", ".join(f"\"{c}\"" for c in spec[:-1]) + f" or \"{spec[-1]}\""
                ck.error(f"expected {choices}, {_got(v)}{keep}", *where)
                continue
        elif spec is str:
            if not isinstance(v, str) or not clean_line(v, 100):
                ck.error(f"expected a non-empty string such as \"ansi-dark\", {_got(v)}{keep}", *where)
                continue
            v = clean_line(v, 100)
        else:
            assert isinstance(spec, _Num)
            if spec.kind is int and not _is_int(v):
                ck.error(f"expected a whole number, {_got(v)}{keep}", *where)
                continue
            if spec.kind is float and not (_is_int(v) or isinstance(v, float)):
                ck.error(f"expected a number, {_got(v)}{keep}", *where)
                continue
            lo = int(spec.lo) if spec.lo == int(spec.lo) else spec.lo
            hi = int(spec.hi)
            if not (spec.lo <= v <= spec.hi):  # NaN fails both comparisons too
                ck.error(f"{v} is out of range: expected {lo} to {hi}{spec.hint}{keep}", *where)
                continue
            v = float(v) if spec.kind is float else v
        values[key] = v
    return Settings(**values)


def _check_string_list(v: object, keypath: str, line: int | None, ck: _Checker, example: str) -> list[str] | None:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        bad = next((x for x in v if not isinstance(x, str)), None) if isinstance(v, list) else v
        ck.error(f"expected an array of strings such as {example}, {_got(bad)}", keypath, line)
        return None
    return v


def _tables(raw: object, name: str, ck: _Checker) -> list[object]:
    if isinstance(raw, list):
        return raw
    ck.error(f"expected [[{name}]] tables (an array of tables), {_got(raw)}", name, ck.index.line(name))
    return []


def _check_feeds(groups: list[tuple[str, object]], ck: _Checker) -> list[FeedConfig]:
    feeds: list[FeedConfig] = []
    seen: dict[str, str] = {}
    for name, raw in groups:
        for i, entry in enumerate(_tables(raw, name, ck)):
            kp = f"{name}[{i + 1}]"
            header = ck.index.line(name, i)
            if not isinstance(entry, dict):
                ck.error(f"expected a table with a url, {_got(entry)}", kp, header)
                continue
            ck.unknown_keys(entry, _FEED_KEYS, name, i, kp, f"[[{name}]]")
            if "url" not in entry:
                ck.error("missing url (every feed needs url = \"https://...\"); this entry is ignored", kp, header)
                continue
            url_line = ck.index.line(name, i, "url")
            url, why = check_feed_url(entry["url"])
            if url is None:
                ck.error(f"{why}; this entry is ignored", f"{kp}.url", url_line)
                continue
            if url in seen:
                ck.error(f"duplicate of {seen[url]} ({_quote(url)}); this entry is ignored", f"{kp}.url", url_line)
                continue
            seen[url] = f"{kp}" + (f" at line {header}" if header else "")
            title: str | None = None
            if "title" in entry:
                t = entry["title"]
                if isinstance(t, str):
                    title = clean_line(t, MAX_TITLE) or None
                else:
                    ck.error(f"expected a string, {_got(t)}; using the feed's own title",
                             f"{kp}.title", ck.index.line(name, i, "title"))
            tags: tuple[str, ...] = ()
            if "tags" in entry:
                tline = ck.index.line(name, i, "tags")
                raw_tags = entry["tags"]
                if isinstance(raw_tags, str):
                    ck.error(f"expected an array of strings, got a string; write tags = [{_quote(raw_tags)}]",
                             f"{kp}.tags", tline)
                else:
                    lst = _check_string_list(raw_tags, f"{kp}.tags", tline, ck, "[\"world\", \"tech\"]")
                    tags = _clean_tags(lst or [], f"{kp}.tags", tline, ck)
            fulltext = False
            if "fulltext" in entry:
                ft = entry["fulltext"]
                if isinstance(ft, bool):
                    fulltext = ft
                else:
                    ck.error(f"expected true or false, {_got(ft)}; using false",
                             f"{kp}.fulltext", ck.index.line(name, i, "fulltext"))
            feeds.append(FeedConfig(url=url, title=title, tags=tags, fulltext=fulltext, line=header))
    return feeds


def _clean_tags(raw: list[str], keypath: str, line: int | None, ck: _Checker) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for t in raw:
        tag = clean_line(t, MAX_TAG)
        if not tag:
            ck.warn("empty tag ignored", keypath, line)
            continue
        if tag == ALL_FEEDS:
            ck.error("\"*\" cannot be a tag (it means \"all feeds\" in rule scopes)", keypath, line)
            continue
        out.setdefault(tag, None)
    if len(out) > MAX_TAGS:
        ck.warn(f"{len(out)} tags; only the first {MAX_TAGS} are kept", keypath, line)
    return tuple(list(out)[:MAX_TAGS])


def _check_pattern(entry: dict[str, Any], name: str, i: int, kp: str, ck: _Checker,
                   case_sensitive: bool) -> tuple[str, re.Pattern[str]] | None:
    line = ck.index.line(name, i, "pattern")
    if "pattern" not in entry:
        ck.error("missing pattern (a Python regular expression); this rule is ignored", kp, ck.index.line(name, i))
        return None
    pat = entry["pattern"]
    if not isinstance(pat, str):
        ck.error(f"expected a string (a Python regular expression), {_got(pat)}; this rule is ignored",
                 f"{kp}.pattern", line)
        return None
    if not pat:
        ck.error("empty pattern would match everything; this rule is ignored", f"{kp}.pattern", line)
        return None
    try:
        rx = re.compile(pat, 0 if case_sensitive else re.IGNORECASE)
    except (re.error, RecursionError, OverflowError, ValueError) as exc:
        reason = clean_line(str(exc), 200)
        ck.error(f"invalid regex {_quote(pat)}: {reason}; this rule is ignored", f"{kp}.pattern", line)
        return None
    if rx.search("") is not None:
        ck.error(f"pattern {_quote(pat)} matches empty text, so it would match every article; "
                 "this rule is ignored", f"{kp}.pattern", line)
        return None
    return pat, rx


def _check_fields(entry: dict[str, Any], allowed: frozenset[str], default: frozenset[str], name: str, i: int,
                  kp: str, ck: _Checker) -> frozenset[str] | None:
    if "fields" not in entry:
        return default
    line = ck.index.line(name, i, "fields")
    choices = sorted(allowed)
    example = "[" + ", ".join(f"\"{c}\"" for c in choices) + "]"
    lst = _check_string_list(entry["fields"], f"{kp}.fields", line, ck, example)
    if lst is None:
        return None
    if not lst:
        ck.error(f"empty fields: name at least one of {', '.join(choices)}; this rule is ignored",
                 f"{kp}.fields", line)
        return None
    for f in lst:
        if f not in allowed:
            ck.error(f"unknown field {_quote(f)}: expected {', '.join(choices)}{_did_you_mean(f, choices)}; "
                     "this rule is ignored", f"{kp}.fields", line)
            return None
    return frozenset(lst)


def _check_scope(entry: dict[str, Any], name: str, i: int, kp: str, ck: _Checker,
                 feeds: Sequence[FeedConfig], tags: Sequence[str]) -> tuple[str, ...] | None:
    if "feeds" not in entry:
        return ()
    line = ck.index.line(name, i, "feeds")
    lst = _check_string_list(entry["feeds"], f"{kp}.feeds", line, ck, "[\"*\"] or [\"world\"]")
    if lst is None:
        return None
    urls = {f.url for f in feeds}
    scope: list[str] = []
    for raw in lst:
        if raw.strip() == ALL_FEEDS:
            scope.append(ALL_FEEDS)
            continue
        if "://" in raw:
            item = normalize_url(raw)
            if item not in urls:
                ck.warn(f"{_quote(item)} is not a subscribed feed URL, so it scopes nothing",
                        f"{kp}.feeds", line)
        else:
            item = clean_line(raw, MAX_TAG)
            if not item:
                ck.warn("empty entry ignored", f"{kp}.feeds", line)
                continue
            if item not in tags:
                ck.warn(f"no feed has the tag {_quote(item)}{_did_you_mean(item, tags)}", f"{kp}.feeds", line)
        scope.append(item)
    return tuple(dict.fromkeys(scope))


def _check_bool(entry: dict[str, Any], key: str, name: str, i: int, kp: str, ck: _Checker) -> bool | None:
    v = entry.get(key, False)
    if not isinstance(v, bool):
        ck.error(f"expected true or false, {_got(v)}; this rule is ignored",
                 f"{kp}.{key}", ck.index.line(name, i, key))
        return None
    return v


_COLOUR_ONLY_HINT = "uses colour only, so it vanishes under NO_COLOR and on 16-colour terminals; add bold, underline or reverse"


def _check_highlights(groups: list[tuple[str, object]], ck: _Checker, feeds: Sequence[FeedConfig],
                      tags: Sequence[str]) -> list[HighlightRule]:
    rules: list[HighlightRule] = []
    for name, raw in groups:
        for i, entry in enumerate(_tables(raw, name, ck)):
            kp = f"{name}[{i + 1}]"
            header = ck.index.line(name, i)
            if not isinstance(entry, dict):
                ck.error(f"expected a table with a pattern, {_got(entry)}", kp, header)
                continue
            ck.unknown_keys(entry, _HIGHLIGHT_KEYS, name, i, kp, f"[[{name}]]")
            case = _check_bool(entry, "case_sensitive", name, i, kp, ck)
            compiled = _check_pattern(entry, name, i, kp, ck, bool(case))
            style = "bold yellow"
            style_ok = True
            if "style" in entry:
                sline = ck.index.line(name, i, "style")
                why = validate_style(entry["style"])
                if why:
                    ck.error(f"invalid style {_quote(entry['style'])}: {why}; this rule is ignored",
                             f"{kp}.style", sline)
                    style_ok = False
                else:
                    style = normalize_style(entry["style"])
                    if not any(not a.startswith("not ") for a in _parse_style(style)[0]):
                        ck.warn(f"style {_quote(entry['style'])} {_COLOUR_ONLY_HINT}", f"{kp}.style", sline)
            fields = _check_fields(entry, HIGHLIGHT_FIELDS, HIGHLIGHT_FIELDS, name, i, kp, ck)
            scope = _check_scope(entry, name, i, kp, ck, feeds, tags)
            rname: str | None = None
            name_ok = True
            if "name" in entry:
                if isinstance(entry["name"], str):
                    rname = clean_line(entry["name"], MAX_TAG) or None
                else:
                    ck.error(f"expected a string, {_got(entry['name'])}; this rule is ignored",
                             f"{kp}.name", ck.index.line(name, i, "name"))
                    name_ok = False
            if case is None or compiled is None or not style_ok or fields is None or scope is None or not name_ok:
                continue
            rules.append(HighlightRule(pattern=compiled[0], regex=compiled[1], style=style, case_sensitive=case,
                                       fields=fields, feeds=scope, name=rname, line=header))
    return rules


def _check_ignores(groups: list[tuple[str, object]], ck: _Checker, feeds: Sequence[FeedConfig],
                   tags: Sequence[str]) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for name, raw in groups:
        for i, entry in enumerate(_tables(raw, name, ck)):
            kp = f"{name}[{i + 1}]"
            header = ck.index.line(name, i)
            if not isinstance(entry, dict):
                ck.error(f"expected a table with a pattern, {_got(entry)}", kp, header)
                continue
            ck.unknown_keys(entry, _IGNORE_KEYS, name, i, kp, f"[[{name}]]")
            case = _check_bool(entry, "case_sensitive", name, i, kp, ck)
            compiled = _check_pattern(entry, name, i, kp, ck, bool(case))
            fields = _check_fields(entry, IGNORE_FIELDS, DEFAULT_IGNORE_FIELDS, name, i, kp, ck)
            scope = _check_scope(entry, name, i, kp, ck, feeds, tags)
            if case is None or compiled is None or fields is None or scope is None:
                continue
            rules.append(IgnoreRule(pattern=compiled[0], regex=compiled[1], feeds=scope, fields=fields,
                                    line=header, case_sensitive=case))
    return rules


def _check_keys(raw: object, ck: _Checker) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ck.error(f"expected a [keys] table, {_got(raw)}", "keys", ck.index.line("keys"))
        return {}
    out: dict[str, str] = {}
    bound: dict[str, str] = {}
    for action, v in raw.items():
        kp = f"keys.{_short(action)}"
        line = ck.index.line("keys", -1, action)
        if not _ACTION_ID.fullmatch(action):
            ck.error(f"{_quote(action)} is not an action id (letters, digits, _ . -)", kp, line)
            continue
        if not isinstance(v, str):
            ck.error(f"expected a string such as \"n\" or \"n,ctrl+n\", {_got(v)}", kp, line)
            continue
        keys = [k.strip() for k in v.split(",")]
        if not v.strip() or any(not _KEY_NAME.fullmatch(k) for k in keys):
            ck.error(f"invalid key list {_quote(v)}: expected key names separated by commas, e.g. \"n,ctrl+n\"",
                     kp, line)
            continue
        for k in keys:
            if k in bound:
                ck.warn(f"key {_quote(k)} is also bound to {_quote(bound[k])}", kp, line)
            bound.setdefault(k, action)
        out[action] = ",".join(keys)
    return out


def parse_config(text: str, path: Path | None = None) -> Config:
    """Validate feeds.toml text; raises ConfigError only for TOML syntax errors."""
    display = clean_line(str(path), 4096) if path is not None else DEFAULT_NAME
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, text, display) from None
    ck = _Checker(text, display)

    groups: dict[str, list[tuple[str, object]]] = {"feed": [], "highlight": [], "ignore": []}
    for key, value in data.items():
        canonical = _ALIASES.get(key, key)
        if canonical in groups:
            groups[canonical].append((key, value))
        elif key not in _TOP_KEYS:
            ck.warn(f"unknown table or key {_quote(key)}, ignored{_did_you_mean(key, _TOP_KEYS)}",
                    _short(key), ck.index.line(key))

    settings = _check_settings(data.get("settings"), ck)
    feeds = _check_feeds(groups["feed"], ck)
    tags = list(dict.fromkeys(t for f in feeds for t in f.tags))
    highlights = _check_highlights(groups["highlight"], ck, feeds, tags)
    ignores = _check_ignores(groups["ignore"], ck, feeds, tags)
    keys = _check_keys(data.get("keys"), ck)
    return Config(path=path, settings=settings, feeds=tuple(feeds), highlights=tuple(highlights),
                  ignores=tuple(ignores), keys=MappingProxyType(keys), errors=tuple(ck.errors),
                  warnings=tuple(ck.warnings))


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, display: str) -> ConfigError:
    msg = str(exc)
    line: int | None = getattr(exc, "lineno", None)
    col: int | None = getattr(exc, "colno", None)
    m = _TOML_POS.search(msg)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        msg = msg[: m.start()]
    elif _TOML_END.search(msg):
        msg = _TOML_END.sub("", msg) + " at end of file"
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    where = f" (column {col})" if col else ""
    return ConfigError(f"TOML syntax: {clean_line(msg, 300)}{where}", path=display, line=line)


def load_config(path: Path) -> Config:
    """Read and validate ``path``; raises ConfigError only if unreadable or not TOML."""
    display = clean_line(str(path), 4096)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = clean_line(exc.strerror or str(exc), 200)
        raise ConfigError(f"cannot read the config file: {reason}", path=display) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                          path=display, line=line) from None
    return parse_config(text, Path(path))


def ensure_user_config(path: Path | None = None) -> tuple[Path, bool]:
    """Make sure a feeds.toml exists: copy the bundled one on first run. Returns (path, created)."""
    target = Path(path) if path is not None else paths.default_config_path()
    if target.exists():
        return target, False
    target.parent.mkdir(parents=True, exist_ok=True)
    data = paths.bundled_feeds_toml().read_bytes()
    try:
        with open(target, "xb") as fh:  # "x": never clobber a file created meanwhile
            fh.write(data)
    except FileExistsError:
        return target, False
    return target, True


# --- editing ---------------------------------------------------------------------------------


def _feed_table(feed: FeedConfig) -> Any:
    import tomlkit

    t = tomlkit.table()
    t["url"] = feed.url
    if feed.title:
        t["title"] = clean_line(feed.title, MAX_TITLE)
    if feed.tags:
        t["tags"] = [clean_line(x, MAX_TAG) for x in feed.tags]
    if feed.fulltext:
        t["fulltext"] = True
    return t


def _render_feeds(name: str, feeds: Sequence[FeedConfig]) -> str:
    import tomlkit

    doc = tomlkit.document()
    aot = tomlkit.aot()
    for f in feeds:
        aot.append(_feed_table(f))
    doc.append(name, aot)
    return tomlkit.dumps(doc)


def atomic_write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` all at once (temp file, fsync, rename), keeping its mode:
    a crash leaves the old file or the new one, never half of either."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def add_feeds(path: Path, feeds: Sequence[FeedConfig]) -> None:
    """Append ``[[feed]]`` tables to ``path``, keeping every comment and entry byte for byte.

    The new tables are rendered with tomlkit and appended as text (tomlkit's own AoT append
    would move other tables around). Feeds already in the file are skipped. The previous file
    is kept as ``feeds.toml.bak`` and the new one is written atomically.
    """
    import tomlkit

    # Write through a symlink (dotfiles setups), never replace the link with a copy.
    display = clean_line(str(path), 4096)
    path = Path(path).resolve()
    old = ""
    if path.exists():
        try:
            old = path.read_bytes().decode("utf-8")  # not read_text: keep CRLF line endings as they are
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the config file: {clean_line(str(exc), 200)}", path=display) from None
    try:
        data = tomllib.loads(old.lstrip("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(exc, old, display) from None
    name = "feeds" if "feeds" in data and "feed" not in data else "feed"
    existing = data.get(name, [])
    if not isinstance(existing, list):
        raise ConfigError(f"expected [[{name}]] tables, {_got(existing)}; fix this before adding feeds",
                          path=display, key=name)
    present = {normalize_url(e.get("url")) for e in existing if isinstance(e, dict)}
    new: list[FeedConfig] = []
    for f in feeds:
        url = normalize_url(f.url)
        if url and url not in present:
            present.add(url)
            new.append(f)
    if not new:
        return
    block = _render_feeds(name, new)
    if "\r\n" in old:
        block = block.replace("\n", "\r\n")
    nl = "\r\n" if "\r\n" in old else "\n"
    sep = "" if not old or old.endswith(nl * 2) else (nl if old.endswith(nl) else nl * 2)
    text = old + sep + block
    try:
        ok = len(tomllib.loads(text.lstrip("\ufeff")).get(name, [])) == len(existing) + len(new)
    except tomllib.TOMLDecodeError:
        ok = False
    if not ok:  # e.g. `feed = [ {...} ]` written inline: let tomlkit edit the structure instead
        doc = tomlkit.parse(old)
        arr = doc.get(name)
        if arr is None:
            doc.append(name, tomlkit.aot())
            arr = doc[name]
        for f in new:
            arr.append(_feed_table(f) if isinstance(arr, tomlkit.items.AoT) else _feed_inline(f))
        text = tomlkit.dumps(doc)
        tomllib.loads(text.lstrip("\ufeff"))
    if path.exists():
        shutil.copy2(path, path.with_name(path.name + ".bak"))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text)


def _feed_inline(feed: FeedConfig) -> Any:
    import tomlkit

    t = tomlkit.inline_table()
    t.update(_feed_table(feed).unwrap())
    return t
