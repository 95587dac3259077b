"""What a check counts as a new version, and when articles are checked: markup and whitespace
make no version, a 304 is an unchanged check, only due articles are checked unless forced, and
a source's selector and ignore patterns shape the stored text.
"""

from __future__ import annotations

from datetime import timedelta

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.service import commands, database
from versiontrack.service import reads as service_reads

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, rss, run, track


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
