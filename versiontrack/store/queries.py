"""Every query versiontrack runs, named by intent.

Each function takes a ``Session`` and never commits: the caller owns the unit of work (one
``with session.begin():`` per article check). Version text goes through ``codec`` here and
nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from versiontrack import significance
from versiontrack import text as textmod
from versiontrack.cadence import Plan
from versiontrack.domain import (
    ArticleText,
    ChangeEntry,
    ChangeKind,
    ChangeSummary,
    Diff,
    Region,
    Source,
    Validators,
)
from versiontrack.store import codec, outbox
from versiontrack.store import search as search_index
from versiontrack.store.schema import (
    ArticleRow,
    ArticleURLRow,
    ChangeRow,
    CheckRow,
    SourceRow,
    VersionRow,
)

# --- sources -------------------------------------------------------------------------------


def sync_sources(session: Session, sources: Iterable[Source], now: datetime) -> None:
    """Insert or update the configured sources (rows of sources no longer configured stay).

    Several daemons start at once against one database, so the insert is ON CONFLICT DO
    NOTHING rather than check-then-insert, which races.
    """
    sources = list(sources)
    if sources:
        dialect = session.get_bind().dialect.name
        dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            dialect_insert(SourceRow)
            .values(
                [
                    {
                        "name": s.name,
                        "feed_url": s.listing_url,
                        "interval_seconds": s.interval,
                        "created_at": now,
                    }
                    for s in sources
                ]
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )
    existing = {row.name: row for row in session.scalars(select(SourceRow))}
    for source in sources:
        row = existing[source.name]
        if row.feed_url != source.listing_url:
            # A new feed URL means the old validators belong to another document.
            row.etag = row.last_modified = None
        row.feed_url = source.listing_url
        row.interval_seconds = source.interval
    session.flush()


def source_by_name(session: Session, name: str) -> SourceRow | None:
    return session.scalar(select(SourceRow).where(SourceRow.name == name))


def record_feed_poll(
    session: Session,
    source_id: int,
    *,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    error: str | None,
    validators: Validators | None,
) -> None:
    """Log a feed poll and remember its validators (only from a successful poll)."""
    values: dict[str, object] = {"last_polled_at": started_at, "last_error": error}
    if validators is not None:
        values["etag"] = validators.etag
        values["last_modified"] = validators.last_modified
    session.execute(update(SourceRow).where(SourceRow.id == source_id).values(**values))
    _log_check(
        session,
        article_id=None,
        source_id=source_id,
        url=session.get_one(SourceRow, source_id).feed_url,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=http_status,
        outcome=outcome,
        error=error,
    )


def _log_check(
    session: Session,
    *,
    article_id: int | None,
    source_id: int | None,
    url: str,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    error: str | None,
) -> None:
    """One row of the check log (an article check or a feed poll), by a prepared INSERT."""
    session.connection().execute(
        _INSERT_CHECK,
        {
            "article_id": article_id,
            "source_id": source_id,
            "url": url,
            "started_at": started_at,
            "duration_ms": duration_ms,
            "http_status": http_status,
            "outcome": outcome,
            "error": error,
        },
    )


@dataclass(frozen=True, slots=True)
class SourceStats:
    name: str
    feed: str
    articles: int
    last_polled_at: datetime | None
    last_error: str | None


def source_stats(session: Session) -> list[SourceStats]:
    counts = (
        select(ArticleRow.source_id, func.count().label("n"))
        .group_by(ArticleRow.source_id)
        .subquery()
    )
    rows = session.execute(
        select(SourceRow, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.source_id == SourceRow.id)
        .order_by(SourceRow.name)
    )
    return [
        SourceStats(row.name, row.feed_url, n, row.last_polled_at, row.last_error)
        for row, n in rows
    ]


# --- articles ------------------------------------------------------------------------------


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


# Quiet checks (most checks) read and write through these Core statements.
_ARTICLES = ArticleRow.__table__
_INSERT_CHECK = insert(CheckRow.__table__)
_CHECK_STATE = (
    select(
        _ARTICLES.c.id,
        _ARTICLES.c.url,
        _ARTICLES.c.status,
        _ARTICLES.c.version_count,
        _ARTICLES.c.etag,
        _ARTICLES.c.last_modified,
        SourceRow.__table__.c.name,
        _ARTICLES.c.region_path,
        _ARTICLES.c.region_digest,
        _ARTICLES.c.region_skips,
        _ARTICLES.c.check_interval,
        _ARTICLES.c.first_seen,
        _ARTICLES.c.last_changed,
    )
    .select_from(_ARTICLES.outerjoin(SourceRow.__table__))
    .where(_ARTICLES.c.id == bindparam("id"))
)


@dataclass(frozen=True, slots=True)
class CheckState:
    """What a check needs to know about its article before fetching, read in one query."""

    id: int
    url: str
    status: str
    version_count: int
    validators: Validators
    source_name: str | None
    region: Region | None
    region_skips: int
    check_interval: int | None
    first_seen: datetime
    last_changed: datetime | None


def check_state(session: Session, article_id: int) -> CheckState | None:
    row = session.connection().execute(_CHECK_STATE, {"id": article_id}).one_or_none()
    if row is None:
        return None
    path, digest = row.region_path, row.region_digest
    return CheckState(
        row.id,
        row.url,
        row.status,
        row.version_count,
        Validators(row.etag, row.last_modified),
        row.name,
        Region(path, digest) if path and digest else None,
        row.region_skips,
        row.check_interval,
        row.first_seen,
        row.last_changed,
    )


def record_quiet_check(
    session: Session,
    state: CheckState,
    *,
    url: str,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    plan: Plan,
    validators: Validators | None,
    trusted_region: bool,
) -> None:
    """``record_check`` for a check that found nothing new (a 304, an unchanged fingerprint):
    two Core statements on the session's connection, no ORM loading or flushing, since such
    checks are most checks."""
    _log_check(
        session,
        article_id=state.id,
        source_id=None,
        url=url,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=http_status,
        outcome=outcome,
        error=None,
    )
    values = _schedule_values(started_at, http_status, None, plan, validators)
    if trusted_region:
        values["region_skips"] = _ARTICLES.c.region_skips + 1
    session.connection().execute(
        update(_ARTICLES).where(_ARTICLES.c.id == state.id).values(**values)
    )


def _schedule_values(
    started_at: datetime,
    http_status: int | None,
    error: str | None,
    plan: Plan,
    validators: Validators | None,
) -> dict[str, object]:
    """The article columns every check writes: its last check, next check and lease."""
    values: dict[str, object] = {
        "last_checked": started_at,
        "last_status": http_status,
        "last_error": error,
        "next_check_at": plan.next_check_at,
        "check_interval": plan.interval,
        "lease_owner": None,
        "lease_until": None,
    }
    if plan.retired:
        values["status"] = "retired"
    if validators is not None:
        values["etag"] = validators.etag
        values["last_modified"] = validators.last_modified
    return values


def record_check(
    session: Session,
    article: ArticleRow,
    *,
    url: str,
    started_at: datetime,
    duration_ms: int,
    http_status: int | None,
    outcome: str,
    error: str | None,
    plan: Plan,
    validators: Validators | None = None,
) -> None:
    """Log one article check, move its schedule on to ``plan`` and release its lease."""
    _log_check(
        session,
        article_id=article.id,
        source_id=None,
        url=url,
        started_at=started_at,
        duration_ms=duration_ms,
        http_status=http_status,
        outcome=outcome,
        error=error,
    )
    for name, value in _schedule_values(started_at, http_status, error, plan, validators).items():
        setattr(article, name, value)


def checks_for(session: Session, article_id: int, limit: int = 20) -> list[CheckRow]:
    return list(
        session.scalars(
            select(CheckRow)
            .where(CheckRow.article_id == article_id)
            .order_by(CheckRow.started_at.desc(), CheckRow.id.desc())
            .limit(limit)
        )
    )


# --- versions ------------------------------------------------------------------------------


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


def version_text(session: Session, article_id: int, number: int) -> ArticleText | None:
    """Decompress version ``number``: from the last keyframe at or before it, forwards."""
    keyframe = session.scalar(
        select(func.max(VersionRow.number)).where(
            VersionRow.article_id == article_id,
            VersionRow.number <= number,
            VersionRow.base.is_(None),
        )
    )
    if keyframe is None:
        return None
    chain = session.execute(
        select(VersionRow.number, VersionRow.base, VersionRow.body, VersionRow.content_hash)
        .where(
            VersionRow.article_id == article_id,
            VersionRow.number >= keyframe,
            VersionRow.number <= number,
        )
        .order_by(VersionRow.number)
    ).all()
    if not chain or chain[-1].number != number:
        return None
    serialized = codec.decompress_chain((row.body, row.base is not None) for row in chain)
    return textmod.parse(serialized, chain[-1].content_hash)


def earlier_version_with_hash(session: Session, article_id: int, content_hash: str) -> int | None:
    """The newest stored version with this text, other than the latest one (a revert)."""
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
    """Headlines of every version but the two newest (the new one and the one it replaced)."""
    newest = select(func.max(VersionRow.number)).where(VersionRow.article_id == article_id)
    return set(
        session.scalars(
            select(VersionRow.headline).where(
                VersionRow.article_id == article_id,
                VersionRow.number < newest.scalar_subquery() - 1,
            )
        )
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
    return (
        session.scalar(
            select(ChangeRow.id)
            .where(ChangeRow.article_id == article_id, ChangeRow.flags.contains(f",{flag},"))
            .limit(1)
        )
        is not None
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
        keyframe = session.scalar(
            select(VersionRow).where(VersionRow.article_id == article.id, VersionRow.number == base)
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
    serialized = textmod.serialize(text)
    chained = previous is not None and not codec.is_keyframe(row.number)
    base_text = textmod.serialize(previous) if chained and previous is not None else None
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


def replace_change(
    session: Session,
    article_id: int,
    to_version: int,
    diff: Diff,
    flags: Iterable[str],
    now: datetime,
    reverts_to: int | None = None,
) -> None:
    """Recompute a stored version change (after re-extraction): its diff, summary, flags."""
    row = session.scalar(
        select(ChangeRow).where(
            ChangeRow.article_id == article_id,
            ChangeRow.kind == "edited",
            ChangeRow.to_version == to_version,
        )
    )
    if row is None:
        return
    ranked = significance.rank(flags)
    row.diff, row.summary = diff.to_dict(), diff.summary.to_dict()
    row.flags, row.level = _frame(ranked), significance.level(ranked)
    row.revision, row.revised_at, row.reverts_to = row.revision + 1, now, reverts_to


# --- changes -------------------------------------------------------------------------------


def add_change(
    session: Session,
    article: ArticleRow,
    *,
    kind: ChangeKind,
    detected_at: datetime,
    diff: Diff,
    from_version: int | None,
    to_version: int | None,
    http_status: int | None = None,
    flags: Iterable[str] = (),
    reverts_to: int | None = None,
) -> ChangeRow:
    """Store a change with its significance ``flags`` (and the level they reach)."""
    ranked = significance.rank(flags)
    row = ChangeRow(
        article_id=article.id,
        kind=kind,
        from_version=from_version,
        to_version=to_version,
        detected_at=detected_at,
        headline=article.title or article.url,
        http_status=http_status,
        summary=diff.summary.to_dict(),
        diff=diff.to_dict(),
        flags=_frame(ranked),
        level=significance.level(ranked),
        reverts_to=reverts_to,
    )
    session.add(row)
    session.flush()
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
    return [_entry(row, url, name) for row, url, name in session.execute(query)]


def changes_by_version(session: Session, article_id: int) -> dict[int, ChangeEntry]:
    """Each version's incoming change, keyed by the version it produced."""
    rows = session.execute(
        select(ChangeRow, ArticleRow.url, SourceRow.name)
        .join(ArticleRow, ArticleRow.id == ChangeRow.article_id)
        .outerjoin(SourceRow, SourceRow.id == ArticleRow.source_id)
        .where(ChangeRow.article_id == article_id, ChangeRow.kind == "edited")
    )
    return {row.to_version: _entry(row, url, name) for row, url, name in rows if row.to_version}


def _frame(flags: Iterable[str]) -> str:
    return "," + "".join(f"{flag}," for flag in flags)


def _unframe(framed: str) -> tuple[str, ...]:
    return tuple(flag for flag in framed.split(",") if flag)


def _entry(row: ChangeRow, url: str, source: str | None) -> ChangeEntry:
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


# --- pages and feeds (read only) -------------------------------------------------------------


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
