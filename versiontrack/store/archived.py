"""What the archive commands read: every kept page with its version for a WARC export, and
how far an article's history already reaches for a back-fill. Functions take a ``Session``
and never commit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from versiontrack.store import versions
from versiontrack.store.schema import ArticleRow, VersionRow

__all__ = ["KeptPage", "article_ids", "history_reach", "kept_pages"]


@dataclass(frozen=True, slots=True)
class KeptPage:
    """One version's page as it was fetched, and what it was read as."""

    article_id: int
    url: str
    version: int
    fetched_at: datetime
    content_hash: str
    origin: str
    archive_url: str | None
    page: bytes


def article_ids(session: Session) -> list[int]:
    return list(session.scalars(select(ArticleRow.id).order_by(ArticleRow.id)))


def kept_pages(session: Session, article_ids: Sequence[int]) -> Iterator[KeptPage]:
    """The kept page of every version of these articles, oldest version first per article.

    One article's rows at a time: memory holds one article's versions, whatever the database.
    """
    for article_id in article_ids:
        article = session.get(ArticleRow, article_id)
        if article is None:
            continue
        for row in versions.versions(session, article_id):
            page = versions.raw_page(session, row)
            if page is None:
                continue
            yield KeptPage(
                article_id,
                article.url,
                row.number,
                row.fetched_at,
                row.content_hash,
                row.origin,
                row.archive_url,
                page,
            )
        session.expunge_all()


def history_reach(session: Session, article_id: int) -> datetime | None:
    """The newest moment the article's history covers: its last check or latest version.

    History is only ever appended to, so a back-filled capture must be newer than this.
    """
    article = session.get(ArticleRow, article_id)
    if article is None:
        return None
    newest_version = session.scalar(
        select(func.max(VersionRow.fetched_at)).where(VersionRow.article_id == article_id)
    )
    moments = [m for m in (article.last_checked, newest_version) if m is not None]
    return max(moments, default=None)
