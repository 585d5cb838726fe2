"""Article HTML -> terminal text: blocks of plain text with semantic style spans.

Feed HTML is hostile. This module turns it into :class:`Block` objects (plain text plus
``(start, end, style-name)`` spans) and a numbered link list, and word-wraps blocks to a
terminal width. It never builds markup strings and never imports Textual or Rich: the
UI maps the style names ("bold", "link", "heading"...) to Textual styles, so feed text
can never be interpreted as markup.

Guarantees (each tested against the adversarial corpus):

* No raw tags, comments, CSS, or the contents of script/style/noscript/template/iframe/
  object/svg/math/head/title/audio/video/select/textarea ever reach the output.
* Entities are decoded first and the text is sanitised afterwards
  (:func:`newstui.sanitize.clean_text`), so ``&#27;`` or a double-encoded ``&amp;#27;``
  can never become a live ESC.
* Only http(s) links get a number and a place in the link list; ``javascript:``,
  ``data:``, ``file:``... keep their text but become inert. Relative URLs are resolved
  against ``base_url`` first and then re-checked.
* Work is bounded: the parser is iterative, element nesting deeper than ``max_depth`` is
  flattened, output stops at ``max_chars`` with a "truncated" block, the input is read
  up to :data:`MAX_INPUT`, and it is prepared so the stdlib parser's quadratic cases
  (CPython gh-135462 / CVE-2025-6069, unfixed in 3.11.7: ``"</" * 10**6`` took 474 s)
  and its ``AssertionError`` on ``<![`` cannot trigger.
* :func:`wrap_block` never returns a line wider than the width in terminal cells, never
  measuring less than Rich does (CJK, emoji, combining marks, VS16; an emoji ZWJ
  sequence counts every person), with tabs expanded and over-long words hard-broken.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import Callable, Iterable, Protocol
from urllib.parse import urljoin

from newstui.sanitize import clean_line, clean_text, clean_url, display_url, normalize_url

__all__ = [
    "Block",
    "Link",
    "RenderedArticle",
    "Span",
    "cell_width",
    "char_width",
    "html_to_text",
    "render_html",
    "separator",
    "wrap_article",
    "wrap_block",
]

STYLES = frozenset({"bold", "italic", "code", "heading", "link", "quote", "image", "rule",
                    "linknum", "pre", "table", "strike", "underline"})
"""Every style name render_html emits; the UI maps each to a Textual style."""

MAX_INPUT = 1_000_000
"""HTML characters read at most (or 5 x max_chars if larger); the rest counts as truncated.
Stored content is capped at the same size (sanitize.MAX_CONTENT), and the stdlib parser
manages about 2-5 MB/s, so this bounds the time for any body."""
TAB_SIZE = 8
MAX_GUTTER_LEVELS = 12
"""Nested lists/quotes deeper than this reuse the innermost levels' gutter (keeps prefixes short)."""
MAX_TABLE_COLS = 50
MAX_COL_PAD = 40
"""Table columns are padded to their widest cell, but never beyond this many cells."""
MAX_GRID_WIDTH = 120
"""A table whose padded row would be wider than this is shown cell after cell instead."""
MAX_GRID_ROWS = 2000
MAX_LINK_TEXT = 200
BLOCK_COST = 8
"""Each block also spends this much of max_chars (its blank line and gutter), so a flood of
tiny blocks (300k one-letter list items) is bounded too."""
_IMPLICIT_CLOSE_SCAN = 16
"""How far down the open-element stack an implicit ``<li>``/``<td>``/``<p>`` close looks."""


# --- data --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Span:
    """A style over ``text[start:end]``. Spans may nest; apply them in order (later wins)."""

    start: int
    end: int
    style: str
    """A semantic name from :data:`STYLES` (or a highlight-rule style added by the UI)."""


@dataclass(frozen=True, slots=True)
class Link:
    """One entry of the numbered link list shown at the end of the article."""

    number: int
    url: str
    """Absolute http(s) URL, already through :func:`newstui.sanitize.clean_url`."""
    text: str
    """The link text (or the image's alt text), one line, possibly empty."""
    kind: str
    """``"link"`` or ``"image"``."""


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph-level piece of the article.

    Layout of a wrapped block: every line starts with ``indent`` spaces, then the first line
    carries ``prefix`` (quote markers and a list bullet/number, e.g. ``"> • "``, ``"2. "``),
    and continuation lines carry the prefix with everything except ``>`` turned into
    spaces, so list text hangs under its bullet while quote bars repeat.
    """

    text: str
    """Plain text; contains newlines only for ``pre`` and ``table`` blocks."""
    spans: tuple[Span, ...]
    kind: str
    """``p``, ``h1``..``h6``, ``li``, ``quote``, ``pre``, ``hr``, ``table`` or ``truncated``."""
    indent: int = 0
    prefix: str = ""
    tight: bool = False
    """True when no blank line separates this block from the previous one (list items,
    lines split by ``<br>``, a ``<dd>`` under its ``<dt>``)."""


@dataclass(frozen=True, slots=True)
class RenderedArticle:
    """What the article pane shows: blocks, then the numbered link list."""

    blocks: tuple[Block, ...]
    links: tuple[Link, ...]
    truncated: bool

    def plain_text(self) -> str:
        """Paragraphs joined by blank lines (single newlines for tight blocks), without the
        ``[N]`` link numbers, rules or the truncation notice: the text story highlights,
        highlight rules and the search index see."""
        out: list[str] = []
        for block in self.blocks:
            if block.kind in ("hr", "truncated"):
                continue
            text = _without_linknums(block)
            if not text.strip():
                continue
            if out:
                out.append("\n" if block.tight else "\n\n")
            out.append(text)
        return "".join(out)


def _without_linknums(block: Block) -> str:
    cuts = sorted((s.start, s.end) for s in block.spans if s.style == "linknum")
    if not cuts:
        return block.text
    parts: list[str] = []
    pos = 0
    for start, end in cuts:
        if start > pos:
            parts.append(block.text[pos:start])
        pos = max(pos, end)
    parts.append(block.text[pos:])
    return "".join(parts)


# --- terminal cell widths ----------------------------------------------------------------
# Rich (which Textual uses to lay lines out) measures with Unicode 17 tables; Python 3.11's
# unicodedata is Unicode 14. char_width is never smaller than Rich's width for any code
# point (checked in tests), so a line we call N cells is at most N cells for Textual too.

_ZWJ = "\u200d"
_VS16 = "\ufe0f"
# Format characters that terminals (and Rich) draw one cell wide.
_CF_VISIBLE = frozenset(map(chr, (0xAD, 0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6DD,
                                  0x70F, 0x890, 0x891, 0x8E2, 0x110BD, 0x110CD)))
# Ranges wide in newer Unicode than Python's tables (new emoji, CJK extensions, symbols).
_WIDE_EXTRA = ((0x2630, 0x2637), (0x268A, 0x268F), (0x2FFC, 0x2FFF), (0x31E4, 0x31EF),
               (0x4DC0, 0x4DFF), (0xFA6E, 0xFAFF), (0x16FE0, 0x16FFF), (0x18000, 0x18DFF),
               (0x1B000, 0x1B2FF), (0x1D300, 0x1D37F), (0x1F6D0, 0x1F6FF), (0x1F900, 0x1FAFF),
               (0x20000, 0x3FFFD))
_WIDE_STARTS = tuple(r[0] for r in _WIDE_EXTRA)


@lru_cache(maxsize=8192)
def char_width(ch: str) -> int:
    """Cells one code point occupies: 0 (controls, combining, format), 1 or 2."""
    cp = ord(ch)
    if cp < 0x20 or 0x7F <= cp < 0xA0:
        return 0
    if cp < 0x300:
        return 1
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me") or (cat == "Cf" and ch not in _CF_VISIBLE):
        return 0
    if 0x1160 <= cp <= 0x11FF or 0x1F3FB <= cp <= 0x1F3FF or 0xE0000 <= cp <= 0xE0FFF:
        return 0  # Hangul medial/final jamo, emoji skin-tone modifiers, tag characters
    i = bisect_right(_WIDE_STARTS, cp) - 1
    if i >= 0 and cp <= _WIDE_EXTRA[i][1]:
        return 2
    if cat == "Cn":
        return 1  # this build reports unassigned code points as "F"; Rich says 1
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Terminal cells ``text`` occupies (tabs count 0: expand them first).

    Additive, so a line measures the sum of its pieces wherever it is cut: every code point
    counts (an emoji ZWJ sequence counts each person, where Rich says 2 and many terminals
    draw them apart), plus one for a VS16 right after a 1-cell emoji-capable character.
    """
    if text.isascii():
        return len(text) if text.isprintable() else sum(map(char_width, text))
    total = sum(map(char_width, text))
    if _VS16 in text:
        i = text.find(_VS16, 1)
        while i > 0:
            total += _vs16_extra(text[i - 1])
            i = text.find(_VS16, i + 1)
    return total


def _vs16_extra(prev: str) -> int:
    """Cells a VS16 adds after ``prev``: emoji presentation turns a 1-cell emoji-capable
    character into 2 (Rich does the same for its emoji table; we include every non-ASCII
    1-cell or zero-width character, never less than Rich). Depends on the previous
    character only, so measuring a word alone or inside its line gives the same sum."""
    if prev < "\x80":
        return 1 if prev in "#*0123456789" else 0
    w = char_width(prev)
    return 1 if w == 1 or (w == 0 and not prev.isspace()) else 0


def _clusters(text: str, start: int = 0, end: int | None = None,
              join: bool = True) -> Iterable[tuple[int, int, int]]:
    """``(start, end, cells)`` of each unbreakable cluster: a character with its zero-width
    followers (VS16 included), and (``join``) a ZWJ with the character it joins. Cluster
    widths add up to :func:`cell_width` of ``text[start:end]``."""
    if end is None:
        end = len(text)
    i = start
    cs = -1
    cw = 0
    while i < end:
        ch = text[i]
        if ch == _ZWJ and cs >= 0 and join:
            i += 1
            if i < end:  # the joined character belongs to this cluster, with its width
                nxt = text[i]
                cw += char_width(nxt) + (_vs16_extra(text[i - 1]) if nxt == _VS16 else 0)
                i += 1
            continue
        w = char_width(ch)
        if ch == _VS16 and i > start:
            w += _vs16_extra(text[i - 1])
        if cs >= 0 and (w == 0 or ch == _VS16):
            cw += w
            i += 1
            continue
        if cs >= 0:
            yield cs, i, cw
        cs, cw = i, w
        i += 1
    if cs >= 0:
        yield cs, end, cw


@lru_cache(maxsize=4096)
def _word_width(word: str) -> int:
    return cell_width(word)


# --- HTML -> blocks ----------------------------------------------------------------------

_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg",
                   "math", "head", "title", "audio", "video", "select", "textarea", "canvas",
                   "noembed", "noframes", "frameset", "applet", "datalist", "button"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr", "keygen", "frame", "image"})
_BLOCK = frozenset({"address", "article", "aside", "blockquote", "body", "center", "dd",
                    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption",
                    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
                    "hgroup", "html", "legend", "li", "main", "menu", "nav", "ol", "p", "pre",
                    "section", "summary", "table", "tbody", "thead", "tfoot", "tr", "td", "th",
                    "caption", "ul", "listing", "xmp", "plaintext", "option", "optgroup"})
_INLINE_STYLE = {"b": "bold", "strong": "bold", "mark": "bold", "i": "italic", "em": "italic",
                 "cite": "italic", "dfn": "italic", "var": "italic", "code": "code",
                 "kbd": "code", "samp": "code", "tt": "code", "s": "strike",
                 "strike": "strike", "del": "strike", "u": "underline", "ins": "underline"}
_BLOCK_STYLE = {"dt": "bold", "figcaption": "italic", "caption": "italic", "summary": "bold"}
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
# Elements with a vertical margin in browsers: a blank line separates them from their
# neighbours. Other block boundaries (div, li, dd, section...) only start a new line.
_MARGIN = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl", "figure",
                     "address", "fieldset", "details", "hgroup"})
_BULLETS = ("• ", "◦ ", "▪ ")
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

# tag -> (open tags it implicitly closes, tags that stop the search)
_IMPLICIT = {"li": (("li",), _LISTS), "dt": (("dt", "dd"), ("dl",)), "dd": (("dt", "dd"), ("dl",)),
             "tr": (("tr", "td", "th"), ("table",)), "td": (("td", "th"), ("tr", "table")),
             "th": (("td", "th"), ("tr", "table")), "p": (("p",), _BLOCK),
             "caption": (("caption",), ("table",))}

_TAGLIKE = re.compile(r"<[A-Za-z/!?]")
_WS_RUN = re.compile("[ \t\n\r\f\v\u2028\u2029\x85]+")
_PRE_NL = re.compile("[\u2028\u2029\x85]")
_VISIBLE = re.compile(r"[^\s\u200b-\u200f\u2060\ufeff]")
_BLANK_LINES = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_SENTINEL = "<!-- -->"


class _Truncated(Exception):
    """Raised inside the parser callbacks when max_chars is reached."""


class _Elem:
    """An open element on the (depth-capped) stack."""

    __slots__ = ("tag", "rec", "container", "heading", "pre", "table", "tables", "pre_level", "margin")

    def __init__(self, tag: str, tables: int, pre_level: int) -> None:
        self.tag = tag
        self.tables = tables  # open tables when this element started
        self.pre_level = pre_level
        self.margin = False
        self.rec: list | None = None  # [style, start] inline style record
        self.container: _Container | None = None
        self.heading = False
        self.pre = False
        self.table = False


class _Container:
    """A block container that contributes to the left gutter: quote, list, li, dd."""

    __slots__ = ("kind", "marker", "used", "counter", "step", "numtype", "items")

    def __init__(self, kind: str, marker: str = "") -> None:
        self.kind = kind
        self.marker = marker
        self.used = False
        self.counter = 1
        self.step = 1
        self.numtype = "1"
        self.items = 0


class _Buf:
    """Text being collected for one paragraph (or one table cell)."""

    __slots__ = ("parts", "spans", "n", "space", "visible")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[Span] = []
        self.n = 0
        self.space = False
        self.visible = False


class _Table:
    """An open table: finished rows of cells (each a list of blocks) and the cell being filled."""

    __slots__ = ("outer", "used", "pre", "rows", "row", "cell", "cell_th", "cell_caption",
                 "cell_complex", "cell_explicit", "caption")

    def __init__(self, outer: list[Block], used: list[tuple[_Container, bool]], pre: int) -> None:
        self.outer = outer  # where the table's blocks go when it ends
        self.used = used  # list-bullet state at the start (restored for a grid)
        self.pre = pre
        self.rows: list[list[tuple[list[Block], bool, bool]]] = []  # (blocks, is_th, complex)
        self.row: list[tuple[list[Block], bool, bool]] = []
        self.cell: list[Block] = []
        self.cell_th = False
        self.cell_caption = False
        self.cell_complex = False
        self.cell_explicit = False  # opened by <td>/<th> (kept even when empty)
        self.caption: list[Block] = []


def _roman(n: int) -> str:
    out = []
    for value, sym in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                       (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def _alpha(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def _list_number(n: int, numtype: str) -> str:
    if numtype in ("a", "A") and 0 < n < 100_000:
        s = _alpha(n)
        return s.upper() if numtype == "A" else s
    if numtype in ("i", "I") and 0 < n < 4000:
        s = _roman(n)
        return s.upper() if numtype == "I" else s
    return str(n)


def _int_attr(value: str | None, default: int) -> int:
    try:
        return max(-999_999, min(999_999, int((value or "").strip())))
    except ValueError:
        return default


class _Renderer(HTMLParser):
    """Streaming HTML -> Block converter. All state is explicit; nothing recurses."""

    def __init__(self, base_url: str | None, max_chars: int, max_depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.base = clean_url(base_url) if base_url else None
        self.max_chars = max(0, max_chars)
        self.max_depth = max(1, max_depth)
        self.blocks: list[Block] = []
        """Where finished blocks go: the article, or the current table cell."""
        self.links: list[Link] = []
        self._link_numbers: dict[tuple[str, str], int] = {}
        self.count = 0  # output characters so far, plus BLOCK_COST per block
        self._stack: list[_Elem] = []
        self._open: dict[str, int] = {}
        self._overflow: dict[str, int] = {}
        self._containers: list[_Container] = []
        self._inline: list[list] = []  # open [style, start] records, at most one per style
        self._headings: list[int] = []
        self._pre = 0
        self._pre_start = False
        self._tables: list[_Table] = []
        self._buf = _Buf()
        self._skip: str | None = None
        self._skip_n = 0
        self._gap = False  # a blank line goes before the next block
        self._link_open = False
        self._link_text: list[str] = []
        self._link_text_n = 0
        self._link_rec: list | None = None
        self._link_url = ""

    # -- text --------------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        if self._skip or not data:
            return
        room = max(0, self.max_chars - self.count)
        cut = False
        limit = 4 * room + 1024
        if len(data) > limit:
            data, cut = data[:limit], True
        if self._pre:
            self._pre_text(data)
        else:
            self._text(data)
        if cut:
            raise _Truncated

    def _text(self, data: str) -> None:
        data = clean_text(_WS_RUN.sub(" ", data))
        core = data.strip(" ")
        if not core:
            if data:
                self._space()
            return
        if data[0] == " ":
            self._space()
        self._emit(core)
        if data[-1] == " ":
            self._space()

    def _pre_text(self, data: str) -> None:
        data = clean_text(_PRE_NL.sub("\n", data))
        if self._pre_start:
            self._pre_start = False
            if data.startswith("\n"):
                data = data[1:]
        if data:
            self._emit(data, pre=True)

    def _space(self) -> None:
        """A space is due before the next text (never at the start of a block)."""
        if self._buf.n:
            self._buf.space = True

    def _put_space(self) -> None:
        buf = self._buf
        if buf.space:
            buf.space = False
            if buf.n:
                self._append(" ")
                # a style that opened just before the space starts after it
                for rec in self._inline:
                    if rec[1] == buf.n - 1:
                        rec[1] = buf.n

    def _emit(self, text: str, *, pre: bool = False) -> None:
        """Append visible text to the current buffer, honouring the pending space and the budget."""
        if not pre:
            self._put_space()
        room = max(0, self.max_chars - self.count)
        truncated = False
        if len(text) > room:
            cut = text.rfind(" ", 0, room + 1)
            text = text[:cut] if cut > room * 0.7 else text[:room]
            truncated = True
        if text:
            self._append(text)
            buf = self._buf
            if not buf.visible and _VISIBLE.search(text):
                buf.visible = True
        if truncated:
            raise _Truncated

    def _append(self, text: str) -> None:
        buf = self._buf
        buf.parts.append(text)
        buf.n += len(text)
        self.count += len(text)
        if self._link_open and self._link_text_n < MAX_LINK_TEXT:
            self._link_text.append(text)
            self._link_text_n += len(text)

    def _raw(self, text: str, style: str) -> None:
        """Append our own marker text (``[3]``, ``[image: x]``) with a style span."""
        buf = self._buf
        start = buf.n
        buf.parts.append(text)
        buf.n += len(text)
        self.count += len(text)
        buf.visible = True
        buf.spans.append(Span(start, buf.n, style))

    # -- blocks ------------------------------------------------------------------------

    def _close_buf(self, pre: bool) -> tuple[str, list[Span]] | None:
        """Finish the current buffer: its text and spans, or None when nothing visible."""
        buf = self._buf
        self._buf = _Buf()
        text = "".join(buf.parts)
        spans = buf.spans
        for rec in self._inline:
            if rec[1] < buf.n:
                spans.append(Span(rec[1], buf.n, rec[0]))
            rec[1] = 0
        if not buf.visible:
            return None
        if pre:
            text = text.rstrip()
            lead = len(text) - len(text.lstrip("\n"))
            if lead:
                text = text[lead:]
                spans = [Span(s.start - lead, s.end - lead, s.style) for s in spans]
        else:
            text = text.rstrip(" ")
        n = len(text)
        out = []
        for s in spans:
            start, end = max(0, s.start), min(n, s.end)
            if start < end:
                out.append(s if (start, end) == (s.start, s.end) else Span(start, end, s.style))
        out.sort(key=lambda s: (s.start, -s.end))
        return text, out

    def _gutter(self) -> tuple[int, str]:
        """(indent, prefix) for the next block; marks list bullets as shown."""
        parts: list[str] = []
        containers = self._containers[-MAX_GUTTER_LEVELS:]
        for i, c in enumerate(containers):
            if c.kind == "quote":
                parts.append("> ")
            elif c.kind == "li":
                if c.used:
                    parts.append(" " * cell_width(c.marker))
                else:
                    parts.append(c.marker)
                    c.used = True
            elif c.kind == "dd":
                parts.append("    ")
            elif c.kind == "list" and i and containers[i - 1].kind == "list":
                parts.append("  ")  # <ul> directly inside <ul>: still indent
        gutter = "".join(parts)
        prefix = gutter.lstrip(" ")
        return len(gutter) - len(prefix), prefix

    def _block_kind(self) -> str:
        if self._headings:
            return f"h{self._headings[-1]}"
        for c in reversed(self._containers):
            if c.kind in ("li", "quote"):
                return c.kind
        return "p"

    def _push_block(self, text: str, spans: Iterable[Span], kind: str) -> None:
        indent, prefix = self._gutter()
        tight = bool(self.blocks) and not self._gap
        self._gap = False
        self.count += BLOCK_COST
        self.blocks.append(Block(text, tuple(spans), kind, indent, prefix, tight))

    def _flush(self, pre: bool = False) -> bool:
        """End the current paragraph; returns True when a block was emitted."""
        res = self._close_buf(pre)
        if res is None:
            return False
        text, spans = res
        kind = "pre" if pre else self._block_kind()
        n = len(text)
        lead: list[Span] = []
        if kind == "pre":
            lead.append(Span(0, n, "pre"))
        elif kind[0] == "h":
            lead.append(Span(0, n, "heading"))
        elif kind == "quote":
            lead.append(Span(0, n, "quote"))
        block_style = next((_BLOCK_STYLE[e.tag] for e in reversed(self._stack[-4:])
                            if e.tag in _BLOCK_STYLE), None)
        if block_style:
            lead.append(Span(0, n, block_style))
        self._push_block(text, lead + spans, kind)
        return True

    def _boundary(self, margin: bool = False) -> None:
        """A block-level tag starts or ends; ``margin`` elements (p, h1, blockquote, a
        top-level list...) also put a blank line before what follows, as browsers do,
        while div-like boundaries only start a new line."""
        if self._pre:
            buf = self._buf
            if buf.n and not buf.parts[-1].endswith("\n"):
                self._emit("\n", pre=True)
            return
        self._flush()
        if margin:
            self._gap = True

    def _complex_cell(self) -> None:
        """Block structure inside the current table cell: the table cannot be a grid."""
        if self._tables:
            self._tables[-1].cell_complex = True

    # -- tables ------------------------------------------------------------------------
    # Cells are rendered like any other content, into their own block list. When the
    # table ends it becomes a grid (one line per row, " │ " between padded cells) if every
    # cell is one short paragraph; otherwise (code, lists, layout tables) its cells follow
    # each other as ordinary blocks, which is what fits a terminal.

    def _start_table(self) -> None:
        self._flush(pre=bool(self._pre))
        self._gap = True
        t = _Table(self.blocks, [(c, c.used) for c in self._containers], self._pre)
        self._pre = 0
        self._complex_cell()
        self._tables.append(t)
        self.blocks = t.cell

    def _close_cell(self, th: bool = False, caption: bool = False, explicit: bool = False) -> None:
        """Finish the current cell and start the next one (``th``/``caption`` for it)."""
        t = self._tables[-1]
        self._flush(pre=bool(self._pre))
        self._pre = 0
        if t.cell_caption:
            t.caption.extend(t.cell)
        elif t.cell or t.cell_explicit:
            t.row.append((t.cell, t.cell_th, t.cell_complex or len(t.cell) > 1))
        t.cell = []
        t.cell_th, t.cell_caption, t.cell_complex, t.cell_explicit = th, caption, False, explicit
        self.blocks = t.cell
        self._gap = False

    def _close_row(self) -> None:
        t = self._tables[-1]
        self._close_cell()
        if any(blocks for blocks, _th, _cx in t.row):
            t.rows.append(t.row)
        t.row = []

    def _finish_table(self) -> None:
        self._close_row()
        t = self._tables.pop()
        self.blocks = t.outer
        self._pre = t.pre
        rows = t.rows
        for b in t.caption:
            self.blocks.append(replace(b, spans=(Span(0, len(b.text), "italic"),) + b.spans))
        grid = self._grid(rows)
        if grid is not None:
            for c, used in t.used:  # the cells' blocks are dropped: show the bullet here
                c.used = used
            self._gap = not t.caption
            self._push_block(grid[0], grid[1], "table")
        else:
            for row in rows:
                for blocks, th, _complex in row:
                    for i, b in enumerate(blocks):
                        if th:
                            b = replace(b, spans=(Span(0, len(b.text), "bold"),) + b.spans)
                        self.blocks.append(replace(b, tight=False) if i == 0 else b)
        self._gap = True

    def _grid(self, rows: list[list[tuple[list[Block], bool, bool]]]) -> tuple[str, list[Span]] | None:
        """The table as padded rows, or None when it should be linearised."""
        if not rows or max(len(r) for r in rows) < 2 or len(rows) > MAX_GRID_ROWS:
            return None
        if any(cx for row in rows for _b, _th, cx in row):
            return None
        norm: list[list[tuple[str, tuple[Span, ...], bool]]] = []
        for row in rows:
            cells = [(b[0].text, b[0].spans, th) if b else ("", (), th) for b, th, _cx in row]
            while cells and not cells[-1][0]:
                cells.pop()
            if len(cells) > MAX_TABLE_COLS:
                return None
            norm.append(cells)
        ncols = max(len(r) for r in norm)
        widths = [0] * ncols
        for cells in norm:
            for i, (text, _s, _th) in enumerate(cells):
                widths[i] = max(widths[i], cell_width(text))
        if sum(min(w, MAX_COL_PAD) for w in widths) + 3 * (ncols - 1) > MAX_GRID_WIDTH:
            return None
        widths = [min(w, MAX_COL_PAD) for w in widths]
        parts: list[str] = []
        spans: list[Span] = []
        pos = 0
        for r, cells in enumerate(norm):
            if r:
                parts.append("\n")
                pos += 1
            for i, (text, cell_spans, th) in enumerate(cells):
                if i:
                    parts.append(" │ ")
                    spans.append(Span(pos + 1, pos + 2, "table"))
                    pos += 3
                if th and text:
                    spans.append(Span(pos, pos + len(text), "bold"))
                spans.extend(Span(s.start + pos, s.end + pos, s.style) for s in cell_spans
                             if s.style not in ("quote", "heading"))
                parts.append(text)
                pos += len(text)
                if i < len(cells) - 1:
                    pad = widths[i] - cell_width(text)
                    if pad > 0:
                        parts.append(" " * pad)
                        pos += pad
        return "".join(parts), spans

    # -- links and images ----------------------------------------------------------------

    def _resolve(self, raw: str | None) -> str | None:
        s = normalize_url(raw)
        if not s or s.startswith("#"):
            return None  # in-page anchors (footnotes) lead nowhere outside the page
        if self.base:
            try:
                s = urljoin(self.base, s)
            except ValueError:
                return None
        return clean_url(s)

    def _number(self, url: str, kind: str, text: str) -> int:
        key = (url, kind)
        n = self._link_numbers.get(key)
        if n is None:
            n = len(self.links) + 1
            self._link_numbers[key] = n
            self.links.append(Link(n, url, clean_line(text, MAX_LINK_TEXT), kind))
        return n

    def _open_link(self, attrs: dict[str, str | None]) -> None:
        self._close_link()  # <a> cannot nest
        url = self._resolve(attrs.get("href"))
        if url is None:
            return  # javascript:, data:, file:... keep their text, get no number
        self._link_open = True
        self._link_text = []
        self._link_text_n = 0
        self._link_url = url
        self._link_rec = ["link", self._buf.n]
        self._inline.append(self._link_rec)

    def _close_link(self) -> None:
        if not self._link_open:
            return
        self._link_open = False
        rec = self._link_rec
        self._link_rec = None
        if rec is not None and rec in self._inline:
            self._inline.remove(rec)
            if rec[1] < self._buf.n:
                self._buf.spans.append(Span(rec[1], self._buf.n, "link"))
        n = self._number(self._link_url, "link", "".join(self._link_text))
        self._raw(f"[{n}]", "linknum")

    def _image(self, attrs: dict[str, str | None]) -> None:
        alt = clean_line(attrs.get("alt") or attrs.get("title") or "", MAX_LINK_TEXT)
        if (attrs.get("width") or "").strip() in ("0", "1") and (attrs.get("height") or "").strip() in ("0", "1"):
            return  # a tracking pixel
        if alt and "emoji" in (attrs.get("class") or ""):
            self._text(alt)  # WordPress emoji images: the alt is the emoji
            return
        url = self._resolve(attrs.get("src")) or self._resolve(attrs.get("data-src"))
        self._space()
        self._put_space()
        if self._link_open and self._link_text_n < MAX_LINK_TEXT:
            self._link_text.append(alt)
            self._link_text_n += len(alt)
        self._raw(f"[image: {alt}]" if alt else "[image]", "image")
        if url is not None:
            self._raw(f"[{self._number(url, 'image', alt)}]", "linknum")
        self._space()

    # -- tags --------------------------------------------------------------------------

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip or tag in _SKIP:
            return  # <iframe/>, <svg/>: nothing inside
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip:
                self._skip_n += 1
            elif tag == "body" and self._skip in ("head", "title"):
                self._skip = None
            return
        if tag in _SKIP:
            self._skip, self._skip_n = tag, 1
            return
        if tag == "a":
            self._open_link(dict(attrs))
            return
        if tag in _VOID:
            self._void(tag, attrs)
            return
        if tag in _IMPLICIT:
            self._implicit_close(tag)
        if len(self._stack) >= self.max_depth:
            # Too deep: flatten. Only the line break of block tags survives.
            self._overflow[tag] = self._overflow.get(tag, 0) + 1
            if tag in _BLOCK:
                self._boundary()
            return
        el = _Elem(tag, len(self._tables), self._pre)
        self._start(el, attrs)
        self._stack.append(el)
        self._open[tag] = self._open.get(tag, 0) + 1

    def _implicit_close(self, tag: str) -> None:
        """``<li>`` closes an open ``<li>`` of the same list, ``<td>`` an open cell, etc."""
        targets, stops = _IMPLICIT[tag]
        if not any(self._open.get(t) for t in targets):
            return
        stack = self._stack
        for i in range(len(stack) - 1, max(-1, len(stack) - 1 - _IMPLICIT_CLOSE_SCAN), -1):
            t = stack[i].tag
            if t in targets:
                self._pop_to(i)
                return
            if t in stops:
                return

    def _start(self, el: _Elem, attrs: list[tuple[str, str | None]]) -> None:
        tag = el.tag
        style = _INLINE_STYLE.get(tag)
        if style is not None:
            # An enclosing element with the same style already covers this one; skipping it
            # keeps the open-record list at most one per style (3000 nested <b> cost nothing).
            if not any(rec[0] == style for rec in self._inline):
                el.rec = [style, self._buf.n]
                self._inline.append(el.rec)
            return
        if tag == "q":
            self._emit("“")
            return
        if tag not in _BLOCK:
            return  # span, font, small, sub, sup, abbr... and unknown tags: transparent
        if self._tables and tag in ("tr", "td", "th", "caption"):
            if tag == "tr":
                self._close_row()
            elif tag == "caption":
                self._close_row()
                self._close_cell(caption=True)
            else:
                self._close_cell(th=tag == "th", explicit=True)
            return
        if tag == "table":
            self._start_table()
            el.table = True
            return
        if tag in ("pre", "listing", "xmp", "plaintext"):
            if not self._pre:
                self._flush()
                self._gap = True
            self._complex_cell()
            self._pre += 1
            el.pre = True
            self._pre_start = True
            return
        el.margin = tag in _MARGIN or (tag in _LISTS and not any(
            c.kind in ("li", "list") for c in self._containers))
        self._boundary(el.margin)
        if tag in _HEADINGS:
            self._headings.append(_HEADINGS[tag])
            el.heading = True
            self._complex_cell()
        elif tag == "blockquote":
            el.container = _Container("quote")
        elif tag in _LISTS:
            c = _Container("list")
            d = dict(attrs)
            c.marker = "ol" if tag == "ol" else "ul"  # list containers keep their type here
            c.numtype = (d.get("type") or "1").strip()[:1] or "1" if tag == "ol" else "1"
            c.step = -1 if tag == "ol" and "reversed" in d and d.get("start") else 1
            c.counter = _int_attr(d.get("start"), 1)
            el.container = c
        elif tag == "li":
            el.container = self._li_container(dict(attrs))
        elif tag == "dd":
            el.container = _Container("dd")
        if el.container is not None:
            self._containers.append(el.container)
            self._complex_cell()

    def _li_container(self, attrs: dict[str, str | None]) -> _Container:
        lst = next((c for c in reversed(self._containers) if c.kind == "list"), None)
        depth = sum(1 for c in self._containers if c.kind == "list")
        if lst is not None and lst.marker == "ol":
            if attrs.get("value"):
                lst.counter = _int_attr(attrs.get("value"), lst.counter)
            marker = _list_number(lst.counter, lst.numtype) + ". "
            lst.counter += lst.step
        else:
            marker = _BULLETS[max(0, depth - 1) % len(_BULLETS)]
        return _Container("li", marker)

    def _void(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            if self._pre:
                self._emit("\n", pre=True)
            elif not self._flush():
                self._gap = True  # <br><br>, or <div><br></div>: a paragraph break
        elif tag in ("img", "image"):
            self._image(dict(attrs))
        elif tag == "hr":
            if self._pre:
                self._boundary()
                return
            self._flush()
            self._complex_cell()
            indent, prefix = self._gutter()
            self.blocks.append(Block("", (), "hr", indent, prefix))
            self.count += BLOCK_COST
            self._gap = True
        # input, embed, area, col, source, track, param, wbr: nothing to show

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip:
                self._skip_n -= 1
                if self._skip_n <= 0:
                    self._skip = None
            return
        if tag == "a":
            self._close_link()
            return
        if tag in _VOID:
            if tag == "br":
                self._void("br", [])  # browsers treat </br> as <br>
            return
        if self._overflow.get(tag):
            self._overflow[tag] -= 1
            if tag in _BLOCK:
                self._boundary()
            return
        if not self._open.get(tag):
            if tag in _BLOCK:
                self._boundary()  # a stray </p> or </div> still ends the paragraph
            return
        stack = self._stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i].tag == tag:
                self._pop_to(i)
                return

    def _pop_to(self, i: int) -> None:
        stack = self._stack
        while len(stack) > i:
            el = stack[-1]
            self._end(el)  # while still on the stack, so a <dt>'s text is flushed bold
            stack.pop()
            self._open[el.tag] -= 1

    def _end(self, el: _Elem) -> None:
        tag = el.tag
        if el.rec is not None:
            rec = el.rec
            if rec in self._inline:
                self._inline.remove(rec)
            if rec[1] < self._buf.n:
                self._buf.spans.append(Span(rec[1], self._buf.n, rec[0]))
            return
        if tag == "q":
            self._emit("”")
            return
        # Tables and <pre> opened inside this element end with it (<li><pre>x</li>).
        while len(self._tables) > el.tables:
            self._finish_table()
        if el.table:
            return
        if self._pre > el.pre_level and not el.pre and tag in _BLOCK:
            self._pre = el.pre_level
            if not self._pre:
                self._flush(pre=True)
                self._gap = True
        if self._tables and el.tables == len(self._tables) and tag in ("tr", "td", "th", "caption"):
            if tag in ("tr", "caption"):
                self._close_row()
            else:
                self._close_cell()
            return
        if el.pre:
            self._pre = max(0, self._pre - 1)
            if not self._pre:
                self._flush(pre=True)
                self._gap = True
            return
        if tag not in _BLOCK:
            return
        self._boundary(el.margin)
        if el.heading:
            self._headings.pop()
        if el.container is not None:
            if self._containers and self._containers[-1] is el.container:
                self._containers.pop()
            elif el.container in self._containers:
                self._containers.remove(el.container)

    # -- end of input ------------------------------------------------------------------

    def finish(self) -> None:
        """Flush whatever is still open (unclosed tags are common in feeds)."""
        self._skip = None
        if self._link_open:
            self._close_link()
        while self._tables:
            self._finish_table()
        self._flush(pre=bool(self._pre))


def _neutralise(html: str) -> str:
    """Make the stdlib parser linear on hostile input.

    CPython 3.11's HTMLParser rescans to the end of the buffer for every ``</``, ``<!--``,
    ``<?`` or ``<x`` that lacks its terminator (``"</" * 10**6`` took minutes), and raises
    AssertionError on ``<![`` not followed by a name. A trailing empty comment gives every
    open construct a terminator (the first unterminated one swallows the rest, as in a
    browser), and ``<![`` becomes a bogus comment, which is what browsers make of it.
    """
    if "<![" in html:
        html = html.replace("<![", "<! [")
    return html + _SENTINEL


def _render_plain(text: str, max_chars: int) -> tuple[list[Block], bool]:
    blocks: list[Block] = []
    count = 0
    truncated = False
    for para in _BLANK_LINES.split(text):
        para = clean_text(_WS_RUN.sub(" ", para)).strip(" ")
        if not _VISIBLE.search(para):
            continue
        room = max_chars - count
        if len(para) > room:
            cut = para.rfind(" ", 0, room + 1)
            para = para[:cut] if cut > room * 0.7 else para[:room]
            truncated = True
        if para:
            blocks.append(Block(para, (), "p"))
            count += len(para)
        if truncated:
            break
    return blocks, truncated


def _truncated_block(html: str) -> Block:
    kb = max(1, round(len(html.encode("utf-8", "replace")) / 1024))
    text = f"… article truncated ({kb} KB)"
    return Block(text, (Span(0, len(text), "italic"),), "truncated")


def render_html(html: str, *, base_url: str | None = None, max_chars: int = 200_000,
                max_depth: int = 200, plain: bool = False) -> RenderedArticle:
    """Render feed HTML (or plain text) into blocks and a numbered link list.

    Args:
        html: The article body. Input without anything tag-like is treated as plain text
            (entities decoded, paragraphs split on blank lines).
        base_url: Where relative links resolve from (the article or feed URL).
        max_chars: Output text budget; beyond it a "truncated" block ends the article.
        max_depth: Open elements deeper than this are flattened (no recursion either way).
        plain: Force plain-text handling (no tags, no entity decoding), e.g. for full text
            that is already text.
    """
    if not isinstance(html, str):
        html = "" if html is None else str(html)
    source = html
    max_input = max(MAX_INPUT, 5 * max_chars)
    cut = len(html) > max_input
    if cut:
        html = html[:max_input]
    if plain or not _TAGLIKE.search(html):
        blocks, truncated = _render_plain(html if plain else unescape(html), max_chars)
        truncated = truncated or cut
        if truncated:
            blocks.append(_truncated_block(source))
        return RenderedArticle(tuple(blocks), (), truncated)
    r = _Renderer(base_url, max_chars, max_depth)
    truncated = cut
    try:
        r.feed(_neutralise(html))
        # Whatever the parser still holds is an unterminated tag (an open attribute quote)
        # or the body of an unclosed <script>: close() would emit it as text; browsers drop it.
        r.rawdata = ""
        r.close()
    except _Truncated:
        truncated = True
    except AssertionError:
        pass  # older html.parser versions assert on some malformed declarations: keep what we have
    try:
        r.finish()
    except _Truncated:
        truncated = True
    blocks = r.blocks
    if truncated:
        blocks.append(_truncated_block(source))
    return RenderedArticle(tuple(blocks), tuple(r.links), truncated)


def html_to_text(html: str, **kw: object) -> str:
    """Plain text of an article (search index, story highlights, rule matching)."""
    return render_html(html, **kw).plain_text()  # type: ignore[arg-type]


# --- wrapping ----------------------------------------------------------------------------

Line = tuple[str, tuple[Span, ...]]

_TOKENS = re.compile(r"[ \t]+|[^ \t]+")


def _hang(prefix: str) -> str:
    """Continuation gutter: quote bars stay, bullets and numbers become spaces."""
    if not prefix:
        return ""
    return "".join(ch if ch == ">" else " " * char_width(ch) for ch in prefix)


def _right_cells(s: str, n: int) -> str:
    """The last ``n`` cells of ``s``, left-padded to exactly ``n`` (gutters in narrow panes)."""
    if n <= 0:
        return ""
    total = 0
    cut = len(s)
    for start, _end, w in reversed(list(_clusters(s))):
        if total + w > n:
            break
        total += w
        cut = start
    return " " * (n - total) + s[cut:]


def _fitting_clusters(text: str, start: int, end: int, avail: int) -> Iterable[tuple[int, int, int]]:
    """Clusters of ``text[start:end]``; an emoji ZWJ sequence too wide for ``avail`` is cut
    at its joins rather than replaced."""
    for c in _clusters(text, start, end):
        if c[2] > avail and c[1] - c[0] > 1:
            yield from _clusters(text, c[0], c[1], join=False)
        else:
            yield c


class _LineBuilder:
    """Collects output lines with a segment map back to block-text offsets."""

    __slots__ = ("avail", "lines", "parts", "col", "out", "segs", "seg_line")

    def __init__(self, avail: int) -> None:
        self.avail = avail
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.col = 0
        self.out = 0  # characters in the current line
        # (src_start, src_end, out_start, out_end, identity) per segment, and its line index
        self.segs: list[tuple[int, int, int, int, bool]] = []
        self.seg_line: list[int] = []

    def add(self, src_start: int, src_end: int, text: str, width: int, identity: bool = True) -> None:
        out = self.out
        self.parts.append(text)
        self.out = out + len(text)
        self.segs.append((src_start, src_end, out, self.out, identity))
        self.seg_line.append(len(self.lines))
        self.col += width

    def newline(self) -> None:
        self.lines.append("".join(self.parts))
        self.parts = []
        self.col = 0
        self.out = 0

    def hard(self, text: str, base: int, start: int, end: int) -> None:
        """Place ``text[start:end]`` cluster by cluster, breaking wherever the line is full."""
        avail = self.avail
        sub = text[start:end]
        if sub.isascii() and sub.isprintable():
            pos = start
            while pos < end:
                room = avail - self.col
                if room <= 0:
                    self.newline()
                    continue
                take = min(room, end - pos)
                self.add(base + pos, base + pos + take, text[pos:pos + take], take)
                pos += take
            return
        run_start = -1
        run_w = 0
        for cs, ce, w in _fitting_clusters(text, start, end, avail):
            if self.col + run_w + w > avail:
                if run_start >= 0:
                    self.add(base + run_start, base + cs, text[run_start:cs], run_w)
                    run_start, run_w = -1, 0
                if self.col + w > avail and self.parts:
                    self.newline()
                if w > avail:  # a wide character in a 1-cell pane
                    self.add(base + cs, base + ce, "?", 1, identity=False)
                    continue
            if run_start < 0:
                run_start = cs
            run_w += w
        if run_start >= 0:
            self.add(base + run_start, base + end, text[run_start:end], run_w)


def _wrap_words(lb: _LineBuilder, line: str, base: int) -> None:
    avail = lb.avail
    pending: tuple[int, int, str] | None = None
    for m in _TOKENS.finditer(line):
        tok = m.group()
        a = m.start()
        if tok[0] in " \t":
            if lb.parts:
                pending = (a, m.end(), tok)
            continue
        w = len(tok) if tok.isascii() else _word_width(tok)
        ws_text, ws_w = "", 0
        if pending is not None and lb.parts:
            ws_text, ws_w = _expand_ws(pending[2], lb.col)
        if lb.col + ws_w + w <= avail:
            if ws_text and pending is not None:
                lb.add(base + pending[0], base + pending[1], ws_text, ws_w, ws_text == pending[2])
            lb.add(base + a, base + m.end(), tok, w)
        elif w <= avail:
            lb.newline()
            lb.add(base + a, base + m.end(), tok, w)
        else:
            if lb.parts:
                if pending is not None and lb.col + ws_w < avail:
                    lb.add(base + pending[0], base + pending[1], ws_text, ws_w, ws_text == pending[2])
                else:
                    lb.newline()
            lb.hard(line, base, a, m.end())
        pending = None


def _expand_ws(ws: str, col: int) -> tuple[str, int]:
    if "\t" not in ws:
        return ws, len(ws)
    out_col = col
    for ch in ws:
        out_col += TAB_SIZE - out_col % TAB_SIZE if ch == "\t" else 1
    return " " * (out_col - col), out_col - col


def _wrap_chars(lb: _LineBuilder, line: str, base: int) -> None:
    """Preformatted text: keep every space, expand tabs, break anywhere."""
    pos = 0
    n = len(line)
    while pos < n:
        tab = line.find("\t", pos)
        end = n if tab < 0 else tab
        if end > pos:
            lb.hard(line, base, pos, end)
        if tab < 0:
            break
        width = TAB_SIZE - lb.col % TAB_SIZE
        if lb.col + width > lb.avail:
            width = lb.avail - lb.col
            if width <= 0:
                lb.newline()
                width = min(TAB_SIZE, lb.avail)
        lb.add(base + tab, base + tab + 1, " " * width, width, identity=False)
        pos = tab + 1


def wrap_block(block: Block, width: int) -> list[Line]:
    """Word-wrap a block to ``width`` terminal cells.

    Returns ``(line, spans)`` pairs; span offsets are per line (gutter included). Spans are
    kept in the block's order. No line is wider than ``width`` cells: tabs are expanded,
    words longer than a line are broken, and a gutter wider than half the width is cut.
    """
    width = max(1, int(width))
    first = " " * block.indent + block.prefix
    cont = " " * block.indent + _hang(block.prefix)
    gw = cell_width(first)
    if gw > width // 2:
        first = _right_cells(first, width // 2)
        cont = _right_cells(cont, width // 2)
        gw = cell_width(first)
    cw = cell_width(cont)
    if block.kind == "hr":
        n = max(1, width - gw)
        return [(first + "─" * n, (Span(len(first), len(first) + n, "rule"),))]
    avail = max(1, width - max(gw, cw))
    lb = _LineBuilder(avail)
    text = block.text
    pre = block.kind == "pre"
    base = 0
    for src_line in text.split("\n"):
        if pre:
            _wrap_chars(lb, src_line, base)
        else:
            _wrap_words(lb, src_line, base)
        lb.newline()
        base += len(src_line) + 1
    lines = lb.lines
    # Map spans onto output lines.
    per_line: list[list[Span]] = [[] for _ in lines]
    segs = lb.segs
    seg_ends = [s[1] for s in segs]
    gutters = [len(first)] + [len(cont)] * (len(lines) - 1)
    for sp in block.spans:
        if sp.end <= sp.start:
            continue
        k = bisect_right(seg_ends, sp.start)
        last: tuple[int, int, int] | None = None
        while k < len(segs) and segs[k][0] < sp.end:
            s0, s1, o0, o1, ident = segs[k]
            li = lb.seg_line[k]
            if ident:
                a = o0 + max(sp.start, s0) - s0
                b = o0 + min(sp.end, s1) - s0
            else:
                a, b = o0, o1
            if a < b:
                if last is not None and last[0] == li and last[2] == a:
                    last = (li, last[1], b)
                else:
                    if last is not None:
                        g = gutters[last[0]]
                        per_line[last[0]].append(Span(last[1] + g, last[2] + g, sp.style))
                    last = (li, a, b)
            k += 1
        if last is not None:
            g = gutters[last[0]]
            per_line[last[0]].append(Span(last[1] + g, last[2] + g, sp.style))
    out: list[Line] = []
    for i, line in enumerate(lines):
        full = (first if i == 0 else cont) + line
        stripped = full.rstrip(" ")
        line_spans = per_line[i]
        if len(stripped) < len(full) and line_spans:
            n = len(stripped)
            line_spans = [s if s.end <= n else Span(s.start, n, s.style)
                          for s in line_spans if s.start < n]
        out.append((stripped, tuple(line_spans)))
    return out or [(first.rstrip(" "), ())]


def separator(prev: Block, block: Block, width: int) -> str:
    """The blank line between two blocks: inside a quote it keeps the quote bars (``>``)."""
    a = " " * prev.indent + _hang(prev.prefix)
    b = " " * block.indent + _hang(block.prefix)
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    sep = a[:n].rstrip(" ")
    return sep if cell_width(sep) <= max(1, width) // 2 else ""


class _SpanLike(Protocol):
    start: int
    end: int
    style: str


def wrap_article(article: RenderedArticle, width: int, *,
                 extra_spans: Callable[[str], Iterable[_SpanLike]] | None = None,
                 links: bool = True) -> list[Line]:
    """The whole article as wrapped lines: blocks separated by blank lines (none before
    tight blocks), then a "Links:" list (``[n] url``, images marked).

    ``extra_spans(block_text)`` adds spans (e.g. highlight rules, whose ``.style`` is the
    rule's style name) on top of the block's own spans, before wrapping, so a match can
    cross a wrap point.
    """
    out: list[Line] = []
    prev: Block | None = None
    for block in article.blocks:
        if extra_spans is not None and block.text:
            more = tuple(Span(s.start, s.end, s.style) for s in extra_spans(block.text))
            if more:
                block = replace(block, spans=block.spans + more)
        if out and not block.tight:
            out.append((separator(prev, block, width) if prev is not None else "", ()))
        out.extend(wrap_block(block, width))
        prev = block
    if links and article.links:
        if out:
            out.append(("", ()))
        out.append(("Links:", (Span(0, 6, "heading"),)))
        for link in article.links:
            url = display_url(link.url)
            tail = " (image)" if link.kind == "image" else ""
            marker = f"[{link.number}] "
            text = url + tail
            b = Block(text, (Span(0, len(url), "link"),), "p", 0, marker)
            lines = wrap_block(b, width)
            line0, spans0 = lines[0]
            head = min(len(marker) - 1, len(line0))
            if line0.startswith(marker[:head]) and head > 0:
                lines[0] = (line0, (Span(0, head, "linknum"),) + spans0)
            out.extend(lines)
    return out
