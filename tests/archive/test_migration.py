"""Migration 0009 on a database that already holds versions: upgrade keeps them as live,
downgrade removes exactly what it added."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import inspect, text

from versiontrack.store import migrate
from versiontrack.store.engine import make_engine


def test_0009_marks_existing_versions_live_and_downgrades(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    config = migrate._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
    now = datetime(2024, 11, 1, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, url, status, version_count, first_seen, next_check_at,"
                " region_skips) VALUES (1, 'https://example.org/a', 'active', 1, :t, :t, 0)"
            ),
            {"t": now},
        )
        connection.execute(
            text(
                "INSERT INTO versions (article_id, number, fetched_at, headline, standfirst,"
                " byline, content_hash, body, text_size, extractor_version)"
                " VALUES (1, 1, :t, 'h', '', '', 'x', x'00', 1, 'test')"
            ),
            {"t": now},
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT origin, archive_url FROM versions")).all() == [
            ("live", None)
        ]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
    inspector = inspect(engine)
    assert "archive_requests" not in inspector.get_table_names()
    assert {"origin", "archive_url"}.isdisjoint(
        c["name"] for c in inspector.get_columns("versions")
    )
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM versions")).scalar() == 1
    engine.dispose()
