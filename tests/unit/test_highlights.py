"""Story highlights: splitting, boilerplate, the seed story, short stories, hostile input.

ROUGE against Lead-3 on CNN/DailyMail is measured by ../shared/bench/highlights_score.py
(figures in docs/benchmarks.md); these tests pin behaviour, not speed.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import HIGHLIGHTS_DATA
from newstui import highlights as hl
from newstui.sanitize import is_clean

SEED = HIGHLIGHTS_DATA / "seed-story.txt"
DEV = HIGHLIGHTS_DATA / "cnndm-dev.jsonl.gz"

SEED_BULLETS = [
    "NEW: UN investigator meets North Korean officials for first time in 10 years",
    'NEW: Special Rapporteur "unexpectedly" met with officials for about one hour',
    "North Korea has gone on publicity blitz this month, critics say to generate goodwill",
    "North Korean diplomat: Human rights in North Korea is fine",
]


def _tokens(sentences: list[str]) -> Counter[str]:
    return Counter(re.findall(r"[a-z0-9]+", " ".join(sentences).lower()))


def rouge1_recall(candidate: list[str], reference: list[str]) -> float:
    """Unigram recall of the reference (ROUGE-1 R without stemming)."""
    ref = _tokens(reference)
    return sum((ref & _tokens(candidate)).values()) / max(1, sum(ref.values()))


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


# ------------------------------------------------------------------ seed story
def test_seed_highlights_block_is_recognised(seed: str) -> None:
    assert hl.publisher_highlights(seed) == SEED_BULLETS
    body = hl.body_sentences(seed)
    for bullet in SEED_BULLETS:
        assert all(bullet not in s for s in body)
    # The page furniture above the block is not body either.
    joined = "\n".join(body)
    for junk in ("_00010623.jpg", "01:43", "Story highlights", "proposes human rights visit", "CNN  —"):
        assert junk not in joined
    assert body[0].startswith("Under unprecedented scrutiny")


def test_seed_extract_covers_reference_points(seed: str) -> None:
    got = hl.extract(seed, 3)
    assert len(got) == 3
    assert not set(got) & set(SEED_BULLETS)
    body = hl.body_sentences(seed)
    positions = [body.index(s) for s in got]
    assert positions == sorted(positions), "highlights come back in article order"
    ours = rouge1_recall(got, SEED_BULLETS)
    lead3_body = rouge1_recall(body[:3], SEED_BULLETS)
    # The threshold separates a real summary from junk: Lead-3 of the stripped body
    # clears it, the raw first three "sentences" (file name, headline, timestamp) or the
    # story's tail do not.
    threshold = 0.5
    assert lead3_body >= threshold
    assert rouge1_recall(hl.split_sentences(seed)[:3], SEED_BULLETS) < threshold
    assert rouge1_recall(body[-3:], SEED_BULLETS) < threshold
    assert ours >= threshold, (ours, lead3_body)
    assert ours >= lead3_body - 0.1, (ours, lead3_body)


def test_seed_four_highlights_are_body_sentences(seed: str) -> None:
    got = hl.extract(seed, 4)
    assert len(got) == 4
    assert set(got) <= set(hl.body_sentences(seed))
    assert rouge1_recall(got, SEED_BULLETS) >= rouge1_recall(hl.extract(seed, 3), SEED_BULLETS)


def test_block_without_a_dateline_line_ends_at_the_first_punctuated_paragraph() -> None:
    text = (
        "Story Highlights\nFirst bullet about the vote\nSecond bullet about the count\n"
        "The vote was held on Sunday. Turnout was high. Results come Monday. Parties disagree."
    )
    assert hl.publisher_highlights(text) == ["First bullet about the vote", "Second bullet about the count"]
    assert hl.body_sentences(text)[0] == "The vote was held on Sunday."


def test_block_with_punctuated_bullets_ends_at_the_dateline() -> None:
    text = (
        "Story highlights\n\u2022 A bullet ends with a period.\n- So does this one.\n"
        "(CNN) -- The vote was held on Sunday. Turnout was high. Results come Monday. Parties disagree."
    )
    assert hl.publisher_highlights(text) == ["A bullet ends with a period.", "So does this one."]
    assert hl.body_sentences(text) == [
        "The vote was held on Sunday.", "Turnout was high.", "Results come Monday.", "Parties disagree.",
    ]


# ------------------------------------------------------------------ splitting
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Smith met Dr. Jones in St. Louis on Jan. 5. They talked for Mrs. Lee.",
         ["Mr. Smith met Dr. Jones in St. Louis on Jan. 5.", "They talked for Mrs. Lee."]),
        ("Sen. Warren and Gov. Newsom spoke. Apple Inc. said nothing. Acme Ltd. agreed.",
         ["Sen. Warren and Gov. Newsom spoke.", "Apple Inc. said nothing.", "Acme Ltd. agreed."]),
        ("J. K. Rowling wrote it. It sold well.", ["J. K. Rowling wrote it.", "It sold well."]),
        ("Prices rose 3.5 percent. Analysts were surprised.",
         ["Prices rose 3.5 percent.", "Analysts were surprised."]),
        ("It was Chelsea vs. Arsenal. Fans, e.g. those in London, cheered, i.e. loudly.",
         ["It was Chelsea vs. Arsenal.", "Fans, e.g. those in London, cheered, i.e. loudly."]),
        ('He said, "We will win." Then he left.', ['He said, "We will win."', "Then he left."]),
        ("'Is it over?' she asked. Nobody answered.", ["'Is it over?' she asked.", "Nobody answered."]),
        ("He waited... and waited. It was over... Then the rain came.",
         ["He waited... and waited.", "It was over...", "Then the rain came."]),
        ("He lives at No. 10 Downing St. in London. The answer was no. Then he fell ill. Doctors came.",
         ["He lives at No. 10 Downing St. in London.", "The answer was no.", "Then he fell ill.",
          "Doctors came."]),
        ("The U.S. Army arrived. Officials in the U.K. agreed.",
         ["The U.S. Army arrived.", "Officials in the U.K. agreed."]),
        ("Headline without a stop\nFirst paragraph. Second sentence!\n\nNext paragraph?",
         ["Headline without a stop", "First paragraph.", "Second sentence!", "Next paragraph?"]),
    ],
)
def test_split_cased(text: str, expected: list[str]) -> None:
    assert hl.split_sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("u.s. officials said on monday that talks failed. the u.n. disagreed.",
         ["u.s. officials said on monday that talks failed.", "the u.n. disagreed."]),
        ("mr. smith and dr. jones met sen. warren in st. louis. they talked.",
         ["mr. smith and dr. jones met sen. warren in st. louis.", "they talked."]),
        ("the rate was 3.5 per cent. it fell.", ["the rate was 3.5 per cent.", "it fell."]),
        ("he lives at no. 10 downing st. in london. the answer was no. he fell ill. doctors came.",
         ["he lives at no. 10 downing st. in london.", "the answer was no.", "he fell ill.", "doctors came."]),
        ("author j. k. rowling spoke. fans cheered.", ["author j. k. rowling spoke.", "fans cheered."]),
        # Tokenised quotes: a lone closing quote belongs to the sentence it closes ...
        ("he said: ' it is time to act. ' but others disagreed.",
         ["he said: ' it is time to act. '", "but others disagreed."]),
        # ... while an opening quote starts the next one, even after a possessive "s '".
        ("the leaders ' only defeat came in may. ' we were poor, ' he said.",
         ["the leaders ' only defeat came in may.", "' we were poor, ' he said."]),
        ("it was over... and then it rained. nobody came.",
         ["it was over... and then it rained.", "nobody came."]),
    ],
)
def test_split_lower_cased(text: str, expected: list[str]) -> None:
    assert hl.split_sentences(text) == expected


def test_split_empty_and_blank() -> None:
    assert hl.split_sentences("") == []
    assert hl.split_sentences(" \n\t\n ") == []


# ------------------------------------------------------------------ boilerplate
@pytest.mark.parametrize(
    "line",
    [
        "Story highlights", "STORY HIGHLIGHTS:", "By Jane Smith, CNN", "By Jane Smith and Bob Jones, CNN",
        "By Tom Leonard for MailOnline", "by . daily mail reporter .", "Source: CNN", "01:43 - Source: CNN",
        "pkg hancocks north korea human rights_00010623.jpg", "Read more", "Read more: Why it matters.",
        "Share", "Subscribe", "Click here for the latest news.", "Scroll down for video.",
        "Updated 1234 GMT (2034 HKT) November 5, 2014", "Photo: Getty Images", "(AP Photo/John Doe)",
        "A man walks past a burning car. (AP Photo/John Doe)", "Hide Caption 3 of 12",
        "North Korea proposes human rights visit", "CNN  —", "(CNN) --", "", "  ", "-- * --",
    ],
)
def test_boilerplate(line: str) -> None:
    assert hl.is_boilerplate(line)


@pytest.mark.parametrize(
    "sentence",
    [
        "By the end of the day he had left the building.",
        "By then, it was over.",
        "Shares of Apple rose 3% on Monday after the announcement.",
        "Published in 1998, the book sold millions of copies worldwide.",
        "Watch out for falling prices, analysts warned on Monday.",
        "(CNN) -- The president said on Monday he would act.",
        "He declined.",
        "Source code for the app was leaked on Friday, the company said.",
    ],
)
def test_not_boilerplate(sentence: str) -> None:
    assert not hl.is_boilerplate(sentence)


@pytest.mark.parametrize(
    "raw, kept",
    [
        ("WASHINGTON (CNN) -- The president said.", "The president said."),
        ("(CNN)The president said.", "The president said."),
        ("seoul, south korea (cnn) on march 20, 2013, a cyberattack hit banks.",
         "on march 20, 2013, a cyberattack hit banks."),
        ("LONDON (Reuters) - Shares fell.", "Shares fell."),
        ("CNN — Under scrutiny, officials met.", "Under scrutiny, officials met."),
        ("– It is holding talks with Japan.", "It is holding talks with Japan."),
        # A "(CNN)" deep inside a sentence is not a dateline.
        ("Officials told reporters in a statement released late on Sunday night (CNN) that all was well.",
         "Officials told reporters in a statement released late on Sunday night (CNN) that all was well."),
    ],
)
def test_dateline_is_stripped_not_the_sentence(raw: str, kept: str) -> None:
    assert hl.strip_dateline(raw) == kept
    text = f"{raw} Second fact here. Third fact here. Fourth fact here."
    assert hl.body_sentences(text)[0] == kept


def test_ptb_tokens_are_undone() -> None:
    article = (
        "london -lrb-cnn-rrb- -- the minister -lrb- a former banker -rrb- resigned on monday . "
        "he did n't comment . his party 's leader said `` we are sorry '' . an election follows ."
    )
    body = hl.body_sentences(article)
    assert body[0] == "the minister (a former banker) resigned on monday ."
    assert "didn't" in body[1] and "party's" in body[2] and '"' in body[2]
    assert not any("-lrb-" in s or "``" in s for s in hl.extract(article, 3))


def test_repeated_sentences_are_counted_once() -> None:
    text = "Fact one is here. " * 5 + "Fact two is here. Fact three is here."
    assert hl.body_sentences(text) == ["Fact one is here.", "Fact two is here.", "Fact three is here."]
    assert hl.extract(text) == []


# ------------------------------------------------------------------ sizes
def test_short_articles_get_no_box() -> None:
    three = "The bridge closed on Monday. Engineers found cracks. It may reopen in May."
    assert hl.extract(three) == []
    # Boilerplate does not count towards the four sentences.
    padded = "Story highlights\nBy Jane Smith, CNN\n" + three + "\nRead more\nShare\nScroll down for video."
    assert hl.extract(padded) == []
    four = three + " Drivers face long detours."
    assert len(hl.body_sentences(four)) == 4
    assert len(hl.extract(four, 3)) == 3
    assert hl.extract(four, 10) == hl.body_sentences(four)


@pytest.mark.parametrize("n", [0, -1])
def test_non_positive_n(n: int) -> None:
    assert hl.extract("One. Two is here. Three is here. Four is here. Five is here.", n) == []


def test_text_past_the_cap_is_not_read() -> None:
    story = "The bridge closed on Monday. Engineers found cracks. It may reopen in May. Drivers face detours."
    assert len(hl.extract(story)) == 3
    assert hl.extract("x" * hl.MAX_CHARS + "\n" + story) == []
    many = " ".join(f"Sentence number {i} talks about bridges." for i in range(500))
    assert len(hl.body_sentences(many)) == hl.MAX_SENTENCES
    # Junk counts against the budget of sentences examined, so a page of it ends the work.
    assert hl.extract("Share\n" * hl.MAX_CANDIDATES + story) == []
    assert len(hl.extract("Share\n" * (hl.MAX_CANDIDATES - 4) + story)) == 3


# ------------------------------------------------------------------ robustness
HOSTILE = {
    "empty": "",
    "whitespace": " \n\t\r\n " * 1000,
    "controls": "".join(chr(c) for c in range(32)) * 2000 + "\x1b[31mred\x1b[0m. " * 50,
    "no punctuation": "word " * 200_000,
    "one megabyte of sentences": "The cat sat on the mat today, said a witness. " * 23_000,
    "dots": "." * 1_000_000,
    "dot space": ". " * 500_000,
    "bangs": "!" * 1_000_000,
    "abbreviations": "mr. " * 250_000,
    "quotes": "a. ' " * 200_000,
    "ellipses": "\u2026 " * 300_000,
    "bullets": "- " * 500_000,
    "datelines": "(CNN) -- " * 100_000,
    "surrogates and bidi": "\ud800 Hello \u202e there. " * 40_000,
    "long word": "a" * 1_000_000 + ". Then more. And more. Yet more. Still more.",
    "escape sequences": "The \x1b]0;pwned\x07 story went on. It had ESC codes. And bells\x07. And more here.",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_never_raises(name: str) -> None:
    text = HOSTILE[name]
    for n in (1, 3, 4, 1000):
        got = hl.extract(text, n)
        assert isinstance(got, list) and len(got) <= n
        for s in got:
            assert isinstance(s, str) and s.strip() and len(s) <= hl.MAX_SENTENCE_CHARS
            assert is_clean(s, single_line=True)
    assert isinstance(hl.split_sentences(text[:50_000]), list)
    assert isinstance(hl.is_boilerplate(text), bool)
    assert len(hl.text_hash(text)) == 32


def test_escape_sequences_never_reach_the_output() -> None:
    got = hl.extract(HOSTILE["escape sequences"], 4)
    assert len(got) == 4
    assert not any("\x1b" in s or "\x07" in s for s in got)


@pytest.mark.parametrize("bad", [None, 42, b"bytes. are. not. text. here.", ["a. b. c. d."]])
def test_non_string_input(bad: object) -> None:
    assert hl.extract(bad) == []  # type: ignore[arg-type]
    assert hl.body_sentences(bad) == []  # type: ignore[arg-type]
    assert hl.publisher_highlights(bad) == []  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcXY .!?'\"\n\u2026-()0123456789\x00\x1b")), max_size=400),
       st.integers(min_value=1, max_value=6))
def test_extract_returns_body_sentences_in_order(text: str, n: int) -> None:
    got = hl.extract(text, n)
    body = hl.body_sentences(text)
    assert len(got) <= n
    if len(body) < hl.MIN_SENTENCES:
        assert got == []
    else:
        assert len(got) == min(n, len(body))
        idx = [body.index(s) for s in got]
        assert idx == sorted(idx)


# ------------------------------------------------------------------ determinism and cache key
def test_deterministic_across_processes_and_hash_seeds(seed: str) -> None:
    code = (
        "import json, sys\nfrom newstui.highlights import extract\n"
        "print(json.dumps(extract(sys.stdin.read(), 3)))\n"
    )
    outs = set()
    for hash_seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        p = subprocess.run([sys.executable, "-c", code], input=seed, capture_output=True, text=True,
                           env=env, check=True, encoding="utf-8")
        outs.add(p.stdout)
    assert len(outs) == 1
    assert json.loads(outs.pop()) == hl.extract(seed, 3) == hl.extract(seed, 3)


def test_text_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    a = hl.text_hash("Some article text.")
    assert a == hl.text_hash("Some article text.")
    assert a != hl.text_hash("Some article text!")
    assert a != hl.text_hash("Some article text. ")
    assert re.fullmatch(r"[0-9a-f]{32}", a)
    assert hl.text_hash("\ud800 lone surrogate") != hl.text_hash("")
    monkeypatch.setattr(hl, "ALGORITHM_VERSION", hl.ALGORITHM_VERSION + 1)
    assert hl.text_hash("Some article text.") != a  # a new method renews cached highlights


# ------------------------------------------------------------------ benchmark data
@pytest.mark.skipif(not DEV.exists(), reason="CNN/DM dev file not present")
def test_dev_sample_is_extractive_and_complete() -> None:
    with gzip.open(DEV, "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for _, line in zip(range(60), f)]
    boxes = 0
    for row in rows:
        body = hl.body_sentences(row["article"])
        got = hl.extract(row["article"], 3)
        if len(body) >= hl.MIN_SENTENCES:
            boxes += 1
            assert len(got) == 3
            assert all(s in body for s in got)
            assert all(s in row["article"] for s in got)  # detokenised data: sentences verbatim
    assert boxes >= 55


def test_feed_footers_are_boilerplate():
    from newstui.highlights import is_boilerplate

    for s in ["Continue reading...", "Continue reading the main story", "Keep reading →",
              "The post Ten ways to save water appeared first on Example Blog."]:
        assert is_boilerplate(s), s
    assert not is_boilerplate("He said he would continue reading the report before deciding.")
