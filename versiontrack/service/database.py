"""The database the use cases open, and finding an article by what a user typed.

Owns ``open_database`` (a ``store.engine.Database``, its schema created or checked first),
``transaction`` (one unit of work), ``resolve_article`` (id or URL → row) and how a failure
reads to a user (``USER_ERRORS``, ``describe_failure``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from versiontrack import urls
from versiontrack.errors import NotFound, VersiontrackError
from versiontrack.settings import Settings
from versiontrack.store import articles, migrate
from versiontrack.store.engine import Database, describe_error, make_engine, session_factory
from versiontrack.store.schema import ArticleRow

#: Failures the edges report in one line rather than a traceback: ours (config, unknown
#: article…) and the database's (gone away, locked, not a database).
USER_ERRORS = (VersiontrackError, SQLAlchemyError)


@contextmanager
def transaction(db: Database) -> Iterator[Session]:
    """A session inside one transaction: committed on success, rolled back on error."""
    with db.sessions() as session, session.begin():
        yield session


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


def resolve_article(session: Session, ref: str) -> ArticleRow:
    """An article by id or URL (tracking parameters and fragments ignored)."""
    canonical: str | None = None
    if not ref.isdigit():
        try:
            canonical = urls.canonicalize(ref)
        except ValueError:
            canonical = None
    article = articles.find_article(session, ref, canonical)
    if article is None:
        raise NotFound(f"no tracked article {ref!r}")
    return article


def describe_failure(exc: BaseException) -> str:
    """One of ``USER_ERRORS`` in one line; a database error without SQLAlchemy's SQL echo."""
    if isinstance(exc, SQLAlchemyError):
        return f"database error: {describe_error(exc)}"
    return str(exc)
