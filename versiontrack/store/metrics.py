"""Aggregate queries behind ``/metrics``: totals read from the database at scrape time, so
every process (daemons, shards, one-shot passes) is counted without per-process counters.
Functions take a ``Session`` and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from versiontrack.store.schema import ArticleRow, ChangeRow, CheckRow, VersionRow


def checks_by_outcome(session: Session) -> list[tuple[str, str, int]]:
    """(kind ``article``/``feed``, outcome, count) over the whole check log."""
    kind = case((CheckRow.article_id.is_(None), "feed"), else_="article")
    rows = session.execute(
        select(kind, CheckRow.outcome, func.count()).group_by(kind, CheckRow.outcome)
    )
    return [(k, outcome, n) for k, outcome, n in rows]


@dataclass(frozen=True, slots=True)
class Durations:
    kind: str
    cumulative: tuple[int, ...]  # checks at or under each bound, in order
    count: int
    total_ms: int


def check_durations(session: Session, bounds_ms: Sequence[int]) -> list[Durations]:
    """Cumulative histogram counts of check durations per kind, in one scan."""
    kind = case((CheckRow.article_id.is_(None), "feed"), else_="article")
    columns = [
        func.coalesce(func.sum(case((CheckRow.duration_ms <= b, 1), else_=0)), 0) for b in bounds_ms
    ]
    rows = session.execute(
        select(
            kind, *columns, func.count(), func.coalesce(func.sum(CheckRow.duration_ms), 0)
        ).group_by(kind)
    )
    found = []
    for row in rows:
        values = [int(v) for v in row[1:]]
        found.append(Durations(row[0], tuple(values[:-2]), values[-2], values[-1]))
    return sorted(found, key=lambda d: d.kind)


def versions_stored(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(VersionRow)) or 0)


def changes_by_kind(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(ChangeRow.kind, func.count()).group_by(ChangeRow.kind))
    return sorted((kind, n) for kind, n in rows)


def articles_by_status(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(select(ArticleRow.status, func.count()).group_by(ArticleRow.status))
    return sorted((status, n) for status, n in rows)
