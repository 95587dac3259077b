"""Use cases behind the CLI and the web app: open the database, run a pass, read history.

Each function opens one session (one unit of work), calls the store and the pure stages, and
returns plain data for the edge to format. Nothing here prints, parses arguments or renders
HTML; the page use cases (``recent_changes``, ``article_page``, ``diff_page``…) return frozen
view objects a template can show without deciding anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from versiontrack import __version__, shards, significance, template, urls, workers
from versiontrack.diff import (
    Row,
    align,
    diff_texts,
    diff_words,
    diff_words_split,
    summarize_rows,
)
from versiontrack.domain import FIELDS, ArticleText, ChangeEntry, ChangeSummary, Diff
from versiontrack.errors import ConfigError, InvalidArgument, NotFound
from versiontrack.fetch import Fetcher
from versiontrack.pipeline import (
    CheckOutcome,
    PassReport,
    Runtime,
    check_claimed,
    reextract_article,
    start_pass,
    utcnow,
    without_template,
)
from versiontrack.publish.feed import FeedMeta, entry_link, render_feed
from versiontrack.settings import Settings
from versiontrack.store import migrate, queries, schedule
from versiontrack.store.engine import make_engine, session_factory
from versiontrack.store.schema import ArticleRow, CheckRow, VersionRow


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


@contextmanager
def open_database(settings: Settings, *, ensure: bool = True) -> Iterator[Database]:
    """Open the configured database; by default create or check its schema first."""
    engine = make_engine(settings.database.url)
    try:
        if ensure:
            migrate.ensure_schema(engine)
        yield Database(engine, session_factory(engine))
    finally:
        engine.dispose()


# --- writing -------------------------------------------------------------------------------


def check(
    settings: Settings,
    db: Database,
    *,
    force: bool = False,
    refs: Sequence[str] = (),
    on_total: Callable[[int], None] | None = None,
    on_progress: Callable[[CheckOutcome], None] | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> PassReport:
    """One pass: poll every source, then check due articles (or just the ones named)."""
    ids: list[int] | None = None
    if refs:
        with db.sessions() as session:
            ids = [resolve_article(session, ref).id for ref in refs]

    async def go(pool: Executor | None) -> PassReport:
        async with Fetcher(settings.fetch) as fetcher:
            rt = Runtime(settings, db.sessions, fetcher, clock, cpu=pool)
            polls, due, held = await start_pass(rt, force=force, article_ids=ids)
            if on_total:
                on_total(len(due))
            count = shards.shard_count(rt, len(due))
            if count > 1:
                checks = await shards.check_in_shards(rt, due, count, on_progress)
            else:
                checks = await check_claimed(rt, due, on_progress)
            return PassReport(polls, checks, held)

    with workers.cpu_pool(settings, sparing=True) as pool:
        return asyncio.run(go(pool))


def add_article(
    settings: Settings, db: Database, url: str, source: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Track one article URL (optionally under a configured source); True if it is new."""
    try:
        canonical = urls.canonicalize(url)
    except ValueError as exc:
        raise ConfigError(f"not an article URL: {url!r} ({exc})") from exc
    now = utcnow()
    with db.sessions() as session, session.begin():
        queries.sync_sources(session, settings.sources, now)
        source_id = None
        if source is not None:
            row = queries.source_by_name(session, source)
            if row is None:
                raise NotFound(f"no source named {source!r} in the config")
            source_id = row.id
        article = queries.article_for_url(session, canonical)
        created = article is None
        if article is None:
            article = queries.add_article(session, canonical, now=now, source_id=source_id)
        return article_info(article), created


@dataclass(frozen=True, slots=True)
class Reextracted:
    article_id: int
    url: str
    versions: int
    changed: int  # versions whose text the current extractor reads differently
    kept_pages: bool  # False: some version has no kept page, nothing was re-extracted


def reextract(settings: Settings, db: Database, refs: Sequence[str] = ()) -> list[Reextracted]:
    """Re-run extraction over the kept pages of the named articles (default: all).

    One transaction per article; no version is added or removed (see
    ``pipeline.reextract_article``).
    """
    with db.sessions() as session:
        ids = (
            [resolve_article(session, ref).id for ref in refs]
            if refs
            else [a.id for a in queries.list_articles(session)]
        )
    sources = {s.name: s for s in settings.sources}
    results = []
    for article_id in ids:
        with db.sessions() as session, session.begin():
            article = session.get_one(ArticleRow, article_id)
            rows = queries.versions(session, article_id)
            source = sources.get(article.source.name) if article.source else None
            changed = reextract_article(session, article, source)
            results.append(
                Reextracted(
                    article_id,
                    article.url,
                    len(rows),
                    changed,
                    all(row.raw is not None for row in rows),
                )
            )
    return results


# --- reading -------------------------------------------------------------------------------


def resolve_article(session: Session, ref: str) -> ArticleRow:
    """An article by id or URL (tracking parameters and fragments ignored)."""
    canonical: str | None = None
    if not ref.isdigit():
        try:
            canonical = urls.canonicalize(ref)
        except ValueError:
            canonical = None
    article = queries.find_article(session, ref, canonical)
    if article is None:
        raise NotFound(f"no tracked article {ref!r}")
    return article


def article_info(article: ArticleRow) -> dict[str, Any]:
    """The JSON shape of an article (``articles --json``)."""
    return {
        "id": article.id,
        "url": article.url,
        "source": article.source.name if article.source else None,
        "title": article.title,
        "versions": article.version_count,
        "first_seen": _iso(article.first_seen),
        "last_checked": _iso(article.last_checked),
        "last_changed": _iso(article.last_changed),
        "next_check_at": _iso(article.next_check_at),
        "status": article.status,
        "last_status": article.last_status,
        "last_error": article.last_error,
    }


def list_articles(
    db: Database,
    source: str | None = None,
    *,
    changed_since: str | None = None,
    flag: str | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Tracked articles; ``changed_since`` is a duration back from now (``24h``, ``7d``,
    ``90m``) or an ISO date/time, and ``flag`` keeps articles with a change so flagged."""
    since = parse_since(changed_since, now or utcnow()) if changed_since else None
    if flag is not None and flag not in significance.FLAGS:
        raise InvalidArgument(
            f"unknown flag {flag!r}; expected one of {', '.join(significance.FLAGS)}"
        )
    with db.sessions() as session:
        if source is not None and queries.source_by_name(session, source) is None:
            raise NotFound(f"no source named {source!r}")
        rows = queries.list_articles(session, source, changed_since=since, flag=flag)
        return [article_info(a) for a in rows]


_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(value: str, now: datetime) -> datetime:
    """``24h`` → now − 24 hours; an ISO date or date-time (UTC unless it says otherwise)."""
    match = _DURATION.match(value)
    if match:
        return now - timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(
            f"cannot read {value!r} as a time: use e.g. 24h, 7d or 2024-10-30T08:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def list_sources(settings: Settings, db: Database) -> list[queries.SourceStats]:
    with db.sessions() as session, session.begin():
        queries.sync_sources(session, settings.sources, utcnow())
        return queries.source_stats(session)


def history(db: Database, ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The article and its versions, each with the summary of the change that produced it."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        rows = []
        for version, change in _versions_with_changes(session, article.id):
            rows.append(
                {
                    "version": version.number,
                    "fetched_at": _iso(version.fetched_at),
                    "title": version.headline,
                    "summary": change.summary.describe() if change else "first version",
                    "change": change.summary.to_dict() if change else None,
                    "flags": list(change.flags) if change else [],
                    "content_hash": version.content_hash,
                }
            )
        return article_info(article), rows


@dataclass(frozen=True)
class ShownVersion:
    article: dict[str, Any]
    number: int
    fetched_at: datetime
    text: ArticleText


def show_version(db: Database, ref: str, number: int | None = None) -> ShownVersion:
    with db.sessions() as session:
        article = resolve_article(session, ref)
        version, text = _version_text(session, article, number)
        return ShownVersion(article_info(article), version.number, version.fetched_at, text)


@dataclass(frozen=True)
class VersionDiff:
    article: dict[str, Any]
    from_version: int
    to_version: int
    diff: Diff

    def to_json(self) -> dict[str, Any]:
        return {
            "article": self.article["id"],
            "url": self.article["url"],
            "from": self.from_version,
            "to": self.to_version,
            "summary": self.diff.summary.to_dict(),
            "description": self.diff.summary.describe(),
            "flags": significance.rank(significance.classify(self.diff)),
            "boring": significance.is_boring(self.diff),
            "fields": [f.to_dict() for f in self.diff.fields],
            "ops": [op.to_dict() for op in self.diff.ops],
        }


def diff_versions(
    db: Database, ref: str, from_version: int | None = None, to_version: int | None = None
) -> VersionDiff:
    """Diff any two versions; by default the latest against the one before it."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        (from_row, old), (to_row, new) = _diff_ends(session, article, from_version, to_version)
        return VersionDiff(
            article_info(article), from_row.number, to_row.number, diff_texts(old, new)
        )


def _version_text(
    session: Session, article: ArticleRow, number: int | None
) -> tuple[VersionRow, ArticleText]:
    """Version ``number`` (default: the latest) and its text."""
    row = _version(session, article, number)
    text = queries.version_text(session, article.id, row.number)
    assert text is not None
    return row, text


def _diff_ends(
    session: Session, article: ArticleRow, from_version: int | None, to_version: int | None
) -> tuple[tuple[VersionRow, ArticleText], tuple[VersionRow, ArticleText]]:
    """The two versions a diff compares: ``to`` defaults to the latest, ``from`` to the one
    before it."""
    to_row, new = _version_text(session, article, to_version)
    if from_version is None:
        from_version = max(to_row.number - 1, 1)
    from_row, old = _version_text(session, article, from_version)
    # compared as a check compares them: without what the source prints around every article
    # (a version stored before that was learned still holds it)
    scope = template.scope(article.source.name if article.source else None, article.url)
    old, new = without_template(session, scope, old, new)
    return (from_row, old), (to_row, new)


def _version(session: Session, article: ArticleRow, number: int | None) -> VersionRow:
    rows = queries.versions(session, article.id)
    if not rows:
        raise NotFound(f"article {article.id} has no stored version yet")
    if number is None:
        return rows[-1]
    for row in rows:
        if row.number == number:
            return row
    raise NotFound(f"article {article.id} has no version {number} (it has 1..{rows[-1].number})")


def feed(
    settings: Settings,
    db: Database,
    *,
    source: str | None = None,
    article: str | None = None,
    fmt: Literal["rss", "atom"] = "rss",
    limit: int = 50,
    min_significance: str | None = None,
    flags: Sequence[str] = (),
) -> bytes:
    """The change feed XML: global, for one source, or for one article.

    Changes below ``min_significance`` (default ``feed.min_significance``) are left out, and
    with ``flags`` only changes carrying one of them are included.
    """
    min_level, flags = feed_filter(settings, min_significance, flags)
    base = settings.server.public_url.rstrip("/")
    ext = "xml" if fmt == "rss" else "atom"
    with db.sessions() as session:
        article_id: int | None = None
        if article is not None:
            row = resolve_article(session, article)
            article_id = row.id
            meta = FeedMeta(
                title=f"versiontrack: {row.title or row.url}",
                link=f"{base}/articles/{row.id}",
                description=f"Changes to {row.url}",
                self_url=f"{base}/articles/{row.id}/feed.{ext}",
            )
        elif source is not None:
            if queries.source_by_name(session, source) is None:
                raise NotFound(f"no source named {source!r}")
            meta = FeedMeta(
                title=f"versiontrack: {source}",
                link=f"{base}/",
                description=f"Changes to articles from {source}",
                self_url=f"{base}/sources/{source}/feed.{ext}",
            )
        else:
            meta = FeedMeta(
                title="versiontrack: article changes",
                link=f"{base}/",
                description="Changes to tracked news articles",
                self_url=f"{base}/feed.{ext}",
            )
        entries = queries.changes(
            session,
            source=source,
            article_id=article_id,
            limit=limit,
            min_level=min_level,
            flags=flags,
        )
    return render_feed(entries, meta, base, fmt)


def feed_filter(
    settings: Settings, min_significance: str | None, flags: Sequence[str]
) -> tuple[int, tuple[str, ...]]:
    """Validate a feed's ``min``/``flags`` filter into a stored level and a flag tuple."""
    minimum = min_significance or settings.feed.min_significance
    try:
        min_level = significance.level_number(minimum)
    except ValueError as exc:
        raise InvalidArgument(str(exc)) from exc
    unknown = sorted(set(flags) - set(significance.FLAGS))
    if unknown:
        raise InvalidArgument(
            f"unknown flag {', '.join(unknown)}; expected some of {', '.join(significance.FLAGS)}"
        )
    return min_level, tuple(sorted(set(flags)))


@dataclass(frozen=True, slots=True)
class FeedValidators:
    """A change feed's ETag and Last-Modified, known without rendering the feed."""

    etag: str
    last_modified: datetime | None


def feed_validators(
    settings: Settings,
    db: Database,
    *,
    source: str | None = None,
    article: str | None = None,
    fmt: Literal["rss", "atom"] = "rss",
    limit: int = 50,
    min_significance: str | None = None,
    flags: Sequence[str] = (),
) -> FeedValidators:
    """The validators of what ``feed`` renders for the same arguments, from one small query.

    A feed's bytes depend only on the changes in its scope (written once, never edited), an
    article feed's title and URL, the arguments, the public URL and the code that renders it,
    so the ETag hashes exactly those. Take the validators *before* rendering: a change stored
    in between then makes the ETag older than the body, which costs a client one more full
    fetch later, never a stale 304.
    """
    min_level, flags = feed_filter(settings, min_significance, flags)
    with db.sessions() as session:
        article_id: int | None = None
        if article is not None:
            article_id = int(article) if article.isdigit() else resolve_article(session, article).id
        state = queries.changes_state(session, source=source, article_id=article_id)
    if state is None:
        if article_id is not None:
            raise NotFound(f"no tracked article {article!r}")
        raise NotFound(f"no source named {source!r}")
    newest = state.newest_at.isoformat() if state.newest_at else ""
    key = (
        f"{__version__}\n{settings.server.public_url.rstrip('/')}\n{fmt}\n{limit}\n"
        f"{'' if article_id is not None else source}\n{article_id}\n"
        f"{state.count}\n{state.newest_id}\n{newest}\n{state.label}\n{min_level}\n{flags}"
    )
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
    return FeedValidators(f'"{digest}"', state.newest_at)


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleItem:
    """An article as pages show it (``article_info`` with real datetimes)."""

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
    """One version in an article's history, with what the change that made it did."""

    number: int
    fetched_at: datetime
    headline: str
    summary: str


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One logged check of an article."""

    started_at: datetime
    duration_ms: int
    http_status: int | None
    outcome: str
    error: str | None


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """An article's page: its state, versions (newest first), checks (newest first) and its
    removals and restorations."""

    article: ArticleItem
    versions: tuple[VersionItem, ...]
    checks: tuple[CheckItem, ...]
    events: tuple[ChangeItem, ...]


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """A headline, standfirst or byline in two versions, with its escaped word diff: ``html``
    in one piece, ``html_old``/``html_new`` one side each."""

    name: str
    old: str
    new: str
    html: str
    html_old: str
    html_new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True, slots=True)
class DiffPage:
    """Two versions side by side: fields, aligned body rows and the links around them.

    ``previous``/``next`` are the version pairs of the changes just before and after the ones
    shown; ``*_paragraph_starts`` hold the sentence indexes that open a paragraph (the first
    excepted), so a view can space paragraphs apart.
    """

    article: ArticleItem
    old: VersionItem
    new: VersionItem
    fields: tuple[FieldDiff, ...]
    rows: tuple[Row, ...]
    summary: ChangeSummary
    versions: tuple[VersionItem, ...]
    previous: tuple[int, int] | None
    next: tuple[int, int] | None
    old_paragraph_starts: frozenset[int]
    new_paragraph_starts: frozenset[int]


@dataclass(frozen=True, slots=True)
class VersionPage:
    """One version's full text, with the number of versions for navigation."""

    article: ArticleItem
    version: VersionItem
    text: ArticleText
    count: int


def recent_changes(db: Database, *, limit: int = 50) -> list[ChangeItem]:
    """The newest changes of every article, newest first."""
    with db.sessions() as session:
        return [_change_item(entry) for entry in queries.changes(session, limit=limit)]


def search_articles(
    db: Database, query: str | None = None, *, limit: int = 100, offset: int = 0
) -> list[ArticleItem]:
    """Articles whose URL or title contains ``query`` (any case), most recently changed first."""
    query = (query or "").strip() or None
    with db.sessions() as session:
        rows = queries.search_articles(session, query, limit=limit, offset=offset)
        return [_article_item(row) for row in rows]


def article_page(db: Database, ref: str, *, checks: int = 20) -> ArticlePage:
    with db.sessions() as session:
        article = resolve_article(session, ref)
        versions = _version_items(session, article.id)
        log = queries.checks_for(session, article.id, limit=checks)
        events = [
            _change_item(entry)
            for entry in queries.changes(session, article_id=article.id, limit=100)
            if entry.kind != "edited"
        ]
        return ArticlePage(
            _article_item(article),
            tuple(reversed(versions)),
            tuple(_check_item(row) for row in log),
            tuple(events),
        )


def diff_page(
    db: Database, ref: str, from_version: int | None = None, to_version: int | None = None
) -> DiffPage:
    """Any two versions side by side; by default the latest change (as ``diff_versions``)."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        (from_row, old), (to_row, new) = _diff_ends(session, article, from_version, to_version)
        versions = _version_items(session, article.id)
    fields = tuple(
        FieldDiff(name, a, b, diff_words(a, b), *diff_words_split(a, b))
        for name in FIELDS
        for a, b in [(old.field(name), new.field(name))]
    )
    rows = align(old.sentences, new.sentences)
    summary = summarize_rows(rows, [f.name for f in fields if f.changed])
    low, high = sorted((from_row.number, to_row.number))
    last = versions[-1].number
    return DiffPage(
        article=_article_item(article),
        old=versions[from_row.number - 1],
        new=versions[to_row.number - 1],
        fields=fields,
        rows=rows,
        summary=summary,
        versions=tuple(versions),
        previous=(low - 1, low) if low > 1 else None,
        next=(high, high + 1) if high < last else None,
        old_paragraph_starts=_paragraph_starts(old),
        new_paragraph_starts=_paragraph_starts(new),
    )


def version_page(db: Database, ref: str, number: int | None = None) -> VersionPage:
    with db.sessions() as session:
        article = resolve_article(session, ref)
        row, text = _version_text(session, article, number)
        versions = _version_items(session, article.id)
        return VersionPage(_article_item(article), versions[row.number - 1], text, len(versions))


def database_health(db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """``{"database": "ok", "due_backlog": n}``, or ``"error"`` and None when unreachable."""
    try:
        with db.sessions() as session:
            # The count is the probe: answering it needs the database and its schema.
            backlog = schedule.due_backlog(session, now or utcnow())
    except SQLAlchemyError:
        return {"database": "error", "due_backlog": None}
    return {"database": "ok", "due_backlog": backlog}


def _article_item(row: ArticleRow) -> ArticleItem:
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


def _change_item(entry: ChangeEntry) -> ChangeItem:
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


def _check_item(row: CheckRow) -> CheckItem:
    return CheckItem(row.started_at, row.duration_ms, row.http_status, row.outcome, row.error)


def _version_items(session: Session, article_id: int) -> list[VersionItem]:
    """Every version of the article, oldest first (so version n is at index n - 1)."""
    items = []
    for row, change in _versions_with_changes(session, article_id):
        summary = change.summary.describe() if change else "first version"
        items.append(VersionItem(row.number, row.fetched_at, row.headline, summary))
    return items


def _versions_with_changes(
    session: Session, article_id: int
) -> list[tuple[VersionRow, ChangeEntry | None]]:
    """Every version, oldest first, with the change that produced it (None for the first)."""
    incoming = queries.changes_by_version(session, article_id)
    return [(row, incoming.get(row.number)) for row in queries.versions(session, article_id)]


def _paragraph_starts(text: ArticleText) -> frozenset[int]:
    starts = []
    index = 0
    for paragraph in text.paragraphs:
        if index:
            starts.append(index)
        index += len(paragraph)
    return frozenset(starts)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
