"""The store on a real SQLite file: version chains, identity, change feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from versiontrack import significance
from versiontrack.cadence import Plan
from versiontrack.domain import ArticleText, Diff, FeedItem, Region, Source
from versiontrack.store import articles, changes, checks, codec, lines, sources, versions
from versiontrack.store.engine import make_engine, session_factory
from versiontrack.store.schema import ArticleRow, VersionRow
from versiontrack.text import content_hash

T0 = datetime(2024, 10, 30, 8, 0, tzinfo=UTC)


def text(n: int) -> ArticleText:
    paragraphs = tuple(
        tuple(
            f"Sentence {i}.{j} of a long article about troops near Kursk, revision "
            f"{n if i == n % 40 else 0}."
            for j in range(3)
        )
        for i in range(40)
    )
    headline = f"Headline {n // 5}"
    digest = content_hash(headline, "Standfirst", "Staff", [" ".join(p) for p in paragraphs])
    return ArticleText(headline, "Standfirst", "Staff", paragraphs, digest)


def test_forty_versions_chain_and_read_back_exactly(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        article = articles.add_article(session, "https://example.org/a", now=T0)
        previous = None
        for n in range(1, 41):
            current = text(n)
            versions.add_version(
                session,
                article,
                current,
                fetched_at=T0 + timedelta(hours=n),
                extractor_version="test",
                previous=previous,
            )
            previous = current
    with sessions() as session:
        rows = versions.versions(session, article.id)
        assert [r.number for r in rows] == list(range(1, 41))
        assert [r.base for r in rows] == [
            None if codec.is_keyframe(n) else n - 1 for n in range(1, 41)
        ]
        assert [r.base for r in rows][32] is None  # version 33 is a keyframe
        for n in range(1, 41):
            assert versions.version_text(session, article.id, n) == text(n)
        assert versions.version_text(session, article.id, 41) is None
        deltas = [len(r.body) for r in rows if r.base is not None]
        keyframes = [len(r.body) for r in rows if r.base is None]
        # a one-sentence edit of a ~7 KB text costs a small fraction of a standalone version
        assert max(deltas) * 5 < min(keyframes)
        assert session.get_one(type(rows[0]), rows[0].id).text_size > 7000
    engine.dispose()


def test_changes_newest_first_with_entries(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        article = articles.add_article(session, "https://example.org/a", now=T0, title="A")
        for n in (1, 2, 3):
            versions.add_version(
                session, article, text(n), fetched_at=T0, extractor_version="t", previous=None
            )
        for n in (2, 3):
            changes.add_change(
                session,
                article,
                kind="edited",
                detected_at=T0 + timedelta(hours=n),
                diff=Diff(),
                from_version=n - 1,
                to_version=n,
                flags=("minor",) if n == 2 else (),  # version 3's change is boring
                level=significance.level(("minor",) if n == 2 else ()),
            )
    with sessions() as session:
        entries = changes.changes(session, min_level=0)
        assert [(e.from_version, e.to_version) for e in entries] == [(2, 3), (1, 2)]
        assert [e.flags for e in entries] == [(), ("minor",)]
        # boring changes stay out of feeds unless asked for
        assert [e.to_version for e in changes.changes(session)] == [2]
        assert entries[0].headline == "Headline 0"
        assert entries[0].article_url == "https://example.org/a"
        assert changes.changes(session, limit=1, min_level=0)[0].to_version == 3
        assert set(changes.changes_by_version(session, article.id)) == {2, 3}
        assert session.query(VersionRow).count() == 3
    engine.dispose()


def test_a_change_keeps_the_flags_and_level_it_is_given(db_url: str) -> None:
    """The store decides nothing: flags in the order given, the level as given, and a
    rewrite (re-extraction) counts one more revision."""
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        article = articles.add_article(session, "https://example.org/a", now=T0, title="A")
        for n in (1, 2):
            versions.add_version(
                session, article, text(n), fetched_at=T0, extractor_version="t", previous=None
            )
        changes.add_change(
            session,
            article,
            kind="edited",
            detected_at=T0,
            diff=Diff(),
            from_version=1,
            to_version=2,
            flags=("minor", "headline"),
            level=2,
        )
    with sessions() as session:
        (entry,) = changes.changes(session, min_level=2)
        assert entry.flags == ("minor", "headline")
        assert changes.changes(session, min_level=3) == []
    with sessions() as session, session.begin():
        changes.replace_change(
            session, article.id, 2, Diff(), ("revert",), T0 + timedelta(hours=1), 1, level=0
        )
    with sessions() as session:
        (entry,) = changes.changes(session, min_level=0)
        assert (entry.flags, entry.reverts_to) == (("revert",), 1)
        assert changes.changes(session) == []
        state = changes.changes_state(session)
        assert state is not None
        assert (state.revisions, state.revised_at) == (1, T0 + timedelta(hours=1))
    engine.dispose()


def test_aliases_find_the_article_and_are_exclusive(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        a = articles.add_article(session, "https://example.org/a", now=T0)
        b = articles.add_article(session, "https://example.org/b", now=T0)
        assert articles.add_alias(session, a.id, "https://example.org/a-old")
        assert articles.add_alias(session, a.id, "https://example.org/a-old")
        assert not articles.add_alias(session, b.id, "https://example.org/a-old")
        assert articles.article_for_url(session, "https://example.org/a-old").id == a.id
        assert articles.move_article_url(session, b, "https://example.org/b-canonical")
        assert articles.article_for_url(session, "https://example.org/b").id == b.id
        assert b.url == "https://example.org/b-canonical"
        articles.merge_duplicate(session, b.id, into=a.id)
        assert articles.article_for_url(session, "https://example.org/b").id == a.id
        assert [x.id for x in articles.list_articles(session)] == [a.id]
    engine.dispose()


def test_a_feed_adds_its_new_articles_and_a_renamed_one_as_an_alias(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    sessions = session_factory(engine)
    u = "https://example.org/".__add__
    with sessions() as session, session.begin():
        sources.sync_sources(session, [Source("wire", u("feed"))], T0)
        source = sources.source_by_name(session, "wire")
        assert source is not None
        known = articles.add_article(session, u("known"), now=T0, source_id=source.id, guid="g1")
        twins = [
            articles.add_article(session, u(f"twin-{n}"), now=T0, source_id=source.id, guid="g2")
            for n in (1, 2)
        ]
        items = [
            FeedItem(u("known"), "g1"),  # tracked: nothing
            FeedItem(u("known-renamed"), "g1", "Renamed"),  # its guid: an alias of "known"
            FeedItem(u("new"), "g3", "New"),
            FeedItem(u("new"), "g9", "The same URL again"),  # the first listing wins
            FeedItem(u("new-renamed"), "g3"),  # same entry in one feed: an alias of "new"
            FeedItem(u("twin-3"), "g2"),  # guid of two articles: trusted for neither
            FeedItem(u("no-guid"), None, "Plain"),
        ]
        assert articles.track_items(session, source.id, items, now=T0) == 3
        assert articles.track_items(session, source.id, items, now=T0) == 0
    with sessions() as session:
        found = {
            url: articles.article_for_url(session, u(url))
            for url in ("known-renamed", "new", "new-renamed", "twin-3", "no-guid")
        }
        assert found["known-renamed"].id == known.id
        assert found["known-renamed"].url == u("known")
        new = found["new"]
        assert (new.guid, new.title, new.status, new.next_check_at) == ("g3", "New", "active", T0)
        assert (new.source_id, new.version_count, new.region_skips) == (source.id, 0, 0)
        assert found["new-renamed"].id == new.id
        assert found["twin-3"].id not in {t.id for t in twins} | {known.id, new.id}
        assert (found["no-guid"].title, found["no-guid"].guid) == ("Plain", None)
        assert len(articles.list_articles(session)) == 6
    engine.dispose()


def page(n: int) -> bytes:
    """A 60 KB page: the same template with a per-fetch token and one changed sentence."""
    rows = "".join(f"<li>Most read story {i}</li>" for i in range(400))
    body = "".join(
        f"<p>Paragraph {i} of the story, revision {n if i == 7 else 0}.</p>" for i in range(300)
    )
    token = f"<i>token {n * 7919}</i>"
    return f"<html><body><nav>{rows}</nav><article>{body}</article>{token}</body></html>".encode()


def test_kept_pages_are_chained_on_their_keyframe_page(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    count = codec.KEYFRAME_EVERY + 2
    with sessions() as session, session.begin():
        article = articles.add_article(session, "https://example.org/p", now=T0)
        previous = None
        for n in range(1, count + 1):
            versions.add_version(
                session,
                article,
                text(n),
                fetched_at=T0 + timedelta(hours=n),
                extractor_version="test",
                previous=previous,
                raw=page(n),
            )
            previous = text(n)
    with sessions() as session:
        rows = versions.versions(session, article.id)
        expected = [
            None if codec.is_keyframe(n) else codec.keyframe_of(n) for n in range(1, count + 1)
        ]
        assert [r.raw_base for r in rows] == expected
        assert expected[-2:] == [None, codec.KEYFRAME_EVERY + 1]
        for n, row in enumerate(rows, start=1):
            assert versions.raw_page(session, row) == page(n)
        alone = [len(r.raw) for r in rows if r.raw_base is None]
        chained = [len(r.raw) for r in rows if r.raw_base is not None]
        assert max(chained) * 10 < min(alone)
    engine.dispose()


def test_a_check_writes_back_only_the_article_columns_it_changed(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        article_id = articles.add_article(session, "https://example.org/d", now=T0).id
    with sessions() as session, session.begin():
        draft = articles.article_draft(session, article_id)
        assert draft is not None and draft.changed() == {}
        # written by someone else after the check read the article: the check leaves it be
        session.execute(
            update(ArticleRow).where(ArticleRow.id == article_id).values(status="removed")
        )
        draft.pending_hash = "h1"
        version_id = versions.add_version(
            session, draft, text(1), fetched_at=T0, extractor_version="t", previous=None
        )
        assert draft.changed() == {
            "version_count": 1,
            "title": "Headline 0",
            "pending_hash": "h1",
            "last_changed": T0,
        }
        checks.record_check(
            session,
            article_id,
            url=draft.url,
            started_at=T0,
            duration_ms=5,
            http_status=200,
            outcome="new",
            error=None,
            plan=Plan(3600, T0 + timedelta(hours=1)),
            changed=draft.changed() | articles.region_values(Region("/html/body", "d" * 32)),
        )
    with sessions() as session:
        row = session.get_one(ArticleRow, article_id)
        assert (row.status, row.version_count, row.title, row.pending_hash) == (
            "removed",
            1,
            "Headline 0",
            "h1",
        )
        assert (row.last_changed, row.last_checked, row.next_check_at) == (
            T0,
            T0,
            T0 + timedelta(hours=1),
        )
        assert (row.region_path, row.region_digest, row.region_skips) == (
            "/html/body",
            "d" * 32,
            0,
        )
        assert session.get_one(VersionRow, version_id).number == 1
        assert versions.version_text(session, article_id, 1) == text(1)
    engine.dispose()


def test_template_lines_count_the_article_that_shows_them_before_its_sightings_are_written(
    any_db_url: str,
) -> None:
    # a check reads before its write turn: the article it checks shows the new text's lines,
    # written only in the turn, and has shown the latest version's (already written)
    engine = make_engine(any_db_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        ids = [
            articles.add_article(session, f"https://example.org/{n}", now=T0).id for n in range(4)
        ]
        for article_id in ids[:2]:  # two others show line 1
            lines.record_sightings(session, "s", article_id, [1, 2], T0)
        lines.record_sightings(session, "s", ids[2], [2], T0)  # a third showed line 2
        lines.record_sightings(session, "s", ids[3], [3], T0)
    with sessions() as session:
        # without the article: line 2 (three articles) only
        assert lines.template_keys(session, "s", [1, 2, 3], 3) == {2}
        # the article ids[3] shows 1, 2 and 3: line 1 is now in three articles, line 2 in
        # four, line 3 (only ever its own) in one
        assert lines.template_keys(session, "s", [1, 2, 3], 3, showing=ids[3]) == {1, 2}
        # ids[2] has written its sighting of 2: counted once, not twice
        assert lines.template_keys(session, "s", [2, 3], 3, showing=ids[2]) == {2}
        assert lines.template_keys(session, "s", [1], 4, showing=ids[2]) == set()
        assert lines.template_keys(session, "s", [1], 3, showing=ids[2]) == {1}
        assert lines.template_keys(session, "s", [], 3, showing=ids[2]) == set()
    engine.dispose()
