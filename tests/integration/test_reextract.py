"""Re-extraction after an extractor upgrade: at a check and by ``versiontrack reextract``.

Kept pages are read again with today's extractor, versions keep their numbers, changes are
recomputed, feeds and their validators follow the edited changes, and the extraction runs
with no transaction open.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import feedparser
from sqlalchemy import update
from sqlalchemy.orm import Session

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText
from versiontrack.pipeline.reextract import reextract_article
from versiontrack.service import commands, database, feeds, reads
from versiontrack.settings import Settings
from versiontrack.store import versions
from versiontrack.store.schema import ArticleRow, ChangeRow, VersionRow
from versiontrack.text import content_hash

from ..helpers import STORY, Clock, article_html, run, track

SHARE = ("Share this article",)


def _with_share_line(t: ArticleText) -> ArticleText:
    paragraphs = (*t.paragraphs, SHARE)
    digest = content_hash(t.headline, t.standfirst, t.byline, [" ".join(p) for p in paragraphs])
    return replace(t, paragraphs=paragraphs, content_hash=digest)


def _pretend_an_older_extractor_kept_a_line(
    settings: Settings, numbers: tuple[int, ...] | None = None
) -> None:
    """Rewrite the stored texts as an older extractor would have read them: with a
    boilerplate line at the end of the body that today's extractor drops (in versions
    ``numbers``, default all), and their changes as it would have computed them."""
    with database.open_database(settings) as db, db.sessions() as session, session.begin():
        article = session.get_one(ArticleRow, 1)
        rows = versions.versions(session, 1)
        texts = [versions.version_text(session, 1, row.number) for row in rows]
        texts = [
            _with_share_line(t) if numbers is None or n in numbers else t
            for n, t in enumerate(texts, start=1)
        ]
        versions.rewrite_texts(session, article, texts, "trafilatura-0.9+vt0")
        for n in range(2, len(texts) + 1):
            diff = diff_texts(texts[n - 2], texts[n - 1])
            session.execute(  # as stored then: never edited since
                update(ChangeRow)
                .where(ChangeRow.article_id == 1, ChangeRow.to_version == n)
                .values(diff=diff.to_dict(), summary=diff.summary.to_dict())
            )


def _checked(server: LoopbackServer, db_url: str, *bodies: list[str]) -> tuple[Settings, Clock]:
    """An article tracked at ``/a`` and checked once with each of ``bodies`` in turn."""
    settings, clock = track(server, db_url, "/a")
    for paragraphs in bodies:
        server.route("/a", Response(200, article_html("Story", paragraphs)))
        run(settings, clock)
    return settings, clock


def test_an_extractor_upgrade_never_makes_a_version(server: LoopbackServer, db_url: str) -> None:
    settings, clock = _checked(server, db_url, STORY)
    _pretend_an_older_extractor_kept_a_line(settings)
    # the page has not changed; only our extractor has
    assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]
    with database.open_database(settings) as db:
        assert reads.list_articles(db)[0].versions == 1
        assert reads.show_version(db, "1").text.paragraphs[-1] != SHARE


def test_reextract_recomputes_texts_and_changes_without_adding_versions(
    server: LoopbackServer, db_url: str
) -> None:
    settings, _clock = _checked(server, db_url, STORY, [*STORY, "A new paragraph."])
    _pretend_an_older_extractor_kept_a_line(settings)
    with database.open_database(settings) as db:
        results = commands.reextract(settings, db)
        assert [(r.versions, r.changed, r.kept_pages) for r in results] == [(2, 2, True)]
        assert commands.reextract(settings, db) == [
            commands.Reextracted(1, server.url("/a"), 2, 0, True)
        ]
        for n in (1, 2):
            assert reads.show_version(db, "1", n).text.paragraphs[-1] != SHARE
        history = [v.to_json() for v in reads.history(db, "1")[1]]
        assert [v["summary"] for v in history] == ["first version", "1 sentence added"]


def test_reextract_leaves_an_article_whose_pages_were_not_all_kept(
    server: LoopbackServer, db_url: str
) -> None:
    settings, _clock = _checked(server, db_url, STORY, [*STORY, "A new paragraph."])
    _pretend_an_older_extractor_kept_a_line(settings)
    with database.open_database(settings) as db:
        with db.sessions() as session, session.begin():
            session.execute(
                update(VersionRow)
                .where(VersionRow.article_id == 1, VersionRow.number == 2)
                .values(raw=None, raw_base=None)
            )
        results = commands.reextract(settings, db)
        assert [(r.versions, r.changed, r.kept_pages) for r in results] == [(2, 0, False)]
        assert reads.show_version(db, "1", 1).text.paragraphs[-1] == SHARE  # untouched


def test_a_feed_and_its_etag_follow_changes_that_reextract_edits(
    server: LoopbackServer, db_url: str
) -> None:
    settings, clock = _checked(server, db_url, STORY, [*STORY, "A new paragraph."])
    # the older extractor read the share line into version 2 only: "2 sentences added"
    _pretend_an_older_extractor_kept_a_line(settings, numbers=(2,))
    with database.open_database(settings) as db:
        before = feeds.feed_validators(settings, db)
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
        assert titles == ["[substantive] Story — v2: 2 sentences added"]
        assert feeds.feed_validators(settings, db) == before  # stable while nothing changes
        clock.tick()
        commands.reextract(settings, db, clock=clock)
        after = feeds.feed_validators(settings, db)
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert titles == ["[substantive] Story — v2: 1 sentence added"]
    assert after.etag != before.etag
    assert before.last_modified is not None and after.last_modified is not None
    assert after.last_modified > before.last_modified


def test_reextract_reads_pages_with_no_transaction_open(
    server: LoopbackServer, db_url: str
) -> None:
    settings, clock = _checked(server, db_url, STORY)
    _pretend_an_older_extractor_kept_a_line(settings)
    events: list[str] = []
    with database.open_database(settings) as db:

        @contextmanager
        def read() -> Iterator[Session]:
            with db.sessions() as session:
                events.append("read")
                yield session
                # the read session only read: nothing of it is left to write
                assert not session.new and not session.dirty
            events.append("read done")

        @contextmanager
        def write() -> Iterator[Session]:
            with db.sessions() as session, session.begin():
                events.append("write")
                yield session

        changed = reextract_article(read, write, 1, None, clock.now)
        assert changed == 1
        assert events == ["read", "read done", "write"]
        assert reads.show_version(db, "1").text.paragraphs[-1] != SHARE


def test_reextract_leaves_an_article_that_gained_a_version_meanwhile(
    server: LoopbackServer, db_url: str
) -> None:
    settings, clock = _checked(server, db_url, STORY)
    _pretend_an_older_extractor_kept_a_line(settings)
    with database.open_database(settings) as db:

        @contextmanager
        def write_after_a_check() -> Iterator[Session]:
            # a check stores version 2 between the read and the write
            server.route("/a", Response(200, article_html("Story", [*STORY, "Later."])))
            run(settings, clock)
            with db.sessions() as session, session.begin():
                yield session

        changed = reextract_article(db.sessions, write_after_a_check, 1, None, clock.now)
        assert changed == 0
        assert reads.list_articles(db)[0].versions == 2
