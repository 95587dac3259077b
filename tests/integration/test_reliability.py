"""Issue 11: bad input of every kind fails one check or one entry, never the pass.

A page whose paragraphs carry a ``&#27;`` reference, a server that trickles its body, a feed
whose XML declaration breaks the parser, feed entries whose links have no canonical form and
hosts written as octal or hex IPv4 addresses, each against a real loopback server and a real
SQLite file.
"""

from __future__ import annotations

import asyncio

import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.errors import BlockedAddress, FetchTimeout
from versiontrack.fetch import Fetcher
from versiontrack.service import commands, database, reads
from versiontrack.settings import FetchSettings

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, checks, rss, run, track


def test_a_control_character_reference_keeps_the_article_and_drops_the_character(
    server: LoopbackServer, db_url: str
) -> None:
    # the reference and the raw byte (which always worked) must give the same stored text
    server.route("/ref", Response(200, article_html("Story", [f"{p}&#27;[32m" for p in STORY])))
    server.route("/raw", Response(200, article_html("Story", [f"{p}\x1b[32m" for p in STORY])))
    settings, clock = track(server, db_url, "/ref")
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url("/raw"))
    # forced: /raw was added after the clock started, and is due only from then
    report = run(settings, clock, force=True)
    assert sorted((c.outcome, c.error) for c in report.checks) == [("new", None), ("new", None)]
    with database.open_database(settings) as db:
        by_ref = reads.show_version(db, server.url("/ref"), None).text
        by_raw = reads.show_version(db, server.url("/raw"), None).text
    assert by_ref.paragraphs == by_raw.paragraphs
    assert by_ref.paragraphs[0] == (STORY[0] + "[32m",)
    assert not any("\x1b" in s for p in by_ref.paragraphs for s in p)


def trickle(seconds: int) -> Response:
    """An article page whose last bytes come one every half second: each read is quick, the
    whole is not."""
    page = article_html("Slow", STORY)
    return Response(
        200,
        headers={"Content-Type": "text/html"},
        body_iter=[page, *[b" "] * seconds * 2],
        chunk_delay=0.5,
    )


def test_a_trickling_server_is_cut_off_at_the_deadline_and_not_retried(
    server: LoopbackServer,
) -> None:
    server.route("/trickle", trickle(30))
    settings = FetchSettings(
        timeout=1.0,
        deadline=1.5,
        retries=2,
        retry_backoff=0,
        per_host_delay=0,
        robots=False,
        allow_private=True,
    )

    async def go() -> None:
        async with Fetcher(settings) as fetcher:
            await fetcher.get(server.url("/trickle"))

    with pytest.raises(FetchTimeout) as info:
        asyncio.run(go())
    assert str(info.value) == (
        f"timed out fetching {server.url('/trickle')}: exceeded the 1.5 s deadline"
    )
    # the deadline covers the whole get: a retry could only fail the same way
    assert [r.path for r in server.requests] == ["/trickle"]


def test_the_deadline_defaults_to_three_timeouts() -> None:
    assert FetchSettings(timeout=4.0).request_deadline == 12.0
    assert FetchSettings(timeout=4.0, deadline=5.0).request_deadline == 5.0


def test_a_trickling_article_fails_its_check_and_the_pass_goes_on(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/trickle", trickle(30))
    server.route("/ok", Response(200, article_html("A real story", STORY)))
    settings = make_settings(db_url, fetch={"timeout": 1, "deadline": 1.5})
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url("/trickle"))
        commands.add_article(settings, db, server.url("/ok"))
    report = run(settings, Clock())
    outcomes = {c.url.rsplit("/", 1)[1]: (c.outcome, c.error) for c in report.checks}
    assert outcomes == {
        "trickle": (
            "failed",
            f"timed out fetching {server.url('/trickle')}: exceeded the 1.5 s deadline",
        ),
        "ok": ("new", None),
    }
    assert sorted(c.outcome for c in checks(settings)) == ["failed", "new"]


def test_a_feed_that_breaks_the_parser_is_that_feeds_error(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/bad.rss", Response(200, b'<?encoding="\x80"?>', {}))
    server.route("/good.rss", Response(200, rss(server.url("/ok")), {}))
    server.route("/ok", Response(200, article_html("A real story", STORY)))
    settings = make_settings(
        db_url, [Source("bad", server.url("/bad.rss")), Source("good", server.url("/good.rss"))]
    )
    report = run(settings, Clock())
    assert {p.source: p.outcome for p in report.polls} == {"bad": "failed", "good": "polled"}
    assert [(c.url, c.outcome) for c in report.checks] == [(server.url("/ok"), "new")]
    with database.open_database(settings) as db:
        errors = {s.name: s.last_error for s in commands.list_sources(settings, db)}
    assert errors == {
        "bad": "malformed feed: feedparser failed: UnicodeDecodeError: 'utf-8' codec can't "
        "decode byte 0x80 in position 0: invalid start byte",
        "good": None,
    }


def test_feed_entries_without_a_canonical_url_are_skipped_and_recorded(
    server: LoopbackServer, db_url: str
) -> None:
    server.route(
        "/feed.rss", Response(200, rss("http://./", server.url("/ok"), "http://a b/", "mailto:x"))
    )
    server.route("/ok", Response(200, article_html("A real story", STORY)))
    settings = make_settings(db_url, [Source("feed", server.url("/feed.rss"))])
    report = run(settings, Clock())
    assert [(p.outcome, p.items, p.new_articles) for p in report.polls] == [("polled", 1, 1)]
    assert [(c.url, c.outcome) for c in report.checks] == [(server.url("/ok"), "new")]
    note = (
        "skipped 3 entries: invalid host name '.'; invalid host name 'a b'; "
        "not an http(s) URL: 'mailto:x'"
    )
    with database.open_database(settings) as db:
        assert [s.last_error for s in commands.list_sources(settings, db)] == [note]
    assert [(c.outcome, c.error) for c in checks(settings) if c.source_id] == [("polled", note)]


@pytest.mark.parametrize("host", ["0177.0.0.1", "0x7f.1", "2130706433", "127.1", "0x7f000001"])
@pytest.mark.parametrize("allow_private", [False, True])
def test_octal_hex_and_short_ipv4_hosts_are_refused_by_the_guard(
    host: str, allow_private: bool
) -> None:
    settings = FetchSettings(allow_private=allow_private, robots=False, retries=0, per_host_delay=0)

    async def go() -> None:
        async with Fetcher(settings) as fetcher:
            await fetcher.get(f"http://{host}:9/a")

    with pytest.raises(BlockedAddress) as info:
        asyncio.run(go())
    assert str(info.value) == (
        f"refusing to fetch http://{host}:9/a: {host} is a non-standard (octal, hex or "
        "shortened) IPv4 address"
    )


def test_a_redirect_to_an_octal_host_is_refused_by_the_guard(server: LoopbackServer) -> None:
    server.route("/story", Response.redirect("http://0177.0.0.1/admin", status=302))
    settings = FetchSettings(allow_private=True, robots=False, retries=0, per_host_delay=0)

    async def go() -> None:
        async with Fetcher(settings) as fetcher:
            await fetcher.get(server.url("/story"))

    with pytest.raises(BlockedAddress, match=r"^refusing to fetch http://0177\.0\.0\.1/admin: "):
        asyncio.run(go())
