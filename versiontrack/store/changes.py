"""Changes: storing an article's changes and reading them back for pages and feeds.

The store writes the flags and level it is given and decides nothing: the pipeline ranks the
flags and computes the level (``significance``). Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from versiontrack.domain import (
    ChangeEntry,
    ChangeKind,
    ChangeSummary,
    Diff,
)
from versiontrack.store import outbox
from versiontrack.store.articles import ArticleDraft
from versiontrack.store.schema import (
    ArticleRow,
    ChangeRow,
    SourceRow,
)

# built once: every edit a check finds stores a change and asks for a flag
_INSERT_CHANGE = insert(ChangeRow.__table__)
_HAS_FLAG = (
    select(ChangeRow.id)
    .where(
        ChangeRow.article_id == bindparam("article_id"),
        ChangeRow.flags.contains(bindparam("framed")),
    )
    .limit(1)
)


def hide_headline_only_changes(session: Session, article_id: int, now: datetime) -> None:
    """Take the article's headline-only changes out of feeds (level 0), keeping them stored."""
    session.execute(
        update(ChangeRow)
        .where(
            ChangeRow.article_id == article_id,
            ChangeRow.flags == _frame(["headline"]),
            ChangeRow.level > 0,
        )
        .values(level=0, revision=ChangeRow.revision + 1, revised_at=now)
        .execution_options(synchronize_session=False)
    )


def has_flag(session: Session, article_id: int, flag: str) -> bool:
    """Whether any stored change of the article carries ``flag``."""
    found = session.connection().execute(
        _HAS_FLAG, {"article_id": article_id, "framed": f",{flag},"}
    )
    return found.first() is not None


def replace_change(
    session: Session,
    article_id: int,
    to_version: int,
    diff: Diff,
    flags: Iterable[str],
    now: datetime,
    reverts_to: int | None = None,
    *,
    level: int,
) -> None:
    """Rewrite a stored version change (after re-extraction): its diff, summary, ``flags``
    (ranked, most significant first) and ``level``; one more revision, made ``now``."""
    row = session.scalar(
        select(ChangeRow).where(
            ChangeRow.article_id == article_id,
            ChangeRow.kind == "edited",
            ChangeRow.to_version == to_version,
        )
    )
    if row is None:
        return
    row.diff, row.summary = diff.to_dict(), diff.summary.to_dict()
    row.flags, row.level = _frame(flags), level
    row.revision, row.revised_at, row.reverts_to = row.revision + 1, now, reverts_to


def add_change(
    session: Session,
    article: ArticleRow | ArticleDraft,
    *,
    kind: ChangeKind,
    detected_at: datetime,
    diff: Diff,
    from_version: int | None,
    to_version: int | None,
    http_status: int | None = None,
    flags: Iterable[str],
    level: int,
    reverts_to: int | None = None,
) -> ChangeRow:
    """Store a change with its significance ``flags`` (ranked, most significant first) and
    the ``level`` they reach, both as given; returns it as a row not in the session.

    One prepared INSERT (every edit a check finds comes here): an ORM row cost a flush of
    its own, a tenth of storing an edited version."""
    values: dict[str, Any] = {
        "article_id": article.id,
        "kind": kind,
        "from_version": from_version,
        "to_version": to_version,
        "detected_at": detected_at,
        "headline": article.title or article.url,
        "http_status": http_status,
        "summary": diff.summary.to_dict(),
        "diff": diff.to_dict(),
        "flags": _frame(flags),
        "level": level,
        "revision": 0,
        "revised_at": None,
        "reverts_to": reverts_to,
    }
    (change_id,) = session.connection().execute(_INSERT_CHANGE, values).inserted_primary_key
    row = ChangeRow(id=change_id, **values)
    outbox.note_new_change(session, row)  # its deliveries join this transaction
    return row


def changes(
    session: Session,
    *,
    source: str | None = None,
    article_id: int | None = None,
    limit: int = 50,
    min_level: int = 1,
    flags: Sequence[str] = (),
) -> list[ChangeEntry]:
    """The newest changes first, optionally for one source or one article.

    Only changes at ``min_level`` or above (1 leaves out boring ones) and, when ``flags`` are
    given, carrying at least one of them.
    """
    query = (
        select(ChangeRow, ArticleRow.url, SourceRow.name)
        .join(ArticleRow, ArticleRow.id == ChangeRow.article_id)
        .outerjoin(SourceRow, SourceRow.id == ArticleRow.source_id)
        # Checks of one pass commit concurrently, in no fixed order: changes detected at the
        # same moment are listed by article, not by which commit happened to land first.
        .order_by(ChangeRow.detected_at.desc(), ChangeRow.article_id.desc(), ChangeRow.id.desc())
        .limit(limit)
    )
    if source is not None:
        query = query.where(SourceRow.name == source)
    if article_id is not None:
        query = query.where(ChangeRow.article_id == article_id)
    if min_level > 0:
        query = query.where(ChangeRow.level >= min_level)
    if flags:
        query = query.where(or_(*(ChangeRow.flags.contains(f",{flag},") for flag in flags)))
    return [entry(row, url, name) for row, url, name in session.execute(query)]


def changes_by_version(session: Session, article_id: int) -> dict[int, ChangeEntry]:
    """Each version's incoming change, keyed by the version it produced."""
    rows = session.execute(
        select(ChangeRow, ArticleRow.url, SourceRow.name)
        .join(ArticleRow, ArticleRow.id == ChangeRow.article_id)
        .outerjoin(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(ChangeRow.article_id == article_id, ChangeRow.kind == "edited")
    )
    return {row.to_version: entry(row, url, name) for row, url, name in rows if row.to_version}


def _frame(flags: Iterable[str]) -> str:
    return "," + "".join(f"{flag}," for flag in flags)


def _unframe(framed: str) -> tuple[str, ...]:
    return tuple(flag for flag in framed.split(",") if flag)


def entry(row: ChangeRow, url: str, source: str | None) -> ChangeEntry:
    kind: ChangeKind = row.kind  # type: ignore[assignment]
    return ChangeEntry(
        id=row.id,
        article_id=row.article_id,
        article_url=url,
        source=source,
        kind=kind,
        from_version=row.from_version,
        to_version=row.to_version,
        detected_at=row.detected_at,
        headline=row.headline,
        summary=ChangeSummary.from_dict(row.summary),
        diff=Diff.from_dict(row.diff),
        http_status=row.http_status,
        flags=_unframe(row.flags),
        reverts_to=row.reverts_to,
    )


@dataclass(frozen=True, slots=True)
class ChangesState:
    """What a change feed's content depends on, from one aggregate query: its validator."""

    count: int
    newest_id: int | None
    newest_at: datetime | None
    #: How many edits its changes had after they were stored (re-extraction, headline
    #: tests), and when the latest was made
    revisions: int = 0
    revised_at: datetime | None = None
    #: For an article's feed: the title and URL its heading shows.
    label: str | None = None


# Built once, not per call: a feed reader's poll runs one of these and little else, and building
# a statement (and its cache key) costs more than SQLite takes to run it.
_CHANGE_AGGREGATES = (
    func.count(ChangeRow.id),
    func.max(ChangeRow.id),
    func.max(ChangeRow.detected_at),
    func.coalesce(func.sum(ChangeRow.revision), 0),
    func.max(ChangeRow.revised_at),
)


_ALL_CHANGES_STATE = select(*_CHANGE_AGGREGATES)


_SOURCE_CHANGES_STATE = (
    select(*_CHANGE_AGGREGATES)
    .select_from(SourceRow)
    .outerjoin(ArticleRow, ArticleRow.source_id == SourceRow.id)
    .outerjoin(ChangeRow, ChangeRow.article_id == ArticleRow.id)
    .where(SourceRow.name == bindparam("source"))
    .group_by(SourceRow.id)
)


_ARTICLE_CHANGES_STATE = (
    select(*_CHANGE_AGGREGATES, ArticleRow.title, ArticleRow.url)
    .select_from(ArticleRow)
    .outerjoin(ChangeRow, ChangeRow.article_id == ArticleRow.id)
    .where(ArticleRow.id == bindparam("article_id"))
    .group_by(ArticleRow.id, ArticleRow.title, ArticleRow.url)
)


def changes_state(
    session: Session, *, source: str | None = None, article_id: int | None = None
) -> ChangesState | None:
    """Count, newest change and edits of a feed's scope; None when the source or article is
    unknown. A change is edited only by re-extraction and a headline test, and each edit
    counts one more revision, so a scope whose four figures are the same holds the same
    changes."""
    if article_id is not None:
        row = session.execute(_ARTICLE_CHANGES_STATE, {"article_id": article_id}).first()
        if row is None:
            return None
        return ChangesState(*row[:5], label=f"{row[5]}\n{row[6]}")
    if source is not None:
        row = session.execute(_SOURCE_CHANGES_STATE, {"source": source}).first()
        return None if row is None else ChangesState(*row[:5])
    row = session.execute(_ALL_CHANGES_STATE).one()
    return ChangesState(*row[:5])
