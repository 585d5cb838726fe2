"""Exception hierarchy: every error a user can see is one line that says what and where."""

from __future__ import annotations


class NewstuiError(Exception):
    """Base class; ``str(err)`` is the one-line message shown to the user."""


class ConfigError(NewstuiError):
    """A problem in feeds.toml (or another config-like input such as OPML)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        super().__init__(self.format())

    def format(self) -> str:
        where = ""
        if self.path:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return f"{where}{key}{self.message}"


class FetchError(NewstuiError):
    """A feed or page could not be retrieved (DNS, timeout, HTTP status, too large...)."""


class ParseError(NewstuiError):
    """A response was retrieved but is not a usable feed."""


class StoreError(NewstuiError):
    """The SQLite store cannot be opened or used (corrupt, foreign, from the future...)."""
