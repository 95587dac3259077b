"""Engines and sessions: one place that knows how to open SQLite and PostgreSQL.

SQLite gets WAL (readers never block the writer), foreign keys and a busy timeout on every
connection. Sessions come from ``session_factory``; callers own the unit of work with
``with session.begin():``. A ``Database`` is the pair every command and the daemon carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from versiontrack.errors import DatabaseError


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite files get their parent folder and pragmas."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"invalid database URL {url!r}") from exc
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            parent = Path(parsed.database).expanduser().resolve().parent
            if not parent.is_dir():
                raise DatabaseError(f"folder for the SQLite database does not exist: {parent}")
        kwargs["connect_args"] = {"timeout": 30}
    try:
        engine = create_engine(url, **kwargs)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseError(
            f"no driver for {parsed.drivername!r}: for PostgreSQL install versiontrack[postgres]"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def describe_error(exc: SQLAlchemyError) -> str:
    """A database error in one line: the driver's own first line, without SQLAlchemy's
    ``[SQL: …]`` echo and "Background on this error" link."""
    detail = str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)
    lines = [line.strip() for line in detail.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (we hand them to formatters)."""
    return sessionmaker(engine, expire_on_commit=False)


@dataclass(frozen=True)
class Database:
    """An open database: its engine and the sessions made on it."""

    engine: Engine
    sessions: sessionmaker[Session]
