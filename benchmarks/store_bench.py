"""Store benchmark: the refresh write path and the UI's read queries at newsboat-killing sizes.

Generates 1,000 feeds (``--feeds``) and stores ``--items`` entries per feed (~5.5 KB of HTML
each, 200-2000 words, log-uniform like ../shared/bench's corpus) in one transaction per feed,
exactly as the refresh pipeline does; then grows the store to ``--total`` articles and times
the queries the CLI and the UI run. Prints one line per figure; nothing is asserted.

    .venv/bin/python benchmarks/store_bench.py                  # 1,000 feeds x 30, store of 100k
    .venv/bin/python benchmarks/store_bench.py --compare-inline # + the cost of indexing inside store_entries
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from newstui.config import FeedConfig
from newstui.models import Enclosure, ParsedEntry, View
from newstui.store import DB_NAME, Store

NOW = 1_750_000_000


class Corpus:
    """Deterministic synthetic feed entries with a Zipf-like vocabulary (realistic index sizes)."""

    def __init__(self, seed: int = 7) -> None:
        rnd = random.Random(seed)
        syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "qua", "ber", "dan", "fel",
                     "gor", "hin", "jul", "kem", "tra", "ost", "ing", "ver"]
        self.vocab = ["".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4))) for _ in range(30000)]
        self.cum = list(_cumulative([1 / (i + 1) for i in range(len(self.vocab))]))
        self.rnd = rnd
        self.bodies = [self._body() for _ in range(1500)]

    def _words(self, n: int) -> list[str]:
        return self.rnd.choices(self.vocab, cum_weights=self.cum, k=n)

    def _body(self) -> str:
        n = int(math.exp(self.rnd.uniform(math.log(200), math.log(2000))))
        words = self._words(n)
        paras = []
        for i in range(0, n, 70):
            chunk = words[i:i + 70]
            chunk[len(chunk) // 2] = f'<a href="https://example.org/{chunk[0]}">{chunk[len(chunk) // 2]}</a>'
            paras.append("<p>" + " ".join(chunk) + " &amp; more.</p>")
        return "\n".join(paras)

    def entries(self, feed: int, start: int, count: int) -> list[ParsedEntry]:
        out = []
        for j in range(start, start + count):
            self.rnd.seed(feed * 1_000_003 + j)  # entry (feed, j) is the same on every call
            title = " ".join(self._words(7)).capitalize()
            body = self.bodies[(feed * 31 + j) % len(self.bodies)]
            dated = (feed + j) % 10 != 0
            out.append(ParsedEntry(
                key=f"https://feed{feed}.example/post/{j}", title=title,
                link=f"https://feed{feed}.example/post/{j}", author=f"Author {feed % 97}",
                published=NOW - (start + count - j) * 3600 - feed * 7 if dated else None,
                summary="<p>" + title + " " + " ".join(self._words(40)) + "</p>", content=body,
                enclosures=(Enclosure(f"https://cdn.example/{feed}/{j}.mp3", "audio/mpeg", 1234),) if j % 5 == 0
                else (), tags=("tech", f"t{feed % 13}")))
        return out


def _cumulative(ws: list[float]):
    total = 0.0
    for w in ws:
        total += w
        yield total


def timed(label: str, fn: Callable[[], object], *, reps: int = 1, unit: str = "s") -> object:
    """Print the median wall time of ``reps`` calls (and the CPU time of one-shot steps:
    the machine is shared, so CPU is the steadier figure)."""
    times = []
    result: object = None
    c0 = time.process_time()
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    cpu = time.process_time() - c0
    t = statistics.median(times)
    shown = f"{t * 1000:9.2f} ms" if unit == "ms" else f"{t:9.2f} s "
    extra = f" (median of {reps})" if reps > 1 else ("" if unit == "ms" else f"  (cpu {cpu:.2f} s)")
    print(f"  {label:<58} {shown}{extra}")
    return result


def fill(store: Store, corpus: Corpus, feeds: list[FeedConfig], start: int, count: int, *,
         inline_index: bool = False) -> tuple[int, int, float]:
    """Store ``count`` entries per feed, one store_entries call (transaction) per feed."""
    new = updated = 0
    gen = 0.0
    for i, f in enumerate(feeds):
        t0 = time.process_time()
        batch = corpus.entries(i, start, count)
        gen += time.process_time() - t0
        n, u = store.store_entries(f.url, batch, NOW + start)
        if inline_index:
            store.index_pending()
        new += n
        updated += u
    return new, updated, gen


def db_mb(d: Path) -> float:
    return sum(p.stat().st_size for p in d.glob(DB_NAME + "*")) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=30, help="entries per feed in the timed refresh")
    ap.add_argument("--total", type=int, default=100_000, help="articles in the store for the query timings")
    ap.add_argument("--compare-inline", action="store_true",
                    help="also time indexing for search inside each per-feed transaction")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = ap.parse_args()

    corpus = Corpus()
    feeds = [FeedConfig(f"https://feed{i}.example/rss.xml", None, ("news", f"group{i % 20}"))
             for i in range(args.feeds)]
    tmp = Path(tempfile.mkdtemp(prefix="newstui-store-bench-"))
    try:
        n_refresh = args.feeds * args.items
        print(f"store_bench: {args.feeds} feeds, {n_refresh} entries in the timed refresh, "
              f"{args.total} articles for the queries; data in {tmp}")
        with Store.open(tmp / "main") as store:
            store.sync_feeds(feeds)
            t0, c0 = time.perf_counter(), time.process_time()
            new, _, gen = fill(store, corpus, feeds, 0, args.items)
            wall, cpu = time.perf_counter() - t0 - gen, time.process_time() - c0 - gen
            print(f"  {'store_entries: ' + str(new) + ' new entries, ' + str(args.feeds) + ' transactions':<58}"
                  f" {wall:9.2f} s   (cpu {cpu:.2f} s, {cpu / max(1, new) * 1e6:.0f} us/entry)")
            t0, c0 = time.perf_counter(), time.process_time()
            again, upd, gen = fill(store, corpus, feeds, 0, args.items)
            wall, cpu = time.perf_counter() - t0 - gen, time.process_time() - c0 - gen
            assert again == upd == 0, (again, upd)
            print(f"  {'store_entries again, all unchanged (a 200 instead of 304)':<58} {wall:9.2f} s   "
                  f"(cpu {cpu:.2f} s)")
            timed(f"index_pending: search index for {new} entries", store.index_pending)
            print(f"  {'database size after the refresh':<58} {db_mb(tmp / 'main'):9.0f} MB")

            # Grow to --total articles (per-feed batches of the same shape), then index all.
            per_feed = max(0, args.total // args.feeds - args.items)
            start = args.items
            t0 = time.perf_counter()
            while per_feed > 0:
                step = min(per_feed, args.items)
                fill(store, corpus, feeds, start, step)
                start += step
                per_feed -= step
            print(f"  {'(growing the store to ' + str(store.max_article_id()) + ' articles)':<58}"
                  f" {time.perf_counter() - t0:9.2f} s ")
            timed("index_pending for the rest", store.index_pending)
            print(f"  {'database size':<58} {db_mb(tmp / 'main'):9.0f} MB")

            ids = store.article_ids(View())
            total = len(ids)
            print(f"queries over {total} articles:")
            timed("unread_total()", store.unread_total, reps=7, unit="ms")
            timed("feeds() with unread/total counts", store.feeds, reps=7, unit="ms")
            timed("article_ids(View()) all", lambda: store.article_ids(View()), reps=7, unit="ms")
            timed("article_ids(View(unread_only=True))", lambda: store.article_ids(View(unread_only=True)),
                  reps=7, unit="ms")
            fid = store.feed_id(feeds[len(feeds) // 2].url)
            timed("article_ids(View('feed'))", lambda: store.article_ids(View(kind="feed", feed_id=fid)),
                  reps=7, unit="ms")
            timed("article_ids(View('tag')) (1/20 of the feeds)",
                  lambda: store.article_ids(View(kind="tag", tag="group3")), reps=7, unit="ms")
            mid = min(5000, len(ids) // 2)
            page = ids[mid:mid + 50]
            timed("headlines(50 ids)", lambda: store.headlines(page), reps=21, unit="ms")
            timed("article(id)", lambda: store.article(page[0]), reps=21, unit="ms")
            common, rare = corpus.vocab[3], corpus.vocab[2500]
            hits = timed(f"search('{common}') common word", lambda: store.search(common), reps=5, unit="ms")
            print(f"    ({len(hits)} hits, capped at 5000)")  # type: ignore[arg-type]
            hits = timed(f"search('{rare}') rarer word", lambda: store.search(rare), reps=5, unit="ms")
            print(f"    ({len(hits)} hits)")  # type: ignore[arg-type]
            timed(f"search('{common} {rare}') two words", lambda: store.search(f"{common} {rare}"), reps=5,
                  unit="ms")
            timed("next_unread(after an id in the middle, View())", lambda: store.next_unread(page[0], View()),
                  reps=7, unit="ms")
            changed = timed("mark_view_read(View('tag')) (~5k articles)",
                            lambda: store.mark_view_read(View(kind="tag", tag="group5"), NOW), unit="ms")
            timed("set_read(those ids, False) (undo)", lambda: store.set_read(changed, False, NOW),  # type: ignore
                  unit="ms")
            timed("set_flags('highlighted', 1% of ids)", lambda: store.set_flags("highlighted", ids[::100]),
                  unit="ms")
            timed("prune(30 days) with nothing to prune", lambda: store.prune(30, NOW), reps=3, unit="ms")
        t0 = time.perf_counter()
        with Store.open(tmp / "main") as store:
            store.unread_total()
        print(f"  {'open + unread_total + close (what `newstui unread` does)':<58} "
              f"{(time.perf_counter() - t0) * 1000:9.2f} ms")

        if args.compare_inline:
            print("indexing inside each per-feed transaction (the alternative not taken):")
            with Store.open(tmp / "inline") as store:
                store.sync_feeds(feeds)
                t0, c0 = time.perf_counter(), time.process_time()
                new, _, gen = fill(store, corpus, feeds, 0, args.items, inline_index=True)
                wall, cpu = time.perf_counter() - t0 - gen, time.process_time() - c0 - gen
                print(f"  {'store_entries + index, ' + str(new) + ' entries':<58} {wall:9.2f} s   (cpu {cpu:.2f} s)")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
