"""Streaming reads over every stored version: what ``db reindex``, ``export`` and
re-extraction walk.

Owns reading the whole history without holding it: articles are read in pages by id (keyset,
never OFFSET), and one article's versions are decompressed in order, each on the text before
it (the zstd chain of ``codec``), so memory holds one article at a time however large the
database is. Functions take a ``Session`` and never write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from versiontrack import text as textmod
from versiontrack.domain import ArticleText
from versiontrack.store import codec
from versiontrack.store.schema import ArticleRow, ChangeRow, SourceRow, VersionRow

PAGE = 500


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article as an export names it."""

    id: int
    url: str
    source: str | None
    versions: int


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """One version read back: its number, when it was fetched, and its text."""

    number: int
    fetched_at: datetime
    text: ArticleText
    origin: str = "live"  # live, warc or wayback
    archive_url: str | None = None  # the Wayback Machine's copy of its page, once saved


def count_versions(
    session: Session, *, source: str | None = None, since: datetime | None = None
) -> int:
    """How many versions ``articles`` and ``versions`` will yield (for a progress bar)."""
    stmt = select(func.count(VersionRow.id)).join(
        ArticleRow, ArticleRow.id == VersionRow.article_id
    )
    if source is not None:
        stmt = stmt.join(SourceRow, SourceRow.id == ArticleRow.source_id).where(
            SourceRow.name == source
        )
    if since is not None:
        stmt = stmt.where(VersionRow.fetched_at >= since)
    return int(session.scalar(stmt) or 0)


def articles(
    session: Session, *, source: str | None = None, since: datetime | None = None
) -> Iterator[ArticleRef]:
    """Articles with at least one version (fetched at or after ``since``), by id, read
    ``PAGE`` at a time."""
    after = 0
    while True:
        stmt = (
            select(ArticleRow.id, ArticleRow.url, SourceRow.name, ArticleRow.version_count)
            .outerjoin(SourceRow, SourceRow.id == ArticleRow.source_id)
            .where(ArticleRow.id > after, ArticleRow.version_count > 0)
            .order_by(ArticleRow.id)
            .limit(PAGE)
        )
        if source is not None:
            stmt = stmt.where(SourceRow.name == source)
        if since is not None:
            recent = select(VersionRow.id).where(
                VersionRow.article_id == ArticleRow.id, VersionRow.fetched_at >= since
            )
            stmt = stmt.where(recent.exists())
        page = session.execute(stmt).all()
        for row in page:
            yield ArticleRef(row[0], row[1], row[2], row[3])
        if len(page) < PAGE:
            return
        after = page[-1][0]


def versions(session: Session, article_id: int) -> Iterator[StoredVersion]:
    """Every version of one article in order, each decompressed on the one before it."""
    rows = session.execute(
        select(
            VersionRow.number,
            VersionRow.fetched_at,
            VersionRow.body,
            VersionRow.base,
            VersionRow.content_hash,
            VersionRow.origin,
            VersionRow.archive_url,
        )
        .where(VersionRow.article_id == article_id)
        .order_by(VersionRow.number)
    )
    data: bytes | None = None
    for number, fetched_at, body, base, content_hash, origin, archive_url in rows:
        data = codec.decompress_link(body, base is not None, data)
        text = textmod.parse(data.decode("utf-8"), content_hash)
        yield StoredVersion(number, fetched_at, text, origin, archive_url)


def stored_changes(session: Session, article_id: int) -> dict[int, tuple[list[str], dict]]:
    """Each version's incoming edit as stored: ``{to_version: (flags, diff dict)}``."""
    rows = session.execute(
        select(ChangeRow.to_version, ChangeRow.flags, ChangeRow.diff).where(
            ChangeRow.article_id == article_id, ChangeRow.kind == "edited"
        )
    )
    return {
        number: ([flag for flag in flags.split(",") if flag], diff)
        for number, flags, diff in rows
        if number is not None
    }
