"""Shared fixtures: a migrated SQLite template copied per test, and settings builders."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from versiontrack.corpus import LoopbackServer
from versiontrack.domain import Source
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.store import migrate
from versiontrack.store.engine import make_engine


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file with every migration applied, made once per test session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_url(migrated_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database for one test."""
    path = tmp_path / "versiontrack.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


#: Test servers live on loopback, which the SSRF guard refuses by default, and all of them
#: share one host, so one-second politeness gaps (and one-second retry backoffs after a 5xx or
#: timeout a test provokes on purpose) would only slow the suite down.
TEST_FETCH = {"allow_private": True, "per_host_delay": 0, "retry_backoff": 0.01}


@pytest.fixture(scope="session", autouse=True)
def _fetch_loopback_env() -> Iterator[None]:
    """The same settings for code that loads its own config (the CLI tests)."""
    with pytest.MonkeyPatch.context() as mp:
        for key, value in TEST_FETCH.items():
            mp.setenv(f"VERSIONTRACK_FETCH_{key.upper()}", str(value).lower())
        yield


def make_settings(
    db_url: str, sources: list[Source] | tuple[Source, ...] = (), **sections: dict
) -> Settings:
    """Settings for tests: the given database and sources, short timeouts, loopback allowed."""
    data: dict = {"database": {"url": db_url}, "fetch": {"timeout": 5, **TEST_FETCH}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    data["sources"] = [
        {
            "name": s.name,
            "feed": s.feed,
            "ignore": list(s.ignore),
            **({"interval": s.interval} if s.interval else {}),
            **({"selector": s.selector} if s.selector else {}),
        }
        for s in sources
    ]
    return settings_from_dict(data)


@pytest.fixture
def settings(db_url: str) -> Iterator[Settings]:
    yield make_settings(db_url)


POSTGRES_ENV = "VERSIONTRACK_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway PostgreSQL database (migrated) for this test session, dropped at the end.

    Skips unless ``VERSIONTRACK_TEST_POSTGRES_URL`` names a server that answers.
    """
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (CI sets it when a server answers)")
    name = f"vt_test_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, no rights: say so rather than fail
        admin.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is not usable: {exc.__class__.__name__}: {exc}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


TABLES = (
    "checks",
    "changes",
    "versions",
    "article_urls",
    "articles",
    "sources",
    "outbox",
    "output_state",
    "output_threads",
)


def empty_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    empty_postgres(postgres_database)
    return postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Run a test on SQLite and, when available, on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("db_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A loopback HTTP server for one test; tests route its paths to pages and feeds."""
    with LoopbackServer() as s:
        yield s
