"""Sightings of body lines per scope, from which a source's template is learned
(``versiontrack.template`` decides what they mean; this module only reads and writes them)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from versiontrack.store.schema import TemplateLineRow

__all__ = ["record_sightings", "template_keys"]


def record_sightings(
    session: Session, scope: str, article_id: int, keys: Collection[int], now: datetime
) -> None:
    """Note that ``article_id`` showed these lines (once per article and line)."""
    if not keys:
        return
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        dialect_insert(TemplateLineRow)
        .values(
            [{"scope": scope, "key": k, "article_id": article_id, "seen_at": now} for k in keys]
        )
        .on_conflict_do_nothing(index_elements=["scope", "key", "article_id"])
    )


def template_keys(
    session: Session, scope: str, keys: Collection[int], min_articles: int
) -> set[int]:
    """Those of ``keys`` seen in at least ``min_articles`` articles of ``scope``."""
    if not keys:
        return set()
    query = (
        select(TemplateLineRow.key)
        .where(TemplateLineRow.scope == scope, TemplateLineRow.key.in_(list(keys)))
        .group_by(TemplateLineRow.key)
        .having(func.count() >= min_articles)
    )
    return set(session.scalars(query))
