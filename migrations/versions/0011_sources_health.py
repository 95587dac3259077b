"""sources: origin (config or OPML import), health, sitemap progress; health events

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 06:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # plain ALTERs on both databases: batch mode would rebuild ``sources`` on SQLite
    op.add_column(
        "sources",
        sa.Column("origin", sa.String(length=20), server_default="config", nullable=False),
    )
    op.add_column(
        "sources",
        sa.Column("health", sa.String(length=20), server_default="ok", nullable=False),
    )
    op.add_column("sources", sa.Column("health_reason", sa.Text(), nullable=True))
    op.add_column("sources", sa.Column("health_since", sa.DateTime(), nullable=True))
    op.add_column("sources", sa.Column("sitemap_lastmod", sa.DateTime(), nullable=True))
    op.create_table(
        "health_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("previous", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_health_events_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_events")),
    )
    op.create_index(op.f("ix_health_events_at"), "health_events", ["at"], unique=False)
    op.create_index(
        op.f("ix_health_events_source_id"), "health_events", ["source_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_health_events_source_id"), table_name="health_events")
    op.drop_index(op.f("ix_health_events_at"), table_name="health_events")
    op.drop_table("health_events")
    for column in ("sitemap_lastmod", "health_since", "health_reason", "health", "origin"):
        op.execute(f"ALTER TABLE sources DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL
