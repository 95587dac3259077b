"""The unchanged-check fast path end to end: a loopback server, a real SQLite file.

A check whose article region fingerprints as at the last full extraction records "unchanged"
without extracting; every other case takes the full path and re-locates the article.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.pipeline.passes import POOL_MIN_CHECKS, in_flight
from versiontrack.service import commands, database, pages, reads
from versiontrack.settings import Settings
from versiontrack.store.schema import ArticleRow

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, run, track

ARTICLE = "/html:0/body:0/article:0"  # the region's path, as versiontrack.locate names it
MOST_READ = "<aside><h2>Most read</h2><ol><li>{}</li></ol></aside>"


def state(settings: Settings) -> tuple[str | None, int]:
    with database.open_database(settings) as db, db.sessions() as session:
        row = session.get_one(ArticleRow, 1)
        return row.region_path, row.region_skips


def page(n: int, paragraphs: list[str] = STORY) -> Response:
    """The article, with a churning "most read" list beside it."""
    return Response(200, article_html("Story", paragraphs, MOST_READ.format(f"Story {n}")))


def test_churn_outside_the_article_skips_extraction_and_edits_still_show(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/a", page(0))
    settings, clock = track(server, db_url, "/a")
    assert [c.outcome for c in run(settings, clock).checks] == ["new"]
    assert state(settings) == (ARTICLE, 0)
    for n in (1, 2):
        server.route("/a", page(n))
        assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]
        assert state(settings) == (ARTICLE, n)  # both trusted the fingerprint
    edited = [STORY[0].replace("Monday", "Tuesday"), *STORY[1:]]
    server.route("/a", page(3, edited))
    [check] = run(settings, clock).checks
    assert check.outcome == "changed" and check.version == 2
    assert check.summary is not None and check.summary.edited == 1
    assert state(settings) == (ARTICLE, 0)


def test_every_few_checks_extract_in_full_anyway(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", page(0))
    settings, clock = track(server, db_url, "/a")
    settings = dataclasses.replace(
        settings, check=dataclasses.replace(settings.check, fingerprint_skips=2)
    )
    run(settings, clock)
    skips = []
    for n in range(1, 6):
        server.route("/a", page(n))
        assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]
        skips.append(state(settings)[1])
    assert skips == [1, 2, 0, 1, 2]  # the third check extracted in full


def test_fingerprint_skips_0_always_extracts(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", page(0))
    settings, clock = track(server, db_url, "/a")
    settings = dataclasses.replace(
        settings, check=dataclasses.replace(settings.check, fingerprint_skips=0)
    )
    run(settings, clock)
    server.route("/a", page(1))
    assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]
    assert state(settings) == (None, 0)


def test_a_comeback_after_removal_takes_the_full_path(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", page(0))
    settings, clock = track(server, db_url, "/a")
    run(settings, clock)
    server.route("/a", Response(404, b"gone"))
    assert [c.outcome for c in run(settings, clock).checks] == ["removed"]
    server.route("/a", page(1))
    assert [c.outcome for c in run(settings, clock).checks] == ["restored"]
    assert state(settings) == (ARTICLE, 0)


def test_a_redirect_elsewhere_takes_the_full_path(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", page(0))
    settings, clock = track(server, db_url, "/a")
    run(settings, clock)
    # the site renamed the article: same text at a new URL
    server.route("/a", Response(301, b"", {"Location": server.url("/a-renamed")}))
    server.route("/a-renamed", page(1))
    [check] = run(settings, clock).checks
    assert check.outcome == "unchanged" and check.url == server.url("/a-renamed")
    with database.open_database(settings) as db:
        assert [c.kind for c in pages.recent_changes(db)] == ["url"]


def test_a_big_pass_reads_its_pages_in_the_process_pool(
    server: LoopbackServer, db_url: str
) -> None:
    count = POOL_MIN_CHECKS
    settings = make_settings(db_url)
    settings = dataclasses.replace(settings, check=dataclasses.replace(settings.check, workers=2))
    with database.open_database(settings) as db:
        for i in range(count):
            server.route(f"/a{i}", page(0, [f"Story number {i}.", *STORY]))
            commands.add_article(settings, db, server.url(f"/a{i}"))
    server.route("/broken", Response(200, b"<html><body><nav>Home</nav></body></html>"))
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url("/broken"))
    clock = Clock()
    first = run(settings, clock)
    assert Counter(c.outcome for c in first.checks) == {"new": count, "failed": 1}
    assert [c.error for c in first.failures] == ["no article body found"]
    for i in range(count):
        edit = (
            [f"Story number {i}, updated.", *STORY]
            if i % 8 == 0
            else [f"Story number {i}.", *STORY]
        )
        server.route(f"/a{i}", page(1, edit))
    second = run(settings, clock)
    assert Counter(c.outcome for c in second.checks) == {
        "unchanged": count - count // 8,
        "changed": count // 8,
        "failed": 1,
    }


def test_a_big_pass_is_split_across_checking_processes(
    server: LoopbackServer, any_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from versiontrack import shards

    monkeypatch.setattr(shards, "SHARD_MIN_CHECKS", 10)  # 2 shards for 24 articles
    split: list[int] = []
    claimed: list[list[int]] = []
    original = shards.check_in_shards

    async def spy(rt, work, count, *rest):  # type: ignore[no-untyped-def]
        split.append(count)
        checks = await original(rt, work, count, *rest)
        claimed.append(list(work.order))
        return checks

    monkeypatch.setattr(shards, "check_in_shards", spy)
    count = 24
    settings = make_settings(any_db_url)
    settings = dataclasses.replace(settings, check=dataclasses.replace(settings.check, workers=2))
    with database.open_database(settings) as db:
        for i in range(count):
            server.route(f"/s{i}", page(0, [f"Story number {i}.", *STORY]))
            commands.add_article(settings, db, server.url(f"/s{i}"))
    clock = Clock()
    progress: list[int] = []
    with database.open_database(settings) as db:
        first = commands.check(
            settings, db, clock=clock, on_progress=lambda o: progress.append(o.article_id)
        )
    assert [c.article_id for c in first.checks] == claimed[0]  # in the order they were claimed
    assert sorted(claimed[0]) == list(range(1, count + 1))
    assert [c.outcome for c in first.checks] == ["new"] * count
    assert sorted(progress) == list(range(1, count + 1))  # every outcome reported as it came
    clock.tick()
    for i in range(0, count, 6):
        server.route(f"/s{i}", page(1, [f"Story number {i}, updated.", *STORY]))
    for i in range(1, count):
        if i % 6:
            server.route(f"/s{i}", page(1, [f"Story number {i}.", *STORY]))
    second = run(settings, clock)
    assert Counter(c.outcome for c in second.checks) == {"unchanged": 20, "changed": 4}
    assert split == [2, 2]  # both passes ran in two shard processes
    with database.open_database(settings) as db:
        assert sum(a.versions for a in reads.list_articles(db)) == count + 4
        # both shards wrote: the leases they held are all released
        with db.sessions() as session:
            assert (
                session.scalar(
                    select(func.count())
                    .select_from(ArticleRow)
                    .where(ArticleRow.lease_owner.is_not(None))
                )
                == 0
            )


@dataclasses.dataclass(frozen=True)
class DeadlyClock:
    """A clock that kills any process but the test's own: every spawned shard dies at its
    first check."""

    parent: int
    moment: datetime

    def __call__(self) -> datetime:
        if os.getpid() != self.parent:
            os._exit(3)
        return self.moment


def test_a_shard_that_dies_fails_its_articles_and_the_pass_ends(
    server: LoopbackServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from versiontrack import shards

    monkeypatch.setattr(shards, "SHARD_MIN_CHECKS", 10)
    settings = make_settings(db_url)
    settings = dataclasses.replace(settings, check=dataclasses.replace(settings.check, workers=2))
    with database.open_database(settings) as db:
        for i in range(20):
            server.route(f"/d{i}", page(0))
            commands.add_article(settings, db, server.url(f"/d{i}"))
        report = commands.check(settings, db, clock=DeadlyClock(os.getpid(), datetime.now(UTC)))
    # the spawned shard died before fetching anything: the articles it held are lost (never
    # retried in the pass: a page that kills a process would kill the next one too), and the
    # pass's own process checked all the others it would have been handed
    held = in_flight(settings, 2)
    lost = [c for c in report.checks if c.outcome == "failed"]
    assert [c.error for c in lost] == ["internal error: shard lost"] * held
    assert [c.outcome for c in report.checks if c not in lost] == ["new"] * (20 - held)
    pages = [r.path for r in server.requests if r.path != "/robots.txt"]
    assert sorted(pages) == sorted(urlsplit(c.url).path for c in report.checks if c not in lost)
