"""Sitemaps and front pages find the articles a feed lacks (real loopback server, real SQLite)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.pipeline.context import PassReport
from versiontrack.service import commands, database
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.store.schema import ArticleRow, SourceRow

from ..conftest import TEST_FETCH
from ..helpers import Clock, rss_links

STORY = (
    "The council voted on Tuesday to close the old bridge to lorries from the first of March. "
    "Engineers found cracks in two of the five spans during an inspection last autumn, and a "
    "report said the bridge could carry cars for another decade if heavy traffic stayed off."
)


def page(headline: str) -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>" + headline + "</title></head>"
        "<body><nav><a href='/'>Home</a></nav><article><h1>" + headline + "</h1>"
        f"<p>{STORY}</p><p>{headline} was reported by our correspondent.</p></article>"
        "</body></html>"
    ).encode()


def urlset(*entries: tuple[str, str]) -> bytes:
    urls = "".join(
        f"<url><loc>{loc}</loc><news:news><news:publication>"
        "<news:name>Example</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        f"<news:title>Story at {loc}</news:title></news:news></url>"
        for loc, date in entries
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' "
        "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>" + urls + "</urlset>"
    ).encode()


def index(*entries: tuple[str, str]) -> bytes:
    sitemaps = "".join(
        f"<sitemap><loc>{loc}</loc><lastmod>{date}</lastmod></sitemap>" for loc, date in entries
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        + sitemaps
        + "</sitemapindex>"
    ).encode()


def settings_for(db_url: str, **source: str) -> Settings:
    return settings_from_dict(
        {
            "database": {"url": db_url},
            "fetch": {"timeout": 5, **TEST_FETCH},
            "sources": [{"name": "site", **source}],
        }
    )


def tracked(settings: Settings) -> dict[str, str | None]:
    with database.open_database(settings) as db, db.sessions() as session:
        return {a.url: a.title for a in session.scalars(select(ArticleRow).order_by(ArticleRow.id))}


def check(settings: Settings, clock: Clock) -> PassReport:
    with database.open_database(settings) as db:
        return commands.check(settings, db, clock=clock)


def test_a_sitemap_and_a_front_page_find_the_articles_the_feed_lacks(
    server: LoopbackServer, db_url: str
) -> None:
    u = server.url
    server.route(
        "/feed.rss", Response(200, rss_links(u("/news/a")), {"Content-Type": "application/rss+xml"})
    )
    server.route(
        "/sitemap.xml",
        Response(200, index((u("/sitemap-news.xml"), "2024-10-30T08:00:00Z")), {}),
    )
    server.route(
        "/sitemap-news.xml",
        Response(
            200,
            urlset((u("/news/a"), "2024-10-30T07:00:00Z"), (u("/news/b"), "2024-10-30T07:30:00Z")),
            {},
        ),
    )
    server.route(
        "/",
        Response.html(
            "<html><body><nav><a href='/section/world'>World</a> <a href='/about'>About</a></nav>"
            "<a href='/news/c?utm_source=front'> Bridge  closes </a>"
            "<a href='/news/a'>A again</a><a href='mailto:x@example.org'>mail</a></body></html>"
        ),
    )
    for name in ("a", "b", "c"):
        server.route(f"/news/{name}", Response(200, page(f"Story {name}")))
    settings = settings_for(
        db_url,
        feed=u("/feed.rss"),
        sitemap=u("/sitemap.xml"),
        front=u("/"),
        links=r"/news/[a-z]+$",
    )
    clock = Clock()
    report = check(settings, clock)

    assert [(p.source, p.outcome, p.items, p.new_articles) for p in report.polls] == [
        ("site", "polled", 3, 3)
    ]
    # the feed's article, the sitemap's, and the front page's (utm_source dropped); the
    # front page's nav links and mailto: are not articles
    assert tracked(settings) == {u(f"/news/{n}"): f"Story {n}" for n in "abc"}
    assert report.count("new") == 3
    assert [r.path for r in server.requests if "sitemap" in r.path] == [
        "/sitemap.xml",
        "/sitemap-news.xml",
    ]


def test_a_sitemap_alone_is_read_incrementally_and_lastmod_makes_articles_due(
    server: LoopbackServer, any_db_url: str
) -> None:
    u = server.url
    server.route(
        "/sitemap.xml",
        Response(200, index((u("/sitemap-1.xml"), "2024-10-30T08:00:00Z")), {}),
    )
    server.route(
        "/sitemap-1.xml", Response(200, urlset((u("/news/a"), "2024-10-30T07:00:00Z")), {})
    )
    server.route("/news/a", Response(200, page("Story a")))
    server.route("/news/b", Response(200, page("Story b")))
    settings = settings_for(any_db_url, sitemap=u("/sitemap.xml"))
    clock = Clock()
    assert check(settings, clock).count("new") == 1

    # Nothing changed: the index is read, its unchanged child sitemap is not.
    server.requests.clear()
    clock.now += timedelta(minutes=1)
    report = check(settings, clock)
    assert [r.path for r in server.requests if r.path != "/robots.txt"] == ["/sitemap.xml"]
    assert report.checks == []

    # The child sitemap changes: a new article, and a lastmod after a's last check makes it due.
    later = (clock.now + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.route("/sitemap.xml", Response(200, index((u("/sitemap-1.xml"), later)), {}))
    server.route(
        "/sitemap-1.xml",
        Response(200, urlset((u("/news/a"), later), (u("/news/b"), later)), {}),
    )
    clock.now += timedelta(minutes=1)
    report = check(settings, clock)
    assert sorted((c.url, c.outcome) for c in report.checks) == [
        (u("/news/a"), "unchanged"),
        (u("/news/b"), "new"),
    ]
    assert mark(settings) == datetime.strptime(later, "%Y-%m-%dT%H:%M:%S%z")

    # A sitemap served late (a cache): its new entry is dated before our last read, but after
    # the newest date the last read saw, so it is read. A date in 2099 is a site's bug: the
    # entry is read, and the mark does not jump to 2099 (which would skip everything after).
    late = (datetime.strptime(later, "%Y-%m-%dT%H:%M:%S%z") + timedelta(seconds=10)).isoformat()
    assert datetime.fromisoformat(late) < clock.now
    server.route("/sitemap.xml", Response(200, index((u("/sitemap-1.xml"), late)), {}))
    server.route(
        "/sitemap-1.xml",
        Response(
            200,
            urlset(
                (u("/news/a"), later),
                (u("/news/b"), later),
                (u("/news/c"), late),
                (u("/news/d"), "2099-01-01T00:00:00Z"),
            ),
            {},
        ),
    )
    server.route("/news/c", Response(200, page("Story c")))
    server.route("/news/d", Response(200, page("Story d")))
    clock.now += timedelta(minutes=1)
    report = check(settings, clock)
    assert sorted((c.url, c.outcome) for c in report.checks) == [
        (u("/news/c"), "new"),
        (u("/news/d"), "new"),
    ]
    assert mark(settings) == datetime.fromisoformat(late)
    with database.open_database(settings) as db, db.sessions() as session:
        row = session.scalar(select(SourceRow).where(SourceRow.name == "site"))
        assert row is not None and row.feed_url == u("/sitemap.xml")


def mark(settings: Settings) -> datetime | None:
    with database.open_database(settings) as db, db.sessions() as session:
        row = session.scalar(select(SourceRow).where(SourceRow.name == "site"))
        assert row is not None
        return row.sitemap_lastmod


def test_a_broken_sitemap_fails_the_poll_but_keeps_what_the_feed_found(
    server: LoopbackServer, db_url: str
) -> None:
    u = server.url
    server.route(
        "/feed.rss", Response(200, rss_links(u("/news/a")), {"Content-Type": "application/rss+xml"})
    )
    server.route("/sitemap.xml", Response.html("<html><body>Not here</body></html>"))
    server.route("/news/a", Response(200, page("Story a")))
    settings = settings_for(db_url, feed=u("/feed.rss"), sitemap=u("/sitemap.xml"))
    report = check(settings, Clock())
    assert [(p.outcome, p.new_articles, p.error) for p in report.polls] == [
        ("failed", 1, "sitemap: response is not a sitemap (root element <html>)")
    ]
    assert list(tracked(settings)) == [u("/news/a")]


def test_sitemaps_and_front_pages_go_through_the_ssrf_guard(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/sitemap.xml", Response(200, urlset((server.url("/news/a"), "2024-10-30")), {}))
    server.route("/", Response.html("<a href='/news/b'>b</a>"))
    settings = settings_from_dict(
        {
            "database": {"url": db_url},
            "fetch": {"timeout": 5, "per_host_delay": 0},  # loopback not allowed
            "sources": [
                {
                    "name": "site",
                    "sitemap": server.url("/sitemap.xml"),
                    "front": server.url("/"),
                    "links": "/news/",
                }
            ],
        }
    )
    report = check(settings, Clock())
    (poll,) = report.polls
    assert poll.outcome == "failed" and poll.new_articles == 0
    assert poll.error is not None
    sitemap_error, front_error = poll.error.split("; ")
    assert sitemap_error.startswith("sitemap: ") and "loopback" in sitemap_error
    assert front_error.startswith("front page: ") and "loopback" in front_error
    assert server.requests == []
