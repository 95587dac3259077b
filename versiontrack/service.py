"""Use cases behind the CLI (and the web app): open the database, run a pass, read history.

Each function opens one session (one unit of work), calls the store and the pure stages, and
returns plain data for the edge to format. Nothing here prints or parses arguments.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from versiontrack import urls
from versiontrack.diff import diff_texts
from versiontrack.domain import ArticleText, Diff
from versiontrack.errors import ConfigError, NotFound
from versiontrack.fetch import Fetcher
from versiontrack.pipeline import CheckOutcome, PassReport, Runtime, run_pass, utcnow
from versiontrack.publish.feed import FeedMeta, render_feed
from versiontrack.settings import Settings
from versiontrack.store import migrate, queries
from versiontrack.store.engine import make_engine, session_factory
from versiontrack.store.schema import ArticleRow, VersionRow


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

    async def go() -> PassReport:
        async with Fetcher(settings.fetch) as fetcher:
            rt = Runtime(settings, db.sessions, fetcher, clock)
            return await run_pass(
                rt, force=force, article_ids=ids, on_total=on_total, on_progress=on_progress
            )

    return asyncio.run(go())


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


def list_articles(db: Database, source: str | None = None) -> list[dict[str, Any]]:
    with db.sessions() as session:
        if source is not None and queries.source_by_name(session, source) is None:
            raise NotFound(f"no source named {source!r}")
        return [article_info(a) for a in queries.list_articles(session, source)]


def list_sources(settings: Settings, db: Database) -> list[queries.SourceStats]:
    with db.sessions() as session, session.begin():
        queries.sync_sources(session, settings.sources, utcnow())
        return queries.source_stats(session)


def history(db: Database, ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The article and its versions, each with the summary of the change that produced it."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        incoming = queries.changes_by_version(session, article.id)
        rows = []
        for version in queries.versions(session, article.id):
            change = incoming.get(version.number)
            rows.append(
                {
                    "version": version.number,
                    "fetched_at": _iso(version.fetched_at),
                    "title": version.headline,
                    "summary": change.summary.describe() if change else "first version",
                    "change": change.summary.to_dict() if change else None,
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
        version = _version(session, article, number)
        text = queries.version_text(session, article.id, version.number)
        assert text is not None
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
            "fields": [f.to_dict() for f in self.diff.fields],
            "ops": [op.to_dict() for op in self.diff.ops],
        }


def diff_versions(
    db: Database, ref: str, from_version: int | None = None, to_version: int | None = None
) -> VersionDiff:
    """Diff any two versions; by default the latest against the one before it."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        to_row = _version(session, article, to_version)
        default_from = max(to_row.number - 1, 1)
        from_row = _version(session, article, from_version or default_from)
        old = queries.version_text(session, article.id, from_row.number)
        new = queries.version_text(session, article.id, to_row.number)
        assert old is not None and new is not None
        return VersionDiff(
            article_info(article), from_row.number, to_row.number, diff_texts(old, new)
        )


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
) -> bytes:
    """The change feed XML: global, for one source, or for one article."""
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
        entries = queries.changes(session, source=source, article_id=article_id, limit=limit)
    return render_feed(entries, meta, base, fmt)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
