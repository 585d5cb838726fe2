"""Messages the UI's workers and widgets post; the main screen routes them with ``@on``.

Workers run on other threads: they only ever post these (``post_message`` is thread
safe), never touch widgets. Progress messages can replace each other in the queue, so a
fast refresh of 1,000 feeds costs the event loop one status update per frame, not 1,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from newstui.models import View


@dataclass
class RefreshProgress(Message):
    """``done`` of ``total`` feeds finished in the running refresh."""

    done: int
    total: int
    errors: int
    current: str = ""
    """Title of the feed that just finished (sanitised by the pipeline)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RefreshProgress)


@dataclass
class FeedsChanged(Message):
    """A refresh stored new or changed articles, or a feed's error state changed."""

    new: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(feed title, one-line error) for feeds that failed since the last message."""


@dataclass
class RefreshFinished(Message):
    """The refresh worker returned (``lines`` summarise it) or failed (``error``)."""

    headline: str = ""
    failed: int = 0
    new: int = 0
    error: str | None = None


@dataclass
class FulltextFetched(Message):
    """The full-text worker finished for ``article_id``: ``text`` or a one-line ``error``."""

    article_id: int
    text: str | None = None
    error: str | None = None


@dataclass
class ViewLoaded(Message):
    """Startup: the rest of the view's ids and the counts that were left out of the first frame."""

    view: View | None
    ids: list[int] | None
    starred: int
    highlighted: int
