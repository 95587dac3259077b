"""Front-page bytes → article links: the discover stage for ``front = URL`` + ``links = REGEX``.

A front or section page links to far more than articles (sections, tags, authors, ads); the
source's ``links`` regular expression says which absolute, canonical URLs are articles, as
NewsDiffs' per-site parsers did. The anchor's text becomes the item's title. Pure: the caller
(``versiontrack.harvest``) fetches the page.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from versiontrack.domain import FeedItem
from versiontrack.errors import FeedError
from versiontrack.urls import canonicalize

__all__ = ["read_front"]

#: A front page's article links beyond this many are ignored (the first ones are the newest).
MAX_LINKS = 2_000


def read_front(data: bytes, base_url: str, links: str) -> tuple[FeedItem, ...]:
    """The links of the page at ``base_url`` whose canonical URL ``links`` matches
    (``re.search``), in page order, one per URL. ``<base href>`` is honoured.

    Raises :class:`FeedError` when ``data`` is not an HTML page.
    """
    if not data.strip():
        raise FeedError("empty response: no front page to read")
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise FeedError(f"front page does not parse as HTML: {exc}") from exc
    pattern = re.compile(links)
    base = base_url
    for href in root.xpath("//base/@href"):
        try:
            base = urljoin(base_url, str(href).strip())
        except ValueError:  # a bad IPv6 literal: links resolve against the page itself
            pass
        break
    items: list[FeedItem] = []
    seen: set[str] = set()
    for anchor in root.iter("a"):
        href = anchor.get("href")
        if not href or not href.strip():
            continue
        try:
            url = canonicalize(urljoin(base, href.strip()))
        except ValueError:  # mailto:, javascript:, a bad port: not an article
            continue
        if url in seen or not pattern.search(url):
            continue
        seen.add(url)
        title = " ".join(anchor.text_content().split()) or None
        items.append(FeedItem(url=url, title=title))
        if len(items) >= MAX_LINKS:
            break
    return tuple(items)
