"""Full text on demand (key ``x``, or ``fulltext = true`` per feed).

Fetches the article page with the same HTTP rules as feeds (http/https only, size cap,
timeouts, redirect limit: :class:`newstui.fetch.Fetcher`) and extracts the main text with
trafilatura, which leads the public article-extraction benchmarks (ScrapingHub's
article-extraction-benchmark, Bevendorff et al. 2023) and is maintained; it works on the
HTML string we give it and never fetches anything itself. The result is plain text with
paragraphs separated by blank lines, sanitised like every other feed string.
"""

from __future__ import annotations

from newstui.errors import FetchError
from newstui.sanitize import MAX_CONTENT, clean_text, clean_url, url_refusal

MAX_PAGE_BYTES = 5 * 1024 * 1024
"""Article pages are smaller than feeds; 5 MB is generous and bounds extraction time."""


def extract_main_text(html: bytes | str, *, url: str | None = None) -> str:
    """Main text of an HTML page, or "" when nothing article-like is found."""
    import trafilatura  # heavy (lxml): imported only when full text is asked for

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True,
                               favor_precision=True, deduplicate=True)
    if not text:
        return ""
    # trafilatura separates paragraphs with single newlines; the renderer wants blank lines.
    paragraphs = [p.strip() for p in text.splitlines() if p.strip()]
    return clean_text("\n\n".join(paragraphs), MAX_CONTENT)


def fetch_fulltext(url: str | None, *, timeout: float = 30.0, fetcher: object | None = None) -> str:
    """Fetch ``url`` and return its main text; raises FetchError with a one-line reason."""
    safe = clean_url(url)
    if safe is None:
        raise FetchError(f"full text: {url_refusal(url)}")
    from newstui.fetch import PAGE_ACCEPT, Fetcher

    own = fetcher is None
    f = fetcher or Fetcher(timeout=timeout, max_bytes=MAX_PAGE_BYTES)
    try:
        result = f.fetch(safe, accept=PAGE_ACCEPT)  # type: ignore[attr-defined]
    finally:
        if own:
            f.close()  # type: ignore[union-attr]
    if result.error is not None:
        raise FetchError(f"full text: {result.error}")
    if not result.body:
        raise FetchError("full text: empty page")
    ctype = (result.content_type or "").lower()
    if ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
        raise FetchError(f"full text: not a web page ({ctype.split(';')[0].strip()})")
    text = extract_main_text(result.body, url=result.final_url or safe)
    if not text:
        raise FetchError("full text: no article text found on the page")
    return text
