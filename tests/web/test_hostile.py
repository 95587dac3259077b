"""Article text is untrusted: an article whose headline and paragraphs hold ``<script>`` and
``<img onerror>`` (as text) must come out escaped on every page and in every feed."""

from __future__ import annotations

import html

import feedparser
import pytest
from markupsafe import Markup

from versiontrack import web_templates

from .conftest import HOSTILE, HOSTILE_HEADLINE, IMG, SCRIPT, Site, TestClient


def hostile_paths(site: Site) -> list[str]:
    h = site.ids[HOSTILE]
    return [
        "/",
        "/articles",
        "/articles?q=council",
        f"/articles?q={SCRIPT}",
        f"/articles/{h}",
        f"/articles/{h}/diff/1/2",
        f"/articles/{h}/diff/2/1",
        f"/articles/{h}/diff/1/2?view=inline",
        f"/articles/{h}/diff",
        f"/articles/{h}/versions/1",
        f"/articles/{h}/versions/2",
        "/feed.xml",
        "/feed.atom",
        f"/articles/{h}/feed.xml",
        f"/articles/{h}/feed.atom",
    ]


def test_no_response_carries_markup_from_the_article(site: Site, client: TestClient) -> None:
    for path in hostile_paths(site):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.text.lower()
        assert "<script" not in body, path
        assert "<img" not in body, path
        assert "onerror=alert(1)>" not in body  # never a live attribute


def test_pages_show_the_hostile_text_escaped(site: Site, client: TestClient) -> None:
    escaped_script = html.escape(SCRIPT, quote=False)
    escaped_img = html.escape(IMG, quote=False)
    h = site.ids[HOSTILE]
    for path in hostile_paths(site):
        if "feed" in path:
            continue
        body = client.get(path).text
        assert escaped_script in body or escaped_img in body, path
    # The headline, whole, in the article page's heading and title.
    page = client.get(f"/articles/{h}").text
    headline = html.escape(HOSTILE_HEADLINE + " (updated)", quote=False)
    assert f"<h1>{headline}</h1>" in page
    assert f"<title>{headline} · versiontrack</title>" in page
    # The diff highlights the inserted text, still escaped inside <ins>.
    diff = client.get(f"/articles/{h}/diff/1/2").text
    assert f"far more <ins>{escaped_script} </ins>than" in diff


def test_search_query_is_escaped_in_the_page(client: TestClient) -> None:
    query = '"><script>alert(2)</script>'
    body = client.get("/articles", params={"q": query}).text
    assert "<script" not in body
    assert 'value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in body


def test_not_found_message_is_escaped(client: TestClient) -> None:
    body = client.get("/sources/<script>x/feed.xml").text
    assert "<script" not in body


def test_feeds_carry_the_hostile_text_as_text(site: Site, client: TestClient) -> None:
    h = site.ids[HOSTILE]
    for path in (f"/articles/{h}/feed.xml", f"/articles/{h}/feed.atom"):
        raw = client.get(path).text
        assert "<script" not in raw and "<img" not in raw
        parsed = feedparser.parse(raw.encode())
        assert parsed.bozo is False
        (entry,) = parsed.entries
        # A title is plain text: the reader sees the characters, angle brackets and all.
        assert entry.title == (f"Headline: “{HOSTILE_HEADLINE}” → “{HOSTILE_HEADLINE} (updated)”")


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("plain &amp; escaped", "plain &amp; escaped"),
        ("a <del>b</del><ins>c</ins>", "a <del>b</del><ins>c</ins>"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ('<del onclick="x">b</del>', "&lt;del onclick=&#34;x&#34;&gt;b&lt;/del&gt;"),
        ("<ins>unclosed <", "&lt;ins&gt;unclosed &lt;"),
        ("", ""),
    ],
)
def test_only_our_own_diff_markup_is_let_through(fragment: str, expected: str) -> None:
    result = web_templates.diff_markup(fragment)
    assert isinstance(result, Markup)
    assert str(result) == expected
