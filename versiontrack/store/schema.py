"""The database schema as typed SQLAlchemy models.

Alembic migrations in ``migrations/`` create and upgrade it; production code never calls
``create_all``. Times are stored as naive UTC and come back timezone-aware (``UTCDateTime``), so
SQLite and PostgreSQL behave alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class SourceRow(Base):
    """A source from the config, with the state of its feed polling."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    feed_url: Mapped[str] = mapped_column(Text)
    interval_seconds: Mapped[int | None]
    created_at: Mapped[datetime]
    last_polled_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # the hash of the last feed body read in full without a fault (versiontrack.pipeline.poll):
    # the same body served again is not parsed again
    feed_digest: Mapped[str | None] = mapped_column(String(32))
    next_poll_at: Mapped[datetime | None]
    # "config" (kept in step with the config file) or "import" (added by `sources import`)
    origin: Mapped[str] = mapped_column(String(20), default="config", server_default="config")
    # "ok" or "degraded" (versiontrack.health), why, and since when
    health: Mapped[str] = mapped_column(String(20), default="ok", server_default="ok")
    health_reason: Mapped[str | None] = mapped_column(Text)
    health_since: Mapped[datetime | None]
    # the newest lastmod (site's clock) the last complete read of the source's sitemap saw:
    # entries and child sitemaps no newer are skipped (versiontrack.harvest)
    sitemap_lastmod: Mapped[datetime | None]


class ArticleRow(Base):
    """One tracked article: its canonical URL, schedule and the state of its last check.

    ``status`` is ``active``, ``removed`` (answering 404/410, still watched for a comeback) or
    ``retired`` (no longer checked). ``check_interval`` is the interval in force, stretched by
    every unchanged check. A worker that claims the article holds ``lease_owner`` until
    ``lease_until``; an expired lease is free to be claimed again.
    """

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_next_check_at", "status", "next_check_at"),
        # The claim's own order over the rows it may take: it reads the first due rows in
        # order and stops, however many articles are retired or not yet due.
        Index(
            "ix_articles_due",
            "next_check_at",
            "id",
            postgresql_where=text("status IN ('active', 'removed')"),
            sqlite_where=text("status IN ('active', 'removed')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(Text, unique=True)
    guid: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime]
    last_checked: Mapped[datetime | None]
    last_changed: Mapped[datetime | None]
    next_check_at: Mapped[datetime]
    check_interval: Mapped[int | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # Where the article sits in its page and the page's fingerprint at the last full
    # extraction (``versiontrack.fingerprint``), and how many checks have trusted it since.
    region_path: Mapped[str | None] = mapped_column(Text)
    region_digest: Mapped[str | None] = mapped_column(String(32))
    region_skips: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The hash of a text that differs from the latest version in its byline alone, seen once:
    # it becomes a version when the next check sees it again (a byline is evidence, not gospel).
    pending_hash: Mapped[str | None] = mapped_column(String(64))

    source: Mapped[SourceRow | None] = relationship(lazy="joined")


class TemplateLineRow(Base):
    """A body line (by ``template.line_key``) seen in one article of a scope: lines seen in
    many articles of one scope are that source's template (``versiontrack.template``)."""

    __tablename__ = "template_lines"

    scope: Mapped[str] = mapped_column(String(300), primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime]


class ArticleURLRow(Base):
    """Every URL an article was reached at (feed link, redirect target, canonical link)."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text, unique=True)


class VersionRow(Base):
    """One stored version. ``body`` is the serialised text, zstd-compressed.

    When ``base`` is set, ``body`` was compressed with version ``base``'s text as the zstd
    dictionary (a chain); a ``base`` of None marks a standalone keyframe.
    """

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_versions_article_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    fetched_at: Mapped[datetime]
    headline: Mapped[str] = mapped_column(Text)
    standfirst: Mapped[str] = mapped_column(Text)
    byline: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    base: Mapped[int | None]
    text_size: Mapped[int] = mapped_column(BigInteger)
    extractor_version: Mapped[str] = mapped_column(String(100))
    # The page as fetched, zstd-compressed, so extraction can be re-run after an upgrade;
    # with the page of version ``raw_base`` (the last keyframe) as the dictionary when set.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)
    raw_base: Mapped[int | None]
    # Where the page came from: ``live`` (a check), ``warc`` or ``wayback`` (a back-fill).
    origin: Mapped[str] = mapped_column(String(10), default="live", server_default="live")
    # The Wayback Machine's copy of the page, once Save Page Now answered (``archive.save``).
    archive_url: Mapped[str | None] = mapped_column(Text)


class ArchiveRequestRow(Base):
    """A version waiting for Save Page Now (``archive.save``): the durable queue.

    Written in the transaction that stores the version; drained by the daemon, at the end of
    a ``check`` pass and by ``versiontrack archive``. ``status`` is ``pending`` (due at
    ``next_attempt_at``) or ``failed`` (given up after ``archive.retries`` attempts).
    """

    __tablename__ = "archive_requests"
    __table_args__ = (Index("ix_archive_requests_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)


class ChangeRow(Base):
    """A detected change: between two versions, or the article's removal or restoration.

    ``summary`` and ``diff`` are computed once, when the change is stored, so feeds and pages
    never recompute diffs.
    """

    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_detected_at", "detected_at"),
        Index("ix_changes_level_detected_at", "level", "detected_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    detected_at: Mapped[datetime]
    headline: Mapped[str] = mapped_column(Text)
    http_status: Mapped[int | None]
    summary: Mapped[dict[str, Any]]
    diff: Mapped[dict[str, Any]]
    # Framed as ",headline,numbers," so "has flag X" is a portable LIKE on any database.
    flags: Mapped[str] = mapped_column(String(200), default=",")
    # 0 boring, 1 minor, 2 substantive, 3 headline: what ?min= filters on.
    level: Mapped[int] = mapped_column(SmallInteger, default=1)
    # How many times the change was edited after it was stored (re-extraction recomputes it,
    # a headline test hides its first flip): feed validators sum it, so an edit shows.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    revised_at: Mapped[datetime | None]
    # A change back to an earlier version's text (flag ``revert``): that version's number.
    reverts_to: Mapped[int | None]


class CheckRow(Base):
    """The log of every check: a feed poll (``source_id``) or an article fetch (``article_id``)."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_article_id_started_at", "article_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime]
    duration_ms: Mapped[int]
    http_status: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)


class HealthEventRow(Base):
    """A source's health changing (``ok`` ↔ ``degraded``): what ``/health.xml`` publishes."""

    __tablename__ = "health_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20))
    previous: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)


class OutboxRow(Base):
    """One message owed to one output (``versiontrack.outputs``): a change, or a notice.

    Written in the transaction that stores the change, so a change is never stored without
    its deliveries or delivered without being stored. ``delivery_id`` is the id receivers
    de-duplicate by (unique per change and output). A drainer leases due rows
    (``lease_owner``/``lease_until``), sends them, and sets ``delivered_at`` or, after a
    failure, ``attempts``, ``last_error`` and a later ``next_attempt_at``.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("change_id", "output", name="uq_outbox_change_output"),
        Index("ix_outbox_pending", "output", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    output: Mapped[str] = mapped_column(String(200))
    delivery_id: Mapped[str] = mapped_column(String(100), unique=True)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    article_id: Mapped[int | None]
    # a notice's message (kind, title, body, source); None for a change, read from ``changes``
    payload: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)


class OutputThreadRow(Base):
    """The first post a social output made about an article: later changes reply to it."""

    __tablename__ = "output_threads"

    output: Mapped[str] = mapped_column(String(200), primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[str] = mapped_column(Text)  # Mastodon status id, or Bluesky post URI
    post_cid: Mapped[str | None] = mapped_column(Text)  # Bluesky only


class OutputStateRow(Base):
    """Per output: the last delivery error and when it last succeeded (``versiontrack outputs``)."""

    __tablename__ = "output_state"

    output: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]


class SearchSentenceRow(Base):
    """A sentence (or headline, standfirst, byline: ``field``) for the span of versions that
    held it: from ``added_in`` until ``removed_in`` dropped it (None while it is still there).

    The full-text index over ``sentence`` lives beside the table, per database: an FTS5 table
    (``search_fts``) on SQLite, a GIN index on a generated ``tsv`` column on PostgreSQL
    (migration 0008; queried only by ``store/search.py``).
    """

    __tablename__ = "search_sentences"
    __table_args__ = (
        Index("ix_search_sentences_article_id_removed_in", "article_id", "removed_in"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(20))
    sentence: Mapped[str] = mapped_column(Text)
    added_in: Mapped[int]
    removed_in: Mapped[int | None]


#: Full-text index objects each database keeps beside ``search_sentences``, which the models
#: cannot declare: SQLite's FTS5 table and its shadow tables, PostgreSQL's expression index.
SEARCH_INDEX_OBJECTS = frozenset(
    {
        "search_fts",
        "search_fts_data",
        "search_fts_idx",
        "search_fts_docsize",
        "search_fts_config",
        "ix_search_sentences_tsv",
    }
)


def compare_filter(name: str | None, type_: str, parent_names: Any) -> bool:
    """An Alembic ``include_name`` hook: leave the full-text index objects out of comparisons
    of the database with the models (they are created by migration 0008, per dialect), and
    PostgreSQL's generated ``search_sentences.tsv`` column with them."""
    if type_ == "column" and name == "tsv":
        return parent_names.get("table_name") != "search_sentences"
    return name not in SEARCH_INDEX_OBJECTS
