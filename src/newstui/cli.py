"""Command line: ``newstui`` (the reader) and its headless subcommands.

argparse only, and every heavy import (Textual, feedparser, urllib3) happens inside the
subcommand that needs it, so ``--help`` and ``--version`` stay fast. Errors are one line on
stderr; exit status 2 for usage/config errors, 1 for failures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from newstui import __version__
from newstui.errors import NewstuiError

EPILOG = """\
commands:
  newstui                      start the reader (refreshes in the background)
  newstui refresh              fetch feeds now (--feed URL, --tag TAG)
  newstui unread               unread counts per feed (--json, --total)
  newstui import-opml FILE     add an OPML file's feeds to feeds.toml
  newstui export-opml [FILE]   write your feeds as OPML 2.0
  newstui check                validate feeds.toml
  newstui rules test           show which highlight/ignore rules match stored articles

files: feeds.toml in the user config dir (or --config); newstui.db in the user data
dir (or --data-dir / $NEWSTUI_DATA_DIR)."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="newstui", description="A keyboard-driven terminal news reader.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"newstui {__version__}")
    p.add_argument("--config", metavar="PATH", help="feeds.toml to use (default: user config dir)")
    p.add_argument("--data-dir", metavar="PATH",
                   help="directory of newstui.db (default: $NEWSTUI_DATA_DIR or the user data dir)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser("refresh", help="fetch feeds now")
    r.add_argument("--feed", action="append", metavar="URL", help="only this feed (repeatable)")
    r.add_argument("--tag", metavar="TAG", help="only feeds with this tag")
    r.add_argument("--due", action="store_true",
                   help="only feeds that are due (honours Retry-After, max-age and <ttl>)")
    r.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
    u = sub.add_parser("unread", help="unread counts per feed")
    g = u.add_mutually_exclusive_group()
    g.add_argument("--json", action="store_true", help="a JSON list: url, title, unread, total, error")
    g.add_argument("--total", action="store_true", help="just the total number of unread articles")
    i = sub.add_parser("import-opml", help="add an OPML file's feeds to feeds.toml")
    i.add_argument("file", metavar="FILE")
    e = sub.add_parser("export-opml", help="write feeds as OPML 2.0 (stdout or FILE)")
    e.add_argument("file", metavar="FILE", nargs="?")
    sub.add_parser("check", help="validate feeds.toml; non-zero exit on errors")
    ru = sub.add_parser("rules", help="highlight/ignore rules")
    rsub = ru.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    rt = rsub.add_parser("test", help="dry run: which rules match stored articles, and where")
    rt.add_argument("--limit", type=int, default=200, help="articles to examine (newest first)")
    return p


def _err(msg: str) -> None:
    from newstui.sanitize import clean_line

    print(f"newstui: {clean_line(msg, 4000)}", file=sys.stderr)


def _config_path(args: argparse.Namespace) -> Path:
    """``--config``, else the user config (copied from the bundled one on first run)."""
    if args.config:
        return Path(args.config).expanduser()
    from newstui.config import ensure_user_config

    path, created = ensure_user_config()
    if created:
        print(f"newstui: created {path} with the default feeds; edit it to choose yours",
              file=sys.stderr)
    return path


def _load(args: argparse.Namespace, *, strict: bool = False):
    """Load the config; print its errors and warnings (one line each) on stderr."""
    from newstui.config import load_config

    path = _config_path(args)
    if not path.exists():
        raise NewstuiError(f"{path}: config file not found")
    cfg = load_config(path)
    for w in cfg.warnings:
        _err(f"warning: {w}")
    for e in cfg.errors:
        _err(e)
    return cfg


def _data_dir(args: argparse.Namespace) -> Path:
    from newstui.paths import data_dir

    return data_dir(args.data_dir)


def cmd_refresh(args: argparse.Namespace) -> int:
    from newstui.update import refresh

    cfg = _load(args)
    if args.feed:
        known = {f.url for f in cfg.feeds}
        for url in args.feed:
            if url not in known:
                raise NewstuiError(f"--feed {url}: not in {cfg.path}")
    tty = sys.stderr.isatty() and not args.quiet
    width = 0

    def progress(done: int, total: int, outcome) -> None:
        nonlocal width
        if outcome.status == "error":
            if tty and width:
                sys.stderr.write("\r" + " " * width + "\r")
            _err(outcome.line())
        if tty:
            text = f"[{done}/{total}] {outcome.title}"[:78]
            sys.stderr.write("\r" + text.ljust(width))
            sys.stderr.flush()
            width = max(width, len(text))

    summary = refresh(cfg, _data_dir(args), urls=args.feed, tag=args.tag, force=not args.due,
                      progress=progress)
    if tty and width:
        sys.stderr.write("\r" + " " * width + "\r")
    for o in summary.outcomes:
        if o.moved_to:
            print(o.line())
    print(summary.headline())
    return 1 if summary.all_failed else 0


def cmd_unread(args: argparse.Namespace) -> int:
    from newstui.store import Store

    from newstui.update import sync_rules

    from newstui.paths import default_config_path

    data = _data_dir(args)
    # Counting never creates a config: with none at all, count the store as it stands.
    cfg = _load(args) if args.config or default_config_path().exists() else None
    with Store.open(data) as store:
        if cfg is not None:
            # Counts follow feeds.toml as it is now: subscriptions and ignore rules.
            store.sync_feeds(cfg.feeds)
            sync_rules(store, cfg)
        if args.total:
            print(store.unread_total())
            return 0
        rows = store.feeds()
    if args.json:
        json.dump([{"url": r.url, "title": r.title, "unread": r.unread, "total": r.total,
                    "error": r.error} for r in rows], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    from newstui.sanitize import clean_line

    width = max([len(str(r.unread)) for r in rows] + [1])
    for r in rows:
        mark = f"  ! {clean_line(r.error, 300)}" if r.error else ""
        print(f"{r.unread:>{width}}  {clean_line(r.title, 200)}{mark}")
    print(f"{sum(r.unread for r in rows):>{width}}  total")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    cfg = _load(args)
    if cfg.errors:
        _err(f"{len(cfg.errors)} error(s) in {cfg.path}")
        return 1
    print(f"{cfg.path}: ok ({len(cfg.feeds)} feeds, {len(cfg.highlights)} highlight rules, "
          f"{len(cfg.ignores)} ignore rules)")
    return 0


def cmd_import_opml(args: argparse.Namespace) -> int:
    from newstui.config import add_feeds
    from newstui.opml import read_opml

    cfg = _load(args)
    src = Path(args.file)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise NewstuiError(f"{src}: cannot read: {exc.strerror}") from None
    result = read_opml(data, existing=[f.url for f in cfg.feeds])
    for line in result.skipped:
        _err(line)
    if result.feeds:
        add_feeds(cfg.path, [f.as_feed_config() for f in result.feeds])
    print(f"imported {len(result.feeds)} feeds into {cfg.path}; skipped {len(result.skipped)}")
    return 0


def cmd_export_opml(args: argparse.Namespace) -> int:
    from newstui.opml import write_opml

    cfg = _load(args)
    data = write_opml(cfg.feeds)
    if args.file and args.file != "-":
        from newstui.config import atomic_write

        target = Path(args.file).expanduser()
        try:
            atomic_write(target.resolve(), data.decode("utf-8"))
        except OSError as exc:
            raise NewstuiError(f"{target}: cannot write: {exc.strerror}") from None
        print(f"wrote {len(cfg.feeds)} feeds to {target}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    from newstui.rules_report import rules_test

    cfg = _load(args)
    for line in rules_test(cfg, _data_dir(args), limit=args.limit):
        print(line)
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    cfg = _load(args)
    from newstui.ui.app import run_app

    return run_app(cfg, _data_dir(args))


COMMANDS = {
    "refresh": cmd_refresh,
    "unread": cmd_unread,
    "check": cmd_check,
    "import-opml": cmd_import_opml,
    "export-opml": cmd_export_opml,
}
# `rules test` is dispatched in main() because it has a sub-subcommand.


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return cmd_ui(args)
        if args.command == "rules":
            if args.rules_command != "test":
                parser.parse_args(["rules", "--help"])
            return cmd_rules_test(args)
        return COMMANDS[args.command](args)
    except NewstuiError as exc:
        _err(str(exc))
        return 2
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
