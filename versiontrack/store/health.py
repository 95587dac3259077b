"""Queries of source health: the recent checks a verdict reads, the verdict stored on the
source, and the log of its changes (``health_events``). Functions take a ``Session`` and never
commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from versiontrack.store.schema import (
    ArticleRow,
    ChangeRow,
    CheckRow,
    HealthEventRow,
    SourceRow,
    VersionRow,
)


def all_sources(session: Session) -> list[SourceRow]:
    return list(session.scalars(select(SourceRow).order_by(SourceRow.name)))


def recent_polls(session: Session, source_id: int, limit: int) -> list[tuple[str, str | None]]:
    """(outcome, error) of the source's last feed polls, newest first."""
    rows = session.execute(
        select(CheckRow.outcome, CheckRow.error)
        .where(CheckRow.source_id == source_id)
        .order_by(CheckRow.id.desc())
        .limit(limit)
    )
    return [(r.outcome, r.error) for r in rows]


def recent_article_checks(
    session: Session, source_id: int, limit: int
) -> list[tuple[int, str, str | None]]:
    """(article id, outcome, error) of the last checks of the source's articles, newest first.

    Read through the source's most recently checked articles (every check sets
    ``last_checked``, so the last ``limit`` checks are theirs) and the per-article index of the
    log: a source with few checks never makes this scan the whole log.
    """
    latest = (
        select(ArticleRow.id)
        .where(ArticleRow.source_id == source_id, ArticleRow.last_checked.is_not(None))
        .order_by(ArticleRow.last_checked.desc())
        .limit(limit)
    )
    rows = session.execute(
        select(CheckRow.article_id, CheckRow.outcome, CheckRow.error)
        .where(CheckRow.article_id.in_(latest))
        .order_by(CheckRow.id.desc())
        .limit(limit)
    )
    return [(r.article_id, r.outcome, r.error) for r in rows]


def recent_edits(
    session: Session, source_id: int, limit: int
) -> list[tuple[int, dict[str, Any], int, int]]:
    """(article id, diff, text size before, text size after) of the source's last edits, read
    through its most recently changed articles (twice ``limit``: removals also set
    ``last_changed``)."""
    latest = (
        select(ArticleRow.id)
        .where(ArticleRow.source_id == source_id, ArticleRow.last_changed.is_not(None))
        .order_by(ArticleRow.last_changed.desc())
        .limit(2 * limit)
    )
    old, new = aliased(VersionRow), aliased(VersionRow)
    rows = session.execute(
        select(ChangeRow.article_id, ChangeRow.diff, old.text_size, new.text_size)
        .join(
            old, (old.article_id == ChangeRow.article_id) & (old.number == ChangeRow.from_version)
        )
        .join(new, (new.article_id == ChangeRow.article_id) & (new.number == ChangeRow.to_version))
        .where(ChangeRow.article_id.in_(latest), ChangeRow.kind == "edited")
        .order_by(ChangeRow.id.desc())
        .limit(limit)
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def set_health(
    session: Session, row: SourceRow, status: str, reason: str | None, now: datetime
) -> None:
    """Store the source's verdict, and log it when the status changed."""
    if status != row.health:
        session.add(
            HealthEventRow(
                source_id=row.id, at=now, status=status, previous=row.health, reason=reason
            )
        )
        row.health_since = now
    row.health = status
    row.health_reason = reason
    session.flush()


@dataclass(frozen=True, slots=True)
class HealthEvent:
    id: int
    source: str
    at: datetime
    status: str
    previous: str
    reason: str | None


def health_events(session: Session, limit: int) -> list[HealthEvent]:
    """The newest changes of source health first."""
    rows = session.execute(
        select(HealthEventRow, SourceRow.name)
        .join(SourceRow, SourceRow.id == HealthEventRow.source_id)
        .order_by(HealthEventRow.at.desc(), HealthEventRow.id.desc())
        .limit(limit)
    )
    return [HealthEvent(e.id, name, e.at, e.status, e.previous, e.reason) for e, name in rows]


def health_by_source(session: Session) -> dict[str, tuple[str, str | None, datetime | None, str]]:
    """name → (status, reason, since, origin) for every source row."""
    rows = session.execute(
        select(
            SourceRow.name,
            SourceRow.health,
            SourceRow.health_reason,
            SourceRow.health_since,
            SourceRow.origin,
        )
    )
    return {r.name: (r.health, r.health_reason, r.health_since, r.origin) for r in rows}


def sources_by_health(session: Session) -> dict[str, int]:
    rows = session.execute(select(SourceRow.health, func.count()).group_by(SourceRow.health))
    return {status: n for status, n in rows}
