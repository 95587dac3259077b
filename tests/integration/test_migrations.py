"""Migrations against real databases: upgrade from empty, compare with the models, refuse newer."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from versiontrack.errors import DatabaseError, SchemaMismatch
from versiontrack.store import migrate
from versiontrack.store.engine import make_engine
from versiontrack.store.schema import SEARCH_INDEX_OBJECTS, Base, compare_filter


def test_upgrade_from_empty_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": compare_filter}
        )
        assert compare_metadata(context, Base.metadata) == []
    assert set(inspect(engine).get_table_names()) == {
        "alembic_version",
        "sources",
        "articles",
        "article_urls",
        "versions",
        "changes",
        "checks",
        "template_lines",
        "health_events",
        "archive_requests",
        "outbox",
        "output_threads",
        "output_state",
        "search_sentences",
        *(name for name in SEARCH_INDEX_OBJECTS if name.startswith("search_fts")),
    }
    engine.dispose()


def test_ensure_schema_upgrades_an_empty_database_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    migrate.ensure_schema(engine)
    migrate.ensure_schema(engine)
    assert migrate.current(engine) == migrate.head()
    engine.dispose()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_future'"))
    with pytest.raises(SchemaMismatch, match="newer than this versiontrack"):
        migrate.ensure_schema(engine)
    with pytest.raises(SchemaMismatch, match="newer than this versiontrack"):
        migrate.upgrade(engine)
    engine.dispose()


def test_foreign_tables_without_revision_are_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE something_else (id INTEGER)"))
    with pytest.raises(DatabaseError, match="no versiontrack schema revision"):
        migrate.ensure_schema(engine)
    engine.dispose()


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'x.db'}")


def test_downgrading_0006_stores_kept_pages_alone_again(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from alembic import command

    from versiontrack.store import articles, codec, versions
    from versiontrack.store.engine import session_factory

    from .test_store import page
    from .test_store import text as article_text

    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    migrate.upgrade(engine)
    now = datetime(2024, 11, 1, tzinfo=UTC)
    with session_factory(engine)() as session, session.begin():
        article = articles.add_article(session, "https://example.org/d", now=now)
        for n in (1, 2):
            versions.add_version(
                session,
                article,
                article_text(n),
                fetched_at=now,
                extractor_version="test",
                previous=article_text(1) if n == 2 else None,
                raw=page(n),
            )
    config = migrate._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    with engine.connect() as connection:
        blobs = connection.execute(text("SELECT raw FROM versions ORDER BY number")).scalars()
        assert [codec.decompress_raw(blob) for blob in blobs] == [page(1), page(2)]
    engine.dispose()
