"""Source health changes → an RSS 2.0 feed (``/health.xml``): one item per change.

A source turning ``degraded`` (its feed failing, its extractions collapsing, its changes
suddenly huge: ``versiontrack.health``) or recovering is an item, so a reader subscribed to the
health feed hears when a tracker stops seeing a site. Names and reasons (which quote errors a
server caused) are escaped by feedgen and stripped of XML-illegal characters. Reproducible:
the feed's build date is its newest item's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from versiontrack.store.health import HealthEvent

__all__ = ["event_title", "render_health_feed"]

EMPTY_FEED_UPDATED = datetime(1970, 1, 1, tzinfo=UTC)
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def event_title(event: HealthEvent) -> str:
    if event.status == "ok":
        return f"{event.source}: recovered"
    return f"{event.source}: {event.status}"


def render_health_feed(events: Sequence[HealthEvent], public_url: str) -> bytes:
    """RSS 2.0 of source health changes, newest first."""
    root = public_url.rstrip("/")
    fg = FeedGenerator()
    fg.title("versiontrack: source health")
    fg.link(href=f"{root}/healthz", rel="alternate")
    fg.description("Sources whose feed fails, whose pages stop reading or whose changes turn huge")
    fg.language("en")
    fg.lastBuildDate(events[0].at if events else EMPTY_FEED_UPDATED)
    for event in reversed(events):  # feedgen prepends: add the oldest first
        item = fg.add_entry()
        item.guid(f"{root}/health.xml#event-{event.id}", permalink=False)
        item.title(_clean(event_title(event)))
        item.link(href=f"{root}/sources/{quote(event.source, safe='')}/feed.xml")
        reason = event.reason or ("back to normal" if event.status == "ok" else event.status)
        said = f"{event.source} was {event.previous}, is {event.status}: {reason}"
        item.description(_clean(said))
        item.pubDate(event.at)
    return fg.rss_str(pretty=True)


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)
