"""Changes → an RSS 2.0 or Atom feed, built with feedgen: entries in, bytes out.

This module owns how a change is presented in a feed — its title, link and guid — and the
feedgen workarounds that keep the output valid and byte-for-byte reproducible: feedgen stamps
"now" into ``updated``/``lastBuildDate`` unless told otherwise (which would change the ETag on
every request), refuses naive datetimes, and lxml refuses XML-illegal control characters that
scraped article text does contain.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from feedgen.feed import FeedGenerator
from lxml import etree

from versiontrack.domain import ChangeEntry
from versiontrack.publish.card import card_path
from versiontrack.publish.html import change_html

__all__ = ["FeedMeta", "entry_guid", "entry_link", "entry_title", "render_feed"]

#: The feed's ``updated`` time when there are no entries: fixed, so an empty feed is stable.
EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SPACE = re.compile(r"\s+")

_ATOM = "{http://www.w3.org/2005/Atom}"
_MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """The feed's own description: its title, the HTML page it mirrors and its own URL."""

    title: str
    link: str
    description: str
    self_url: str


def entry_title(entry: ChangeEntry) -> str:
    """The item title: what changed, in one line of plain text.

    ``URL changed: old → new`` when the site renamed the article, ``Headline: “old” → “new”``
    for a headline change, ``[numbers] <headline> — v3: 2 sentences
    added`` otherwise (led by the most significant flag; ``— v3: back to v1 (1 sentence
    removed)`` for a revert), ``<headline> — removed (HTTP 404)``
    and ``<headline> — restored``.
    """
    headline = _one_line(entry.headline) or entry.article_url or f"Article {entry.article_id}"
    if entry.kind == "removed":
        status = f" (HTTP {entry.http_status})" if entry.http_status is not None else ""
        return f"{headline} — removed{status}"
    if entry.kind == "restored":
        return f"{headline} — restored"
    moved = entry.diff.field_change("url")
    if entry.kind == "url" and moved is not None:
        return f"URL changed: {_one_line(moved.old)} → {_one_line(moved.new)}"
    change = entry.diff.field_change("headline")
    if change is not None and "headline_test" in entry.flags:
        return f"Headline test: “{_one_line(change.old)}” / “{_one_line(change.new)}”"
    if change is not None:
        return f"Headline: “{_one_line(change.old)}” → “{_one_line(change.new)}”"
    version = f"v{entry.to_version}: " if entry.to_version is not None else ""
    what = entry.summary.describe()
    if entry.reverts_to is not None:
        what = f"back to v{entry.reverts_to} ({what})"
    return f"{_lead(entry.flags)}{headline} — {version}{what}"


def _lead(flags: tuple[str, ...]) -> str:
    """``[numbers] `` for a change whose most significant flag is ``numbers``.

    ``flags`` come ranked from the store. Headline changes, removals and restorations say so
    in their own wording, so they need no lead.
    """
    return f"[{flags[0]}] " if flags else ""


def entry_link(entry: ChangeEntry, public_url: str) -> str:
    """The page that shows the change: its diff, or the article page for removed/restored."""
    base = f"{public_url.rstrip('/')}/articles/{entry.article_id}"
    if entry.kind == "edited" and entry.from_version is not None and entry.to_version is not None:
        return f"{base}/diff/{entry.from_version}/{entry.to_version}"
    return base


def entry_guid(entry: ChangeEntry) -> str:
    """A stable id for the change that does not depend on where the feed is served from."""
    return f"urn:versiontrack:change:{entry.id}"


def render_feed(
    entries: Sequence[ChangeEntry],
    meta: FeedMeta,
    public_url: str,
    fmt: Literal["rss", "atom"] = "rss",
) -> bytes:
    """Serialise ``entries`` (newest first, as given) as an RSS 2.0 or Atom document.

    The output depends only on the arguments: the same entries give the same bytes, so a
    hash of them is a valid ETag.
    """
    if fmt not in _MEDIA_TYPES:
        raise ValueError(f"unknown feed format {fmt!r}: expected 'rss' or 'atom'")

    fg = FeedGenerator()
    fg.id(_xml(meta.self_url))
    fg.title(_xml(meta.title))
    # RSS takes the channel <link> from the last link added, so the self link goes first.
    fg.link(href=_xml(meta.self_url), rel="self", type=_MEDIA_TYPES[fmt])
    fg.link(href=_xml(meta.link), rel="alternate", type="text/html")
    # RSS requires a non-empty channel description; feedgen raises without one.
    fg.description(_xml(meta.description) or _xml(meta.title))
    # Atom needs an author on the feed when entries have none.
    fg.author(name=_xml(meta.title))
    fg.generator("versiontrack")
    # Both atom:updated and rss:lastBuildDate default to the time of rendering.
    times = [_utc(entry.detected_at) for entry in entries]
    fg.updated(max(times, default=EMPTY_FEED_UPDATED))

    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry_guid(entry))  # also the RSS guid, with isPermaLink="false"
        fe.title(_xml(entry_title(entry)))
        fe.link(href=_xml(entry_link(entry, public_url)), rel="alternate")
        if (card := card_path(entry)) is not None:  # the diff card, as an image enclosure
            fe.link(href=public_url.rstrip("/") + card, rel="enclosure", type="image/png")
        # type="html": Atom <content type="html">, and the RSS <description> (escaped).
        fe.content(_xml(change_html(entry)), type="html")
        detected = _utc(entry.detected_at)
        fe.updated(detected)
        fe.published(detected)  # RSS <pubDate>
        if entry.source:
            fe.category(term=_xml(entry.source))

    if fmt == "atom":
        return _atom_enclosures(fg.atom_str(pretty=True))
    return fg.rss_str(pretty=True)


def _atom_enclosures(document: bytes) -> bytes:
    """Mark the cards' Atom links ``rel="enclosure"``: feedgen drops every entry link's ``rel``
    (and an Atom link without one means ``alternate``)."""
    if b'.png"' not in document:
        return document
    root = etree.fromstring(document)
    for link in root.iterfind(f"{_ATOM}entry/{_ATOM}link"):
        if link.get("href", "").endswith(".png"):
            link.set("rel", "enclosure")
            link.set("type", "image/png")
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def _utc(moment: datetime) -> datetime:
    # Stored times are UTC; a naive one comes from a database driver that dropped the zone.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _xml(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
