"""Full text on demand: article pages from a local server, the same HTTP rules as feeds."""

from __future__ import annotations

import pytest

from newstui.errors import FetchError
from newstui.fulltext import extract_main_text, fetch_fulltext

from conftest import Response

ARTICLE = """<!doctype html><html><head><title>Page</title>
<script>var tracking = "alert(1)";</script><style>body{color:red}</style></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | Subscribe now</nav>
<article><h1>Rivers return to the valley</h1>
<p>After a decade of drought, the rivers of the northern valley are flowing again, scientists
said on Tuesday, as record rainfall refilled reservoirs across the region.</p>
<p>The recovery has surprised hydrologists, who had warned that the aquifers beneath the valley
might take thirty years to recharge after the long dry spell that began in 2014.</p>
<p>Farmers in the region are cautiously planting crops they abandoned years ago, according to
the regional agricultural office, which reported a sharp rise in planting permits.</p>
<p>Officials cautioned that a single wet year does not end a drought and urged residents to
keep conserving water through the summer months.</p>
</article>
<footer>Copyright 2026 Example News. Share this story. Read more.</footer>
</body></html>"""


def test_extracts_the_article_and_drops_boilerplate(feed_server):
    url = feed_server.add("/story.html", Response(ARTICLE.encode(),
                                                  headers={"Content-Type": "text/html; charset=utf-8"}))
    text = fetch_fulltext(url)
    assert "rivers of the northern valley are flowing again" in text
    assert "keep conserving water" in text
    assert "alert(1)" not in text and "color:red" not in text
    assert "Subscribe now" not in text
    assert "\n\n" in text  # paragraphs stay paragraphs for the renderer


def test_page_errors_are_one_line(feed_server):
    missing = feed_server.add("/gone.html", Response(b"no", status=404))
    with pytest.raises(FetchError, match=r"^full text: HTTP 404"):
        fetch_fulltext(missing)
    binary = feed_server.add("/x.png", Response(b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
                                                headers={"Content-Type": "image/png"}))
    with pytest.raises(FetchError, match="not a web page"):
        fetch_fulltext(binary)
    empty = feed_server.add("/empty.html", Response(b"<html><body>   </body></html>",
                                                    headers={"Content-Type": "text/html"}))
    with pytest.raises(FetchError, match="no article text"):
        fetch_fulltext(empty)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "file:///etc/passwd", "", None, "/relative"])
def test_only_http_links_are_fetched(link):
    with pytest.raises(FetchError) as exc:
        fetch_fulltext(link)
    assert "\n" not in str(exc.value)


def test_page_size_cap(feed_server):
    big = b"<html><body><p>" + b"word " * (3 * 1024 * 1024) + b"</p></body></html>"
    url = feed_server.add("/big.html", Response(big, headers={"Content-Type": "text/html"}))
    with pytest.raises(FetchError, match="too large"):
        fetch_fulltext(url)


def test_extracted_text_is_sanitised():
    html = ("<html><body><article>" + "".join(
        f"<p>Paragraph {i} carries an escape \x1b[2J and a bell \x07 inside normal sentence text "
        f"long enough to count as article content for the extractor.</p>" for i in range(6))
        + "</article></body></html>")
    text = extract_main_text(html)
    assert "Paragraph 3" in text
    assert "\x1b" not in text and "\x07" not in text
