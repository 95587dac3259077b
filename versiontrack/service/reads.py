"""The article reads the CLI and the web pages share: the article list, an article's history,
one version's text and the diff of two versions (compared as a check compares them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from versiontrack import flag_rules, template
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText
from versiontrack.errors import InvalidArgument, NotFound
from versiontrack.pipeline.context import utcnow
from versiontrack.pipeline.record import without_template
from versiontrack.service.database import resolve_article
from versiontrack.service.models import (
    ArticleItem,
    ShownVersion,
    VersionDiff,
    VersionItem,
    article_item,
    version_items,
)
from versiontrack.store import articles, sources
from versiontrack.store import versions as versions_store
from versiontrack.store.engine import Database
from versiontrack.store.schema import ArticleRow, VersionRow


def list_articles(
    db: Database,
    source: str | None = None,
    *,
    changed_since: str | None = None,
    flag: str | None = None,
    now: datetime | None = None,
) -> list[ArticleItem]:
    """Tracked articles; ``changed_since`` is a duration back from now (``24h``, ``7d``,
    ``90m``) or an ISO date/time, and ``flag`` keeps articles with a change so flagged."""
    since = parse_since(changed_since, now or utcnow()) if changed_since else None
    if flag is not None and flag not in flag_rules.FLAGS:
        raise InvalidArgument(
            f"unknown flag {flag!r}; expected one of {', '.join(flag_rules.FLAGS)}"
        )
    with db.sessions() as session:
        if source is not None and sources.source_by_name(session, source) is None:
            raise NotFound(f"no source named {source!r}")
        rows = articles.list_articles(session, source, changed_since=since, flag=flag)
        return [article_item(a) for a in rows]


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


def history(db: Database, ref: str) -> tuple[ArticleItem, list[VersionItem]]:
    """The article and its versions, oldest first, each with the change that produced it."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        return article_item(article), version_items(session, article.id)


def show_version(db: Database, ref: str, number: int | None = None) -> ShownVersion:
    """Version ``number`` (default: the latest) of an article, with its full text."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        row, text = version_text(session, article, number)
        versions = version_items(session, article.id)
        return ShownVersion(article_item(article), versions[row.number - 1], text, len(versions))


def diff_versions(
    db: Database, ref: str, from_version: int | None = None, to_version: int | None = None
) -> VersionDiff:
    """Diff any two versions; by default the latest against the one before it."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        (from_row, old), (to_row, new) = diff_ends(session, article, from_version, to_version)
        return VersionDiff(
            article_item(article), from_row.number, to_row.number, diff_texts(old, new)
        )


def version_text(
    session: Session, article: ArticleRow, number: int | None
) -> tuple[VersionRow, ArticleText]:
    """Version ``number`` (default: the latest) and its text."""
    row = _version(session, article, number)
    text = versions_store.version_text(session, article.id, row.number)
    assert text is not None
    return row, text


def diff_ends(
    session: Session, article: ArticleRow, from_version: int | None, to_version: int | None
) -> tuple[tuple[VersionRow, ArticleText], tuple[VersionRow, ArticleText]]:
    """The two versions a diff compares: ``to`` defaults to the latest, ``from`` to the one
    before it."""
    to_row, new = version_text(session, article, to_version)
    if from_version is None:
        from_version = max(to_row.number - 1, 1)
    from_row, old = version_text(session, article, from_version)
    # compared as a check compares them: without what the source prints around every article
    # (a version stored before that was learned still holds it)
    scope = template.scope(article.source.name if article.source else None, article.url)
    old, new = without_template(session, scope, old, new)
    return (from_row, old), (to_row, new)


def _version(session: Session, article: ArticleRow, number: int | None) -> VersionRow:
    rows = versions_store.versions(session, article.id)
    if not rows:
        raise NotFound(f"article {article.id} has no stored version yet")
    if number is None:
        return rows[-1]
    for row in rows:
        if row.number == number:
            return row
    raise NotFound(f"article {article.id} has no version {number} (it has 1..{rows[-1].number})")
