"""The full-text search index: every sentence any version held, and the queries over it.

Owns ``search_sentences`` and the per-database index beside it (SQLite: the FTS5 table
``search_fts``, kept in step by triggers; PostgreSQL: a GIN index on
``to_tsvector('simple', sentence)``). A row is one sentence (or the headline, standfirst or
byline, by ``field``) for the span of versions that held it: ``added_in`` is the first,
``removed_in`` the version that dropped it (None while it is still there). A sentence that
comes back later gets a new row. So the index grows with what changed, not with the number of
versions, and "who removed this quote, and when" is one lookup.

``index_version`` is called by ``versions.add_version`` in the transaction that stores the
version; ``reindex_article`` rebuilds one article's rows from its stored texts (after
re-extraction, or ``versiontrack db reindex``). Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.orm import Session

from versiontrack.domain import FIELDS, ArticleText
from versiontrack.store.schema import ArticleRow, SearchSentenceRow, SourceRow, VersionRow

_S = SearchSentenceRow.__table__
_INSERT = insert(_S)
# ``index_version`` runs for every new version: its statements are built once.
_OPEN_ROWS = select(_S.c.id, _S.c.field, _S.c.sentence).where(
    _S.c.article_id == bindparam("article_id"), _S.c.removed_in.is_(None)
)
_MARK_REMOVED = (
    update(_S)
    .where(_S.c.id.in_(bindparam("ids", expanding=True)))
    .values(removed_in=bindparam("number"))
)
# SQLite's FTS5 table (migration 0008): its hidden column named after it takes MATCH.
_FTS = table("search_fts", column("rowid"), column("rank"), column("search_fts"))

# A search query: "quoted phrases" and bare words, all of which must match.
_TERM = re.compile(r'"([^"]*)"?|(\S+)')
_WORDISH = re.compile(r"\w")


def entries(text: ArticleText) -> list[tuple[str, str]]:
    """What the index holds of one version: ``(field, sentence)``, fields first, then every
    body sentence in order. Empty fields are left out."""
    out = [(name, text.field(name)) for name in FIELDS if text.field(name)]
    out += [("body", sentence) for sentence in text.sentences if sentence]
    return out


def index_version(session: Session, article_id: int, number: int, text: ArticleText) -> None:
    """Index version ``number`` of an article, the newest: sentences it no longer holds are
    marked removed in it, sentences new in it are added."""
    wanted = Counter(entries(text))
    gone: list[int] = []
    connection = session.connection()
    open_rows = connection.execute(_OPEN_ROWS, {"article_id": article_id})
    for row_id, field, sentence in open_rows:
        key = (field, sentence)
        if wanted[key] > 0:
            wanted[key] -= 1
        else:
            gone.append(row_id)
    for start in range(0, len(gone), 500):
        connection.execute(_MARK_REMOVED, {"ids": gone[start : start + 500], "number": number})
    rows = [
        {
            "article_id": article_id,
            "field": field,
            "sentence": sentence,
            "added_in": number,
            "removed_in": None,
        }
        for (field, sentence), count in wanted.items()
        for _ in range(count)
    ]
    if rows:
        connection.execute(_INSERT, rows)


def reindex_article(session: Session, article_id: int, texts: Iterable[ArticleText]) -> int:
    """Rebuild one article's rows from its versions' texts, given in version order; returns
    how many rows it now has."""
    session.execute(delete(SearchSentenceRow).where(SearchSentenceRow.article_id == article_id))
    rows: list[list[object]] = []  # [field, sentence, added_in, removed_in]
    open_: dict[tuple[str, str], list[list[object]]] = {}
    for number, version in enumerate(texts, start=1):
        wanted = Counter(entries(version))
        for key, held in list(open_.items()):
            keep = min(wanted[key], len(held))
            for row in held[keep:]:
                row[3] = number
            del held[keep:]
            wanted[key] -= keep
            if not held:
                del open_[key]
        for key, count in wanted.items():
            for _ in range(count):
                row = [key[0], key[1], number, None]
                rows.append(row)
                open_.setdefault(key, []).append(row)
    if rows:
        session.connection().execute(
            _INSERT,
            [
                {
                    "article_id": article_id,
                    "field": field,
                    "sentence": sentence,
                    "added_in": added,
                    "removed_in": removed,
                }
                for field, sentence, added, removed in rows
            ],
        )
    return len(rows)


def fts_query(query: str) -> list[str]:
    """The terms of a user's query: each quoted phrase and each bare word, stripped of
    double quotes. Terms without a letter or digit are dropped (they match nothing)."""
    terms = []
    for match in _TERM.finditer(query):
        term = (match[1] if match[1] is not None else match[2]).replace('"', " ").strip()
        if term and _WORDISH.search(term):
            terms.append(" ".join(term.split()))
    return terms


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching sentence: in which article, the newest version that held it, and the
    version that dropped it (None while it is still there)."""

    article_id: int
    url: str
    title: str | None
    source: str | None
    version: int
    fetched_at: datetime
    field: str
    sentence: str
    added_in: int
    removed_in: int | None


#: A query matching more sentences than this is ranked among its newest ``POOL`` matches
#: (by when the sentence first appeared): ranking every match of a word found in most
#: articles would cost time in proportion to the whole index.
POOL = 2000
#: Rows ranked past the limit before the ties among them are ordered newest first.
TIE_MARGIN = 50


def search(
    session: Session,
    terms: list[str],
    *,
    removed: bool = False,
    source: str | None = None,
    since: datetime | None = None,
    limit: int = 20,
) -> list[Hit]:
    """Sentences matching every term (a term of several words is a phrase), best first and
    newest first on ties. ``removed``: only sentences a later version dropped; ``since``: only
    sentences held by a version fetched at or after it.

    A query with more than ``POOL`` matches is ranked among its ``POOL`` newest; when filters
    leave fewer than ``limit`` of those, every match is ranked after all."""
    if not terms:
        return []
    pg = session.get_bind().dialect.name == "postgresql"
    if pg:
        tsquery = func.websearch_to_tsquery(
            literal_column("'simple'"), " ".join(f'"{term}"' for term in terms)
        )
        tsv = literal_column("search_sentences.tsv")
        matches = tsv.op("@@")(tsquery)
        row_id = _S.c.id
        rank = -func.ts_rank(tsv, tsquery)
        base = select(_S).where(matches)
        newest = select(_S.c.id).where(matches).order_by(_S.c.id.desc())
    else:
        fts = " ".join(f'"{term}"' for term in terms)
        row_id = _FTS.c.rowid
        rank = _FTS.c.rank
        base = select(_S).join(_FTS, _FTS.c.rowid == _S.c.id).where(_FTS.c.search_fts.match(fts))
        newest = select(_FTS.c.rowid).where(_FTS.c.search_fts.match(fts)).order_by(row_id.desc())
    boundary = session.scalar(newest.offset(POOL - 1).limit(1))

    def run(floor: int | None) -> list[Hit]:
        pool = base if floor is None else base.where(row_id >= floor)
        pool = pool.add_columns(rank.label("score"))
        if removed:
            pool = pool.where(_S.c.removed_in.is_not(None))
        if source is None and since is None:
            # only the best rows need their article and version: rank, cut, then join (with
            # a margin for rows of the same score, which are then ordered newest first)
            pool = pool.order_by(rank, row_id.desc()).limit(limit + TIE_MARGIN)
        matched = pool.subquery()
        stmt = (
            select(
                matched.c.article_id,
                ArticleRow.url,
                ArticleRow.title,
                SourceRow.name,
                VersionRow.number,
                VersionRow.fetched_at,
                matched.c.field,
                matched.c.sentence,
                matched.c.added_in,
                matched.c.removed_in,
            )
            .join(ArticleRow, ArticleRow.id == matched.c.article_id)
            .outerjoin(SourceRow, SourceRow.id == ArticleRow.source_id)
            .join(
                VersionRow,
                and_(
                    VersionRow.article_id == matched.c.article_id,
                    VersionRow.number
                    == func.coalesce(matched.c.removed_in - 1, ArticleRow.version_count),
                ),
            )
            .order_by(
                matched.c.score,
                VersionRow.fetched_at.desc(),
                matched.c.article_id.desc(),
                matched.c.id,
            )
            .limit(limit)
        )
        if source is not None:
            stmt = stmt.where(SourceRow.name == source)
        if since is not None:
            stmt = stmt.where(VersionRow.fetched_at >= since)
        return [Hit(*row) for row in session.execute(stmt)]

    hits = run(boundary)
    if boundary is not None and len(hits) < limit and (removed or source or since):
        hits = run(None)
    return hits


def hits_in_changes(
    session: Session, terms: list[str], *, limit: int = 50
) -> list[tuple[int, int]]:
    """``(article_id, version)`` of the newest versions that added or removed a matching
    sentence (a version adds the sentences it holds first, and removes those it drops)."""
    found = search(session, terms, limit=max(limit * 4, 100))
    events: dict[tuple[int, int], datetime] = {}
    for hit in found:
        if hit.added_in > 1:
            events.setdefault((hit.article_id, hit.added_in), hit.fetched_at)
        if hit.removed_in is not None:
            events.setdefault((hit.article_id, hit.removed_in), hit.fetched_at)
    return list(events)[:limit]


def indexed_articles(session: Session) -> Iterator[int]:
    """Ids of articles with rows in the index (for checks and tests)."""
    yield from session.scalars(select(_S.c.article_id).distinct().order_by(_S.c.article_id))


def count(session: Session, article_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(_S)
    if article_id is not None:
        stmt = stmt.where(_S.c.article_id == article_id)
    return int(session.scalar(stmt) or 0)


__all__ = [
    "Hit",
    "count",
    "entries",
    "fts_query",
    "hits_in_changes",
    "index_version",
    "indexed_articles",
    "reindex_article",
    "search",
]
