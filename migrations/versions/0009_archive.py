"""archive: where each version came from, its Wayback copy, the Save Page Now queue

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTERs on both databases: batch mode would rebuild ``versions`` on SQLite
    op.add_column(
        "versions",
        sa.Column("origin", sa.String(length=10), server_default="live", nullable=False),
    )
    op.add_column("versions", sa.Column("archive_url", sa.Text(), nullable=True))
    op.create_table(
        "archive_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["versions.id"],
            name=op.f("fk_archive_requests_version_id_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_requests")),
        sa.UniqueConstraint("version_id", name=op.f("uq_archive_requests_version_id")),
    )
    op.create_index(
        "ix_archive_requests_status_next",
        "archive_requests",
        ["status", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_archive_requests_status_next", table_name="archive_requests")
    op.drop_table("archive_requests")
    # SQLite 3.35+ and PostgreSQL
    op.execute("ALTER TABLE versions DROP COLUMN archive_url")
    op.execute("ALTER TABLE versions DROP COLUMN origin")
