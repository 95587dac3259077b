"""sources.feed_digest: the hash of the last feed body read in full, so that a feed served
again unchanged, without validators or with new ones, is not parsed again

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("feed_digest", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL
    op.execute("ALTER TABLE sources DROP COLUMN feed_digest")
