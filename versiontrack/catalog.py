"""The sources in force: the config file's, plus the feeds ``sources import`` kept in the
database. Use cases behind ``versiontrack sources import`` and ``sources export``.

Config-file sources always win: an imported feed whose name a config source takes is left out
(and an import of such a name is refused), so editing the config never fights the database.
Imported sources are plain feed sources (no selector, no ignore patterns, default interval).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from versiontrack import health, opml
from versiontrack.domain import Source
from versiontrack.pipeline.context import utcnow
from versiontrack.service import commands
from versiontrack.settings import Settings
from versiontrack.store import catalog
from versiontrack.store import sources as sources_store
from versiontrack.store.engine import Database

__all__ = [
    "ImportReport",
    "export_opml",
    "import_opml",
    "list_sources",
    "sources_in_force",
    "with_imported",
]


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # "name: why"


def sources_in_force(session: Session, settings: Settings) -> tuple[Source, ...]:
    """The config's sources, then the imported ones whose names the config does not take."""
    configured = {s.name for s in settings.sources}
    imported = tuple(
        Source(row.name, row.feed_url)
        for row in catalog.imported_sources(session)
        if row.name not in configured
    )
    return settings.sources + imported


def with_imported(settings: Settings, db: Database) -> Settings:
    """``settings`` whose ``sources`` also hold the imported feeds (what every command and the
    daemon poll)."""
    with db.sessions() as session:
        sources = sources_in_force(session, settings)
        configured = {s.name for s in settings.sources}
        taken = [r for r in catalog.imported_sources(session) if r.name in configured]
    if taken:  # the config now defines an imported name: the row is the config's from now on
        with db.sessions() as session, session.begin():
            catalog.reclaim_for_config(session, [r.name for r in taken])
    return dataclasses.replace(settings, sources=sources)


def import_opml(
    settings: Settings, db: Database, data: bytes, *, now: datetime | None = None
) -> ImportReport:
    """Add the OPML file's feeds as sources kept in the database (one transaction).

    A name the config takes is skipped; a feed already followed under another name is
    skipped; a name imported before gets the file's feed URL.
    """
    read = opml.read_opml(data)
    now = now or utcnow()
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    skipped = list(read.skipped)
    configured = {s.name: s for s in settings.sources}
    with db.sessions() as session, session.begin():
        sources_store.sync_sources(session, settings.sources, now)
        rows = catalog.source_rows(session)
        followed = {s.listing_url: s.name for s in sources_in_force(session, settings)}
        for sub in read.subscriptions:
            if sub.name in configured:
                skipped.append(f"{sub.name!r}: the config file defines a source of that name")
                continue
            other = followed.get(sub.feed)
            if other is not None and other != sub.name:
                skipped.append(f"{sub.name!r}: its feed is already followed as {other!r}")
                continue
            row = rows.get(sub.name)
            if row is None:
                catalog.add_imported(session, sub.name, sub.feed, now)
                added.append(sub.name)
            elif row.origin == "import" and row.feed_url == sub.feed:
                unchanged.append(sub.name)
            else:
                catalog.adopt_imported(session, row, sub.feed)
                updated.append(sub.name)
            followed[sub.feed] = sub.name
    return ImportReport(tuple(added), tuple(updated), tuple(unchanged), tuple(skipped))


def export_opml(settings: Settings, db: Database, *, now: datetime | None = None) -> bytes:
    """OPML 2.0 of every source in force that has a feed (config and imported)."""
    with db.sessions() as session:
        sources = sources_in_force(session, settings)
    subscriptions = [opml.Subscription(s.name, s.feed) for s in sources if s.feed]
    return opml.write_opml(subscriptions, title="versiontrack sources", now=now or utcnow())


def list_sources(settings: Settings, db: Database) -> list[dict[str, Any]]:
    """``versiontrack sources --json``: each source's counts, last poll, health and origin."""
    stats = commands.list_sources(settings, db)
    judged = health.source_health(db.sessions)
    rows = []
    for s in stats:
        status, reason, since, origin = judged.get(s.name, ("ok", None, None, "config"))
        rows.append(
            {
                "name": s.name,
                "feed": s.feed,
                "articles": s.articles,
                "last_polled_at": s.last_polled_at.isoformat() if s.last_polled_at else None,
                "last_error": s.last_error,
                "health": status,
                "health_reason": reason,
                "health_since": since.isoformat() if since else None,
                "origin": origin,
            }
        )
    return rows
