"""Sources: the configured feeds as rows, their poll log and validators, and per-source counts.

Functions take a ``Session`` and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from versiontrack.domain import (
    Source,
    Validators,
)
from versiontrack.store.checks import log_check
from versiontrack.store.schema import (
    ArticleRow,
    SourceRow,
)


def sync_sources(session: Session, sources: Iterable[Source], now: datetime) -> None:
    """Insert or update the configured sources (rows of sources no longer configured stay).

    Several daemons start at once against one database, so the insert is ON CONFLICT DO
    NOTHING rather than check-then-insert, which races.
    """
    sources = list(sources)
    if sources:
        dialect = session.get_bind().dialect.name
        dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            dialect_insert(SourceRow)
            .values(
                [
                    {
                        "name": s.name,
                        "feed_url": s.listing_url,
                        "interval_seconds": s.interval,
                        "created_at": now,
                    }
                    for s in sources
                ]
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )
    existing = {row.name: row for row in session.scalars(select(SourceRow))}
    for source in sources:
        row = existing[source.name]
        if row.feed_url != source.listing_url:
            # A new feed URL means the old validators belong to another document.
            row.etag = row.last_modified = row.feed_digest = None
        row.feed_url = source.listing_url
        row.interval_seconds = source.interval
    session.flush()


def source_by_name(session: Session, name: str) -> SourceRow | None:
    return session.scalar(select(SourceRow).where(SourceRow.name == name))


def record_feed_poll(
    session: Session,
    source_id: int,
    *,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    error: str | None,
    validators: Validators | None,
    digest: str | None = None,
) -> None:
    """Log a feed poll and remember its validators (only from a successful poll) and the
    digest of a body read in full without a fault."""
    values: dict[str, object] = {"last_polled_at": started_at, "last_error": error}
    if validators is not None:
        values["etag"] = validators.etag
        values["last_modified"] = validators.last_modified
    if digest is not None:
        values["feed_digest"] = digest
    session.execute(update(SourceRow).where(SourceRow.id == source_id).values(**values))
    log_check(
        session,
        article_id=None,
        source_id=source_id,
        url=session.get_one(SourceRow, source_id).feed_url,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=http_status,
        outcome=outcome,
        error=error,
    )


@dataclass(frozen=True, slots=True)
class SourceStats:
    name: str
    feed: str
    articles: int
    last_polled_at: datetime | None
    last_error: str | None


def source_stats(session: Session) -> list[SourceStats]:
    counts = (
        select(ArticleRow.source_id, func.count().label("n"))
        .group_by(ArticleRow.source_id)
        .subquery()
    )
    rows = session.execute(
        select(SourceRow, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.source_id == SourceRow.id)
        .order_by(SourceRow.name)
    )
    return [
        SourceStats(row.name, row.feed_url, n, row.last_polled_at, row.last_error)
        for row, n in rows
    ]
