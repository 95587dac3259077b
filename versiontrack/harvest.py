"""One source's listings polled together: its feed, its sitemap and its front page.

``pipeline.passes.poll_sources`` calls :func:`fetch_source` and :func:`store_source` for every
source. A source with only a ``feed`` is polled exactly as before (``pipeline.poll.fetch_feed``). A
``sitemap`` (index, urlset or Google News) and a ``front`` page with its ``links`` pattern add
the articles they list that the feed lacks; all of them go through the one fetcher, so robots,
politeness, size caps and the SSRF guard apply as to any request.

Sitemaps are read incrementally: an index's child sitemaps and a urlset's entries whose
``lastmod`` (or ``news:publication_date``) is no later than the newest one the last complete
read saw are skipped, and a tracked article whose ``lastmod`` is newer than its last check is
made due at once. The mark is the sitemap's own newest date, not our clock, so a cached or
late sitemap and a skewed clock lose nothing; dates more than a day ahead of us never move it. A
failing listing fails the poll (recorded like a failed feed) but the articles the other
listings found are still added.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from versiontrack import discover_sitemap, front
from versiontrack.discover_sitemap import SitemapEntry
from versiontrack.domain import FeedItem, Source, Validators
from versiontrack.errors import CheckError, HTTPStatusError
from versiontrack.pipeline.context import GONE_STATUSES, PollOutcome, Runtime, unit_of_work
from versiontrack.pipeline.poll import FeedFetch, fetch_feed, store_feed
from versiontrack.store import discovery

__all__ = ["HarvestFetch", "fetch_source", "store_source"]

log = logging.getLogger(__name__)

#: Child sitemaps of an index read on the first poll (the newest by ``lastmod`` first); news
#: sites' indexes list years of monthly archives, and only the recent ones hold tracked
#: articles. Later polls read every child changed since, up to ``MAX_CHANGED_SITEMAPS``.
MAX_CHILD_SITEMAPS = 10
MAX_CHANGED_SITEMAPS = 50
#: Sitemap indexes nested this deep at most (sitemaps.org allows none; some sites nest one).
MAX_DEPTH = 2
#: A lastmod further ahead of our clock than this is a site's bug: it never becomes the mark.
FUTURE_SLACK = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HarvestFetch(FeedFetch):
    """A polled source: ``FeedFetch`` plus what its sitemap said."""

    #: the newest lastmod of a complete sitemap read (the next read skips what is no newer)
    sitemap_mark: datetime | None = None
    #: (url, lastmod) of sitemap entries that changed since the last complete read
    changed: tuple[tuple[str, datetime], ...] = ()


async def fetch_source(rt: Runtime, source: Source) -> FeedFetch:
    """Poll every listing of ``source``; failures become ``error`` (never raised)."""
    if not (source.sitemap or source.front):
        return await fetch_feed(rt, source)
    source_id, since = await asyncio.to_thread(_state, rt, source.name)
    started_at, started = rt.clock(), time.monotonic()
    base = await fetch_feed(rt, source) if source.feed else None
    items: list[FeedItem] = list(base.items) if base else []
    errors: list[str] = [base.error] if base and base.error else []
    skipped: list[str] = list(base.skipped) if base else []
    mark: datetime | None = None
    changed: list[tuple[str, datetime]] = []
    if source.sitemap:
        try:
            entries, notes, mark = await _read_sitemaps(rt, source.sitemap, since)
        except CheckError as exc:
            errors.append(f"sitemap: {exc}")
        except Exception as exc:  # a bug on one sitemap must not lose the pass
            log.exception("sitemap of %s crashed", source.name)
            errors.append(f"sitemap: internal error: {exc!r}")
        else:
            items.extend(entry.item() for entry in entries)
            skipped.extend(notes)
            if since is not None:
                changed = [(e.url, e.changed_at) for e in entries if e.changed_at is not None]
    if source.front and source.links:
        try:
            result = await rt.fetcher.get(source.front, Validators())
            if result.status in GONE_STATUSES:
                raise HTTPStatusError(f"HTTP {result.status} from {result.url}", result.status)
            items.extend(front.read_front(result.body, result.url, source.links))
        except CheckError as exc:
            errors.append(f"front page: {exc}")
        except Exception as exc:
            log.exception("front page of %s crashed", source.name)
            errors.append(f"front page: internal error: {exc!r}")
    return HarvestFetch(
        source,
        source_id,
        base.started_at if base else started_at,
        int((time.monotonic() - started) * 1000),
        base.status if base else None,
        tuple(_unique(items)),
        base.validators if base else None,
        "; ".join(errors) or None,
        tuple(skipped),
        sitemap_mark=mark,
        changed=tuple(changed),
    )


def store_source(rt: Runtime, fetched: FeedFetch) -> PollOutcome:
    """``pipeline.poll.store_feed``, then the sitemap's mark and the nudges, in a second unit of
    work (a crash between the two only makes the next poll read more of the sitemap)."""
    outcome = store_feed(rt, fetched)
    if isinstance(fetched, HarvestFetch) and fetched.sitemap_mark is not None:
        with unit_of_work(rt) as session:
            discovery.mark_sitemap_read(session, fetched.source_id, fetched.sitemap_mark)
            moved = discovery.nudge_changed(session, fetched.changed, rt.clock())
        if moved:
            log.info("sitemap of %s: %d changed articles due now", fetched.source.name, moved)
    return outcome


def _state(rt: Runtime, name: str) -> tuple[int, datetime | None]:
    with rt.sessions() as session:
        return discovery.source_listing_state(session, name)


async def _read_sitemaps(
    rt: Runtime, url: str, since: datetime | None
) -> tuple[list[SitemapEntry], list[str], datetime | None]:
    """The fresh page entries of the sitemap at ``url`` (following an index), why entries were
    skipped, and the newest date read (the next read's mark; never earlier than ``since``)."""
    pages: list[SitemapEntry] = []
    notes: list[str] = []
    queue: list[tuple[str, int]] = [(url, 0)]
    seen = {url}
    mark, ahead = since, rt.clock() + FUTURE_SLACK
    while queue:
        current, depth = queue.pop(0)
        result = await rt.fetcher.get(current, Validators())
        if result.status in GONE_STATUSES:
            raise HTTPStatusError(f"HTTP {result.status} from {result.url}", result.status)
        read = discover_sitemap.read_sitemap(
            result.body, result.url, max_bytes=rt.settings.fetch.max_bytes * 10
        )
        notes.extend(read.skipped)
        for entry in (*read.pages, *read.sitemaps):
            when = entry.changed_at
            if when is not None and when <= ahead and (mark is None or when > mark):
                mark = when
        pages.extend(e for e in read.pages if discover_sitemap.fresh(e, since))
        if depth >= MAX_DEPTH:
            continue
        children = [
            e for e in read.sitemaps if discover_sitemap.fresh(e, since) and e.url not in seen
        ]
        # newest first; undated ones after the dated ones, in index order
        children.sort(key=lambda e: (e.changed_at is not None, e.changed_at or 0), reverse=True)
        for child in children[: MAX_CHILD_SITEMAPS if since is None else MAX_CHANGED_SITEMAPS]:
            seen.add(child.url)
            queue.append((child.url, depth + 1))
    return pages, notes, mark


def _unique(items: list[FeedItem]) -> list[FeedItem]:
    """One item per URL, the first listing's (the feed's title and guid win)."""
    kept: dict[str, FeedItem] = {}
    for item in items:
        if item.url not in kept:
            kept[item.url] = item
        elif kept[item.url].title is None and item.title:
            kept[item.url] = replace(kept[item.url], title=item.title)
    return list(kept.values())
