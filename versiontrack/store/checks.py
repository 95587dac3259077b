"""Checks: what a check reads about its article before fetching, the check log, and the
schedule columns every check writes (next check, interval, lease release).

Every check ends here, most of them quiet (a 304, an unchanged fingerprint), so the log and
the schedule are written by prepared Core statements rather than the ORM. Functions take a
``Session`` and never commit.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Update, bindparam, insert, select, update
from sqlalchemy.orm import Session

from versiontrack.cadence import Plan
from versiontrack.domain import (
    Region,
    Validators,
)
from versiontrack.store.schema import (
    ArticleRow,
    CheckRow,
    SourceRow,
)

_INSERT_CHECK = insert(CheckRow.__table__)


def log_check(
    session: Session,
    *,
    article_id: int | None,
    source_id: int | None,
    url: str,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    error: str | None,
) -> None:
    """One row of the check log (an article check or a feed poll), by a prepared INSERT."""
    session.connection().execute(
        _INSERT_CHECK,
        {
            "article_id": article_id,
            "source_id": source_id,
            "url": url,
            "started_at": started_at,
            "duration_ms": duration_ms,
            "http_status": http_status,
            "outcome": outcome,
            "error": error,
        },
    )


# Checks read and write the article through these Core statements.
_ARTICLES = ArticleRow.__table__


_CHECK_STATE = (
    select(
        _ARTICLES.c.id,
        _ARTICLES.c.url,
        _ARTICLES.c.status,
        _ARTICLES.c.version_count,
        _ARTICLES.c.etag,
        _ARTICLES.c.last_modified,
        SourceRow.__table__.c.name,
        _ARTICLES.c.region_path,
        _ARTICLES.c.region_digest,
        _ARTICLES.c.region_skips,
        _ARTICLES.c.check_interval,
        _ARTICLES.c.first_seen,
        _ARTICLES.c.last_changed,
    )
    .select_from(_ARTICLES.outerjoin(SourceRow.__table__))
    .where(_ARTICLES.c.id == bindparam("id"))
)


@dataclass(frozen=True, slots=True)
class CheckState:
    """What a check needs to know about its article before fetching, read in one query."""

    id: int
    url: str
    status: str
    version_count: int
    validators: Validators
    source_name: str | None
    region: Region | None
    region_skips: int
    check_interval: int | None
    first_seen: datetime
    last_changed: datetime | None


def check_state(session: Session, article_id: int) -> CheckState | None:
    row = session.connection().execute(_CHECK_STATE, {"id": article_id}).one_or_none()
    if row is None:
        return None
    path, digest = row.region_path, row.region_digest
    return CheckState(
        row.id,
        row.url,
        row.status,
        row.version_count,
        Validators(row.etag, row.last_modified),
        row.name,
        Region(path, digest) if path and digest else None,
        row.region_skips,
        row.check_interval,
        row.first_seen,
        row.last_changed,
    )


def record_check(
    session: Session,
    article_id: int,
    *,
    url: str,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    error: str | None,
    plan: Plan,
    validators: Validators | None = None,
    changed: Mapping[str, object] | None = None,
    trusted_region: bool = False,
) -> None:
    """Log one article check, write the article columns it ``changed``, move its schedule on
    to ``plan`` and release its lease; ``trusted_region`` counts one more check that trusted
    the fingerprint instead of reading the page in full.

    Two prepared Core statements on the session's connection, no ORM loading or flushing:
    every check comes here."""
    log_check(
        session,
        article_id=article_id,
        source_id=None,
        url=url,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=http_status,
        outcome=outcome,
        error=error,
    )
    values = {
        **(changed or {}),
        **_schedule_values(started_at, http_status, error, plan, validators),
    }
    statement = _check_update(tuple(values), trusted_region)
    session.connection().execute(
        statement, {"b_id": article_id, **{f"b_{c}": v for c, v in values.items()}}
    )


@functools.cache
def _check_update(columns: tuple[str, ...], trusted_region: bool) -> Update:
    """The UPDATE of a check that sets ``columns`` (and counts one more skip of a full
    extraction when ``trusted_region``), built once per shape: building and caching a
    statement anew for every check cost a third of its write."""
    # (bound as "b_…": SQLAlchemy keeps the column names for its own parameters)
    values: dict[str, Any] = {c: bindparam(f"b_{c}") for c in columns}
    if trusted_region:
        values["region_skips"] = _ARTICLES.c.region_skips + 1
    return update(_ARTICLES).where(_ARTICLES.c.id == bindparam("b_id")).values(values)


def _schedule_values(
    started_at: datetime,
    http_status: int | None,
    error: str | None,
    plan: Plan,
    validators: Validators | None,
) -> dict[str, object]:
    """The article columns every check writes: its last check, next check and lease."""
    values: dict[str, object] = {
        "last_checked": started_at,
        "last_status": http_status,
        "last_error": error,
        "next_check_at": plan.next_check_at,
        "check_interval": plan.interval,
        "lease_owner": None,
        "lease_until": None,
    }
    if plan.retired:
        values["status"] = "retired"
    if validators is not None:
        values["etag"] = validators.etag
        values["last_modified"] = validators.last_modified
    return values


def checks_for(session: Session, article_id: int, limit: int = 20) -> list[CheckRow]:
    return list(
        session.scalars(
            select(CheckRow)
            .where(CheckRow.article_id == article_id)
            .order_by(CheckRow.started_at.desc(), CheckRow.id.desc())
            .limit(limit)
        )
    )
