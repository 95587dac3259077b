"""Bad feeds and pages are recorded on their checks; the pass goes on and nothing stored is lost.

Also: 404/410 → removed (one item), restoration, identity across URL variants, body collapse,
conditional GET. All against a real loopback server and a real SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from sqlalchemy import select

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.pipeline import PassReport
from versiontrack.service import commands, database, feeds
from versiontrack.service import reads as service_reads
from versiontrack.settings import Settings
from versiontrack.store.schema import CheckRow

from ..conftest import make_settings


def article_html(headline: str, paragraphs: list[str], extra: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{headline}</title><meta property='og:title' content='{headline}'>"
        "</head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{headline}</h1>{body}</article>{extra}"
        "<footer>© Example News</footer></body></html>"
    ).encode()


STORY = [
    "Ukrainian officials said on Monday that their forces had fired at North Korean soldiers in "
    "combat for the first time since their deployment by Russia to its western Kursk region.",
    "The publication is calling the alleged instance the first direct intervention by a foreign "
    "army since Russia's full-scale invasion of its neighbour in February 2022.",
    "The US and South Korea now say many thousands of North Korean troops are on the front "
    "lines, potentially engaging Ukrainian forces in the Kursk oblast.",
    "More than 10,000 North Korean soldiers are currently in Russia, and a significant portion "
    "of them are deployed to front-line areas, a defence ministry spokesman told a briefing.",
]


def rss(*links: str) -> bytes:
    items = "".join(
        f"<item><title>t{i}</title><link>{link}</link><guid>g{i}</guid></item>"
        for i, link in enumerate(links)
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        f"<link>http://example.org/</link><description>d</description>{items}</channel></rss>"
    ).encode()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as s:
        yield s


class Clock:
    """A test clock that starts just after the real now (articles added with ``add`` are due
    from the real now) and moves only when told."""

    def __init__(self) -> None:
        self.start = self.now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, hours: float = 1) -> None:
        self.now += timedelta(hours=hours)


def track(server: LoopbackServer, db_url: str, path: str) -> tuple[Settings, Clock]:
    """Settings for a fresh database that tracks one URL of ``server`` (no feed), and a clock."""
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url(path))
    return settings, Clock()


def run(settings: Settings, clock: Clock, **kwargs) -> PassReport:
    with database.open_database(settings) as db:
        report = commands.check(settings, db, clock=clock, **kwargs)
    clock.tick()
    return report


def checks(settings: Settings) -> list[CheckRow]:
    with database.open_database(settings) as db, db.sessions() as session:
        return list(session.scalars(select(CheckRow).order_by(CheckRow.id)))


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
        versions = {a.url.rsplit("/", 1)[1]: a.versions for a in service_reads.list_articles(db)}
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
        shown = service_reads.show_version(db, "1")
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
        assert service_reads.list_articles(db)[0].status == "removed"
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert titles == [f"Story — removed (HTTP {status})"]

    server.route("/a", Response(200, article_html("Story", STORY)))
    assert [c.outcome for c in run(settings, clock).checks] == ["restored"]
    with database.open_database(settings) as db:
        assert service_reads.list_articles(db)[0].status == "active"
        assert service_reads.list_articles(db)[0].versions == 1
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert titles == ["Story — restored", f"Story — removed (HTTP {status})"]


def test_same_article_reached_two_ways_is_one_article(server: LoopbackServer, db_url: str) -> None:
    page = article_html("Story", STORY).replace(
        b"<head>", f"<head><link rel='canonical' href='{server.url('/story')}'>".encode()
    )
    server.route("/story", Response(200, page))
    server.route("/s/123", Response.redirect("/story?utm_source=short"))
    server.route(
        "/feed.rss",
        Response(
            200,
            rss(
                server.url("/story?utm_source=rss&utm_medium=feed#top"),
                server.url("/story?fbclid=abc"),
                server.url("/s/123"),
            ),
        ),
    )
    settings = make_settings(db_url, [Source("x", server.url("/feed.rss"))])
    clock = Clock()
    report = run(settings, clock)
    assert sorted(c.outcome for c in report.checks) == ["duplicate", "new"]
    with database.open_database(settings) as db:
        rows = service_reads.list_articles(db)
        assert [(r.url, r.versions) for r in rows] == [(server.url("/story"), 1)]
        # every way in finds the one article
        for ref in (server.url("/s/123"), server.url("/story?utm_campaign=x"), "1"):
            assert service_reads.history(db, ref)[0].id == rows[0].id
    second = run(settings, clock)
    assert [c.outcome for c in second.checks] == ["unchanged"]


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
        assert service_reads.list_articles(db)[0].versions == 1


def test_markup_and_whitespace_differences_make_no_version(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/a", Response(200, article_html("Story", STORY)))
    settings, clock = track(server, db_url, "/a")
    run(settings, clock)
    variant = [
        p.replace("Monday", "<b class='x'>Monday</b>").replace(" the ", "  the\n ") for p in STORY
    ]
    variant[1] = variant[1].replace("Russia's", "Russia&#39;s")
    server.route(
        "/a", Response(200, article_html("Story", variant, extra="<div>Advertisement</div>"))
    )
    assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]


def test_conditional_get_304_is_an_unchanged_check(server: LoopbackServer, db_url: str) -> None:
    def page(request):
        if request.headers.get("if-none-match") == '"v1"':
            return Response(304, b"", {"ETag": '"v1"'})
        return Response(
            200, article_html("Story", STORY), {"ETag": '"v1"', "Content-Type": "text/html"}
        )

    server.route("/a", page)
    settings, clock = track(server, db_url, "/a")
    assert [c.outcome for c in run(settings, clock).checks] == ["new"]
    assert [c.outcome for c in run(settings, clock).checks] == ["not_modified"]
    pages = [r for r in server.requests if r.path != "/robots.txt"]
    assert [r.headers.get("if-none-match") for r in pages] == [None, '"v1"']


def test_only_due_articles_are_checked_unless_forced(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", Response(200, article_html("Story", STORY)))
    settings = make_settings(db_url, check={"interval": 3600})
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url("/a"))
    clock = Clock()
    with database.open_database(settings) as db:
        assert len(commands.check(settings, db, clock=clock).checks) == 1
        clock.now += timedelta(minutes=30)
        assert len(commands.check(settings, db, clock=clock).checks) == 0
        assert len(commands.check(settings, db, clock=clock, force=True).checks) == 1
        clock.now += timedelta(hours=2)
        assert len(commands.check(settings, db, clock=clock).checks) == 1


def test_slug_change_keeps_one_history_and_is_reported(server: LoopbackServer, db_url: str) -> None:
    def page(headline: str, slug: str) -> bytes:
        return article_html(headline, STORY).replace(
            b"<head>", f"<head><link rel='canonical' href='{server.url(slug)}'>".encode()
        )

    server.route(
        "/news/troops-in-uniforms",
        Response(200, page("Troops in uniforms", "/news/troops-in-uniforms")),
    )
    settings, clock = track(server, db_url, "/news/troops-in-uniforms")
    assert [c.outcome for c in run(settings, clock).checks] == ["new"]
    # the site retitles the story, renames the URL and redirects the old one
    server.route("/news/troops-in-uniforms", Response.redirect("/news/body-bags-warning"))
    server.route(
        "/news/body-bags-warning",
        Response(200, page("Body bags warning", "/news/body-bags-warning")),
    )
    assert [c.outcome for c in run(settings, clock).checks] == ["changed"]
    with database.open_database(settings) as db:
        (row,) = service_reads.list_articles(db)
        assert row.url == server.url("/news/body-bags-warning")
        assert row.versions == 2
        # the old address still finds the one history
        assert service_reads.history(db, server.url("/news/troops-in-uniforms"))[0].id == row.id
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
        urls_only = [
            e.title
            for e in feedparser.parse(
                feeds.feed(settings, db, feeds.FeedQuery(flags=("url",)))
            ).entries
        ]
    assert titles == [
        "Headline: “Troops in uniforms” → “Body bags warning”",
        f"URL changed: {server.url('/news/troops-in-uniforms')} → "
        f"{server.url('/news/body-bags-warning')}",
    ]
    assert urls_only == titles[1:]
    assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]


def test_source_selector_and_ignore_are_used_by_checks(server: LoopbackServer, db_url: str) -> None:
    reads = iter(range(1000))

    def page(_request) -> Response:
        n = next(reads)
        body = "".join(f"<p>{p}</p>" for p in STORY)
        html = (
            "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
            f"<div class='article-body'>{body}<p>Tide gauge: {n / 10:.2f} m</p></div>"
            f"<div class='related'><p>Related: story number {n} you may have missed today</p>"
            "</div></article></body></html>"
        )
        return Response(200, html.encode(), {"Content-Type": "text/html"})

    server.route("/feed.xml", Response(200, rss(server.url("/story"))))
    server.route("/story", page)
    source = Source(
        "x", server.url("/feed.xml"), selector="div.article-body", ignore=("^Tide gauge:",)
    )
    settings = make_settings(db_url, [source])
    clock = Clock()
    for _ in range(3):
        run(settings, clock)
    with database.open_database(settings) as db:
        (row,) = service_reads.list_articles(db)
        assert row.versions == 1
        text = service_reads.show_version(db, str(row.id)).text
    assert [" ".join(p) for p in text.paragraphs] == STORY


def test_headline_ab_rotation_is_reported_once_as_a_test(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/a", Response(200, article_html("Troops head to Kursk", STORY)))
    settings, clock = track(server, db_url, "/a")
    for headline in ("Troops head to Kursk", "Envoy warns of body bags") * 3:
        server.route("/a", Response(200, article_html(headline, STORY)))
        run(settings, clock)
    with database.open_database(settings) as db:
        history = [v.to_json() for v in service_reads.history(db, "1")[1]]
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert [v["flags"] for v in history] == [
        [],
        ["headline"],  # A → B: at first sight, a new headline
        ["headline_test", "revert"],  # B → A: a rotation, reported once
        ["revert"],
        ["revert"],
        ["revert"],
    ]
    # one item for the whole rotation: the first flip's headline change is folded into it
    assert titles == ["Headline test: “Envoy warns of body bags” / “Troops head to Kursk”"]
    with database.open_database(settings) as db:
        everything = feedparser.parse(
            feeds.feed(settings, db, feeds.FeedQuery(min_significance="all"))
        )
    assert len(everything.entries) == 5  # every flip is kept, boring or not
