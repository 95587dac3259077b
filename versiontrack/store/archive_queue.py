"""The Save Page Now queue (``archive_requests``) and the archive columns of versions.

A request is written in the transaction that stores its version (``enqueue``); a drain claims
one due request at a time (``claim_save``: on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so two
daemons never ask twice), and records the answer (``save_succeeded``/``save_failed``). A
claim pushes the request's ``next_attempt_at`` out by the hold, so a drain that dies leaves it
to be retried after that. Saved requests stay as ``saved`` rows (their ``next_attempt_at`` is
when): the newest one dates the archive links that feeds show (``saved_marker``). Functions
take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from versiontrack.domain import ChangeEntry
from versiontrack.store.schema import ArchiveRequestRow, VersionRow

__all__ = [
    "QueueCounts",
    "SaveJob",
    "claim_save",
    "enqueue",
    "queue_counts",
    "save_failed",
    "save_succeeded",
    "saved_marker",
    "with_archive_urls",
]


@dataclass(frozen=True, slots=True)
class SaveJob:
    """A claimed request: the version to archive and the page address to give SPN."""

    id: int
    version_id: int
    url: str
    attempts: int  # before this one


@dataclass(frozen=True, slots=True)
class QueueCounts:
    pending: int
    due: int
    failed: int
    saved: int


def enqueue(session: Session, version_id: int, url: str, now: datetime) -> None:
    """Ask for the page of version ``version_id`` to be saved, due at once."""
    session.add(
        ArchiveRequestRow(
            version_id=version_id,
            url=url,
            created_at=now,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
    )


def claim_save(session: Session, now: datetime, hold_seconds: float) -> SaveJob | None:
    """The most overdue pending request, held for ``hold_seconds``; None when none is due."""
    query = (
        select(ArchiveRequestRow)
        .where(ArchiveRequestRow.status == "pending", ArchiveRequestRow.next_attempt_at <= now)
        .order_by(ArchiveRequestRow.next_attempt_at, ArchiveRequestRow.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query)
    if row is None:
        return None
    row.next_attempt_at = now + timedelta(seconds=hold_seconds)
    return SaveJob(row.id, row.version_id, row.url, row.attempts)


def save_succeeded(session: Session, job: SaveJob, archive_url: str, now: datetime) -> None:
    """Keep the archived copy's address on the version; the request is done."""
    session.execute(
        update(VersionRow).where(VersionRow.id == job.version_id).values(archive_url=archive_url)
    )
    session.execute(
        update(ArchiveRequestRow)
        .where(ArchiveRequestRow.id == job.id)
        .values(status="saved", attempts=job.attempts + 1, next_attempt_at=now, last_error=None)
    )


def save_failed(
    session: Session, job: SaveJob, error: str, retry_at: datetime | None, now: datetime
) -> None:
    """Count a failed attempt: retried at ``retry_at``, or given up (``failed``) when None."""
    session.execute(
        update(ArchiveRequestRow)
        .where(ArchiveRequestRow.id == job.id)
        .values(
            status="pending" if retry_at is not None else "failed",
            attempts=job.attempts + 1,
            next_attempt_at=retry_at or now,
            last_error=error,
        )
    )


def queue_counts(session: Session, now: datetime) -> QueueCounts:
    rows = session.execute(
        select(
            ArchiveRequestRow.status,
            func.count(),
            func.count().filter(ArchiveRequestRow.next_attempt_at <= now),
        ).group_by(ArchiveRequestRow.status)
    ).all()
    counts = {status: (n, due) for status, n, due in rows}
    return QueueCounts(
        pending=counts.get("pending", (0, 0))[0],
        due=counts.get("pending", (0, 0))[1],
        failed=counts.get("failed", (0, 0))[0],
        saved=counts.get("saved", (0, 0))[0],
    )


def saved_marker(session: Session) -> str:
    """When the newest archive link was kept (one index lookup): part of a feed's ETag, since
    feed items link the archived copy once it exists."""
    # ORDER BY … LIMIT 1 reads one index entry; max() with a WHERE scans the saved ones
    # on the session's connection: no ORM work on the feed's 304 path
    newest = session.connection().execute(_NEWEST_SAVED).scalar()
    return newest.isoformat() if newest is not None else ""


_NEWEST_SAVED = (
    select(ArchiveRequestRow.next_attempt_at)
    .where(ArchiveRequestRow.status == "saved")
    .order_by(ArchiveRequestRow.next_attempt_at.desc())
    .limit(1)
)


def with_archive_urls(session: Session, entries: Sequence[ChangeEntry]) -> list[ChangeEntry]:
    """``entries`` with the archived copy of each one's ``to_version`` filled in, if saved."""
    wanted = {(e.article_id, e.to_version) for e in entries if e.to_version is not None}
    if not wanted:
        return list(entries)
    found: dict[tuple[int, int], str] = {}
    pairs = sorted(wanted)
    for start in range(0, len(pairs), 200):
        rows = session.execute(
            select(VersionRow.article_id, VersionRow.number, VersionRow.archive_url).where(
                tuple_(VersionRow.article_id, VersionRow.number).in_(pairs[start : start + 200]),
                VersionRow.archive_url.is_not(None),
            )
        )
        found.update({(a, n): url for a, n, url in rows})
    return [
        replace(e, archive_url=found[(e.article_id, e.to_version)])
        if e.to_version is not None and (e.article_id, e.to_version) in found
        else e
        for e in entries
    ]
