"""A feed body served again as the last full read saw it is not parsed again: the poll counts
as not modified (a feed regenerated unchanged, or a CDN whose validators differ from node to
node). A body that failed or skipped entries is read again each time, and says so again."""

from __future__ import annotations

from sqlalchemy import select

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.service import commands, database
from versiontrack.store.schema import CheckRow, SourceRow

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, rss


def _passes(server: LoopbackServer, db_url: str, feeds: list[bytes]) -> list[tuple]:
    """One pass per feed body: the feed poll's (outcome, items, new, HTTP status, and the
    error or note its log row holds)."""
    settings = make_settings(db_url, [Source("site", server.url("/feed.rss"))])
    clock = Clock()
    seen = []
    for body in feeds:
        server.route("/feed.rss", Response(200, body, {"Content-Type": "application/rss+xml"}))
        with database.open_database(settings) as db:
            (poll,) = commands.check(settings, db, clock=clock).polls
            with db.sessions() as session:
                row = session.scalars(
                    select(CheckRow).where(CheckRow.source_id.is_not(None)).order_by(CheckRow.id)
                ).all()[-1]
        seen.append((poll.outcome, poll.items, poll.new_articles, row.http_status, row.error))
        clock.tick()
    return seen


def test_the_same_feed_body_again_is_not_modified_and_a_new_one_is_read(
    server: LoopbackServer, db_url: str
) -> None:
    for path in ("/a", "/b"):
        server.route(path, Response(200, article_html("Story", STORY)))
    one, two = rss(server.url("/a")), rss(server.url("/a"), server.url("/b"))
    assert _passes(server, db_url, [one, one, two, two, one]) == [
        ("polled", 1, 1, 200, None),
        ("not_modified", 0, 0, 200, None),
        ("polled", 2, 1, 200, None),
        ("not_modified", 0, 0, 200, None),
        ("polled", 1, 0, 200, None),  # only the last full read's body is remembered
    ]


def test_a_feed_that_failed_or_skipped_entries_is_read_again_each_time(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/a", Response(200, article_html("Story", STORY)))
    broken = b"<rss><channel><item><title>cut off"
    partial = rss(server.url("/a")).replace(
        b"</channel>", b"<item><title>no link</title></item></channel>"
    )
    seen = _passes(server, db_url, [broken, broken, partial, partial])
    assert [s[:4] for s in seen] == [
        ("failed", 0, 0, None),
        ("failed", 0, 0, None),
        ("polled", 1, 1, 200),
        ("polled", 1, 0, 200),
    ]
    assert all(s[4] for s in seen)  # each says why, every time
    assert "skipped 1 entry" in seen[3][4]


def test_a_new_feed_url_forgets_the_last_body(server: LoopbackServer, db_url: str) -> None:
    server.route("/a", Response(200, article_html("Story", STORY)))
    body = rss(server.url("/a"))
    server.route("/other.rss", Response(200, body, {"Content-Type": "application/rss+xml"}))
    assert _passes(server, db_url, [body])[0][0] == "polled"
    settings = make_settings(db_url, [Source("site", server.url("/other.rss"))])
    with database.open_database(settings) as db:
        (poll,) = commands.check(settings, db, clock=Clock()).polls
        with db.sessions() as session:
            assert session.scalars(select(SourceRow.feed_digest)).one() is not None
    assert poll.outcome == "polled"
