"""Source health: a source whose template breaks, or whose feed fails, turns degraded — seen by
`sources --json`, /healthz, /health.xml and the transitions `health_changed` returns."""

from __future__ import annotations

import json
from datetime import timedelta

import feedparser
import pytest

from versiontrack import catalog, health
from versiontrack.corpus import LoopbackServer, Response
from versiontrack.health import Verdict, assess, rewritten_share
from versiontrack.outputs import deliver
from versiontrack.service import commands, database
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.web import create_app

from ..conftest import TEST_FETCH
from ..helpers import Clock, rss_links
from ..web.conftest import TestClient  # imported without Starlette's httpx2 warning

PARAGRAPHS = [
    "The council voted on Tuesday to close the old bridge to lorries from the first of March.",
    "Engineers found cracks in two of the five spans during an inspection last autumn.",
    "A report said the bridge could carry cars for another decade if heavy traffic stayed off.",
    "Hauliers said the detour would add forty minutes to every delivery into the town centre.",
]


def article(headline: str) -> bytes:
    body = "".join(f"<p>{p} ({headline})</p>" for p in PARAGRAPHS)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>" + headline + "</title></head>"
        "<body><nav><a href='/'>Home</a></nav><article><h1>"
        + headline
        + "</h1>"
        + body
        + "</article><footer>© Example</footer></body></html>"
    ).encode()


#: The new template renders articles in the browser: the page holds no article any more.
BROKEN = (
    b"<!doctype html><html><head><title>Example</title></head><body><nav>Home | World</nav>"
    b"<div id='app'></div><script>window.__STATE__ = {}</script></body></html>"
)


def test_a_source_whose_template_breaks_turns_degraded_and_recovers(
    server: LoopbackServer, any_db_url: str
) -> None:
    links = [server.url(f"/news/{n}") for n in "abc"]
    server.route(
        "/feed.rss", Response(200, rss_links(*links), {"Content-Type": "application/rss+xml"})
    )
    server.route("/other.rss", Response(200, rss_links(), {"Content-Type": "application/rss+xml"}))
    for n in "abc":
        server.route(f"/news/{n}", Response(200, article(f"Story {n}")))
    settings: Settings = settings_from_dict(
        {
            "database": {"url": any_db_url},
            "fetch": {"timeout": 5, **TEST_FETCH},
            "sources": [
                {"name": "site", "feed": server.url("/feed.rss")},
                {"name": "quiet", "feed": server.url("/other.rss")},
            ],
        }
    )
    clock = Clock()
    with database.open_database(settings) as db:
        assert commands.check(settings, db, clock=clock).count("new") == 3
        assert health.statuses(db.sessions) == {"quiet": "ok", "site": "ok"}

        for n in "abc":
            server.route(f"/news/{n}", Response(200, BROKEN))
        clock.now += timedelta(hours=1)
        report = commands.check(settings, db, force=True, clock=clock)
        assert {(c.outcome, c.error) for c in report.checks} == {
            ("failed", "no article body found")
        }
        assert health.statuses(db.sessions) == {"quiet": "ok", "site": "degraded"}
        (row,) = [s for s in catalog.list_sources(settings, db) if s["name"] == "site"]
        assert row["health"] == "degraded"
        assert row["health_reason"] == (
            "extraction broken: 3 of the last 6 checks found no article or a collapsed one "
            "(no article body found); has the site's template changed?"
        )
        assert row["health_since"] == clock.now.isoformat()

        with TestClient(create_app(settings, db)) as client:
            assert client.get("/healthz").json()["sources"] == {"quiet": "ok", "site": "degraded"}
            feed = feedparser.parse(client.get("/health.xml").content)
        assert feed.bozo is False
        assert [(e.title, e.description) for e in feed.entries] == [
            ("site: degraded", f"site was ok, is degraded: {row['health_reason']}")
        ]

        # Judging again without new evidence changes nothing and reports no transition.
        with db.sessions() as session, session.begin():
            assert health.health_changed(session, clock.now) == []

        # The site is fixed: good checks push the bad ones out of the window.
        for n in "abc":
            server.route(f"/news/{n}", Response(200, article(f"Story {n}")))
        for _ in range(3):
            clock.now += timedelta(hours=1)
            commands.check(settings, db, force=True, clock=clock)
        assert health.statuses(db.sessions)["site"] == "ok"
        with TestClient(create_app(settings, db)) as client:
            titles = [e.title for e in feedparser.parse(client.get("/health.xml").content).entries]
        assert titles == ["site: recovered", "site: degraded"]


#: A new template pours a long promotional block into every article box.
LEAK = "".join(
    f"<p>Promotion {i}: subscribe today to read every story from our award-winning newsroom, "
    "with unlimited access on all your devices, exclusive newsletters and our daily puzzles, "
    "for less than the price of a coffee each week.</p>"
    for i in range(6)
)


def test_a_template_that_pours_text_into_every_article_turns_its_source_degraded(
    server: LoopbackServer, any_db_url: str
) -> None:
    links = [server.url(f"/news/{n}") for n in "abc"]
    server.route(
        "/feed.rss", Response(200, rss_links(*links), {"Content-Type": "application/rss+xml"})
    )
    for n in "abc":
        server.route(f"/news/{n}", Response(200, article(f"Story {n}")))
    settings = settings_from_dict(
        {
            "database": {"url": any_db_url},
            "fetch": {"timeout": 5, **TEST_FETCH},
            "sources": [{"name": "site", "feed": server.url("/feed.rss")}],
        }
    )
    clock = Clock()
    with database.open_database(settings) as db:
        commands.check(settings, db, clock=clock)
        for n in "abc":
            page = article(f"Story {n}").replace(b"</article>", LEAK.encode() + b"</article>")
            server.route(f"/news/{n}", Response(200, page))
        clock.now += timedelta(hours=1)
        report = commands.check(settings, db, force=True, clock=clock)
        assert report.count("changed") == 3
        assert health.statuses(db.sessions) == {"site": "degraded"}
        (row,) = catalog.list_sources(settings, db)
        assert row["health_reason"] == (
            "changes suddenly huge: 3 of the last 3 edits rewrote 50% or more of their article; "
            "has the site's template changed?"
        )


def test_a_failing_feed_turns_its_source_degraded_on_the_second_failure(
    server: LoopbackServer, any_db_url: str
) -> None:
    server.route("/feed.rss", Response(503, b"down"))
    settings = settings_from_dict(
        {
            "database": {"url": any_db_url},
            "fetch": {"timeout": 5, "retries": 0, **TEST_FETCH},
            "sources": [{"name": "site", "feed": server.url("/feed.rss")}],
        }
    )
    clock = Clock()
    with database.open_database(settings) as db:
        commands.check(settings, db, clock=clock)
        assert health.statuses(db.sessions) == {"site": "ok"}
        clock.now += timedelta(hours=1)
        commands.check(settings, db, clock=clock)
        assert health.statuses(db.sessions) == {"site": "degraded"}
        (row,) = catalog.list_sources(settings, db)
        assert row["health_reason"] == f"feed failing: HTTP 503 from {server.url('/feed.rss')}"


def test_an_output_asking_for_health_is_told_when_a_source_degrades(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/feed.rss", Response(503, b"down"))
    with LoopbackServer() as receiver:
        receiver.route("/hook", Response(200, b"{}", {"Content-Type": "application/json"}))
        settings = settings_from_dict(
            {
                "database": {"url": db_url},
                "fetch": {"timeout": 5, "retries": 0, **TEST_FETCH},
                "sources": [{"name": "site", "feed": server.url("/feed.rss")}],
                "outputs": [
                    {
                        "name": "ops",
                        "type": "webhook",
                        "url": receiver.url("/hook"),
                        "flags": ["health"],
                    }
                ],
            }
        )
        clock = Clock()
        with database.open_database(settings) as db:
            for _ in range(2):  # the second failure in a row degrades it
                commands.check(settings, db, clock=clock)
                clock.now += timedelta(hours=1)
            assert deliver.drain(settings, db.sessions, clock=clock).delivered == 1
        posts = [r for r in receiver.requests if r.method == "POST"]
    assert len(posts) == 1  # one transition, one message
    body = json.loads(posts[0].body)
    reason = f"feed failing: HTTP 503 from {server.url('/feed.rss')}"
    assert (body["kind"], body["source"], body["flags"]) == ("health", "site", ["health"])
    assert body["title"] == f"source site degraded: {reason}"
    assert body["body"] == f"site: ok → degraded ({reason})"


@pytest.mark.parametrize(
    ("polls", "checks", "edits", "verdict"),
    [
        ([], [], [], Verdict("ok")),
        ([("failed", "HTTP 500 from x")], [], [], Verdict("ok")),  # one failure is a blip
        ([("failed", "e2"), ("failed", "e1")], [], [], Verdict("degraded", "feed failing: e2")),
        ([("polled", None), ("failed", "e1")], [], [], Verdict("ok")),
        # one article collapsing again and again is that article, not the template
        ([], [(1, "failed", "no article body found")] * 3, [], Verdict("ok")),
        # a minority of broken readings is not a broken template
        (
            [],
            [(1, "failed", "no article body found"), (2, "failed", "body shrank from 900 to 3")]
            + [(3, "unchanged", None)] * 3,
            [],
            Verdict("ok"),
        ),
        # network failures are not extraction failures
        ([], [(1, "failed", "HTTP 503 from x"), (2, "failed", "timed out")], [], Verdict("ok")),
        # one huge edit is an editor's rewrite; huge edits on most articles are a template
        ([], [], [(1, 0.9), (2, 0.1), (3, 0.05)], Verdict("ok")),
    ],
)
def test_assess_table(polls: list, checks: list, edits: list, verdict: Verdict) -> None:
    assert assess(polls, checks, edits) == verdict


def test_huge_changes_on_most_articles_read_as_a_template_change() -> None:
    verdict = assess([], [], [(1, 0.8), (2, 0.7), (3, 0.9), (4, 0.1)])
    assert verdict == Verdict(
        "degraded",
        "changes suddenly huge: 3 of the last 4 edits rewrote 50% or more of their article; "
        "has the site's template changed?",
    )


def test_rewritten_share_counts_removed_added_and_half_of_edited() -> None:
    diff = {
        "ops": [
            {"op": "removed", "old": "x" * 100, "new": None},
            {"op": "added", "old": None, "new": "y" * 50},
            {"op": "edited", "old": "z" * 40, "new": "w" * 60},
            {"op": "moved", "old": "m" * 500, "new": "m" * 500},
        ]
    }
    assert rewritten_share(diff, 400, 200) == (100 + 50 + 30) / 400
    assert rewritten_share({"ops": []}, 0, 0) == 0


def test_health_feed_escapes_hostile_names_and_reasons(server: LoopbackServer, db_url: str) -> None:
    server.route(
        "/feed.rss", Response(200, b"<rss><channel><item><title>\x1b[31m<script>alert(1)</script>")
    )
    name = "<script>alert('x')</script>\u202e"
    settings = settings_from_dict(
        {
            "database": {"url": db_url},
            "fetch": {"timeout": 5, **TEST_FETCH},
            "sources": [{"name": name, "feed": server.url("/feed.rss")}],
        }
    )
    clock = Clock()
    with database.open_database(settings) as db:
        for _ in range(2):
            commands.check(settings, db, clock=clock)
            clock.now += timedelta(hours=1)
        assert health.statuses(db.sessions) == {name: "degraded"}
        with TestClient(create_app(settings, db)) as client:
            raw = client.get("/health.xml")
    assert raw.headers["content-type"] == "application/rss+xml; charset=utf-8"
    assert b"<script>" not in raw.content and b"\x1b" not in raw.content
    feed = feedparser.parse(raw.content)
    assert feed.bozo is False
    assert [e.title for e in feed.entries] == [f"{name}: degraded"]
    assert "/sources/%3Cscript%3E" in feed.entries[0].link


def test_the_daemon_judges_health_every_minute(db_url: str) -> None:
    from versiontrack.daemon import HEALTH_EVERY, Daemon

    settings = settings_from_dict({"database": {"url": db_url}})
    with database.open_database(settings) as db:
        scheduler = Daemon(settings, db, web=False)._scheduler()
    job = scheduler.get_job("health")
    assert job is not None and HEALTH_EVERY == 60
    assert job.trigger.interval == timedelta(seconds=60)
