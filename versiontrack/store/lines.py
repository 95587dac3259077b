"""Sightings of body lines per scope, from which a source's template is learned
(``versiontrack.template`` decides what they mean; this module only reads and writes them).

Both run on every check that reads a page, so their statements are built once and run on the
session's connection: a multi-row VALUES list built per check was compiled anew every time
(its shape changes with the number of lines), which cost more than the writes.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Insert, bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from versiontrack.store.schema import TemplateLineRow

__all__ = ["record_sightings", "template_keys"]

_LINES = TemplateLineRow.__table__

_TEMPLATE_KEYS = (
    select(_LINES.c.key)
    .where(
        _LINES.c.scope == bindparam("scope"),
        _LINES.c.key.in_(bindparam("keys", expanding=True)),
        _LINES.c.article_id != bindparam("besides"),
    )
    .group_by(_LINES.c.key)
    .having(func.count() >= bindparam("min_articles"))
)


@functools.cache
def _insert_sighting(dialect: str) -> Insert:
    """One sighting's INSERT, skipping a line the article already showed (run once per line
    with executemany)."""
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return dialect_insert(_LINES).on_conflict_do_nothing(
        index_elements=["scope", "key", "article_id"]
    )


def record_sightings(
    session: Session, scope: str, article_id: int, keys: Collection[int], now: datetime
) -> None:
    """Note that ``article_id`` showed these lines (once per article and line)."""
    if not keys:
        return
    connection = session.connection()
    connection.execute(
        _insert_sighting(connection.dialect.name),
        [{"scope": scope, "key": k, "article_id": article_id, "seen_at": now} for k in keys],
    )


def template_keys(
    session: Session,
    scope: str,
    keys: Collection[int],
    min_articles: int,
    showing: int | None = None,
) -> set[int]:
    """Those of ``keys`` seen in at least ``min_articles`` articles of ``scope``.

    ``showing``: an article that shows every one of ``keys``, counted whether or not its
    sightings are written yet (a check reads before its write turn, and writes them in it).
    """
    if not keys:
        return set()
    # (no article has the id 0: without ``showing``, every sighting counts)
    besides, least = (0, min_articles) if showing is None else (showing, min_articles - 1)
    rows = session.connection().execute(
        _TEMPLATE_KEYS,
        {"scope": scope, "keys": list(keys), "min_articles": least, "besides": besides},
    )
    return set(rows.scalars())
