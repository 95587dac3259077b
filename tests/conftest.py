"""Shared fixtures: a migrated SQLite template copied per test, and settings builders."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def make_settings(
    db_url: str, sources: list[Source] | tuple[Source, ...] = (), **sections: dict
) -> Settings:
    """Settings for tests: the given database and sources, short timeouts, other defaults."""
    data: dict = {"database": {"url": db_url}, "fetch": {"timeout": 5}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    data["sources"] = [
        {"name": s.name, "feed": s.feed, **({"interval": s.interval} if s.interval else {})}
        for s in sources
    ]
    return settings_from_dict(data)


@pytest.fixture
def settings(db_url: str) -> Iterator[Settings]:
    yield make_settings(db_url)
