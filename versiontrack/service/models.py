"""The read models: an article, a version, a change and a check as the edges show them.

Built from store rows here and nowhere else, so the CLI, the web pages and the feeds read the
same facts the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from versiontrack.domain import ChangeEntry
from versiontrack.publish.feed import entry_link
from versiontrack.store import queries
from versiontrack.store.schema import ArticleRow, CheckRow, VersionRow


def article_info(article: ArticleRow) -> dict[str, Any]:
    """The JSON shape of an article (``articles --json``)."""
    return {
        "id": article.id,
        "url": article.url,
        "source": article.source.name if article.source else None,
        "title": article.title,
        "versions": article.version_count,
        "first_seen": iso(article.first_seen),
        "last_checked": iso(article.last_checked),
        "last_changed": iso(article.last_changed),
        "next_check_at": iso(article.next_check_at),
        "status": article.status,
        "last_status": article.last_status,
        "last_error": article.last_error,
    }


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """An article as pages show it (``article_info`` with real datetimes)."""

    id: int
    url: str
    source: str | None
    title: str | None
    versions: int
    first_seen: datetime
    last_checked: datetime | None
    last_changed: datetime | None
    next_check_at: datetime
    status: str
    last_status: int | None
    last_error: str | None

    @property
    def retired(self) -> bool:
        return self.status == "retired"


@dataclass(frozen=True, slots=True)
class ChangeItem:
    """One stored change as a page lists it, with the path of the page that shows it.

    ``old_headline`` is set when the change rewrote the headline (``headline`` is the new one).
    """

    id: int
    article_id: int
    url: str
    source: str | None
    kind: str
    from_version: int | None
    to_version: int | None
    detected_at: datetime
    headline: str
    old_headline: str | None
    description: str
    path: str


@dataclass(frozen=True, slots=True)
class VersionItem:
    """One version in an article's history, with what the change that made it did."""

    number: int
    fetched_at: datetime
    headline: str
    summary: str
    origin: str = "live"  # or "warc", "wayback": back-filled from an archive
    archive_url: str | None = None  # the Wayback copy of the page (archive.save)


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One logged check of an article."""

    started_at: datetime
    duration_ms: int
    http_status: int | None
    outcome: str
    error: str | None


def article_item(row: ArticleRow) -> ArticleItem:
    return ArticleItem(
        id=row.id,
        url=row.url,
        source=row.source.name if row.source else None,
        title=row.title,
        versions=row.version_count,
        first_seen=row.first_seen,
        last_checked=row.last_checked,
        last_changed=row.last_changed,
        next_check_at=row.next_check_at,
        status=row.status,
        last_status=row.last_status,
        last_error=row.last_error,
    )


def change_item(entry: ChangeEntry) -> ChangeItem:
    headline = entry.diff.field_change("headline")
    if entry.kind == "removed":
        status = f" (HTTP {entry.http_status})" if entry.http_status is not None else ""
        description = f"removed{status}"
    elif entry.kind == "restored":
        description = "restored"
    else:
        description = entry.summary.describe()
    return ChangeItem(
        id=entry.id,
        article_id=entry.article_id,
        url=entry.article_url,
        source=entry.source,
        kind=entry.kind,
        from_version=entry.from_version,
        to_version=entry.to_version,
        detected_at=entry.detected_at,
        headline=headline.new if headline else entry.headline,
        old_headline=headline.old if headline else None,
        description=description,
        # The feed's link rule, made relative: pages link within the site they are served from.
        path=entry_link(entry, ""),
    )


def check_item(row: CheckRow) -> CheckItem:
    return CheckItem(row.started_at, row.duration_ms, row.http_status, row.outcome, row.error)


def version_items(session: Session, article_id: int) -> list[VersionItem]:
    """Every version of the article, oldest first (so version n is at index n - 1)."""
    items = []
    for row, change in versions_with_changes(session, article_id):
        summary = change.summary.describe() if change else "first version"
        items.append(
            VersionItem(
                row.number, row.fetched_at, row.headline, summary, row.origin, row.archive_url
            )
        )
    return items


def versions_with_changes(
    session: Session, article_id: int
) -> list[tuple[VersionRow, ChangeEntry | None]]:
    """Every version, oldest first, with the change that produced it (None for the first)."""
    incoming = queries.changes_by_version(session, article_id)
    return [(row, incoming.get(row.number)) for row in queries.versions(session, article_id)]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
