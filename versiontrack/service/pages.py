"""The web pages' use cases: each returns a frozen view object a template shows without
deciding anything (recent changes, the article list, an article, a diff, a version), and the
database probe of ``/healthz``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from versiontrack.diff.align import Row, align, summarize_rows
from versiontrack.diff.words import diff_words, diff_words_split
from versiontrack.domain import FIELDS, ArticleText, ChangeSummary
from versiontrack.pipeline.context import utcnow
from versiontrack.service.database import resolve_article
from versiontrack.service.models import (
    ArticleItem,
    ChangeItem,
    CheckItem,
    VersionItem,
    article_item,
    change_item,
    check_item,
    version_items,
)
from versiontrack.service.reads import diff_ends
from versiontrack.store import articles, changes, schedule
from versiontrack.store import checks as checks_store
from versiontrack.store.engine import Database


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


def recent_changes(db: Database, *, limit: int = 50) -> list[ChangeItem]:
    """The newest changes of every article, newest first."""
    with db.sessions() as session:
        return [change_item(entry) for entry in changes.changes(session, limit=limit)]


def search_articles(
    db: Database, query: str | None = None, *, limit: int = 100, offset: int = 0
) -> list[ArticleItem]:
    """Articles whose URL or title contains ``query`` (any case), most recently changed first."""
    query = (query or "").strip() or None
    with db.sessions() as session:
        rows = articles.search_articles(session, query, limit=limit, offset=offset)
        return [article_item(row) for row in rows]


def article_page(db: Database, ref: str, *, checks: int = 20) -> ArticlePage:
    with db.sessions() as session:
        article = resolve_article(session, ref)
        versions = version_items(session, article.id)
        log = checks_store.checks_for(session, article.id, limit=checks)
        events = [
            change_item(entry)
            for entry in changes.changes(session, article_id=article.id, limit=100)
            if entry.kind != "edited"
        ]
        return ArticlePage(
            article_item(article),
            tuple(reversed(versions)),
            tuple(check_item(row) for row in log),
            tuple(events),
        )


def diff_page(
    db: Database, ref: str, from_version: int | None = None, to_version: int | None = None
) -> DiffPage:
    """Any two versions side by side; by default the latest change (as ``diff_versions``)."""
    with db.sessions() as session:
        article = resolve_article(session, ref)
        (from_row, old), (to_row, new) = diff_ends(session, article, from_version, to_version)
        versions = version_items(session, article.id)
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
        article=article_item(article),
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


def database_health(db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """``{"database": "ok", "due_backlog": n}``, or ``"error"`` and None when unreachable."""
    try:
        with db.sessions() as session:
            # The count is the probe: answering it needs the database and its schema.
            backlog = schedule.due_backlog(session, now or utcnow())
    except SQLAlchemyError:
        return {"database": "error", "due_backlog": None}
    return {"database": "ok", "due_backlog": backlog}


def _paragraph_starts(text: ArticleText) -> frozenset[int]:
    starts = []
    index = 0
    for paragraph in text.paragraphs:
        if index:
            starts.append(index)
        index += len(paragraph)
    return frozenset(starts)
