"""The domain modules must stay free of Textual and Rich (harlequin's subprocess check)."""

import subprocess
import sys

DOMAIN = [
    "newstui", "newstui.cli", "newstui.config", "newstui.store", "newstui.fetch", "newstui.parse",
    "newstui.jsonfeed", "newstui.render", "newstui.highlights", "newstui.highlight_rules",
    "newstui.update", "newstui.decide", "newstui.opml", "newstui.sanitize", "newstui.models",
    "newstui.fulltext", "newstui.rules_report", "newstui.article",
]


def test_domain_modules_do_not_import_textual_or_rich():
    code = (
        "import sys\n"
        f"for m in {DOMAIN!r}:\n"
        "    __import__(m)\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_and_version_do_not_import_textual_or_feedparser():
    code = (
        "import sys\n"
        "from newstui.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('textual', 'rich', 'feedparser'))\n"
        "print('BAD=' + ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "newstui " in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "BAD="
