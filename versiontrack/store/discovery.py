"""Queries of discovery beyond feeds: sitemap read progress, nudging articles a sitemap says
changed. Functions take a ``Session`` and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from versiontrack.store.schema import ArticleRow, SourceRow


def source_listing_state(session: Session, name: str) -> tuple[int, datetime | None]:
    """The source's id and the newest lastmod its last complete sitemap read saw (None: none)."""
    row = session.execute(
        select(SourceRow.id, SourceRow.sitemap_lastmod).where(SourceRow.name == name)
    ).one()
    return row.id, row.sitemap_lastmod


def mark_sitemap_read(session: Session, source_id: int, newest: datetime) -> None:
    session.execute(
        update(SourceRow).where(SourceRow.id == source_id).values(sitemap_lastmod=newest)
    )


def nudge_changed(session: Session, changed: Sequence[tuple[str, datetime]], now: datetime) -> int:
    """Make tracked, active articles due now when the sitemap says they changed after their
    last check; returns how many were moved forward."""
    moved = 0
    for start in range(0, len(changed), 500):
        for url, at in changed[start : start + 500]:
            result = session.execute(
                update(ArticleRow)
                .where(
                    ArticleRow.url == url,
                    ArticleRow.status == "active",
                    ArticleRow.next_check_at > now,
                    or_(ArticleRow.last_checked.is_(None), ArticleRow.last_checked < at),
                )
                .values(next_check_at=now)
            )
            moved += result.rowcount or 0  # type: ignore[attr-defined]
    return moved
