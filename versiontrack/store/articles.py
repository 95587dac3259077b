"""Articles: finding one by URL, alias or id; adding them (a feed's new items all at once, by
URL and guid); renaming and merging them; lists.

A check that stores text reads its article as an ``ArticleDraft`` (one Core SELECT) and writes
what changed back with its schedule in one UPDATE (``checks.record_check``): loading and
flushing the ORM row cost more than the rest of the check's statements together. Functions
that change an article take either kind. They take a ``Session`` and never commit: the caller
owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from versiontrack.domain import FeedItem, Region
from versiontrack.store.schema import (
    ArticleRow,
    ArticleURLRow,
    ChangeRow,
    CheckRow,
    SourceRow,
)

_ARTICLES = ArticleRow.__table__
_URLS = ArticleURLRow.__table__
_IN_LIST = 500  # values per ``IN (…)`` list


@dataclass(slots=True)
class ArticleDraft:
    """The article columns a check that stores text reads and may change, as read in its
    transaction; ``changed`` says which it changed since."""

    id: int
    url: str
    status: str
    version_count: int
    title: str | None
    pending_hash: str | None
    check_interval: int | None
    first_seen: datetime
    last_changed: datetime | None
    _read: tuple[object, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._read = self._values()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _DRAFT_COLUMNS)

    def changed(self) -> dict[str, object]:
        """The columns whose values differ from what was read, with their new values."""
        return {
            name: now
            for name, now, then in zip(_DRAFT_COLUMNS, self._values(), self._read, strict=True)
            if now != then
        }


_DRAFT_COLUMNS = tuple(f.name for f in fields(ArticleDraft) if not f.name.startswith("_"))
_READ_DRAFT = select(*(_ARTICLES.c[name] for name in _DRAFT_COLUMNS)).where(
    _ARTICLES.c.id == bindparam("id")
)


def article_draft(session: Session, article_id: int) -> ArticleDraft | None:
    """The article as a check that stores text reads it (None when it is gone)."""
    row = session.connection().execute(_READ_DRAFT, {"id": article_id}).one_or_none()
    return None if row is None else ArticleDraft(*row)


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
    known: set[str] = set()
    for chunk in _chunks(list(dict.fromkeys(urls))):
        known.update(session.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(chunk))))
        known.update(session.scalars(select(ArticleURLRow.url).where(ArticleURLRow.url.in_(chunk))))
    return known


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
    article = ArticleRow(**_new_article(url, now, source_id, guid, title))
    session.add(article)
    session.flush()
    add_alias(session, article.id, url)
    return article


def _new_article(
    url: str, now: datetime, source_id: int | None, guid: str | None, title: str | None
) -> dict[str, object]:
    """The columns of an article just found: active, no version yet, due at once."""
    return {
        "url": url,
        "source_id": source_id,
        "guid": guid,
        "title": title,
        "status": "active",
        "version_count": 0,
        "first_seen": now,
        "next_check_at": now,
    }


def _chunks(values: list[str]) -> Iterator[list[str]]:
    """``values`` in lists short enough for one ``IN (…)`` on any database."""
    for start in range(0, len(values), _IN_LIST):
        yield values[start : start + _IN_LIST]


def track_items(
    session: Session, source_id: int, items: Sequence[FeedItem], *, now: datetime
) -> int:
    """Start tracking the items of a source's feed that are new to us; how many articles
    were added. An item whose URL is new but whose guid the source listed before, for exactly
    one article, under another URL (the site renamed the article) gives that article an alias
    instead, and its next check follows the site's redirect. A few statements for the whole
    feed, not a few per item: the first poll of a source adds every article it lists."""
    seen = known_urls(session, [item.url for item in items])
    fresh: list[FeedItem] = []  # in the feed's order, each URL where it first appears
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            fresh.append(item)
    if not fresh:
        return 0
    connection = session.connection()
    # guid -> the articles listed under it: one owner, or None when several (none trusted);
    # an article this feed adds is one too (a str: its URL, its id is not known yet)
    owners: dict[str, int | str | None] = {}
    for chunk in _chunks(list({item.guid for item in fresh if item.guid})):
        for guid, article_id in connection.execute(
            select(_ARTICLES.c.guid, _ARTICLES.c.id).where(
                _ARTICLES.c.source_id == source_id, _ARTICLES.c.guid.in_(chunk)
            )
        ):
            owners[guid] = article_id if guid not in owners else None
    new: list[FeedItem] = []
    aliases: list[tuple[int | str, str]] = []
    for item in fresh:
        owner = owners.get(item.guid) if item.guid else None
        if owner is not None:
            aliases.append((owner, item.url))
            continue
        new.append(item)
        if item.guid:
            owners[item.guid] = item.url if item.guid not in owners else None
    ids: dict[str, int] = {}
    if new:
        rows = [_new_article(i.url, now, source_id, i.guid, i.title) for i in new]
        returning = insert(_ARTICLES).returning(
            _ARTICLES.c.id, _ARTICLES.c.url, sort_by_parameter_order=True
        )
        ids = {url: article_id for article_id, url in connection.execute(returning, rows)}
    links = [{"article_id": ids[item.url], "url": item.url} for item in new]
    links += [
        {"article_id": ids[owner] if isinstance(owner, str) else owner, "url": url}
        for owner, url in aliases
    ]
    if links:
        connection.execute(_ADD_ALIAS, links)
    return len(new)


def region_values(found: Region | None) -> dict[str, object]:
    """The columns that remember (or forget) where the article sat in the page its text was
    just read from; no check has trusted that yet."""
    return {
        "region_path": found.path if found else None,
        "region_digest": found.digest if found else None,
        "region_skips": 0,
    }


def set_region(session: Session, article: ArticleRow, found: Region | None) -> None:
    """Remember (or forget) where the article sat in the page its text was just read from."""
    for name, value in region_values(found).items():
        setattr(article, name, value)


_ALIAS_OWNER = select(_URLS.c.article_id).where(_URLS.c.url == bindparam("url"))
_ADD_ALIAS = insert(_URLS)
_URL_OWNER = select(_ARTICLES.c.id).where(_ARTICLES.c.url == bindparam("url"))


def add_alias(session: Session, article_id: int, url: str) -> bool:
    """Record that ``url`` reaches ``article_id``; False when it already reaches another one."""
    connection = session.connection()
    owner = connection.execute(_ALIAS_OWNER, {"url": url}).scalar()
    if owner is None:
        connection.execute(_ADD_ALIAS, {"article_id": article_id, "url": url})
        return True
    return owner == article_id


def move_article_url(session: Session, article: ArticleRow | ArticleDraft, url: str) -> bool:
    """Make ``url`` the article's canonical URL unless another article already owns it."""
    if url == article.url:
        return True
    if not add_alias(session, article.id, url):
        return False
    taken = session.connection().execute(_URL_OWNER, {"url": url}).scalar()
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
