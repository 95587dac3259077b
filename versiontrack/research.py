"""Use cases for research over the stored history: ``search``, ``db reindex`` and the search
page and feed of the web app.

Each function opens one session, calls ``store.search`` / ``store.stream`` and returns plain
data (JSON-ready dicts, or feed bytes) for the CLI or the web app to format. Nothing here
prints or renders HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from versiontrack.domain import ChangeEntry
from versiontrack.errors import InvalidArgument, NotFound
from versiontrack.publish.feed import FeedMeta, render_feed
from versiontrack.service.models import iso
from versiontrack.service.reads import parse_since
from versiontrack.settings import Settings
from versiontrack.store import changes, sources, stream
from versiontrack.store import search as index
from versiontrack.store.engine import Database
from versiontrack.store.search import Hit

__all__ = ["Hit", "reindex", "search", "search_feed"]

#: Results ``search`` returns unless told otherwise, and the most it returns.
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


def terms_of(query: str) -> list[str]:
    """A query's terms, or a one-line error when it has no word to look for."""
    terms = index.fts_query(query)
    if not terms:
        raise InvalidArgument(f"nothing to search for in {query!r}: give a word or a phrase")
    return terms


def hit_json(hit: Hit) -> dict[str, Any]:
    """The JSON shape of one search result (``search --json``)."""
    return {
        "article": hit.article_id,
        "url": hit.url,
        "title": hit.title,
        "version": hit.version,
        "fetched_at": iso(hit.fetched_at),
        "field": hit.field,
        "sentence": hit.sentence,
        "removed_in": hit.removed_in,
    }


def search(
    db: Database,
    query: str,
    *,
    removed: bool = False,
    source: str | None = None,
    since: str | datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> list[Hit]:
    """Sentences of every stored version matching ``query`` (words and "quoted phrases"),
    best first, newest first on ties. ``since`` is ``24h``, ``7d`` or a date."""
    terms = terms_of(query)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidArgument(f"limit must be between 1 and {MAX_LIMIT}")
    if isinstance(since, str):
        from versiontrack.pipeline.context import utcnow

        since = parse_since(since, now or utcnow())
    with db.sessions() as session:
        if source is not None and sources.source_by_name(session, source) is None:
            raise NotFound(f"no source named {source!r}")
        return index.search(
            session, terms, removed=removed, source=source, since=since, limit=limit
        )


def reindex(db: Database, on_article: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Rebuild the search index from every stored version, one transaction per article.

    Returns how many articles and index rows there are. ``on_article`` is told each
    article's number of versions as it is done (for a progress bar)."""
    articles = rows = 0
    with db.sessions() as reader:  # articles read a page at a time, each written on its own
        for ref in stream.articles(reader):
            with db.sessions() as session, session.begin():
                texts = (version.text for version in stream.versions(session, ref.id))
                rows += index.reindex_article(session, ref.id, texts)
            articles += 1
            if on_article:
                on_article(ref.versions)
    return articles, rows


def total_versions(db: Database) -> int:
    with db.sessions() as session:
        return stream.count_versions(session)


def search_feed(
    settings: Settings, db: Database, query: str, *, fmt: Literal["rss", "atom"] = "rss"
) -> bytes:
    """RSS (or Atom) of the changes that added or removed a sentence matching ``query``,
    newest first."""
    terms = terms_of(query)
    base = settings.server.public_url.rstrip("/")
    with db.sessions() as session:
        entries: list[ChangeEntry] = []
        by_article: dict[int, dict[int, ChangeEntry]] = {}
        for article_id, version in index.hits_in_changes(session, terms):
            if article_id not in by_article:
                by_article[article_id] = changes.changes_by_version(session, article_id)
            entry = by_article[article_id].get(version)
            if entry is not None:
                entries.append(entry)
    entries.sort(key=lambda e: (e.detected_at, e.article_id, e.id), reverse=True)
    meta = FeedMeta(
        title=f"versiontrack: changes mentioning {query}",
        link=f"{base}/search?q={quote(query)}",
        description=f"Changes that added or removed sentences matching {query}",
        self_url=f"{base}/search.xml?q={quote(query)}",
    )
    return render_feed(entries, meta, base, fmt)
