"""search index: every sentence any version held, with the version that dropped it

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:00:00

``search_sentences`` holds one row per sentence (or headline, standfirst, byline) for the span
of versions that held it: ``added_in`` the first, ``removed_in`` the version that dropped it
(null while it is still there). SQLite indexes it with an FTS5 table kept in step by triggers;
PostgreSQL with a GIN index on a stored ``tsvector`` column (``tsv``, generated from the
sentence; PostgreSQL only, so the models leave it out). Existing databases get an empty index: run
``versiontrack db reindex`` once after upgrading.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_FTS = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(sentence, content='search_sentences', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_sentences_ai AFTER INSERT ON search_sentences BEGIN "
    "INSERT INTO search_fts(rowid, sentence) VALUES (new.id, new.sentence); END",
    "CREATE TRIGGER search_sentences_ad AFTER DELETE ON search_sentences BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, sentence) VALUES ('delete', old.id, old.sentence); "
    "END",
)


def upgrade() -> None:
    op.create_table(
        "search_sentences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("added_in", sa.Integer(), nullable=False),
        sa.Column("removed_in", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_search_sentences_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_sentences")),
    )
    op.create_index(
        "ix_search_sentences_article_id_removed_in",
        "search_sentences",
        ["article_id", "removed_in"],
    )
    if op.get_bind().dialect.name == "postgresql":
        # stored, so neither matching nor ranking parses a sentence again
        op.execute(
            "ALTER TABLE search_sentences ADD COLUMN tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', sentence)) STORED"
        )
        op.execute("CREATE INDEX ix_search_sentences_tsv ON search_sentences USING gin (tsv)")
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_sentences_tsv")
    else:
        op.execute("DROP TRIGGER search_sentences_ad")
        op.execute("DROP TRIGGER search_sentences_ai")
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_search_sentences_article_id_removed_in", table_name="search_sentences")
    op.drop_table("search_sentences")
