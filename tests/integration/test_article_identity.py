"""One article, however it is reached: URL variants (tracking parameters, a short link) find
the one article, and a slug change (a redirect to a new canonical URL) keeps one history and
is reported as a URL change.
"""

from __future__ import annotations

import feedparser

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.service import database, feeds, reads

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, rss, run, track


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
        rows = reads.list_articles(db)
        assert [(r.url, r.versions) for r in rows] == [(server.url("/story"), 1)]
        # every way in finds the one article
        for ref in (server.url("/s/123"), server.url("/story?utm_campaign=x"), "1"):
            assert reads.history(db, ref)[0].id == rows[0].id
    second = run(settings, clock)
    assert [c.outcome for c in second.checks] == ["unchanged"]


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
        (row,) = reads.list_articles(db)
        assert row.url == server.url("/news/body-bags-warning")
        assert row.versions == 2
        # the old address still finds the one history
        assert reads.history(db, server.url("/news/troops-in-uniforms"))[0].id == row.id
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
