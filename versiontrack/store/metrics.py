"""Aggregate queries behind ``/metrics``: totals read from the database at scrape time, so
every process (daemons, shards, one-shot passes) is counted without per-process counters.
Functions take a ``Session`` and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from versiontrack.store.schema import ArticleRow, ChangeRow, CheckRow, VersionRow


@dataclass(frozen=True, slots=True)
class CheckTotals:
    """Checks of one kind and outcome in a range of the check log: how many, how many took at
    most each histogram bound, and their summed duration."""

    kind: str  # "article" or "feed"
    outcome: str
    count: int
    within: tuple[int, ...]  # checks at or under each bound, in order
    total_ms: int


def check_totals(
    session: Session, bounds_ms: Sequence[int], after_id: int, up_to_id: int | None = None
) -> list[CheckTotals]:
    """Totals of the checks with ``after_id < id <= up_to_id`` (no upper end: None), by kind and
    outcome, in one scan of that id range."""
    kind = case((CheckRow.article_id.is_(None), "feed"), else_="article")
    within = [
        func.coalesce(func.sum(case((CheckRow.duration_ms <= b, 1), else_=0)), 0) for b in bounds_ms
    ]
    query = (
        select(
            kind,
            CheckRow.outcome,
            func.count(),
            func.coalesce(func.sum(CheckRow.duration_ms), 0),
            *within,
        )
        .where(CheckRow.id > after_id)
        .group_by(kind, CheckRow.outcome)
    )
    if up_to_id is not None:
        query = query.where(CheckRow.id <= up_to_id)
    return [
        CheckTotals(row[0], row[1], int(row[2]), tuple(int(v) for v in row[4:]), int(row[3]))
        for row in session.execute(query)
    ]


def settled_check_id(session: Session, after_id: int, before: datetime) -> int:
    """The highest check id past ``after_id`` among checks started before ``before``: rows up to
    it are settled (no transaction still holding a lower id can commit a check that old)."""
    found = session.scalar(
        select(func.max(CheckRow.id)).where(CheckRow.id > after_id, CheckRow.started_at < before)
    )
    return after_id if found is None else int(found)


def versions_stored(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(VersionRow)) or 0)


def changes_by_kind(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(ChangeRow.kind, func.count()).group_by(ChangeRow.kind))
    return sorted((kind, n) for kind, n in rows)


def articles_by_status(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(ArticleRow.status, func.count()).group_by(ArticleRow.status))
    return sorted((status, n) for status, n in rows)
