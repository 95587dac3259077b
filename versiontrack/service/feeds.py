"""The change feeds: what a feed shows (``FeedQuery``), its validators (ETag, Last-Modified)
and its XML.

A ``FeedQuery`` is frozen and hashable: the web app keys its cache of rendered feeds by it,
and the ETag is computed from it (with the state of the changes in its scope), so the two
can never disagree about which arguments make a feed different.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from versiontrack import __version__, flag_rules, significance, watch
from versiontrack.errors import InvalidArgument, NotFound
from versiontrack.publish.feed import FeedMeta, render_feed
from versiontrack.service.database import resolve_article
from versiontrack.settings import Settings
from versiontrack.store import archive_queue, changes, sources
from versiontrack.store.engine import Database


@dataclass(frozen=True, slots=True)
class FeedQuery:
    """One change feed: global, for one ``source``, or for one ``article`` (an id or URL).

    Changes below ``min_significance`` (default ``feed.min_significance``) are left out, with
    ``flags`` only changes carrying one of them are included, and with ``terms`` only changes
    touching a sentence that names one (``watch``; among the newest ``watch.SCAN`` changes).
    """

    source: str | None = None
    article: str | None = None
    fmt: Literal["rss", "atom"] = "rss"
    limit: int = 50
    min_significance: str | None = None
    flags: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedValidators:
    """A change feed's ETag and Last-Modified, known without rendering the feed."""

    etag: str
    last_modified: datetime | None


def feed(settings: Settings, db: Database, query: FeedQuery = FeedQuery()) -> bytes:
    """The change feed XML that ``query`` names."""
    min_level, flags = feed_filter(settings, query.min_significance, query.flags)
    base = settings.server.public_url.rstrip("/")
    ext = "xml" if query.fmt == "rss" else "atom"
    source = query.source
    with db.sessions() as session:
        article_id: int | None = None
        if query.article is not None:
            row = resolve_article(session, query.article)
            article_id = row.id
            meta = FeedMeta(
                title=f"versiontrack: {row.title or row.url}",
                link=f"{base}/articles/{row.id}",
                description=f"Changes to {row.url}",
                self_url=f"{base}/articles/{row.id}/feed.{ext}",
            )
        elif source is not None:
            if sources.source_by_name(session, source) is None:
                raise NotFound(f"no source named {source!r}")
            meta = FeedMeta(
                title=f"versiontrack: {source}",
                link=f"{base}/",
                description=f"Changes to articles from {source}",
                self_url=f"{base}/sources/{source}/feed.{ext}",
            )
        else:
            meta = FeedMeta(
                title="versiontrack: article changes",
                link=f"{base}/",
                description="Changes to tracked news articles",
                self_url=f"{base}/feed.{ext}",
            )
        entries = changes.changes(
            session,
            source=source,
            article_id=article_id,
            limit=watch.SCAN if query.terms else query.limit,
            min_level=min_level,
            flags=flags,
        )
        entries = watch.matching(entries, query.terms)[: query.limit]
        entries = archive_queue.with_archive_urls(session, entries)
    return render_feed(entries, meta, base, query.fmt)


def feed_filter(
    settings: Settings, min_significance: str | None, flags: Sequence[str]
) -> tuple[int, tuple[str, ...]]:
    """Validate a feed's ``min``/``flags`` filter into a stored level and a flag tuple."""
    minimum = min_significance or settings.feed.min_significance
    try:
        min_level = significance.level_number(minimum)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from exc
    unknown = sorted(set(flags) - set(flag_rules.FLAGS))
    if unknown:
        raise InvalidArgument(
            f"unknown flag {', '.join(unknown)}; expected some of {', '.join(flag_rules.FLAGS)}"
        )
    return min_level, tuple(sorted(set(flags)))


def feed_validators(
    settings: Settings, db: Database, query: FeedQuery = FeedQuery()
) -> FeedValidators:
    """The validators of what ``feed`` renders for the same query, from one small query.

    A feed's bytes depend only on the changes in its scope (and their edits), an
    article feed's title and URL, the query, the public URL and the code that renders it,
    so the ETag hashes exactly those. Take the validators *before* rendering: a change stored
    in between then makes the ETag older than the body, which costs a client one more full
    fetch later, never a stale 304.
    """
    min_level, flags = feed_filter(settings, query.min_significance, query.flags)
    source, article = query.source, query.article
    with db.sessions() as session:
        article_id: int | None = None
        if article is not None:
            article_id = int(article) if article.isdigit() else resolve_article(session, article).id
        state = changes.changes_state(session, source=source, article_id=article_id)
        # items link their archived copy once Save Page Now answered (archive.save)
        archived_at = archive_queue.saved_marker(session) if settings.archive.save else ""
    if state is None:
        if article_id is not None:
            raise NotFound(f"no tracked article {article!r}")
        raise NotFound(f"no source named {source!r}")
    newest = state.newest_at.isoformat() if state.newest_at else ""
    revised = state.revised_at.isoformat() if state.revised_at else ""
    key = (
        f"{__version__}\n{settings.server.public_url.rstrip('/')}\n{query.fmt}\n{query.limit}\n"
        f"{'' if article_id is not None else source}\n{article_id}\n"
        f"{state.count}\n{state.newest_id}\n{newest}\n{state.revisions}\n{revised}\n"
        f"{state.label}\n{min_level}\n{flags}\n{archived_at}\n{tuple(query.terms)}"
    )
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
    modified = max((t for t in (state.newest_at, state.revised_at) if t), default=None)
    return FeedValidators(f'"{digest}"', modified)
