"""Queries of the sources kept in the database beside the config: those ``sources import``
added (``origin = 'import'``). Functions take a ``Session`` and never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from versiontrack.store.schema import SourceRow


def imported_sources(session: Session) -> list[SourceRow]:
    """Sources added by an OPML import, by name."""
    return list(
        session.scalars(
            select(SourceRow).where(SourceRow.origin == "import").order_by(SourceRow.name)
        )
    )


def source_rows(session: Session) -> dict[str, SourceRow]:
    return {row.name: row for row in session.scalars(select(SourceRow))}


def add_imported(session: Session, name: str, feed: str, now: datetime) -> None:
    session.add(SourceRow(name=name, feed_url=feed, created_at=now, origin="import"))
    session.flush()


def adopt_imported(session: Session, row: SourceRow, feed: str) -> None:
    """An existing row (imported before, or a source the config no longer lists) becomes this
    imported feed; validators of another document are forgotten."""
    if row.feed_url != feed:
        row.etag = row.last_modified = None
    row.feed_url = feed
    row.origin = "import"
    session.flush()


def reclaim_for_config(session: Session, names: list[str]) -> None:
    """Imported rows whose names the config file now defines become config sources."""
    session.execute(
        update(SourceRow)
        .where(SourceRow.name.in_(names), SourceRow.origin == "import")
        .values(origin="config")
    )
