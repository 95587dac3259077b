"""Versions: an article's stored texts and the pages they were read from.

Version text goes through ``codec`` here and nowhere else (compressed, chained on the previous
version between keyframes). Functions take a ``Session`` and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from versiontrack.domain import (
    ArticleText,
)
from versiontrack.store import codec
from versiontrack.store import search as search_index
from versiontrack.store.articles import ArticleDraft, set_region
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


_EARLIER = select(_V.c.number, _V.c.headline, _V.c.content_hash).where(
    _V.c.article_id == bindparam("article_id"), _V.c.number < bindparam("latest")
)


def earlier_versions(session: Session, article_id: int, latest: int) -> list[tuple[int, str, str]]:
    """``(number, headline, content_hash)`` of every version before ``latest`` (the newest):
    what a new version reverts to and which headlines are older than the one it replaces."""
    rows = session.connection().execute(_EARLIER, {"article_id": article_id, "latest": latest})
    return [(number, headline, content_hash) for number, headline, content_hash in rows]


_INSERT_VERSION = insert(_V)
_PAGE = select(_V.c.raw, _V.c.raw_base).where(
    _V.c.article_id == bindparam("article_id"), _V.c.number == bindparam("number")
)


def add_version(
    session: Session,
    article: ArticleRow | ArticleDraft,
    text: ArticleText,
    *,
    fetched_at: datetime,
    extractor_version: str,
    previous: ArticleText | None,
    raw: bytes | None = None,
    origin: str = "live",
) -> int:
    """Store the next version of ``article``, chained on ``previous`` (its latest text), with
    the page it came from (``raw``) kept compressed and where that came from (``origin``);
    returns the version's id. The article's count, title and last change are set on
    ``article`` for its caller to write.

    One prepared INSERT (every new version of every check comes here): an ORM row cost a
    flush of its own."""
    number = article.version_count + 1
    values: dict[str, object] = {
        "article_id": article.id,
        "number": number,
        "fetched_at": fetched_at,
        "origin": origin,
        "raw": None,
        "raw_base": None,
        "archive_url": None,
        **_text_values(number, text, previous, extractor_version),
    }
    if raw is not None:
        base = codec.keyframe_of(number)
        # a keyframe is its own base: nothing stored to look up
        base_page = _page(session, article.id, base) if base < number else None
        values["raw"] = codec.compress_raw(raw, base_page)
        values["raw_base"] = base if base_page is not None else None
    result = session.connection().execute(_INSERT_VERSION, values)
    article.version_count = number
    article.title = text.headline or article.title
    article.last_changed = fetched_at
    search_index.index_version(session, article.id, number, text)  # same transaction
    (version_id,) = result.inserted_primary_key
    return version_id


def _text_values(
    number: int, text: ArticleText, previous: ArticleText | None, extractor_version: str
) -> dict[str, object]:
    """The columns of version ``number`` that hold ``text``, chained on ``previous``."""
    serialized = serialize(text)
    chained = previous is not None and not codec.is_keyframe(number)
    base_text = serialize(previous) if chained and previous is not None else None
    return {
        "headline": text.headline,
        "standfirst": text.standfirst,
        "byline": text.byline,
        "content_hash": text.content_hash,
        "body": codec.compress(serialized, base_text),
        "base": number - 1 if chained else None,
        "text_size": len(serialized.encode("utf-8")),
        "extractor_version": extractor_version,
    }


def _page(session: Session, article_id: int, number: int) -> bytes | None:
    """The page version ``number`` was extracted from, if it was kept."""
    row = (
        session.connection()
        .execute(_PAGE, {"article_id": article_id, "number": number})
        .one_or_none()
    )
    return None if row is None else _unpacked(session, article_id, row.raw, row.raw_base)


def raw_page(session: Session, row: VersionRow) -> bytes | None:
    """The page a version was extracted from, if it was kept."""
    return _unpacked(session, row.article_id, row.raw, row.raw_base)


def _unpacked(
    session: Session, article_id: int, raw: bytes | None, raw_base: int | None
) -> bytes | None:
    if raw is None:
        return None
    if raw_base is None:
        return codec.decompress_raw(raw)
    base = _page(session, article_id, raw_base)
    assert base is not None, "a chained page's keyframe page is kept"
    return codec.decompress_raw(raw, base)


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
        for name, value in _text_values(row.number, text, previous, extractor_version).items():
            setattr(row, name, value)
        previous = text
    if texts:
        article.title = texts[-1].headline or article.title
    set_region(session, article, None)
    session.flush()
    search_index.reindex_article(session, article.id, texts)
