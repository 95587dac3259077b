"""Articles: finding one by URL, alias, guid or id; adding, renaming and merging them; lists.

Functions take a ``Session`` and never commit: the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from versiontrack.domain import (
    Region,
)
from versiontrack.store.schema import (
    ArticleRow,
    ArticleURLRow,
    ChangeRow,
    CheckRow,
    SourceRow,
)


def article_for_url(session: Session, url: str) -> ArticleRow | None:
    """The article known under ``url``, as its canonical URL or any alias."""
    article = session.scalar(select(ArticleRow).where(ArticleRow.url == url))
    if article is not None:
        return article
    return session.scalar(
        select(ArticleRow)
        .join(ArticleURLRow, ArticleURLRow.article_id == ArticleRow.id)
        .where(ArticleURLRow.url == url)
    )


def known_urls(session: Session, urls: Sequence[str]) -> set[str]:
    """Which of ``urls`` are already an article's URL or alias (one query per kind)."""
    wanted = list(dict.fromkeys(urls))
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known.update(session.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(chunk))))
        known.update(session.scalars(select(ArticleURLRow.url).where(ArticleURLRow.url.in_(chunk))))
    return known


def article_for_guid(session: Session, source_id: int, guid: str) -> ArticleRow | None:
    """The article a source's feed listed under ``guid`` before, if exactly one."""
    rows = session.scalars(
        select(ArticleRow)
        .where(ArticleRow.source_id == source_id, ArticleRow.guid == guid)
        .limit(2)
    ).all()
    return rows[0] if len(rows) == 1 else None


def find_article(session: Session, ref: str, canonical_url: str | None) -> ArticleRow | None:
    """Look an article up by id (all digits) or by URL (already canonicalised by the caller)."""
    if ref.isdigit():
        return session.get(ArticleRow, int(ref))
    return article_for_url(session, canonical_url) if canonical_url else None


def add_article(
    session: Session,
    url: str,
    *,
    now: datetime,
    source_id: int | None = None,
    guid: str | None = None,
    title: str | None = None,
) -> ArticleRow:
    """Start tracking ``url``; it is due at once."""
    article = ArticleRow(
        url=url,
        source_id=source_id,
        guid=guid,
        title=title,
        status="active",
        version_count=0,
        first_seen=now,
        next_check_at=now,
    )
    session.add(article)
    session.flush()
    add_alias(session, article.id, url)
    return article


def set_region(session: Session, article: ArticleRow, found: Region | None) -> None:
    """Remember (or forget) where the article sat in the page its text was just read from."""
    article.region_path = found.path if found else None
    article.region_digest = found.digest if found else None
    article.region_skips = 0


def add_alias(session: Session, article_id: int, url: str) -> bool:
    """Record that ``url`` reaches ``article_id``; False when it already reaches another one."""
    owner = session.scalar(select(ArticleURLRow.article_id).where(ArticleURLRow.url == url))
    if owner is None:
        session.add(ArticleURLRow(article_id=article_id, url=url))
        session.flush()
        return True
    return owner == article_id


def move_article_url(session: Session, article: ArticleRow, url: str) -> bool:
    """Make ``url`` the article's canonical URL unless another article already owns it."""
    if url == article.url:
        return True
    if not add_alias(session, article.id, url):
        return False
    taken = session.scalar(select(ArticleRow.id).where(ArticleRow.url == url))
    if taken is not None and taken != article.id:
        return False
    article.url = url
    return True


def merge_duplicate(session: Session, duplicate_id: int, *, into: int) -> None:
    """Fold an article with no history into the one it turned out to be: its URLs move over."""
    session.execute(
        update(ArticleURLRow)
        .where(ArticleURLRow.article_id == duplicate_id)
        .values(article_id=into)
    )
    session.execute(
        update(CheckRow).where(CheckRow.article_id == duplicate_id).values(article_id=into)
    )
    duplicate = session.get(ArticleRow, duplicate_id)
    if duplicate is not None:
        session.delete(duplicate)
    session.flush()


def list_articles(
    session: Session,
    source: str | None = None,
    *,
    changed_since: datetime | None = None,
    flag: str | None = None,
) -> list[ArticleRow]:
    """Articles by id; optionally of one source, changed since a time, with a flagged change."""
    query = select(ArticleRow).order_by(ArticleRow.id)
    if source is not None:
        query = query.join(SourceRow, SourceRow.id == ArticleRow.source_id).where(
            SourceRow.name == source
        )
    if changed_since is not None or flag is not None:
        change = select(ChangeRow.id).where(ChangeRow.article_id == ArticleRow.id)
        if changed_since is not None:
            change = change.where(ChangeRow.detected_at >= changed_since)
        if flag is not None:
            change = change.where(ChangeRow.flags.contains(f",{flag},"))
        query = query.where(change.exists())
    return list(session.scalars(query))


def search_articles(
    session: Session, query: str | None = None, *, limit: int = 100, offset: int = 0
) -> list[ArticleRow]:
    """Articles whose URL or title contains ``query`` (case-insensitive), latest change first.

    Without a query, every article. ``LIKE`` wildcards in the query match literally. (SQLite
    folds case for ASCII letters only; PostgreSQL for all.)
    """
    stmt = select(ArticleRow)
    if query:
        stmt = stmt.where(
            or_(
                ArticleRow.url.icontains(query, autoescape=True),
                ArticleRow.title.icontains(query, autoescape=True),
            )
        )
    # Articles never changed (one version, or none yet) sort after the changed ones.
    stmt = stmt.order_by(
        ArticleRow.last_changed.is_(None),
        ArticleRow.last_changed.desc(),
        ArticleRow.id.desc(),
    )
    return list(session.scalars(stmt.limit(limit).offset(offset)))
