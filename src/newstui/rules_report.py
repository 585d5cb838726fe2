"""``newstui rules test``: a dry run of highlight and ignore rules over stored articles.

Shows, for the newest stored articles, which rule matches where (title or body) with a
snippet of the match, then a per-rule count. Nothing is changed in the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from newstui.models import View
from newstui.sanitize import clean_line

if TYPE_CHECKING:
    from newstui.config import Config

SNIPPET = 30


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET)
    right = min(len(text), end + SNIPPET)
    pre = "…" if left else ""
    post = "…" if right < len(text) else ""
    return clean_line(f"{pre}{text[left:start]}«{text[start:end]}»{text[end:right]}{post}", 200)


def _label(i: int, rule: object) -> str:
    name = getattr(rule, "name", None)
    pattern = getattr(rule, "pattern", "")
    return clean_line(f"{name} ({pattern})" if name else f"#{i + 1} ({pattern})", 120)


def rules_test(config: "Config", data_dir: Path, *, limit: int = 200) -> Iterator[str]:
    """Yield report lines for the newest ``limit`` stored articles (hidden ones included)."""
    from newstui.highlight_rules import RuleSet
    from newstui.store import Store
    from newstui.update import rule_body

    if not config.highlights and not config.ignores:
        yield "no [[highlight]] or [[ignore]] rules in " + str(config.path)
        return
    tags_of = {f.url: f.tags for f in config.feeds}
    hl_counts = [0] * len(config.highlights)
    ig_counts = [0] * len(config.ignores)
    examined = 0
    with Store.open(data_dir) as store:
        store.sync_feeds(config.feeds)
        ids = store.article_ids(View(), limit=limit, include_hidden=True)
        for aid in ids:
            art = store.article(aid)
            if art is None:
                continue
            examined += 1
            tags = tags_of.get(art.feed_url, ())
            body = rule_body(art.content, art.summary)
            lines: list[str] = []
            for i, rule in enumerate(config.highlights):
                if not rule.applies_to(art.feed_url, tags):
                    continue
                single = RuleSet([rule])
                hit = False
                for field, text in (("title", art.title), ("body", body)):
                    if field not in rule.fields:
                        continue
                    spans = single.spans(text, field)
                    if spans:
                        hit = True
                        s = spans[0]
                        more = f" (+{len(spans) - 1} more)" if len(spans) > 1 else ""
                        lines.append(f"  highlight {_label(i, rule)} in {field}: "
                                     f"{_snippet(text, s.start, s.end)}{more}")
                hl_counts[i] += hit
            for i, rule in enumerate(config.ignores):
                if not rule.applies_to(art.feed_url, tags):
                    continue
                for field, text in (("title", art.title), ("author", art.author), ("body", body)):
                    if field in rule.fields:
                        m = rule.regex.search(text)
                        if m:
                            lines.append(f"  ignore {_label(i, rule)} in {field}: "
                                         f"{_snippet(text, m.start(), m.end())} -> hidden")
                            ig_counts[i] += 1
                            break
            if lines:
                yield clean_line(f"{art.feed_title} | {art.title}", 200)
                yield from lines
    yield f"examined {examined} newest articles"
    for i, rule in enumerate(config.highlights):
        yield f"highlight {_label(i, rule)}: {hl_counts[i]} articles"
    for i, rule in enumerate(config.ignores):
        yield f"ignore {_label(i, rule)}: {ig_counts[i]} articles"
