"""Bad feeds and pages are recorded on their checks; the pass goes on and nothing stored is lost.

Also: 404/410 → removed (one item) and restoration, and a collapsed body is a failed check.
All against a real loopback server and a real SQLite file.
"""

from __future__ import annotations

import feedparser
import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.service import commands, database, feeds, reads

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, checks, rss, run, track


def test_bad_feeds_and_pages_are_recorded_and_the_pass_goes_on(
    server: LoopbackServer, db_url: str
) -> None:
    server.route(
        "/good.rss",
        Response(
            200,
            rss(
                server.url("/ok"),
                server.url("/pdf"),
                server.url("/huge"),
                server.url("/slow"),
                server.url("/broken"),
                server.url("/loop"),
                server.url("/empty"),
            ),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    server.route("/malformed.rss", Response(200, b"<rss><channel><item><title>oops", {}))
    server.route("/html.rss", Response.html("<html><body><p>not a feed</p></body></html>"))
    server.route("/missing.rss", Response(404, b"no"))
    server.route("/ok", Response(200, article_html("A real story", STORY)))
    server.route(
        "/pdf", Response(200, b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", {"Content-Type": "application/pdf"})
    )
    server.route("/huge", Response.sized(3_000_000))
    server.route("/slow", Response(200, article_html("Slow", STORY), delay=3.0))
    server.route("/broken", Response(503, b"upstream down"))
    server.route("/loop", Response.redirect("/loop"))
    server.route("/empty", Response.html("<html><body><nav>Home | World</nav></body></html>"))
    settings = make_settings(
        db_url,
        [
            Source("good", server.url("/good.rss")),
            Source("malformed", server.url("/malformed.rss")),
            Source("html", server.url("/html.rss")),
            Source("missing", server.url("/missing.rss")),
        ],
        fetch={"timeout": 1, "max_bytes": 1_000_000},
    )
    clock = Clock()
    report = run(settings, clock)

    assert {p.source: p.outcome for p in report.polls} == {
        "good": "polled",
        "malformed": "failed",
        "html": "failed",
        "missing": "failed",
    }
    errors = {p.source: p.error for p in report.feed_failures}
    assert "not a feed" in errors["malformed"] or "feed" in errors["malformed"]
    assert "HTML page" in errors["html"]
    assert errors["missing"].startswith("HTTP 404")

    outcomes = {c.url.rsplit("/", 1)[1]: (c.outcome, c.error) for c in report.checks}
    assert outcomes["ok"] == ("new", None)
    assert outcomes["pdf"][0] == "failed" and "not an HTML page" in outcomes["pdf"][1]
    assert (
        outcomes["huge"][0] == "failed" and "exceeds the 1000000-byte limit" in outcomes["huge"][1]
    )
    assert outcomes["slow"][0] == "failed" and "timed out" in outcomes["slow"][1]
    assert outcomes["broken"][0] == "failed" and "HTTP 503" in outcomes["broken"][1]
    assert outcomes["loop"][0] == "failed" and "too many redirects" in outcomes["loop"][1]
    assert outcomes["empty"][0] == "failed"

    logged = checks(settings)
    article_checks = [c for c in logged if c.article_id is not None]
    feed_checks = [c for c in logged if c.source_id is not None]
    assert len(article_checks) == 7 and len(feed_checks) == 4
    by_url = {c.url.rsplit("/", 1)[1]: c for c in article_checks}
    assert by_url["broken"].http_status == 503
    assert by_url["ok"].outcome == "new" and by_url["ok"].http_status == 200
    assert all(c.duration_ms >= 0 and c.started_at == clock.start for c in logged)
    with database.open_database(settings) as db:
        versions = {a.url.rsplit("/", 1)[1]: a.versions for a in reads.list_articles(db)}
        sources = {s.name: s.last_error for s in commands.list_sources(settings, db)}
    assert versions == {"ok": 1, "pdf": 0, "huge": 0, "slow": 0, "broken": 0, "loop": 0, "empty": 0}
    assert sources["good"] is None and sources["missing"].startswith("HTTP 404")


def test_a_failing_check_never_touches_stored_versions(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", Response(200, article_html("Story", STORY)))
    settings, clock = track(server, db_url, "/a")
    assert run(settings, clock).checks[0].outcome == "new"
    for bad in (
        Response(500, b""),
        Response(200, b"\x89PNG\r\n\x1a\n\0\0", {"Content-Type": "image/png"}),
    ):
        server.route("/a", bad)
        assert run(settings, clock).checks[0].outcome == "failed"
    with database.open_database(settings) as db:
        shown = reads.show_version(db, "1")
    assert shown.version.number == 1
    assert shown.text.headline == "Story"
    assert len(shown.text.paragraphs) == 4


@pytest.mark.parametrize("status", [404, 410])
def test_gone_article_is_removed_once_then_restored(
    server: LoopbackServer, db_url: str, status: int
) -> None:
    server.route("/a", Response(200, article_html("Story", STORY)))
    settings, clock = track(server, db_url, "/a")
    run(settings, clock)
    server.route("/a", Response(status, b"gone"))
    assert [c.outcome for c in run(settings, clock).checks] == ["removed"]
    assert [c.outcome for c in run(settings, clock).checks] == ["gone"]
    with database.open_database(settings) as db:
        assert reads.list_articles(db)[0].status == "removed"
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert titles == [f"Story — removed (HTTP {status})"]

    server.route("/a", Response(200, article_html("Story", STORY)))
    assert [c.outcome for c in run(settings, clock).checks] == ["restored"]
    with database.open_database(settings) as db:
        assert reads.list_articles(db)[0].status == "active"
        assert reads.list_articles(db)[0].versions == 1
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert titles == ["Story — restored", f"Story — removed (HTTP {status})"]


def test_collapsed_body_is_a_failed_check_not_a_version(
    server: LoopbackServer, db_url: str
) -> None:
    long_story = STORY * 3
    server.route("/a", Response(200, article_html("Story", long_story)))
    settings, clock = track(server, db_url, "/a")
    run(settings, clock)
    server.route("/a", Response(200, article_html("Story", STORY[:1])))
    (outcome,) = run(settings, clock).checks
    assert outcome.outcome == "failed"
    assert "body shrank" in (outcome.error or "")
    with database.open_database(settings) as db:
        assert reads.list_articles(db)[0].versions == 1
