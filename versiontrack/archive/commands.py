"""The use cases behind ``versiontrack warc export|import``, ``import wayback`` and
``archive``: open what they need, run the archive modules, return plain data to format."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from versiontrack import __version__, urls
from versiontrack.archive import spn, warc, wayback
from versiontrack.archive.captures import BackfillReport, CaptureOutcome, backfill
from versiontrack.errors import ArchiveError, ConfigError
from versiontrack.fetch import Fetcher
from versiontrack.pipeline.context import Runtime, unit_of_work, utcnow
from versiontrack.service.database import resolve_article
from versiontrack.settings import Settings
from versiontrack.store import archive_queue, archived, articles
from versiontrack.store.engine import Database

__all__ = [
    "queue_status",
    "save_queued",
    "warc_export",
    "warc_import",
    "wayback_import",
]

T = TypeVar("T")


def _run(settings: Settings, db: Database, work: Callable[[Runtime], Awaitable[T]]) -> T:
    async def go() -> T:
        # A runtime like a pass's; back-fills never fetch through it (the pages are here).
        async with Fetcher(settings.fetch) as fetcher:
            return await work(Runtime(settings, db.sessions, fetcher))

    return asyncio.run(go())


def warc_export(
    settings: Settings, db: Database, out: Path, refs: Sequence[str] = ()
) -> warc.WarcCounts:
    """Every kept page of the named articles (default: all) into one WARC/1.1 file.

    Written beside ``out`` and renamed into place when complete: a failed export leaves no
    half-written file behind.
    """
    with db.sessions() as session:
        if refs:
            ids = [resolve_article(session, r).id for r in refs]
        else:
            ids = archived.article_ids(session)
    partial = out.with_name(out.name + ".partial")
    try:
        with db.sessions() as session, open(partial, "wb") as fh:
            counts = warc.write_warc(
                fh,
                archived.kept_pages(session, ids),
                filename=out.name,
                software=f"versiontrack/{__version__}",
                user_agent=settings.fetch.user_agent,
            )
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ArchiveError(f"cannot write {out}: {exc.strerror or exc}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return counts


def warc_import(
    settings: Settings, db: Database, paths: Sequence[Path], *, tracked_only: bool = False
) -> BackfillReport:
    """Back-fill versions from the HTML captures in WARC/ARC files, in capture order."""
    refs = warc.index_captures(paths)
    captures = warc.load_captures(refs, settings.fetch.max_bytes)
    return _run(settings, db, lambda rt: backfill(rt, captures, tracked_only=tracked_only))


def wayback_import(
    settings: Settings,
    db: Database,
    url: str,
    *,
    since: str | None = None,
    until: str | None = None,
) -> BackfillReport:
    """Back-fill an article's versions from the Wayback Machine's captures of it."""
    try:
        canonical = urls.canonicalize(url)
    except ValueError as exc:
        raise ConfigError(f"not an article URL: {url!r} ({exc})") from exc
    start = wayback.cdx_timestamp(since) if since else None
    end = wayback.cdx_timestamp(until) if until else None
    base = settings.archive.wayback_url

    async def work(rt: Runtime) -> BackfillReport:
        pacer = wayback.Pacer(settings.archive.delay)
        async with wayback.archive_client(settings) as client:
            rows = await wayback.list_captures(client, base, canonical, start, end, pacer)
            reach = await asyncio.to_thread(_reach, rt, canonical)
            older = [r for r in rows if reach is not None and r.captured_at <= reach]
            newer = [r for r in rows if r not in older]
            report = await backfill(
                rt,
                wayback.replay_captures(client, base, newer, pacer, settings.fetch.max_bytes),
            )
        skipped = [CaptureOutcome(r.original, r.captured_at, "older") for r in older]
        report.outcomes[:0] = skipped
        return report

    return _run(settings, db, work)


def _reach(rt: Runtime, url: str) -> datetime | None:
    with unit_of_work(rt) as session:
        article = articles.article_for_url(session, url)
        return archived.history_reach(session, article.id) if article else None


@dataclass(frozen=True, slots=True)
class QueueStatus:
    counts: archive_queue.QueueCounts
    enabled: bool


def queue_status(settings: Settings, db: Database) -> QueueStatus:
    with db.sessions() as session:
        return QueueStatus(archive_queue.queue_counts(session, utcnow()), settings.archive.save)


def save_queued(
    settings: Settings, db: Database, *, limit: int | None = None, seconds: float | None = None
) -> spn.DrainReport:
    """Send the due Save Page Now requests now (``versiontrack archive``)."""
    return _run(settings, db, lambda rt: spn.drain(rt, limit=limit, seconds=seconds))
