"""change revisions and reverts: a feed's validator covers changes edited after they were
stored, and a revert names the version it went back to

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 07:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ALTER on both databases: batch mode would rebuild ``changes`` on SQLite
    op.add_column(
        "changes", sa.Column("revision", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("changes", sa.Column("revised_at", sa.DateTime(), nullable=True))
    op.add_column("changes", sa.Column("reverts_to", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL
    op.execute("ALTER TABLE changes DROP COLUMN reverts_to")
    op.execute("ALTER TABLE changes DROP COLUMN revised_at")
    op.execute("ALTER TABLE changes DROP COLUMN revision")
