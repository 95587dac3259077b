"""Sitemap bytes → article entries: the discover stage for sources without (or beyond) a feed.

Reads the three kinds news sites publish: a sitemap index (``<sitemapindex>``: more sitemaps,
each with an optional ``lastmod``), a urlset (``<urlset>``: pages with ``lastmod``) and a
Google News sitemap (a urlset whose ``<news:news>`` gives ``publication_date`` and ``title``).
Gzipped sitemaps (``.xml.gz``) are unpacked, never past ``max_bytes``. Elements are matched by
local name, so a sitemap with a wrong or missing namespace still reads.

Which entries are worth a look is decided here too (:func:`fresh`): one whose ``lastmod`` or
publication date is no later than the last complete read of the sitemap has not changed since.
No HTTP here: ``versiontrack.harvest`` fetches the bytes.
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from lxml import etree

from versiontrack.domain import FeedItem
from versiontrack.errors import FeedError, InvalidURL
from versiontrack.urls import canonicalize

__all__ = ["SitemapEntry", "SitemapRead", "fresh", "read_sitemap"]

#: A sitemap may hold 50,000 URLs (sitemaps.org); a little slack, then the rest is ignored.
MAX_ENTRIES = 60_000
_PARSER_OPTIONS = {
    "resolve_entities": False,  # no XXE, no billion laughs
    "no_network": True,
    "huge_tree": False,
    "recover": True,  # a sitemap with a stray "&" still lists its other URLs
    "remove_comments": True,
    "remove_pis": True,
}


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` (or, in an index, one ``<sitemap>``): where, and when it last changed."""

    url: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date
    title: str | None = None  # news:title

    @property
    def changed_at(self) -> datetime | None:
        """The latest of ``lastmod`` and the publication date (None if neither is given)."""
        dates = [d for d in (self.lastmod, self.published) if d is not None]
        return max(dates) if dates else None

    def item(self) -> FeedItem:
        return FeedItem(url=self.url, title=self.title, published=self.published or self.lastmod)


@dataclass(frozen=True, slots=True)
class SitemapRead:
    """A parsed sitemap: article pages (a urlset) or more sitemaps (an index), and why any
    entry was skipped."""

    pages: tuple[SitemapEntry, ...] = ()
    sitemaps: tuple[SitemapEntry, ...] = ()
    skipped: tuple[str, ...] = ()


def read_sitemap(data: bytes, base_url: str, *, max_bytes: int = 50_000_000) -> SitemapRead:
    """Parse a sitemap index, urlset or Google News sitemap (gzipped or not).

    Page URLs are canonicalised (duplicates dropped, feed order kept); an entry whose ``loc``
    has no canonical http(s) form is skipped with its reason. Raises :class:`FeedError` when
    ``data`` is empty or not a sitemap.
    """
    data = _gunzip(data, max_bytes)
    if not data.strip():
        raise FeedError("empty response: no sitemap to parse")
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FeedError(f"malformed sitemap: {exc}") from exc
    if root is None:
        raise FeedError("malformed sitemap: no XML element")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        raise FeedError(f"response is not a sitemap (root element <{kind}>)")
    child = "url" if kind == "urlset" else "sitemap"
    entries: list[SitemapEntry] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for element in root:
        if not isinstance(element.tag, str) or etree.QName(element).localname != child:
            continue
        if len(entries) >= MAX_ENTRIES:
            skipped.append(f"more than {MAX_ENTRIES} entries: the rest ignored")
            break
        try:
            entry = _entry(element, base_url)
        except InvalidURL as exc:
            skipped.append(str(exc))
            continue
        if entry.url not in seen:
            seen.add(entry.url)
            entries.append(entry)
    if kind == "urlset":
        return SitemapRead(pages=tuple(entries), skipped=tuple(skipped))
    return SitemapRead(sitemaps=tuple(entries), skipped=tuple(skipped))


def fresh(entry: SitemapEntry, since: datetime | None) -> bool:
    """Whether ``entry`` may have changed after ``since`` (the last complete read): always when
    either is unknown."""
    changed = entry.changed_at
    return since is None or changed is None or changed > since


def _entry(element: etree._Element, base_url: str) -> SitemapEntry:
    loc = lastmod = published = title = None
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        value = (node.text or "").strip()
        if name == "loc" and loc is None:
            loc = value
        elif name == "lastmod":
            lastmod = _date(value)
        elif name == "publication_date":
            published = _date(value)
        elif name == "title" and value:
            title = " ".join(value.split())
    if not loc:
        raise InvalidURL("entry without a <loc>")
    try:
        url = canonicalize(urljoin(base_url, loc))
    except ValueError as exc:
        raise InvalidURL(f"invalid URL {loc!r}: {exc}") from exc
    return SitemapEntry(url, lastmod, published, title)


def _date(value: str) -> datetime | None:
    """A W3C datetime (``2024-10-30``, ``2024-10-30T08:00Z``, ``…+01:00``) as aware UTC."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            unpacked = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise FeedError(f"malformed gzipped sitemap: {exc}") from exc
    if len(unpacked) > max_bytes:
        raise FeedError(f"gzipped sitemap unpacks to more than {max_bytes} bytes")
    return unpacked
