"""The pure listing readers: sitemaps (index, urlset, Google News, gzip) and front pages."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime

import pytest

from versiontrack.discover_sitemap import SitemapEntry, fresh, read_sitemap
from versiontrack.domain import FeedItem
from versiontrack.errors import ConfigError, FeedError
from versiontrack.front import read_front
from versiontrack.settings import settings_from_dict

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://example.org/world/2024/oct/30/story?utm_source=x#top</loc>
    <news:news><news:publication><news:name>Ex</news:name><news:language>en</news:language>
    </news:publication><news:publication_date>2024-10-30T09:15:00+01:00</news:publication_date>
    <news:title>  Troops   heading to Kursk </news:title></news:news></url>
  <url><loc>/relative/story</loc><lastmod>2024-10-29</lastmod></url>
  <url><loc>mailto:desk@example.org</loc></url>
  <url><lastmod>2024-10-29</lastmod></url>
  <url><loc>https://example.org/world/2024/oct/30/story</loc></url>
</urlset>"""


def test_a_google_news_sitemap_reads_into_entries() -> None:
    read = read_sitemap(NEWS, "https://example.org/sitemap.xml")
    assert read.sitemaps == ()
    assert read.pages == (
        SitemapEntry(
            "https://example.org/world/2024/oct/30/story",
            None,
            datetime(2024, 10, 30, 8, 15, tzinfo=UTC),
            "Troops heading to Kursk",
        ),
        SitemapEntry("https://example.org/relative/story", datetime(2024, 10, 29, tzinfo=UTC)),
    )
    assert read.skipped[1] == "entry without a <loc>"
    assert read.skipped[0].startswith("invalid URL 'mailto:desk@example.org'")
    assert read.pages[0].item() == FeedItem(
        "https://example.org/world/2024/oct/30/story",
        title="Troops heading to Kursk",
        published=datetime(2024, 10, 30, 8, 15, tzinfo=UTC),
    )


def test_an_index_gzipped_and_without_namespace_lists_its_sitemaps() -> None:
    data = gzip.compress(
        b"<sitemapindex><sitemap><loc>https://example.org/s1.xml.gz</loc>"
        b"<lastmod>2024-10-30T08:00Z</lastmod></sitemap>"
        b"<sitemap><loc>https://example.org/s2.xml</loc></sitemap></sitemapindex>"
    )
    read = read_sitemap(data, "https://example.org/index.xml.gz")
    assert read.pages == ()
    assert read.sitemaps == (
        SitemapEntry("https://example.org/s1.xml.gz", datetime(2024, 10, 30, 8, tzinfo=UTC)),
        SitemapEntry("https://example.org/s2.xml"),
    )


def test_fresh_skips_only_what_is_known_to_be_unchanged() -> None:
    mark = datetime(2024, 10, 30, 8, tzinfo=UTC)
    old = SitemapEntry("https://e.org/a", datetime(2024, 10, 30, 7, tzinfo=UTC))
    new = SitemapEntry("https://e.org/a", published=datetime(2024, 10, 30, 9, tzinfo=UTC))
    undated = SitemapEntry("https://e.org/a")
    assert [fresh(e, mark) for e in (old, new, undated)] == [False, True, True]
    assert fresh(old, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty response: no sitemap to parse"),
        (b"<html><body>hi</body></html>", "response is not a sitemap (root element <html>)"),
        (b"<rss version='2.0'><channel/></rss>", "response is not a sitemap (root element <rss>)"),
        (b"\x1f\x8b\x08garbage", "malformed gzipped sitemap"),
        (gzip.compress(b"<urlset>" + b" " * 2000 + b"</urlset>"), "unpacks to more than 1000"),
    ],
)
def test_what_is_not_a_sitemap_is_a_feed_error(data: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_sitemap(data, "https://example.org/s.xml", max_bytes=1000)


def test_entities_are_never_expanded() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://example.org/&x;</loc></url></urlset>"
    )
    read = read_sitemap(data, "https://example.org/s.xml")
    assert all("root:" not in e.url for e in read.pages)


def test_a_front_page_yields_the_links_its_pattern_matches() -> None:
    html = b"""<html><head><base href="https://example.org/news/"></head><body>
      <nav><a href="/">Home</a><a href="/world/">World</a></nav>
      <a href="2024/oct/30/kursk?CMP=share">North Korean <b>troops</b></a>
      <a href="https://example.org/news/2024/oct/30/kursk">again</a>
      <a href="javascript:void(0)">x</a><a href="http://[bad/2024/oct/30/y">bad</a>
      <a href="https://other.example/news/2024/oct/30/z"></a></body></html>"""
    assert read_front(html, "https://example.org/", r"/\d{4}/[a-z]{3}/\d{2}/") == (
        FeedItem("https://example.org/news/2024/oct/30/kursk", title="North Korean troops"),
        FeedItem("https://other.example/news/2024/oct/30/z"),
    )
    with pytest.raises(FeedError, match="empty response"):
        read_front(b"  ", "https://example.org/", "x")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"name": "s"}, "source 's': 'feed' must be an http(s) URL"),
        ({"name": "s", "sitemap": "ftp://e.org/s.xml"}, "source 's': 'sitemap' must be an http"),
        ({"name": "s", "front": "https://e.org/"}, "source 's': 'front' and 'links' go together"),
        ({"name": "s", "feed": "https://e.org/rss", "links": "x"}, "'front' and 'links' go"),
        (
            {"name": "s", "front": "https://e.org/", "links": "(unclosed"},
            "source 's': invalid links pattern '(unclosed'",
        ),
        ({"name": "s", "sitemap": "https://e.org/s.xml", "feed": 3}, "'feed' must be an http"),
    ],
)
def test_listing_keys_are_checked_at_start_up(source: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from_dict({"sources": [source]})


def test_a_source_may_have_a_sitemap_or_front_page_and_no_feed() -> None:
    (a, b) = settings_from_dict(
        {
            "sources": [
                {"name": "a", "sitemap": "https://e.org/s.xml"},
                {"name": "b", "front": "https://e.org/", "links": r"/\d{4}/"},
            ]
        }
    ).sources
    assert (a.feed, a.sitemap, a.listing_url) == (None, "https://e.org/s.xml", a.sitemap)
    assert (b.feed, b.front, b.links, b.listing_url) == (
        None,
        "https://e.org/",
        r"/\d{4}/",
        b.front,
    )
