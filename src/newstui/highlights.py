"""Story highlights: the 3-4 key sentences shown above an article, computed offline.

Why extractive and lead-biased: news is written as an inverted pyramid, so the first
sentences are the strongest single signal (the "Lead-3" baseline is hard to beat on
CNN/DailyMail). We keep that prior and add what published unsupervised methods add on
top of it (PACSUM-style position-biased centrality, a length prior, a redundancy
penalty). Everything is pure standard library, bounded in time, and deterministic.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator

from newstui.sanitize import clean_text

# ------------------------------------------------------------------ limits
MAX_CHARS = 30_000
"""Only this much text is read: highlights come from the top of a story anyway."""
MAX_SENTENCES = 60
"""Only the first sentences of the body are scored (bounds the O(n^2) centrality)."""
MAX_CANDIDATES = 500
"""At most this many raw sentences are examined (body or boilerplate), bounding time."""
MIN_SENTENCES = 4
"""Fewer real sentences than this and the story is short enough to need no box."""
MAX_SENTENCE_CHARS = 600
"""Longer "sentences" are run-on text (no punctuation): never shown as a highlight."""

# ------------------------------------------------------------------ normalisation
# PTB / CoreNLP escapes as found in tokenised corpora (CNN/DailyMail): -lrb- -> ( etc.
_PTB = {
    "-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}",
    "``": '"', "''": '"',
}
_PTB_RE = re.compile(r"-[lr][rsc]b-|``|''", re.IGNORECASE)
_SPACED_CLITIC = re.compile(r" (?=(?:'s|'re|'ve|'ll|'d|'m|n't)\b)(?<=\w )", re.IGNORECASE)


def _normalise(text: str) -> str:
    """Undo PTB tokenisation artefacts so output reads like prose (and matches refs)."""
    if _PTB_RE.search(text):
        text = _PTB_RE.sub(lambda m: _PTB[m.group(0).lower()], text)
        text = text.replace("( ", "(").replace(" )", ")")
    if " '" in text or " n't" in text:
        text = _SPACED_CLITIC.sub("", text)
    return text


# ------------------------------------------------------------------ sentence splitting
# Never a sentence end: titles and abbreviations usually followed by a name or number.
# (Words that also end sentences, like "ill", "mass" or "no", are left out or below.)
_ABBREV_STRONG = frozenset("""
mr mrs ms messrs mssrs dr prof jr sr rev hon st mt ft sen rep gov gen col lt sgt capt cpl pvt
adm maj cmdr supt insp vs jan feb mar apr jun jul aug sep sept oct nov dec approx dept ave
blvd e.g i.e cf u.s u.k u.n u.s.a calif fla tenn ky mich conn okla ariz colo minn penn wis
""".split())
# Abbreviations before a number ("No. 10", "Vol. 2"); otherwise the word ends a sentence.
_ABBREV_NUMERIC = frozenset("no nos vol fig pp art sec ch".split())
# Often end a sentence too ("... at 5 p.m. Police said"): split only before a capital.
_ABBREV_WEAK = frozenset("inc ltd co corp etc bros llc plc a.m p.m d.c l.a n.y".split())
_INITIALISM = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$")
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
# The lookahead captures the next visible character and the one after it.
# Matches start only at the beginning of a punctuation run and never backtrack into it, so
# a megabyte of "!!!!" stays linear.
_BOUNDARY = re.compile(r"[.!?\u2026](?<![.!?\u2026]{2})[.!?\u2026]*+[\"'\u201d\u2019)\]]*+(?=\s(\S)(.?))")
_CLOSERS = "\"'\u201d\u2019)]"
_OPENERS = "\"'\u201c\u2018([-\u2013\u2014"
# A quote mark standing alone between spaces, as in tokenised text ("' i am not ... ,' he said").
_QUOTE_TOKEN = re.compile(r"(\S?)\s['\"](?=\s|$)")
_LETTERS = re.compile(r"[^\W\d_]+")
_UPPER = re.compile("[A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0410-\u042f]")


def _is_cased(text: str) -> bool:
    """Does this text use capitals (so a capital can confirm a sentence start)?"""
    sample = text[:20_000]
    return len(_UPPER.findall(sample)) > 0.01 * max(1, sum(map(len, _LETTERS.findall(sample))))


def _open_quote(sentence: str) -> bool:
    """Does ``sentence`` leave a spaced quote mark open? (``leaders ' only`` is a possessive.)"""
    return sum(1 for prev in _QUOTE_TOKEN.findall(" " + sentence) if prev.lower() != "s") % 2 == 1


def _is_boundary(line: str, start: int, m: re.Match[str], cased: bool) -> bool:
    """Is this ``.``/``!``/``?`` (at ``m``, in the sentence opened at ``start``) a sentence end?"""
    punct = m.group(0).rstrip(_CLOSERS)
    nxt = m.group(1)
    upper_next = cased and nxt.isupper()
    if punct == ".":
        word = line[line.rfind(" ", start, m.start()) + 1:m.start()].lstrip(_OPENERS).lower()
        if word in _ABBREV_STRONG or (len(word) == 1 and word.isalpha()):
            return False  # Mr. Smith, J. K. Rowling
        if word in _ABBREV_NUMERIC and nxt.isdigit():
            return False  # No. 10
        if (word in _ABBREV_WEAK or _INITIALISM.match(word + ".")) and not upper_next:
            return False  # u.s. officials; Apple Inc. shares
    elif punct.startswith(("..", "\u2026")) and not upper_next:
        return False  # an ellipsis inside a sentence
    # In cased text a sentence starts with a capital ("e.g. the", "Yahoo! users" do not).
    return not cased or upper_next or nxt.isdigit() or nxt in _OPENERS


def _iter_sentences(line: str, cased: bool) -> Iterator[str]:
    """Sentences of one paragraph (a line without line breaks, whitespace collapsed)."""
    start = 0
    for m in _BOUNDARY.finditer(line):
        if m.end() <= start or not _is_boundary(line, start, m, cased):
            continue
        end = m.end()
        # A lone quote token right after the boundary closes the current sentence when
        # that sentence has an unmatched quote ("... passengers. ' but could ...").
        if m.group(1) in "'\"" and not m.group(2).strip() and _open_quote(line[start:end]):
            end = line.index(m.group(1), end) + 1
        sent = line[start:end].strip()
        if sent:
            yield sent
        start = end
    tail = line[start:].strip()
    if tail:
        yield tail


def split_sentences(text: str) -> list[str]:
    """Split plain text into sentences, cased or lower-cased.

    Line breaks are hard boundaries (paragraphs, headings). Inside a line we split after
    ``.``/``!``/``?`` (plus closing quotes) unless the word is an abbreviation, an
    initial or an initialism (``u.s.``), a decimal, or an ellipsis inside a sentence.
    Lower-cased text (as in CNN/DailyMail) has no capitals to confirm a boundary, so
    there the abbreviation lists alone decide.
    """
    if not text:
        return []
    cased = _is_cased(text)
    out: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            out.extend(_iter_sentences(line, cased))
    return out


# ------------------------------------------------------------------ boilerplate
_BOILERPLATE = re.compile(
    r"""^(?:
      (?:story\ highlights|new|watch|video|photos?|related|more|advertisement|ad|share
      |subscribe|comments?|read\ more|see\ also|follow\ (?:us|\w+\ on\ \w+)|sign\ up|print
      |email|e-mail|close|next|previous|loading|most\ (?:read|popular)|scroll\ down
      |click\ here|cnn|getty\ images|reuters|ap|afp|copyright\b.*|all\ rights\ reserved.*
      |\(c\)\ .*|\u00a9.*)\W*
    | (?:read\ more|click\ here|scroll\ down\ for|subscribe\ to|sign\ up\ for|share\ this
      |watch\ the\ video|watch\s*:|(?:hide|show)\ caption|continue\ reading|keep\ reading)\b.*
    | the\ post\ .{1,300}\ appeared\ first\ on\ .*
    | (?:source|credit|photo|photos|image|images|picture|pictures|caption|video|via)
      (?:\ credit)?\s*:.*
    | (?:updated|published|posted|last\ updated|first\ published)\b.{0,60}
      (?:\d{3,4}\s*(?:gmt|utc|et|est|edt|bst)\b|\d{1,2}:\d{2}).*
    | \d{1,2}:\d{2}(?::\d{2})?(?:\s*[-\u2013\u2014|]\s*.*)?
    | by\ (?:\.\ )?(?:[^\W\d][\w'\u2019-]*\.?\ ?){1,4}(?:and\ (?:[\w'\u2019-]+\.?\ ?){1,4})?
      (?:,\ ?(?:cnn|ap|reuters|afp|bbc|associated\ press|[\w ]*(?:correspondent|reporter|editor))
        |for\ (?:[\w.'\u2019-]+\ ?){1,3})?\W*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# A credit at the end of a caption: "A man walks past. (AP Photo/John Doe)"
_CREDIT = re.compile(r"\b(?:ap|afp|reuters|getty|epa) (?:photo|images?)\b.{0,40}$", re.IGNORECASE)
_FILENAME = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|mp4|mov)\b", re.IGNORECASE)
_TERMINAL = re.compile(r"[.!?\u2026](?:\s?[\"'\u201d\u2019)\]])*$")
# "(CNN) --", "LONDON, England (CNN) -- ", "CNN  —", "WASHINGTON (Reuters) -": kept sentence
_DATELINE = re.compile(
    r"""[\w.,' \u2019-]{0,60}?
        \((?:cnn|reuters|ap|afp|ew\.com|cnn\ student\ news|time\.com|people\.com)\)\s*
        (?:--|-|\u2013|\u2014|:)?\s*
      | cnn\s*(?:--|\u2013|\u2014)\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_BULLET = re.compile(r"[-\u2013\u2014\u2022*\u00b7>]+\s+")
_MAX_DATELINE_CHARS = 120
_WORD = re.compile(r"[^\W_]+")
_MAX_FURNITURE_CHARS = 300
"""Page furniture is short; longer sentences skip the boilerplate patterns."""


def strip_dateline(sentence: str) -> str:
    """Drop a leading "(CNN) --" style dateline or bullet, keeping the sentence itself."""
    pos = 0
    m = _BULLET.match(sentence) or _DATELINE.match(sentence)
    while m and pos < m.end() <= _MAX_DATELINE_CHARS:  # "– LONDON (CNN) --": bullet, dateline
        pos = m.end()
        m = _BULLET.match(sentence, pos) or _DATELINE.match(sentence, pos)
    return sentence[pos:].strip() if pos else sentence


def is_boilerplate(sentence: str) -> bool:
    """True for page furniture that is never a highlight.

    Bylines, "Source: CNN", video timestamps, image file names, share/subscribe links,
    "Updated 1234 GMT", photo credits, and short unpunctuated lines (headings, captions,
    the "Story highlights" header). Leading datelines are not boilerplate: they are
    stripped by :func:`strip_dateline` and the sentence kept.
    """
    return _is_furniture(strip_dateline(" ".join(sentence.split())))


def _is_furniture(s: str) -> bool:
    """:func:`is_boilerplate` for a sentence already whitespace-collapsed and dateline-stripped."""
    if not _WORD.search(s) or _FILENAME.search(s):
        return True
    if len(s) <= _MAX_FURNITURE_CHARS and _BOILERPLATE.match(s):
        return True
    low = s.lower()
    if ("photo" in low or "image" in low) and _CREDIT.search(s):  # cheap test first
        return True
    # Headings, captions and kickers: short and without a sentence end.
    return not _TERMINAL.search(s) and s.count(" ") < 12


# ------------------------------------------------------------------ body extraction
_HIGHLIGHTS_HEADER = re.compile(r"^(?:story\ )?highlights\s*:?$", re.IGNORECASE)
_HEADER_SCAN_LINES = 25
_MAX_BULLETS = 8


def _split_highlights_block(lines: list[str]) -> tuple[list[str], list[str]]:
    """Return (publisher's bullet lines, remaining lines) for a top "Story highlights" block.

    CNN pages put "Story highlights" and 2-6 unpunctuated bullet lines above the
    dateline. They are summaries already, so they must not compete as body sentences.
    """
    for i, line in enumerate(lines[:_HEADER_SCAN_LINES]):
        if not _HIGHLIGHTS_HEADER.match(line):
            continue
        # Everything up to a dateline line ("CNN --", "(CNN) -- Under ...") is the block;
        # without one, the bullets are the unpunctuated lines that follow the header.
        window = [_BULLET.sub("", cand, count=1) for cand in lines[i + 1:i + 2 + _MAX_BULLETS]]
        end = next((k for k, cand in enumerate(window) if _DATELINE.match(cand)), None)
        if end is None:
            end = 0
            while end < min(len(window), _MAX_BULLETS) and not _TERMINAL.search(window[end]) \
                    and len(window[end].split()) <= 40:
                end += 1
        return window[:end], lines[:i] + lines[i + 1 + end:]
    return [], lines


def _lines(text: str) -> list[str]:
    text = _normalise(clean_text(text, MAX_CHARS))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def publisher_highlights(text: str) -> list[str]:
    """The publisher's own "Story highlights" bullets at the top of ``text``, if any."""
    if not isinstance(text, str):
        return []
    return _split_highlights_block(_lines(text))[0]


def body_sentences(text: str) -> list[str]:
    """The story's real sentences: datelines stripped, boilerplate and highlight block dropped."""
    if not isinstance(text, str):
        return []
    _, lines = _split_highlights_block(_lines(text))
    out: list[str] = []
    seen: set[str] = set()  # a caption or pull quote repeated further down
    cased = _is_cased(" ".join(lines[:200]))
    candidates = (s for line in lines for s in _iter_sentences(line, cased))
    for sent in itertools.islice(candidates, MAX_CANDIDATES):
        if len(sent) > MAX_SENTENCE_CHARS:
            continue
        sent = strip_dateline(sent)
        key = sent.lower()
        if sent and key not in seen and not _is_furniture(sent):
            seen.add(key)
            out.append(sent)
            if len(out) >= MAX_SENTENCES:
                break
    return out


# ------------------------------------------------------------------ scoring
# Sentence score = W_POSITION * exp(-POSITION_DECAY * index)      lead prior (inverted pyramid)
#                + W_CENTRAL * centrality, min-max scaled to 0..1   what the story is about
#                - W_LENGTH * |log((words + 1) / LEN_IDEAL)|        highlight-sized sentences
#                - W_QUOTE if the sentence opens with a quote       reactions, not facts
# then greedy selection with maximal marginal relevance (W_REDUNDANCY * max cosine to a
# sentence already chosen). Centrality is PACSUM's directed degree (Zheng & Lapata 2019):
# similarity to later sentences counts +1, to earlier ones CENTRAL_BACKWARD, because a
# key sentence introduces what the rest of the story develops. Weights are round values
# from a coarse grid on the CNN/DM dev file; every neighbouring setting still beats Lead-3
# by 1.3% or more on ROUGE-1/2/Lsum (ablation in docs/benchmarks.md).
W_POSITION = 1.0
POSITION_DECAY = 0.1
W_CENTRAL = 1.5
CENTRAL_BACKWARD = -0.5
W_LENGTH = 0.5
LEN_IDEAL = 22.0
W_QUOTE = 0.2
W_REDUNDANCY = 1.0

_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
said says say told according one two may might must mr mrs ms new year years last first
like get got go going went make made
""".split())
_QUOTE_OPENERS = "'\"\u201c\u2018"


def _stem(word: str) -> str:
    """A light suffix stripper: enough to match "protest", "protests", "protesters"."""
    if len(word) <= 3 or word.endswith(("ss", "us", "is")):
        return word
    for suffix, repl, min_len in (
        ("ies", "y", 5), ("ings", "", 6), ("ing", "", 6), ("ers", "", 6), ("er", "", 6),
        ("ed", "", 5), ("es", "", 6), ("s", "", 4), ("ly", "", 6),
    ):
        if word.endswith(suffix) and len(word) >= min_len:
            return word[: len(word) - len(suffix)] + repl
    return word


_TERM_CACHE: dict[str, str] = {}
_TERM_CACHE_MAX = 100_000


def _term(word: str) -> str:
    """The index term for a lower-cased word ("" for stopwords, numbers, single letters)."""
    term = _TERM_CACHE.get(word)
    if term is None:
        term = "" if len(word) < 2 or word in _STOPWORDS or word.isdigit() else _stem(word)
        if len(_TERM_CACHE) >= _TERM_CACHE_MAX:
            _TERM_CACHE.clear()  # bounded memory in a long-running reader
        _TERM_CACHE[word] = term
    return term


def _similarities(sents: list[str]) -> list[list[float]]:
    """Cosine similarity of sentence pairs over content-word stems: ``sim[i][j]``, i < j.

    A term counts more the more sentences share it (log of its in-story frequency):
    words a story keeps coming back to are its topic. Computed through an inverted
    index, so the cost is the number of shared terms, not n^2 dictionary walks.
    """
    cached = _TERM_CACHE.get
    bags = [Counter(filter(None, [t if (t := cached(w)) is not None else _term(w)
                                  for w in _WORD.findall(s.lower())])) for s in sents]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, bag in enumerate(bags):
        vec = {t: c * math.log(1.0 + df[t]) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        for t, v in vec.items():
            if df[t] > 1:  # a term in one sentence only adds to no pair
                postings.setdefault(t, []).append((i, v / norm))
    n = len(sents)
    sim = [[0.0] * n for _ in range(n)]
    for plist in postings.values():
        for a, (i, wi) in enumerate(plist):
            row = sim[i]
            for j, wj in plist[a + 1:]:
                row[j] += wi * wj  # postings are in sentence order: upper triangle only
    return sim


def _scores(sents: list[str], sim: list[list[float]]) -> list[float]:
    """Per-sentence salience: lead prior + directed centrality + length prior - quote."""
    # sim is upper-triangular: a row sums similarity to later sentences, a column to earlier.
    cent = [sum(row) + CENTRAL_BACKWARD * sum(col) for row, col in zip(sim, zip(*sim))]
    lo = min(cent)
    span = (max(cent) - lo) or 1.0
    scores = []
    for i, s in enumerate(sents):
        length = abs(math.log((len(s.split()) + 1) / LEN_IDEAL))
        quote = 1.0 if s[:1] in _QUOTE_OPENERS else 0.0
        scores.append(W_POSITION * math.exp(-POSITION_DECAY * i) + W_CENTRAL * (cent[i] - lo) / span
                      - W_LENGTH * length - W_QUOTE * quote)
    return scores


def _select(sents: list[str], sim: list[list[float]], n: int) -> list[int]:
    """Indices of the ``n`` best sentences, chosen greedily, returned in article order."""
    scores = _scores(sents, sim)
    chosen: list[int] = []
    remaining = list(range(len(sents)))
    while remaining and len(chosen) < n:
        # Maximal marginal relevance: a sentence that repeats a chosen one adds little.
        best = max(remaining, key=lambda i: scores[i] - W_REDUNDANCY * max(
            (sim[min(i, j)][max(i, j)] for j in chosen), default=0.0))
        chosen.append(best)
        remaining.remove(best)
    return sorted(chosen)


def extract(text: str, n: int = 3) -> list[str]:
    """Up to ``n`` key sentences of ``text`` in article order; ``[]`` for short stories.

    Never raises on hostile input: the text is sanitised and capped at ``MAX_CHARS``
    characters and ``MAX_SENTENCES`` sentences, so time is bounded.
    """
    if not isinstance(text, str) or not isinstance(n, int) or n <= 0:
        return []
    sents = body_sentences(text)
    if len(sents) < MIN_SENTENCES:
        return []
    return [sents[i] for i in _select(sents, _similarities(sents), n)]


ALGORITHM_VERSION = 2
"""Part of :func:`text_hash`: bump it when extraction changes so cached highlights renew."""


def text_hash(text: str) -> str:
    """Cache key for an article's highlights: recompute only when the text (or method) changes."""
    if not isinstance(text, str):
        text = ""
    data = text.encode("utf-8", "surrogatepass")
    person = f"newstui-hl-v{ALGORITHM_VERSION}".encode()
    return hashlib.blake2b(data, digest_size=16, person=person).hexdigest()
