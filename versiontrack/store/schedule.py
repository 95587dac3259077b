"""The schedule in the database: claiming due articles with leases, and feed-poll turns.

Workers never keep a schedule of their own. A worker claims due articles in one statement that
stamps ``lease_owner``/``lease_until`` on them (on PostgreSQL the inner select takes
``FOR UPDATE SKIP LOCKED``, so concurrent workers on several machines claim disjoint rows); the
check that follows writes the new ``next_check_at`` and clears the lease in its own
transaction. A lease that expires — its worker crashed or was killed — makes the article
claimable again. Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, func, not_, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from versiontrack.store.schema import ArticleRow, SourceRow

#: Statuses that are still checked: removed articles are watched for a comeback.
CHECKED_STATUSES = ("active", "removed")


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(ArticleRow.lease_until.is_(None), ArticleRow.lease_until < now)


def _wanted(now: datetime, force: bool, ids: Sequence[int] | None) -> Select[tuple[int]]:
    """The articles a claim wants, leased or not: due ones, every checked one, or ``ids``."""
    wanted = select(ArticleRow.id)
    if ids is not None:
        return wanted.where(ArticleRow.id.in_(ids))
    wanted = wanted.where(ArticleRow.status.in_(CHECKED_STATUSES))
    return wanted if force else wanted.where(ArticleRow.next_check_at <= now)


def claim_due(
    session: Session,
    *,
    now: datetime,
    owner: str,
    lease_seconds: float,
    limit: int | None = None,
    force: bool = False,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Lease articles to ``owner`` and return their ids, most overdue first.

    Claimed are unleased (or expired-lease) articles that are due — or, with ``force``, every
    checked article, and with ``ids``, just those (whatever their status).
    """
    candidates = _wanted(now, force, ids).where(_free(now))
    candidates = candidates.order_by(ArticleRow.next_check_at, ArticleRow.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    claimed = session.scalars(
        update(ArticleRow)
        .where(ArticleRow.id.in_(candidates.scalar_subquery()), _free(now))
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        .returning(ArticleRow.id)
        .execution_options(synchronize_session=False)
    ).all()
    return list(claimed)


def held_by_others(
    session: Session,
    *,
    now: datetime,
    owner: str,
    force: bool = False,
    ids: Sequence[int] | None = None,
) -> int:
    """How many articles ``claim_due`` with these arguments left out because a lease of
    another worker, not yet expired, holds them."""
    held = _wanted(now, force, ids).where(not_(_free(now)), ArticleRow.lease_owner != owner)
    return int(session.scalar(select(func.count()).select_from(held.subquery())) or 0)


def release(session: Session, owner: str, ids: Sequence[int] | None = None) -> int:
    """Give back ``owner``'s leases (all, or on ``ids``) without checking; returns how many."""
    query = update(ArticleRow).where(ArticleRow.lease_owner == owner)
    if ids is not None:
        query = query.where(ArticleRow.id.in_(ids))
    result = session.execute(
        query.values(lease_owner=None, lease_until=None).execution_options(
            synchronize_session=False
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def recover_leases(session: Session, host: str, alive: Callable[[str], bool]) -> int:
    """Free leases left by dead workers of this host (their owner is ``host:pid:…``).

    Leases of other hosts are left to expire: we cannot tell whether those workers live.
    """
    owners = session.scalars(
        select(ArticleRow.lease_owner).where(ArticleRow.lease_owner.like(f"{host}:%")).distinct()
    ).all()
    dead = [o for o in owners if o is not None and not alive(o)]
    return sum(release(session, owner) for owner in dead)


def due_backlog(session: Session, now: datetime) -> int:
    """How many checked articles are due now and not being checked."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ArticleRow)
            .where(
                ArticleRow.status.in_(CHECKED_STATUSES),
                ArticleRow.next_check_at <= now,
                _free(now),
            )
        )
        or 0
    )


def take_poll_turn(session: Session, source: str, *, now: datetime, interval: float) -> bool:
    """Atomically claim the right to poll ``source`` now; False if another worker just did."""
    result = session.execute(
        update(SourceRow)
        .where(
            SourceRow.name == source,
            or_(SourceRow.next_poll_at.is_(None), SourceRow.next_poll_at <= now),
        )
        .values(next_poll_at=now + timedelta(seconds=interval))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
