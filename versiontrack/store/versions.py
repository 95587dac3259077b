"""Versions: an article's stored texts and the pages they were read from.

Version text goes through ``codec`` here and nowhere else (compressed, chained on the previous
version between keyframes). Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from versiontrack.domain import (
    ArticleText,
)
from versiontrack.store import codec
from versiontrack.store import search as search_index
from versiontrack.store.articles import set_region
from versiontrack.store.schema import (
    ArticleRow,
    VersionRow,
)
from versiontrack.text import parse, serialize


def latest_version(session: Session, article_id: int) -> VersionRow | None:
    return session.scalar(
        select(VersionRow)
        .where(VersionRow.article_id == article_id)
        .order_by(VersionRow.number.desc())
        .limit(1)
    )


def latest_reading(session: Session, article_id: int) -> tuple[str, str] | None:
    """The latest version's extractor version and content hash, without its text or page."""
    row = session.execute(
        select(VersionRow.extractor_version, VersionRow.content_hash)
        .where(VersionRow.article_id == article_id)
        .order_by(VersionRow.number.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def versions(session: Session, article_id: int) -> list[VersionRow]:
    return list(
        session.scalars(
            select(VersionRow)
            .where(VersionRow.article_id == article_id)
            .order_by(VersionRow.number)
        )
    )


def pages_kept(session: Session, article_id: int) -> bool:
    """Whether every version of the article kept the page it was read from (re-extraction
    needs them all), without loading a page."""
    missing = session.scalar(
        select(VersionRow.id)
        .where(VersionRow.article_id == article_id, VersionRow.raw.is_(None))
        .limit(1)
    )
    return missing is None


_V = VersionRow.__table__
# The chain a version is read from: its last keyframe at or before it, forwards to it (one
# round trip, built once: every check of a changed page reads its latest version).
_CHAIN = (
    select(_V.c.number, _V.c.base, _V.c.body, _V.c.content_hash)
    .where(
        _V.c.article_id == bindparam("article_id"),
        _V.c.number
        >= select(func.max(_V.c.number))
        .where(
            _V.c.article_id == bindparam("article_id"),
            _V.c.number <= bindparam("number"),
            _V.c.base.is_(None),
        )
        .scalar_subquery(),
        _V.c.number <= bindparam("number"),
    )
    .order_by(_V.c.number)
)


def version_text(session: Session, article_id: int, number: int) -> ArticleText | None:
    """Decompress version ``number``: from the last keyframe at or before it, forwards."""
    chain = session.connection().execute(_CHAIN, {"article_id": article_id, "number": number}).all()
    if not chain or chain[-1].number != number:
        return None
    serialized = codec.decompress_chain((row.body, row.base is not None) for row in chain)
    return parse(serialized, chain[-1].content_hash)


def earlier_version_with_hash(session: Session, article_id: int, content_hash: str) -> int | None:
    """The newest stored version with this text, other than the latest one: what a new
    version with this text reverts to (``pipeline.verdict`` looks at the latest itself)."""
    return session.scalar(
        select(func.max(VersionRow.number)).where(
            VersionRow.article_id == article_id,
            VersionRow.content_hash == content_hash,
            VersionRow.number
            < select(func.max(VersionRow.number))
            .where(VersionRow.article_id == article_id)
            .scalar_subquery(),
        )
    )


def older_headlines(session: Session, article_id: int) -> set[str]:
    """Headlines of every version but the latest (read before a new version is stored: the
    headlines older than the one it replaces)."""
    newest = select(func.max(VersionRow.number)).where(VersionRow.article_id == article_id)
    return set(
        session.scalars(
            select(VersionRow.headline).where(
                VersionRow.article_id == article_id,
                VersionRow.number < newest.scalar_subquery(),
            )
        )
    )


def add_version(
    session: Session,
    article: ArticleRow,
    text: ArticleText,
    *,
    fetched_at: datetime,
    extractor_version: str,
    previous: ArticleText | None,
    raw: bytes | None = None,
    origin: str = "live",
) -> VersionRow:
    """Store the next version of ``article``, chained on ``previous`` (its latest text), with
    the page it came from (``raw``) kept compressed and where that came from (``origin``)."""
    number = article.version_count + 1
    row = VersionRow(article_id=article.id, number=number, fetched_at=fetched_at, origin=origin)
    if raw is not None:
        base = codec.keyframe_of(number)
        keyframe = (
            session.scalar(
                select(VersionRow).where(
                    VersionRow.article_id == article.id, VersionRow.number == base
                )
            )
            if base < number  # a keyframe is its own base: nothing stored to look up
            else None
        )
        base_page = raw_page(session, keyframe) if keyframe is not None else None
        row.raw = codec.compress_raw(raw, base_page)
        row.raw_base = base if base_page is not None else None
    _set_text(row, text, previous, extractor_version)
    session.add(row)
    article.version_count = number
    article.title = text.headline or article.title
    article.last_changed = fetched_at
    session.flush()
    search_index.index_version(session, article.id, number, text)  # same transaction
    return row


def _set_text(
    row: VersionRow, text: ArticleText, previous: ArticleText | None, extractor_version: str
) -> None:
    serialized = serialize(text)
    chained = previous is not None and not codec.is_keyframe(row.number)
    base_text = serialize(previous) if chained and previous is not None else None
    row.headline, row.standfirst, row.byline = text.headline, text.standfirst, text.byline
    row.content_hash = text.content_hash
    row.body = codec.compress(serialized, base_text)
    row.base = row.number - 1 if chained else None
    row.text_size = len(serialized.encode("utf-8"))
    row.extractor_version = extractor_version


def raw_page(session: Session, row: VersionRow) -> bytes | None:
    """The page a version was extracted from, if it was kept."""
    if row.raw is None:
        return None
    if row.raw_base is None:
        return codec.decompress_raw(row.raw)
    base = session.scalar(
        select(VersionRow.raw).where(
            VersionRow.article_id == row.article_id, VersionRow.number == row.raw_base
        )
    )
    assert base is not None, "a chained page's keyframe page is kept"
    return codec.decompress_raw(row.raw, codec.decompress_raw(base))


def rewrite_texts(
    session: Session, article: ArticleRow, texts: Sequence[ArticleText], extractor_version: str
) -> None:
    """Replace the text of every version of ``article`` (``texts`` in version order), e.g.
    after re-extraction; the compression chain is rebuilt, the history keeps its length.
    The article's region fingerprint stood for the old texts: it is dropped."""
    rows = versions(session, article.id)
    if len(rows) != len(texts):
        raise ValueError(f"{len(texts)} texts for {len(rows)} versions of article {article.id}")
    previous: ArticleText | None = None
    for row, text in zip(rows, texts, strict=True):
        _set_text(row, text, previous, extractor_version)
        previous = text
    if texts:
        article.title = texts[-1].headline or article.title
    set_region(session, article, None)
    session.flush()
    search_index.reindex_article(session, article.id, texts)
