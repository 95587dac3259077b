"""The seeds corpus end to end: feeds → fetch → extract → diff → store → feed, step by step.

The corpus server plays five differently built news sites; every page churns on every request.
One replay (module-scoped) is asserted from several angles: exact versions per article after
every step, exact change summaries, churn-only steps adding nothing, the removal, and the feed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from versiontrack.corpus import CorpusServer, build_corpus
from versiontrack.domain import Source
from versiontrack.pipeline.context import PassReport
from versiontrack.service import commands, database, feeds, reads

from ..conftest import empty_postgres, make_settings

START = datetime(2024, 10, 30, 8, 0, tzinfo=UTC)

GUARDIAN = "guardian-nk-troops-kursk"
ZEROHEDGE = "zerohedge-body-bags"
ENR = "enr-us-confirms-nk-soldiers"
JNS = "jns-zelensky-urges-action"
BLOG = "blog-first-direct-clashes"
SLUGS = (GUARDIAN, ZEROHEDGE, ENR, JNS, BLOG)

OLD_HEADLINE = "North Korean troops in Russian uniforms heading to Kursk, says US"
NEW_HEADLINE = (
    "North Korean troops fighting for Russia in Ukraine will ‘surely return in body bags’, "
    "US envoy says"
)


@dataclass
class Replay:
    reports: list[PassReport]
    versions_after_step: list[dict[str, int]]
    ids: dict[str, int]
    histories: dict[str, list[dict]]
    rss: bytes
    atom: bytes
    settings: object
    db_url: str


def replay_corpus(db_url: str) -> Replay:
    """Serve the corpus and run one `check` pass per step into ``db_url`` (already migrated)."""
    corpus = build_corpus()
    with CorpusServer(corpus) as server:
        sources = [Source(s.name, server.feed_url(s.name)) for s in corpus.sources]
        settings = make_settings(db_url, sources)
        reports, after = [], []
        with database.open_database(settings) as db:
            slug_of = {}
            for step in corpus.steps:
                server.set_step(step.index)
                now = START + timedelta(hours=2 * step.index)
                reports.append(commands.check(settings, db, clock=lambda now=now: now))
                rows = reads.list_articles(db)
                for row in rows:
                    slug = next(a.slug for a in corpus.articles if row.url.endswith(a.path))
                    slug_of[row.id] = slug
                after.append({slug_of[r.id]: r.versions for r in rows})
            ids = {slug: i for i, slug in slug_of.items()}
            histories = {
                slug: [v.to_json() for v in reads.history(db, str(i))[1]] for slug, i in ids.items()
            }
            rss = feeds.feed(settings, db, feeds.FeedQuery(fmt="rss"))
            atom = feeds.feed(settings, db, feeds.FeedQuery(fmt="atom"))
    return Replay(reports, after, ids, histories, rss, atom, settings, db_url)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def replay(
    request: pytest.FixtureRequest,
    migrated_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Replay:
    """The whole corpus replayed once per backend: SQLite, and PostgreSQL when available."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_database")
        empty_postgres(url)
        return replay_corpus(url)
    path = tmp_path_factory.mktemp("corpus") / "corpus.db"
    shutil.copy(migrated_template, path)
    return replay_corpus(f"sqlite:///{path}")


def test_every_article_has_exactly_the_versions_the_corpus_served(replay: Replay) -> None:
    corpus = build_corpus()
    for step in corpus.steps:
        expected = {
            slug: len({corpus.version_at(slug, s) for s in range(step.index + 1)} - {None})
            for slug in SLUGS
        }
        assert replay.versions_after_step[step.index] == expected, f"after step {step.index}"
    assert replay.versions_after_step[-1] == {s: corpus.expected_versions(s) for s in SLUGS}
    assert replay.versions_after_step[-1] == {
        GUARDIAN: 3,
        ZEROHEDGE: 2,
        ENR: 3,
        JNS: 1,
        BLOG: 3,
    }


def test_churn_only_step_adds_no_version_and_fails_nothing(replay: Replay) -> None:
    assert replay.versions_after_step[2] == replay.versions_after_step[1]
    report = replay.reports[2]
    assert report.count("changed") == 0
    assert report.count("new") == 0
    assert report.failures == []
    assert report.count("unchanged") + report.count("not_modified") == 5


def test_passes_complete_without_failures(replay: Replay) -> None:
    for report in replay.reports:
        assert report.failures == []
        assert report.feed_failures == []
        # later polls are answered 304 where the feed sends validators
        assert {p.outcome for p in report.polls} <= {"polled", "not_modified"}
    assert [p.outcome for p in replay.reports[0].polls] == ["polled"] * 5
    assert [p.outcome for p in replay.reports[2].polls].count("not_modified") >= 1
    assert [p.new_articles for p in replay.reports[0].polls] == [1, 1, 1, 1, 1]


def test_change_summaries_are_exactly_what_each_version_changed(replay: Replay) -> None:
    def changes(slug: str) -> list[dict | None]:
        return [v["change"] for v in replay.histories[slug]]

    none = {"fields": [], "added": 0, "removed": 0, "edited": 0, "moved": 0}
    assert changes(GUARDIAN) == [
        None,
        {**none, "added": 1, "edited": 1},  # 10,000 → 11,000; the Jenca paragraph
        {**none, "fields": ["headline", "standfirst"], "added": 3},  # the body-bags sentences
    ]
    assert changes(ZEROHEDGE) == [None, {**none, "edited": 1}]  # "in terms details" typo
    assert changes(ENR) == [
        None,
        {**none, "fields": ["standfirst"], "moved": 2},  # the NATO paragraph moved up
        {**none, "edited": 1},  # the quote altered
    ]
    assert changes(JNS) == [None]
    assert changes(BLOG) == [
        None,
        {**none, "added": 1, "edited": 1},  # "have have" typo, 11,000 sentence added
        {**none, "removed": 1},
    ]


def test_every_change_carries_the_flags_a_careful_reader_would_give(replay: Replay) -> None:
    def flags(slug: str) -> list[list[str]]:
        return [v["flags"] for v in replay.histories[slug]]

    assert flags(GUARDIAN) == [
        [],
        ["numbers", "quotes", "substantive"],  # 10,000 → 11,000; Jenca's “serious concern”
        ["headline", "quotes", "standfirst", "substantive"],  # “will surely return in body bags”
    ]
    assert flags(ZEROHEDGE) == [[], ["minor"]]  # a typo fix
    assert flags(ENR) == [[], ["standfirst"], ["quotes", "substantive"]]  # a move is not news
    assert flags(JNS) == [[]]
    assert flags(BLOG) == [[], ["numbers", "substantive"], ["substantive"]]


def test_guardian_version_three_is_the_seed_headline_change(replay: Replay) -> None:
    history = replay.histories[GUARDIAN]
    assert [v["title"] for v in history] == [OLD_HEADLINE, OLD_HEADLINE, NEW_HEADLINE]
    assert history[2]["summary"] == "standfirst changed, 3 sentences added"


def test_removed_article_is_marked_and_gets_one_item(replay: Replay) -> None:
    final = replay.reports[4]
    removed = [c for c in final.checks if c.outcome == "removed"]
    assert [(c.article_id, c.http_status) for c in removed] == [(replay.ids[ZEROHEDGE], 410)]
    parsed = feedparser.parse(replay.rss)
    titles = [e.title for e in parsed.entries if "— removed" in e.title]
    assert titles == [
        "North Korean Troops Fighting In Ukraine Will ‘Surely Return In Body Bags’: UN"
        " — removed (HTTP 410)"
    ]


def test_feed_has_one_item_per_change_and_shows_both_guardian_headlines(replay: Replay) -> None:
    parsed = feedparser.parse(replay.rss)
    assert parsed.bozo is False
    # 2 + 1 + 2 + 0 + 2 edits, plus the removal
    assert len(parsed.entries) == 8
    assert len({e.id for e in parsed.entries}) == 8
    headline_items = [e for e in parsed.entries if e.title.startswith("Headline:")]
    assert [e.title for e in headline_items] == [f"Headline: “{OLD_HEADLINE}” → “{NEW_HEADLINE}”"]
    (item,) = headline_items
    assert item.link == f"http://127.0.0.1:8080/articles/{replay.ids[GUARDIAN]}/diff/2/3"
    assert OLD_HEADLINE in item.description and NEW_HEADLINE in item.description
    assert "<ins>" in item.description
    assert "surely return in body bags" in item.description
    atom = feedparser.parse(replay.atom)
    assert atom.bozo is False
    assert [e.title for e in atom.entries] == [e.title for e in parsed.entries]
