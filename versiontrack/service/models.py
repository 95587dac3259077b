"""The read models: an article, a version, a version's text, a diff, a change and a check.

Built from store rows here and nowhere else, so the CLI, the web pages and the feeds read the
same facts the same way; a model the CLI prints as JSON has the one ``to_json`` that says
which keys (a contract: scripts read them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from versiontrack import significance
from versiontrack.domain import ArticleText, ChangeEntry, ChangeSummary, Diff
from versiontrack.publish.feed import entry_link
from versiontrack.store import changes
from versiontrack.store import versions as versions_store
from versiontrack.store.schema import ArticleRow, CheckRow, VersionRow


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """A tracked article: its state and schedule."""

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

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of an article (``articles --json``)."""
        return {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "title": self.title,
            "versions": self.versions,
            "first_seen": iso(self.first_seen),
            "last_checked": iso(self.last_checked),
            "last_changed": iso(self.last_changed),
            "next_check_at": iso(self.next_check_at),
            "status": self.status,
            "last_status": self.last_status,
            "last_error": self.last_error,
        }


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
    """One version in an article's history, with what the change that made it did
    (``change`` is None and ``summary`` "first version" for the first)."""

    number: int
    fetched_at: datetime
    headline: str
    summary: str
    change: ChangeSummary | None
    flags: tuple[str, ...]
    content_hash: str
    origin: str = "live"  # or "warc", "wayback": back-filled from an archive
    archive_url: str | None = None  # the Wayback copy of the page (archive.save)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of a version (``history --json``)."""
        return {
            "version": self.number,
            "fetched_at": iso(self.fetched_at),
            "title": self.headline,
            "summary": self.summary,
            "change": self.change.to_dict() if self.change else None,
            "flags": list(self.flags),
            "content_hash": self.content_hash,
            "origin": self.origin,
            "archive_url": self.archive_url,
        }


@dataclass(frozen=True, slots=True)
class ShownVersion:
    """One version's full text, with the number of versions for navigation."""

    article: ArticleItem
    version: VersionItem
    text: ArticleText
    count: int

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of a version's text (``show --json``)."""
        return {
            "article": self.article.id,
            "url": self.article.url,
            "version": self.version.number,
            "fetched_at": iso(self.version.fetched_at),
            "headline": self.text.headline,
            "standfirst": self.text.standfirst,
            "byline": self.text.byline,
            "paragraphs": [list(paragraph) for paragraph in self.text.paragraphs],
            "content_hash": self.version.content_hash,
            "archive_url": self.version.archive_url,
            "origin": self.version.origin,
        }


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """The sentence diff of two versions of an article (``diff --json``)."""

    article: ArticleItem
    from_version: int
    to_version: int
    diff: Diff

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article.id,
            "url": self.article.url,
            "from": self.from_version,
            "to": self.to_version,
            "summary": self.diff.summary.to_dict(),
            "description": self.diff.summary.describe(),
            "flags": significance.rank(significance.classify(self.diff)),
            "boring": significance.is_boring(self.diff),
            "fields": [f.to_dict() for f in self.diff.fields],
            "ops": [op.to_dict() for op in self.diff.ops],
        }


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
    for row, change in _versions_with_changes(session, article_id):
        items.append(
            VersionItem(
                number=row.number,
                fetched_at=row.fetched_at,
                headline=row.headline,
                summary=change.summary.describe() if change else "first version",
                change=change.summary if change else None,
                flags=tuple(change.flags) if change else (),
                content_hash=row.content_hash,
                origin=row.origin,
                archive_url=row.archive_url,
            )
        )
    return items


def _versions_with_changes(
    session: Session, article_id: int
) -> list[tuple[VersionRow, ChangeEntry | None]]:
    """Every version, oldest first, with the change that produced it (None for the first)."""
    incoming = changes.changes_by_version(session, article_id)
    return [(row, incoming.get(row.number)) for row in versions_store.versions(session, article_id)]


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
