"""Feed parsing: any bytes give items or a ``FeedError``, never another exception."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from versiontrack.discover import read_feed
from versiontrack.errors import FeedError
from versiontrack.urls import canonicalize

_RSS = (
    b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
    b"<item><title>%s</title><link>%s</link><guid>%s</guid></item></channel></rss>"
)


def _check(data: bytes) -> None:
    try:
        read = read_feed(data, "https://example.org/feed")
    except FeedError:
        return
    for item in read.items:
        assert canonicalize(item.url) == item.url
    assert len({item.url for item in read.items}) == len(read.items)


@given(st.binary(max_size=400))
@example(b'<?encoding="\x80"?>')
@example(b"<?xml version='1.0' encoding='utf-16'?><rss/>")
def test_any_bytes_are_a_feed_or_a_feed_error(data: bytes) -> None:
    _check(data)


@given(st.binary(max_size=40), st.binary(max_size=60), st.binary(max_size=20))
def test_any_entry_fields_are_an_item_a_skip_or_a_feed_error(
    title: bytes, link: bytes, guid: bytes
) -> None:
    _check(_RSS % (title, link, guid))
