"""The one gate feed text passes before storage or display.

Feeds, OPML files, config files and HTTP errors are hostile input. Textual and Rich let
ESC, C1 and other controls reach the terminal (see docs/security.md), so every string
that came from outside goes through :func:`clean_text` / :func:`clean_line` (and URLs
through :func:`clean_url`) before it is stored, and again before it is shown.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

# Field caps (bytes of text are approximated by characters; documented in docs/security.md).
MAX_TITLE = 1024
MAX_AUTHOR = 256
MAX_URL = 8192
MAX_CONTENT = 1_000_000
MAX_TAG = 128
MAX_ENCLOSURES = 100
MAX_TAGS = 100
MAX_COMBINING_RUN = 4

# C0 except TAB and LF, DEL, C1; bidi embeddings/overrides/isolates; lone surrogates.
_BODY_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Every kind of line/paragraph separator or run of whitespace, for single-line fields.
_WS = re.compile(r"[\s\u0085\u2028\u2029\u00a0]+")
# Zero-width and invisible formatting characters stripped from single-line fields.
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u180e\u034f]")
_COMBINING_RUN = re.compile(r"([\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]{%d})"
                            r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
                            % MAX_COMBINING_RUN)
_URL_STRIP = re.compile("[\t\r\n\x00-\x1f\x7f]")
SAFE_SCHEMES = frozenset({"http", "https"})
UNTITLED = "(untitled)"


def _fix_surrogates(s: str) -> str:
    if _SURROGATE.search(s):
        return _SURROGATE.sub("\ufffd", s)
    return s


def clean_text(s: object, max_len: int = MAX_CONTENT) -> str:
    """Multi-line text: drop controls (keep ``\\n`` and ``\\t``), bidi overrides, fix surrogates, cap."""
    if s is None:
        return ""
    if not isinstance(s, str):
        s = str(s)
    if len(s) > max_len:
        s = s[:max_len]
    s = _fix_surrogates(s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _BODY_BAD.sub("", s)
    s = _COMBINING_RUN.sub(r"\1", s)
    return s


def clean_line(s: object, max_len: int = MAX_TITLE, *, placeholder: str = "") -> str:
    """Single-line field: :func:`clean_text`, then all whitespace collapsed, invisibles removed.

    Returns ``placeholder`` when nothing visible is left.
    """
    if s is None:
        return placeholder
    if not isinstance(s, str):
        s = str(s)
    # Cap generously before the regex work, then exactly after collapsing. NEL (U+0085) is
    # a line break here, not a C1 control to delete: turn it into a space first.
    s = clean_text(s[: max_len * 4 + 16].replace("\x85", " "), max_len * 4 + 16)
    s = _INVISIBLE.sub("", s)
    s = _WS.sub(" ", s).strip()
    if len(s) > max_len:
        s = s[: max_len - 1].rstrip() + "…"
    return s or placeholder


def clean_title(s: object) -> str:
    """A headline: one line, capped, ``(untitled)`` if nothing visible is left."""
    return clean_line(s, MAX_TITLE, placeholder=UNTITLED)


def normalize_url(raw: object) -> str:
    """Trim, drop tabs/newlines/controls inside, lower-case the scheme (WHATWG-style)."""
    if not isinstance(raw, str):
        return ""
    s = _fix_surrogates(raw).strip()
    s = _URL_STRIP.sub("", s)
    s = _BODY_BAD.sub("", s)
    m = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", s)
    if m:
        s = m.group(1).lower() + s[m.end(1):]
    return s[:MAX_URL]


def url_scheme(url: str) -> str:
    m = re.match(r"([a-z][a-z0-9+.\-]*):", url)
    return m.group(1) if m else ""


def clean_url(raw: object) -> str | None:
    """An absolute http(s) URL safe to fetch, open or copy, else ``None``."""
    s = normalize_url(raw)
    if not s or len(s) >= MAX_URL or url_scheme(s) not in SAFE_SCHEMES:
        return None
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return s


def url_refusal(raw: object) -> str:
    """One-line reason why :func:`clean_url` refuses ``raw`` (for the status line)."""
    s = normalize_url(raw)
    if not s:
        return "no link"
    scheme = url_scheme(s)
    if scheme and scheme not in SAFE_SCHEMES:
        return f"not opening {scheme}: link"
    if len(s) >= MAX_URL:
        return "link too long"
    return "not an absolute http(s) link"


def display_host(url: str) -> str:
    """Host of ``url`` as punycode, so homoglyph hosts are visible for what they are."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return clean_line(host, 255)


def display_url(url: str) -> str:
    """A URL for display: single line, host in punycode."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        puny = display_host(url)
        if host and puny and puny != host:
            netloc = parts.netloc.replace(host, puny)
            url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        pass
    return clean_line(url, MAX_URL)


def is_clean(s: str, *, single_line: bool = False) -> bool:
    """True when ``s`` holds nothing the sanitiser would remove (used by tests and asserts)."""
    if _BODY_BAD.search(s) or _SURROGATE.search(s):
        return False
    if single_line and ("\n" in s or "\t" in s):
        return False
    return True


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)
