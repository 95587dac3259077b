"""Schema revisions: upgrade with Alembic, report the current revision, refuse a newer database.

``ensure_schema`` is what every command calls on opening the database: an empty database is
upgraded to head, a current one passes, an older one is upgraded only when asked
(``versiontrack db upgrade``), and one newer than this code is refused.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from versiontrack.errors import DatabaseError, SchemaMismatch
from versiontrack.resources import bundled_dir
from versiontrack.store.engine import describe_error


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(bundled_dir("migrations")))
    return config


def head() -> str:
    """The newest revision this code knows."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The database's revision, or None for a database never migrated."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        url = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"cannot open database {url}: {describe_error(exc)} — check --db / database.url"
        ) from exc


def upgrade(engine: Engine) -> None:
    """Apply every pending migration."""
    _refuse_newer(engine)
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise DatabaseError(f"migration failed: {describe_error(exc)}") from exc


def ensure_schema(engine: Engine) -> None:
    """Make sure the database is usable by this code (see module docstring)."""
    revision = current(engine)
    if revision is None:
        if inspect(engine).get_table_names():
            raise DatabaseError("the database has tables but no versiontrack schema revision")
        upgrade(engine)
        return
    if revision == head():
        return
    _refuse_newer(engine)
    raise SchemaMismatch(
        f"database schema is at revision {revision}, this versiontrack needs {head()}: "
        "run `versiontrack db upgrade`"
    )


def _refuse_newer(engine: Engine) -> None:
    revision = current(engine)
    if revision is None:
        return
    scripts = ScriptDirectory.from_config(_config())
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise SchemaMismatch(
            f"database schema revision {revision} is newer than this versiontrack "
            f"(which knows up to {head()}): upgrade versiontrack"
        )
