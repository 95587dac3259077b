"""The use cases that change state: a check pass, tracking an article, re-extraction, the
schema (``db upgrade``/``db current``), and the source list (which first syncs the
configured sources into the database)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from versiontrack import health, readers, shards, urls
from versiontrack.archive import spn
from versiontrack.errors import ConfigError, NotFound
from versiontrack.fetch import Fetcher
from versiontrack.pipeline.context import CheckOutcome, PassReport, PollOutcome, Runtime, utcnow
from versiontrack.pipeline.passes import check_claimed, poll_and_claim, start_pass
from versiontrack.pipeline.reextract import reextract_article
from versiontrack.service.database import resolve_article, transaction
from versiontrack.service.models import ArticleItem, article_item
from versiontrack.settings import Settings
from versiontrack.store import articles, migrate
from versiontrack.store import sources as sources_store
from versiontrack.store import versions as versions_store
from versiontrack.store.engine import Database
from versiontrack.store.schema import ArticleRow

log = logging.getLogger(__name__)


def check(
    settings: Settings,
    db: Database,
    *,
    force: bool = False,
    refs: Sequence[str] = (),
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[CheckOutcome], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> PassReport:
    """One pass: claim the due articles (or just the ones named), poll every source, claim
    what the poll added, and check them all; a pass big enough to shard checks what it knew
    while its own process polls."""
    ids: list[int] | None = None
    if refs:
        with db.sessions() as session:
            ids = [resolve_article(session, ref).id for ref in refs]

    async def go(pool: Executor | None, ready: list[shards.Standby]) -> PassReport:
        async with Fetcher(settings.fetch) as fetcher:
            rt = Runtime(settings, db.sessions, fetcher, clock, cpu=pool)
            due, held = await start_pass(rt, force=force, article_ids=ids)
            polls: list[PollOutcome] = []
            count = shards.shard_count(rt, len(due))
            if ids is None and count > 1:
                # enough known articles to shard: their checks start now, and this process
                # polls the sources meanwhile (the new articles join the pass's work)
                work = shards.Work(due, closed=False)
                log.info("checking %d known articles while the sources are polled", len(due))
                if on_total:
                    on_total(len(due))

                async def poll(mine: Runtime) -> None:
                    nonlocal polls, held
                    try:
                        polls, later, held = await poll_and_claim(mine, force=force)
                        work.add(later)
                        if on_total and later:
                            on_total(len(work.order))
                    finally:
                        work.close()  # whatever happened: the shards must not wait for more

                checks = await shards.check_in_shards(rt, work, count, on_progress, ready, poll)
            else:
                if ids is None:
                    polls, later, held = await poll_and_claim(rt, force=force)
                    due += later
                if on_total:
                    on_total(len(due))
                count = shards.shard_count(rt, len(due))
                if count > 1:
                    work = shards.Work(due)
                    checks = await shards.check_in_shards(rt, work, count, on_progress, ready)
                else:
                    checks = await check_claimed(rt, due, on_progress)
            # Save Page Now requests the pass queued, for a bounded time; never raises
            await spn.drain_quietly(rt, seconds=settings.archive.drain_time)
            return PassReport(polls, checks, held)

    # What lives before the pass (the program and its libraries, most of the heap) is set
    # aside from the cyclic collector for the pass: one full collection of it cost 70–80 ms
    # of a 2-second pass at N = 500, and the processes forked below inherit it set aside.
    gc.freeze()
    # shards are forked first, while this process runs no other thread (``shards.standby``)
    try:
        with (
            shards.standby(settings, at_most=len(ids) if ids is not None else None) as ready,
            readers.cpu_pool(settings, sparing=True) as pool,
        ):
            try:
                report = asyncio.run(go(pool, ready))
            finally:
                readers.end_reading()  # and leaves none behind for the next pass to fork with
    finally:
        gc.unfreeze()
    health.refresh(db.sessions, clock(), settings)  # judge each source on the checks just logged
    return report


def add_article(
    settings: Settings, db: Database, url: str, source: str | None = None
) -> tuple[ArticleItem, bool]:
    """Track one article URL (optionally under a configured source); True if it is new."""
    try:
        canonical = urls.canonicalize(url)
    except ValueError as exc:
        raise ConfigError(f"not an article URL: {url!r} ({exc})") from exc
    now = utcnow()
    with db.sessions() as session, session.begin():
        sources_store.sync_sources(session, settings.sources, now)
        source_id = None
        if source is not None:
            row = sources_store.source_by_name(session, source)
            if row is None:
                raise NotFound(f"no source named {source!r} in the config")
            source_id = row.id
        article = articles.article_for_url(session, canonical)
        created = article is None
        if article is None:
            article = articles.add_article(session, canonical, now=now, source_id=source_id)
        return article_item(article), created


@dataclass(frozen=True, slots=True)
class Reextracted:
    article_id: int
    url: str
    versions: int
    changed: int  # versions whose text the current extractor reads differently
    kept_pages: bool  # False: some version has no kept page, nothing was re-extracted


def reextract(
    settings: Settings,
    db: Database,
    refs: Sequence[str] = (),
    *,
    clock: Callable[[], datetime] = utcnow,
) -> list[Reextracted]:
    """Re-run extraction over the kept pages of the named articles (default: all).

    One short transaction per article; no version is added or removed (see
    ``pipeline.reextract_article``).
    """
    with db.sessions() as session:
        ids = (
            [resolve_article(session, ref).id for ref in refs]
            if refs
            else [a.id for a in articles.list_articles(session)]
        )
    sources = {s.name: s for s in settings.sources}
    results = []
    for article_id in ids:
        with db.sessions() as session:
            article = session.get_one(ArticleRow, article_id)
            url, count = article.url, article.version_count
            kept = versions_store.pages_kept(session, article_id)
            source = sources.get(article.source.name) if article.source else None
        changed = reextract_article(
            db.sessions, lambda: transaction(db), article_id, source, clock()
        )
        results.append(Reextracted(article_id, url, count, changed, kept))
    return results


def list_sources(settings: Settings, db: Database) -> list[sources_store.SourceStats]:
    with db.sessions() as session, session.begin():
        sources_store.sync_sources(session, settings.sources, utcnow())
        return sources_store.source_stats(session)


def upgrade_schema(db: Database) -> tuple[str | None, str | None]:
    """Upgrade the schema to this code's head: the revisions before and after (None: empty)."""
    before = migrate.current(db.engine)
    migrate.upgrade(db.engine)
    return before, migrate.current(db.engine)


def schema_revision(db: Database) -> tuple[str | None, str]:
    """The database's schema revision (None: empty) and the one this code needs."""
    return migrate.current(db.engine), migrate.head()
