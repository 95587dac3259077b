"""Feed bytes → FeedItems for every feed dialect, and FeedError for everything else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from versiontrack.discover import parse_feed
from versiontrack.domain import FeedItem
from versiontrack.errors import CheckError, FeedError

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"


def parse(name: str, base_url: str = "https://base.example/feeds/") -> tuple[FeedItem, ...]:
    return parse_feed((FEEDS / name).read_bytes(), base_url)


def test_rss_091() -> None:
    # ISO-8859-1 declared and used (raw 0xE9), Netscape DOCTYPE, relative link, no dates
    assert parse("rss091.xml", "http://gazette.example/rss.xml") == (
        FeedItem(
            url="http://gazette.example/news/cafe-protest.html",
            guid=None,
            title="Café owners protest new rent rules",
            published=None,
        ),
        FeedItem(
            url="http://gazette.example/news/bridge.html",
            guid=None,
            title="Council approves bridge repairs",
            published=None,
        ),
    )


def test_rss_10_rdf() -> None:
    # rdf:about is the guid; dc:date (with an offset) is the publication time, in UTC
    assert parse("rss10.rdf") == (
        FeedItem(
            url="https://journal.example/2024/11/05/election-night",
            guid="https://journal.example/2024/11/05/election-night",
            title="Election night: polls close in eastern states",
            published=datetime(2024, 11, 6, 4, 0, tzinfo=UTC),
        ),
        FeedItem(
            url="https://journal.example/2024/11/04/storm-warning",
            guid="https://journal.example/2024/11/04/storm-warning",
            title="Storm warning issued for the coast",
            published=None,
        ),
    )


def test_rss_20() -> None:
    items = parse("rss20.xml", "https://www.daily.example/world/rss")
    assert items == (
        FeedItem(
            url="https://www.daily.example/world/2024/nov/05/north-korean-troops-kursk",
            guid="daily-12345",
            title="North Korean troops in Russian uniforms heading to Kursk, says US",
            published=datetime(2024, 11, 5, 10, 30, tzinfo=UTC),
        ),
        # relative link resolved against the feed URL; the relative guid is kept as written;
        # markup in a CDATA title is dropped; +0100 converted to UTC
        FeedItem(
            url="https://www.daily.example/business/2024/nov/05/markets-rally",
            guid="/business/2024/nov/05/markets-rally",
            title="Markets rally as inflation eases",
            published=datetime(2024, 11, 5, 8, 15, tzinfo=UTC),
        ),
        # no <link>, but a permalink guid: the guid is the URL
        FeedItem(
            url="https://www.daily.example/culture/2024/nov/04/guid-only",
            guid="https://www.daily.example/culture/2024/nov/04/guid-only",
            title="Permalink guid only",
            published=None,
        ),
        # isPermaLink="false" guid without a link and the mailto: link are skipped
    )
    assert all(item.published is None or item.published.tzinfo is UTC for item in items)


def test_atom_10() -> None:
    assert parse("atom10.xml", "https://courier.example/politics/atom.xml") == (
        # alternate link chosen over the enclosure; html title flattened to text
        FeedItem(
            url="https://courier.example/politics/budget-vote-delayed",
            guid="tag:courier.example,2024:article-981",
            title="Budget vote delayed & rescheduled",
            published=datetime(2024, 11, 5, 9, 0, tzinfo=UTC),
        ),
        # relative href resolved; only <updated>, which stands in for the publication time
        FeedItem(
            url="https://courier.example/politics/minister-resigns?ref=homepage",
            guid="https://courier.example/politics/minister-resigns",
            title="Minister resigns",
            published=datetime(2024, 11, 4, 8, 0, tzinfo=UTC),
        ),
        # the entry with neither a link nor a URL id is skipped
    )


def test_tracking_params_and_fragments_removed_and_duplicates_merged() -> None:
    assert parse("tracking.xml") == (
        FeedItem(url="https://www.tracked.example/news/one", title="One"),
        # "One again, shared" is the same article once canonical: the first one wins
        FeedItem(url="https://www.tracked.example/news/two?id=42&page=2", title="Two"),
        FeedItem(url="http://www.tracked.example/news/three", title="Three"),
    )


def test_malformed_feed_with_usable_entries_is_accepted() -> None:
    # unescaped "&" and a truncated document: feedparser flags bozo but recovers both items
    assert parse("bozo_usable.xml") == (
        FeedItem(url="https://sloppy.example/fish-chips", title="Fish & chips prices rise"),
        FeedItem(url="https://sloppy.example/truncated", title="Truncated item"),
    )


def test_feed_without_entries_is_empty_not_an_error() -> None:
    data = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    assert parse_feed(data, "https://example.com/rss") == ()


def test_truncated_feed_without_usable_items_is_an_error() -> None:
    with pytest.raises(FeedError, match="malformed feed"):
        parse_feed(b"<rss version='2.0'><channel><item><title>oops", "http://example.org/")


def test_relative_link_without_base_is_skipped() -> None:
    data = (
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>a</title><link>/a</link></item>"
        b"<item><title>b</title><link>https://example.com/b</link></item></channel></rss>"
    )
    assert parse_feed(data, "") == (FeedItem(url="https://example.com/b", title="b"),)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.xml", "malformed feed"),
        ("page.html", "HTML page"),
        ("empty.xml", "empty"),
    ],
)
def test_not_a_feed(name: str, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        parse(name)


@pytest.mark.parametrize(
    "data",
    [
        b"   \n\t ",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        b'{"items": [{"url": "https://example.com/a"}]}',
        b"<html><body><p>Hello</p></body></html>",
    ],
)
def test_other_non_feeds(data: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(data, "https://example.com/feed")


def test_xhtml_page_is_reported_as_html() -> None:
    data = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title></head>'
        b"<body><p>Home</p></body></html>"
    )
    with pytest.raises(FeedError, match="HTML page"):
        parse_feed(data, "https://example.com/feed")


def test_feed_error_is_a_check_error() -> None:
    # the orchestrator records CheckErrors on the check instead of stopping the pass
    with pytest.raises(CheckError):
        parse_feed(b"", "https://example.com/feed")


def test_bytes_are_never_read_as_a_file_name(tmp_path: Path) -> None:
    # feedparser.parse(bytes) would open a file of that name; a body must only be content
    feed = tmp_path / "feed.xml"
    feed.write_bytes((FEEDS / "rss20.xml").read_bytes())
    with pytest.raises(FeedError):
        parse_feed(str(feed).encode(), "https://example.com/feed")
