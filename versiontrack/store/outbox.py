"""The outbox: deliveries owed to outputs, their leases and retries, threads, output state.

Rows are written in the transaction that stores a change (``add_delivery``), leased by a
drainer (``claim``: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``), and finished with
``delivered`` or ``failed``. A delivery waits while an earlier one of the same output and
article is undelivered, so a thread's first post always goes first. Functions take a
``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from versiontrack.domain import ChangeEntry
from versiontrack.store.schema import (
    ArticleRow,
    ChangeRow,
    OutboxRow,
    OutputStateRow,
    OutputThreadRow,
    SourceRow,
)

#: Where ``add_change`` notes the changes of the current transaction (``take_new_changes``).
_NEW_CHANGES = "versiontrack.new_changes"


def note_new_change(session: Session, row: ChangeRow) -> None:
    """Remember a change stored in this transaction, for the outbox hook before commit."""
    session.info.setdefault(_NEW_CHANGES, []).append(row)


def take_new_changes(session: Session) -> list[ChangeRow]:
    """The changes stored in this transaction so far (each returned once)."""
    return list(session.info.pop(_NEW_CHANGES, []))


def source_name(session: Session, article_id: int) -> str | None:
    return session.scalar(
        select(SourceRow.name)
        .join(ArticleRow, ArticleRow.source_id == SourceRow.id)
        .where(ArticleRow.id == article_id)
    )


def add_delivery(
    session: Session,
    *,
    output: str,
    delivery_id: str,
    now: datetime,
    change_id: int | None = None,
    article_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    session.add(
        OutboxRow(
            output=output,
            delivery_id=delivery_id,
            change_id=change_id,
            article_id=article_id,
            payload=payload,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
    )
    session.flush()


@dataclass(frozen=True, slots=True)
class Claimed:
    """A leased delivery: what the drainer needs to build and send its message."""

    id: int
    output: str
    delivery_id: str
    change_id: int | None
    article_id: int | None
    payload: dict[str, Any] | None
    attempts: int


def recover_leases(session: Session, host: str, alive: Callable[[str], bool]) -> int:
    """Free outbox leases of dead drainers of this host (owner ``host:pid:…``)."""
    owners = session.scalars(
        select(OutboxRow.lease_owner)
        .where(OutboxRow.lease_owner.like(f"{host}:%"), OutboxRow.delivered_at.is_(None))
        .distinct()
    ).all()
    dead = [o for o in owners if o is not None and not alive(o)]
    if not dead:
        return 0
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.lease_owner.in_(dead), OutboxRow.delivered_at.is_(None))
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def delivered_since(session: Session, output: str, since: datetime) -> int:
    """Deliveries of ``output`` finished after ``since`` (the per-minute rate limit)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboxRow)
            .where(OutboxRow.output == output, OutboxRow.delivered_at > since)
        )
        or 0
    )


def claim(
    session: Session,
    *,
    room: Mapping[str, int],
    owner: str,
    now: datetime,
    lease_seconds: float,
) -> list[Claimed]:
    """Lease up to ``room[output]`` due deliveries of each output, oldest first.

    Due: undelivered, ``next_attempt_at`` reached, no live lease, and no earlier undelivered
    delivery of the same output and article that is not due itself (the drainer sends them
    in order and stops an article's deliveries at its first failure).
    """
    earlier = aliased(OutboxRow)
    # an earlier delivery of the article that this claim cannot take (it waits for a retry,
    # or another drainer holds it) holds the later ones back; due ones are claimed first
    blocked = exists().where(
        earlier.output == OutboxRow.output,
        earlier.article_id == OutboxRow.article_id,
        earlier.id < OutboxRow.id,
        earlier.delivered_at.is_(None),
        or_(earlier.next_attempt_at > now, earlier.lease_until >= now),
    )
    free = or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now)
    ids: list[int] = []
    for output, limit in room.items():
        if limit <= 0:
            continue
        candidates = (
            select(OutboxRow.id)
            .where(
                OutboxRow.output == output,
                OutboxRow.delivered_at.is_(None),
                OutboxRow.next_attempt_at <= now,
                free,
                or_(OutboxRow.article_id.is_(None), ~blocked),
            )
            .order_by(OutboxRow.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True, of=OutboxRow)
        # one statement that re-checks the lease: two drainers never both take a row
        ids += session.scalars(
            update(OutboxRow)
            .where(OutboxRow.id.in_(candidates.scalar_subquery()), free)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
            .returning(OutboxRow.id)
            .execution_options(synchronize_session=False)
        ).all()
    if not ids:
        return []
    rows = session.execute(
        select(
            OutboxRow.id,
            OutboxRow.output,
            OutboxRow.delivery_id,
            OutboxRow.change_id,
            OutboxRow.article_id,
            OutboxRow.payload,
            OutboxRow.attempts,
        )
        .where(OutboxRow.id.in_(ids))
        .order_by(OutboxRow.id)
    )
    return [Claimed(*row) for row in rows]


def release(session: Session, owner: str, ids: list[int]) -> None:
    """Give back leases without an attempt (the drain ran out of time)."""
    if ids:
        session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids), OutboxRow.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def delivered(session: Session, delivery: Claimed, now: datetime) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == delivery.id)
        .values(
            delivered_at=now,
            attempts=OutboxRow.attempts + 1,
            last_error=None,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    _state(session, delivery.output).last_success_at = now


def failed(
    session: Session, delivery: Claimed, error: str, now: datetime, retry_at: datetime
) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == delivery.id)
        .values(
            attempts=OutboxRow.attempts + 1,
            last_error=error,
            next_attempt_at=retry_at,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    state = _state(session, delivery.output)
    state.last_error, state.last_error_at = error, now


def record_error(session: Session, output: str, error: str | None, now: datetime) -> None:
    """Note an output's latest outcome outside the outbox (``outputs test``)."""
    state = _state(session, output)
    if error is None:
        state.last_success_at = now
    else:
        state.last_error, state.last_error_at = error, now


def _state(session: Session, output: str) -> OutputStateRow:
    """The output's state row, made if missing. Two drainers may make it at once: the
    insert is one that loses such a race quietly."""
    row = session.get(OutputStateRow, output)
    if row is None:
        dialect = session.get_bind().dialect.name
        dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            dialect_insert(OutputStateRow)
            .values(output=output)
            .on_conflict_do_nothing(index_elements=["output"])
        )
        row = session.get_one(OutputStateRow, output)
    return row


def change_entry(session: Session, change_id: int) -> ChangeEntry | None:
    """A stored change as publishers see it."""
    from versiontrack.store.changes import entry  # changes imports this module

    found = session.execute(
        select(ChangeRow, ArticleRow.url, SourceRow.name)
        .join(ArticleRow, ArticleRow.id == ChangeRow.article_id)
        .outerjoin(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(ChangeRow.id == change_id)
    ).first()
    return None if found is None else entry(*found)


def thread(session: Session, output: str, article_id: int) -> OutputThreadRow | None:
    return session.get(OutputThreadRow, (output, article_id))


def start_thread(
    session: Session, output: str, article_id: int, post_id: str, post_cid: str | None
) -> None:
    if session.get(OutputThreadRow, (output, article_id)) is None:
        session.add(
            OutputThreadRow(
                output=output, article_id=article_id, post_id=post_id, post_cid=post_cid
            )
        )


@dataclass(frozen=True, slots=True)
class OutputStatus:
    """One output's backlog and last outcome, as ``versiontrack outputs`` lists it."""

    output: str
    backlog: int
    retrying: int
    delivered: int
    oldest_pending: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def backlog_by_output(session: Session) -> dict[str, int]:
    """Undelivered messages per output (``/metrics``)."""
    rows = session.execute(
        select(OutboxRow.output, func.count())
        .where(OutboxRow.delivered_at.is_(None))
        .group_by(OutboxRow.output)
    )
    return {output: n for output, n in rows}


def status(session: Session, outputs: list[str]) -> list[OutputStatus]:
    pending = and_(OutboxRow.delivered_at.is_(None))
    counts = {
        row.output: row
        for row in session.execute(
            select(
                OutboxRow.output,
                func.count().filter(pending).label("backlog"),
                func.count().filter(pending, OutboxRow.attempts > 0).label("retrying"),
                func.count().filter(OutboxRow.delivered_at.is_not(None)).label("delivered"),
                func.min(OutboxRow.created_at).filter(pending).label("oldest"),
            )
            .where(OutboxRow.output.in_(outputs))
            .group_by(OutboxRow.output)
        )
    }
    states = {
        s.output: s
        for s in session.scalars(select(OutputStateRow).where(OutputStateRow.output.in_(outputs)))
    }
    result = []
    for name in outputs:
        c, s = counts.get(name), states.get(name)
        result.append(
            OutputStatus(
                name,
                c.backlog if c else 0,
                c.retrying if c else 0,
                c.delivered if c else 0,
                c.oldest if c else None,
                s.last_success_at if s else None,
                s.last_error if s else None,
                s.last_error_at if s else None,
            )
        )
    return result


def purge_delivered(session: Session, before: datetime) -> int:
    """Forget deliveries finished before ``before`` (their changes stay)."""
    result = session.execute(delete(OutboxRow).where(OutboxRow.delivered_at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]
