"""Where newstui keeps its files: platformdirs locations, overridable by flags and env."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "newstui"


def config_dir() -> Path:
    """Directory of the user's feeds.toml."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def default_config_path() -> Path:
    return config_dir() / "feeds.toml"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Directory of newstui.db: ``--data-dir``, else ``$NEWSTUI_DATA_DIR``, else platformdirs."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("NEWSTUI_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def bundled_feeds_toml() -> Path:
    """The default subscription list shipped inside the package."""
    return Path(__file__).with_name("feeds.toml")
