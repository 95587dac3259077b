"""template lines and pending byline changes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "template_lines",
        sa.Column("scope", sa.String(length=300), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_template_lines_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scope", "key", "article_id", name=op.f("pk_template_lines")),
    )
    # a plain ALTER on both databases: batch mode would rebuild ``articles`` on SQLite, and
    # dropping it there cascades to every version
    op.add_column("articles", sa.Column("pending_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE articles DROP COLUMN pending_hash")  # SQLite 3.35+ and PostgreSQL
    op.drop_table("template_lines")
