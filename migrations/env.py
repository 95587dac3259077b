"""Alembic environment: runs migrations on a connection handed over by ``store.migrate``.

Run standalone (``alembic upgrade head`` with ``[tool.alembic]`` in pyproject.toml), it opens
the database from versiontrack's settings (``VERSIONTRACK_DATABASE_URL`` or the config file).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

from versiontrack.settings import load_settings
from versiontrack.store.schema import Base, UTCDateTime, compare_filter

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations must not import our type wrappers: they store plain DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
        include_name=compare_filter,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(load_settings().database.url)
    with engine.begin() as conn:
        run(conn)
    engine.dispose()
