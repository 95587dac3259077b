"""Source feed bytes → :class:`~versiontrack.domain.FeedItem`: the discover stage.

RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and Atom are all read with feedparser and adapted to one type
with a canonical URL, the publisher's guid, a plain-text title and an aware UTC publication
time. This module decides what counts as "not a feed" (:class:`~versiontrack.errors.FeedError`)
and which entries are usable; it does no HTTP — the caller fetches the bytes.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from versiontrack.domain import FeedItem
from versiontrack.errors import FeedError, InvalidURL
from versiontrack.urls import canonicalize

__all__ = ["FeedRead", "parse_feed", "read_feed"]

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# An HTML (or XHTML) page: optional XML declaration and comments, then a doctype or <html>.
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S
)
_MARKUP_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class FeedRead:
    """A parsed feed: its usable items, and why each unusable entry was skipped."""

    items: tuple[FeedItem, ...]
    skipped: tuple[str, ...] = ()


def parse_feed(data: bytes, base_url: str) -> tuple[FeedItem, ...]:
    """The items of a source feed (see :func:`read_feed`), without the skipped entries."""
    return read_feed(data, base_url).items


def read_feed(data: bytes, base_url: str) -> FeedRead:
    """Parse a source feed into items, in feed order, one per canonical URL.

    ``base_url`` is the URL the feed was fetched from; relative entry links resolve against it.
    An entry without a link, or whose link (or permalink guid) has no canonical http(s) form,
    is skipped, and the reason is kept in ``skipped``. A feed that is malformed but still
    yields entries is accepted, as browsers and feed readers do.

    Raises :class:`FeedError` when ``data`` is empty or is not an RSS/Atom document, and for
    anything feedparser itself raises on it: a feed's bytes can never fail more than its poll.
    """
    if not data or not data.strip():
        raise FeedError("empty response: no feed to parse")
    # Bytes passed directly to feedparser.parse are tried as a file name first (a feed body of
    # "/etc/passwd" would be read from disk), so always hand it a stream. No Content-Location
    # either: feedparser would then "resolve" relative RSS guids into made-up URLs; links are
    # resolved below instead. application/xml makes the XML declaration's charset authoritative.
    try:
        parsed = feedparser.parse(
            io.BytesIO(data), response_headers={"content-type": "application/xml"}
        )
    except Exception as exc:  # e.g. UnicodeDecodeError from <?encoding="\x80"?>
        raise FeedError(f"malformed feed: feedparser failed: {type(exc).__name__}: {exc}") from exc
    items: list[FeedItem] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for entry in parsed.get("entries") or ():
        try:
            url = _entry_url(entry, base_url)
        except InvalidURL as exc:
            skipped.append(str(exc))
            continue
        if url in seen:
            continue
        seen.add(url)
        items.append(
            FeedItem(
                url=url,
                guid=_clean(entry.get("id")),
                title=_title(entry),
                published=_published(entry),
            )
        )
    # Only a recognised, well-formed feed may be empty. Without a version, feedparser's
    # lenient parser can still produce empty "entries" from any <entry>/<item> tag soup, and a
    # truncated document (bozo) that yields nothing usable is broken, not empty.
    if not items and (not parsed.get("version") or parsed.get("bozo")):
        raise FeedError(_not_a_feed_reason(data, parsed))
    return FeedRead(tuple(items), tuple(skipped))


def _not_a_feed_reason(data: bytes, parsed: Any) -> str:
    if _HTML_START.match(data.lstrip(b"\xef\xbb\xbf")):
        return "response is an HTML page, not an RSS or Atom feed"
    if parsed.get("bozo"):
        return f"malformed feed: {parsed.get('bozo_exception')}"
    return "response is not an RSS or Atom feed"


def _entry_url(entry: Any, base_url: str) -> str:
    """The entry's canonical URL; ``InvalidURL`` says why it has none."""
    # feedparser already falls back to an RSS guid when the item has no <link> and the guid is
    # a permalink (isPermaLink is not "false"), and to an Atom id that is a URL.
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip():
        raise InvalidURL("entry without a link")
    try:
        joined = urljoin(base_url, link.strip())
    except ValueError as exc:  # urljoin parses the link: a bad IPv6 literal raises
        raise InvalidURL(f"invalid URL {link.strip()!r}: {exc}") from exc
    return canonicalize(joined)  # mailto:, javascript:, a hostless or malformed link raise


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return _SPACE.sub(" ", value).strip() or None


def _title(entry: Any) -> str | None:
    title = entry.get("title")
    if not isinstance(title, str):
        return None
    detail = entry.get("title_detail") or {}
    if detail.get("type") in _MARKUP_TYPES:
        # feedparser has sanitised the markup but kept it; FeedItem.title is plain text.
        title = html.unescape(_TAG.sub("", title))
    return _clean(title)


def _published(entry: Any) -> datetime | None:
    # dict.get: feedparser's own .get maps a missing updated_parsed to published_parsed with a
    # DeprecationWarning. RSS 1.0 and many Atom feeds only have an update time (dc:date,
    # <updated>), which is the best publication time they offer.
    for key in ("published_parsed", "updated_parsed"):
        parsed = dict.get(entry, key)
        if parsed is None:
            continue
        try:
            # feedparser normalises every date it understands to a UTC struct_time.
            return datetime(*parsed[:6], tzinfo=UTC)
        except (TypeError, ValueError):
            continue
    return None
