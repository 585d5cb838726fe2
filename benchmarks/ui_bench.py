"""Reading-UI benchmark: first paint, CPU per key, memory and bytes per key at 100k articles.

Builds (once, cached in ``--workdir``) a store of ``--feeds`` feeds x ``--items`` articles
with ``Store.store_entries`` and generated ``ParsedEntry`` rows, plus an empty store with
the same feeds.toml, then measures, each in a fresh process:

* **first paint**: wall time (and CPU) from the start of ``make_app`` (store open
  included) to the main screen's first refresh, headless;
* **CPU per key**: ``time.process_time`` around each Pilot key press (the Pilot's own idle
  waits are sleeps, not CPU) for j, k, n, G, g, Space/Enter on an article;
* **peak RSS** of that process (``ru_maxrss``);
* **bytes per cursor move**: the real ``newstui`` command in tmux (``--data-dir``,
  ``--config``), ``pipe-pane -o 'cat >> file'`` while j is sent 100 times, one key at a
  time: bytes per move while the cursor stays on screen, and over all 100 (the list
  scrolls). Also opening an article, a page step in it and, in the wide layout, the
  preview repaint (keys 0.35 s apart, so the debounced preview shows each time).

Prints one line per figure; nothing is asserted.

    .venv/bin/python benchmarks/ui_bench.py                    # 1,000 feeds x 100 = 100k
    .venv/bin/python benchmarks/ui_bench.py --items 10 --reps 1   # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

NOW = 1_750_000_000
ROOT = Path(__file__).resolve().parent.parent


def feeds_toml(n: int) -> str:
    tags = ["world", "tech", "science", "business", "sport", "culture", "local", "opinion", "health", "misc"]
    out = ["[settings]", "refresh_on_start = false", "highlight_sentences = 3", ""]
    for i in range(n):
        out += ["[[feed]]", f'url = "http://127.0.0.1:9/feed{i}.xml"', f'title = "Feed {i:04d} news"',
                f'tags = ["{tags[i % len(tags)]}"]', ""]
    out += ['[[highlight]]', 'pattern = "climate|election"', 'style = "bold yellow"', ""]
    return "\n".join(out)


WORDS = ("climate election market storm city council vote team season study health court police school "
         "energy water price union bank league film music ocean space rocket vaccine budget minister").split()


def make_entries(feed: int, items: int, rnd: random.Random):
    from newstui.models import ParsedEntry

    out = []
    for j in range(items):
        title = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(5, 11))).capitalize()
        if j % 17 == 0:
            title += " 日本語の見出し"
        body = "".join(f"<p>{' '.join(rnd.choice(WORDS) for _ in range(40))}.</p>" for _ in range(4))
        out.append(ParsedEntry(key=f"f{feed}-{j}", title=title, link=f"https://example.org/{feed}/{j}",
                               author="Reporter", published=NOW - (j * 1000 + feed * 7) * 60,
                               summary=body[:200], content=body))
    return out


def fresh_copy(src: Path, workdir: Path) -> Path:
    """A copy of a built store for one run: keys mark articles read and save UI state."""
    dst = workdir / f"run-{src.name}"
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


def build(workdir: Path, feeds: int, items: int) -> tuple[Path, Path, Path]:
    """(config, full data dir, empty data dir); reused when already built with these sizes."""
    from newstui.config import parse_config
    from newstui.store import Store

    tag = f"{feeds}x{items}"
    config = workdir / f"feeds-{feeds}.toml"
    full = workdir / f"pristine-{tag}"
    empty = workdir / f"pristine-empty-{feeds}"
    workdir.mkdir(parents=True, exist_ok=True)
    config.write_text(feeds_toml(feeds))
    cfg = parse_config(config.read_text(), config)
    if not (full / "newstui.db").exists():
        shutil.rmtree(full, ignore_errors=True)
        t0 = time.perf_counter()
        rnd = random.Random(1)
        with Store.open(full) as store:
            store.sync_feeds(cfg.feeds)
            for i, f in enumerate(cfg.feeds):
                store.store_entries(f.url, make_entries(i, items, rnd), NOW)
            store.index_pending()
        print(f"built {feeds * items:,} articles in {time.perf_counter() - t0:.1f} s -> {full}", flush=True)
    from newstui.update import sync_rules

    with Store.open(full) as store:  # highlight flags for the rule in feeds.toml (no-op once done)
        sync_rules(store, cfg)
    if not (empty / "newstui.db").exists():
        with Store.open(empty) as store:
            store.sync_feeds(cfg.feeds)
    return config, full, empty


# --- measurements in a child process ------------------------------------------------------

def child_paint(config: Path, data: Path, width: int, height: int) -> dict:
    """First frame: from make_app (store open included) until the screen's first refresh."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    from newstui.config import load_config
    from newstui.ui.app import make_app
    from newstui.ui.screens import main as main_screen

    result: dict = {}
    mounted = main_screen.MainScreen.on_mount

    def on_mount(self) -> None:
        mounted(self)

        def painted() -> None:
            result["first_paint_s"] = time.perf_counter() - t0
            result["cpu_s"] = time.process_time() - c0
            result["rows"] = len(self.headlines.ids)
            result["visible_text"] = self.headlines.render_line(0).text.strip()[:40]
            self.app.exit()

        self.call_after_refresh(painted)

    main_screen.MainScreen.on_mount = on_mount  # type: ignore[method-assign]
    cfg = load_config(config)
    app = make_app(cfg, data, now=lambda: NOW)
    app.run(headless=True, size=(width, height))
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def child_keys(config: Path, data: Path, width: int, height: int, presses: int) -> dict:
    import asyncio

    from newstui.config import load_config
    from newstui.ui.app import make_app

    cfg = load_config(config)
    app = make_app(cfg, data, now=lambda: NOW)
    out: dict = {}

    async def timed(pilot, keys: list[str]) -> float:
        """Mean CPU ms per key press; pauses (and the wide layout's debounced preview) are
        outside the timing."""
        total = 0.0
        for key in keys:
            c = time.process_time()
            await pilot.press(key)
            total += time.process_time() - c
            await pilot.pause(0.02)
        await pilot.pause(0.4)
        return total / len(keys) * 1000

    async def run() -> None:
        async with app.run_test(size=(width, height)) as pilot:
            main = app.screen
            await pilot.pause(0.5)
            out["j_ms"] = await timed(pilot, ["j"] * presses)
            out["k_ms"] = await timed(pilot, ["k"] * presses)
            out["n_ms"] = await timed(pilot, ["n"] * presses)
            out["G_g_ms"] = await timed(pilot, ["G", "g"] * 5)  # each press jumps 100k rows
            if main.wide:
                shows = main.article_view.wraps
                c = time.process_time()
                await pilot.press("j")
                await pilot.pause(0.4)
                out["j_with_preview_ms"] = (time.process_time() - c) * 1000
                out["previews"] = main.article_view.wraps - shows
            c = time.process_time()
            await pilot.press("enter")
            out["enter_first_ms"] = (time.process_time() - c) * 1000
            await pilot.press("escape", "j")
            out["enter_ms"] = await timed(pilot, ["enter"])
            out["space_article_ms"] = await timed(pilot, ["space"] * 5)
            out["n_in_article_ms"] = await timed(pilot, ["n"] * 5)
            out["rows_fetched"] = main.headlines.rows_fetched
            out["rows"] = len(main.headlines.ids)
            await pilot.press("q")

    asyncio.run(run())
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def in_child(*args: str) -> dict:
    env = dict(os.environ, TEXTUAL_ANIMATIONS="none")
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- bytes written to a real terminal -------------------------------------------------------

class Tmux:
    def __init__(self, width: int, height: int, command: str) -> None:
        self.sock = f"newstui-uibench-{os.getpid()}-{width}"
        self.width, self.height = width, height
        self.tmux("new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height),
                  f"env TERM=xterm-256color {command}; sleep 30")

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "b")

    def wait_for(self, text: str, timeout: float = 30.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.screen():
                return True
            time.sleep(0.05)
        return False

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "b", *keys)

    def close(self) -> None:
        self.tmux("kill-server")


def settle(path: Path, quiet: float = 0.6, timeout: float = 20.0) -> int:
    """Size of ``path`` once nothing has been written to it for ``quiet`` seconds."""
    end = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < end:
        size = path.stat().st_size if path.exists() else 0
        if size != last:
            last, since = size, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.05)
    return last


def tmux_bytes(config: Path, data: Path, width: int, height: int, workdir: Path, *, gap: float = 0.05) -> dict:
    """Bytes the real ``newstui`` writes in tmux: first frame, cursor moves (one key at a
    time, ``gap`` seconds apart, as a person presses them), opening an article, a page step."""
    newstui = shutil.which("newstui") or str(Path(sys.executable).with_name("newstui"))
    log = workdir / f"pipe-{width}x{height}.bin"
    log.unlink(missing_ok=True)
    t = Tmux(width, height, f"sh -c 'sleep 0.3; exec {newstui} --config {config} --data-dir {data}'")
    try:
        t.tmux("pipe-pane", "-o", "-t", "b", f"cat >> {log}")
        if not t.wait_for("articles"):
            raise RuntimeError("newstui did not show its list:\n" + t.screen())
        first = settle(log)
        on_screen = min(20, height - 6)
        for _ in range(on_screen):  # the cursor stays on the first screen
            t.keys("j")
            time.sleep(gap)
        moved = settle(log)
        for _ in range(100 - on_screen):  # past the bottom: the list scrolls now and then
            t.keys("j")
            time.sleep(gap)
        hundred = settle(log)
        t.keys("Enter")
        opened = settle(log)
        t.keys("Space")
        paged = settle(log)
        t.keys("q")
        time.sleep(0.3)
    finally:
        t.close()
    return {"first_frame_kb": first / 1024, "on_screen_move_kb": (moved - first) / on_screen / 1024,
            "per_move_kb": (hundred - first) / 100 / 1024, "open_article_kb": (opened - hundred) / 1024,
            "page_step_kb": (paged - opened) / 1024}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        kind, config, data, w, h, *rest = sys.argv[2:]
        if kind == "paint":
            res = child_paint(Path(config), Path(data), int(w), int(h))
        else:
            res = child_keys(Path(config), Path(data), int(w), int(h), int(rest[0]))
        print(json.dumps(res))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--items", type=int, default=100)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newstui-uibench"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--presses", type=int, default=30)
    ap.add_argument("--skip-tmux", action="store_true")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    config, full, empty = build(args.workdir, args.feeds, args.items)
    n = args.feeds * args.items
    for (w, h) in ((100, 30), (160, 48)):
        paint = {}
        for label, data in (("empty", empty), (f"{n:,}", full)):
            runs = [in_child("paint", str(config), str(fresh_copy(data, args.workdir)), str(w), str(h))
                    for _ in range(args.reps)]
            med = statistics.median(r["first_paint_s"] for r in runs)
            paint[label] = med
            print(f"{w}x{h} first paint, {label:>7} store: median {med * 1000:.0f} ms "
                  f"[{min(r['first_paint_s'] for r in runs) * 1000:.0f}-"
                  f"{max(r['first_paint_s'] for r in runs) * 1000:.0f}], rows {runs[0]['rows']:,}, "
                  f"peak RSS {max(r['rss_mb'] for r in runs):.0f} MB", flush=True)
        print(f"{w}x{h} first paint ratio {n:,}/empty: {paint[f'{n:,}'] / paint['empty']:.2f}x", flush=True)
        keys = in_child("keys", str(config), str(fresh_copy(full, args.workdir)), str(w), str(h), str(args.presses))
        print(f"{w}x{h} CPU per key (ms): " + ", ".join(
            f"{k[:-3]} {v:.1f}" for k, v in keys.items() if k.endswith("_ms")), flush=True)
        print(f"{w}x{h} rows fetched from the store: {keys['rows_fetched']:,} of {keys['rows']:,}; "
              f"peak RSS {keys['rss_mb']:.0f} MB", flush=True)
    if args.skip_tmux or not shutil.which("tmux"):
        print("tmux: skipped")
        return
    for (w, h), gap in (((80, 24), 0.05), ((100, 30), 0.05), ((160, 48), 0.05), ((160, 48), 0.35)):
        b = tmux_bytes(config, fresh_copy(full, args.workdir), w, h, args.workdir, gap=gap)
        how = "preview shown after each key" if gap > 0.25 else "keys 50 ms apart"
        print(f"tmux {w}x{h}, {how}: first frame {b['first_frame_kb']:.1f} KB, "
              f"cursor move on screen {b['on_screen_move_kb']:.2f} KB, "
              f"per move over 100 j (with scrolling) {b['per_move_kb']:.2f} KB, "
              f"open article {b['open_article_kb']:.1f} KB, article page step {b['page_step_kb']:.1f} KB", flush=True)


if __name__ == "__main__":
    main()
