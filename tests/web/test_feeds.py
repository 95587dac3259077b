"""The change feeds over HTTP: content types, scopes, ``?limit=``, ETag/Last-Modified and 304s."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import feedparser

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.service import commands, database, feeds
from versiontrack.web import create_app

from ..conftest import make_settings
from .conftest import GUARDIAN, HOSTILE, NEW_HEADLINE, OLD_HEADLINE, Site, TestClient, hostile_page

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"


def test_global_feeds_list_every_change(site: Site, client: TestClient) -> None:
    rss = client.get("/feed.xml")
    atom = client.get("/feed.atom")
    assert (rss.status_code, rss.headers["content-type"]) == (200, RSS)
    assert (atom.status_code, atom.headers["content-type"]) == (200, ATOM)
    assert rss.content == feeds.feed(site.settings, site.db, feeds.FeedQuery(fmt="rss"))
    assert atom.content == feeds.feed(site.settings, site.db, feeds.FeedQuery(fmt="atom"))
    parsed = feedparser.parse(rss.content)
    assert parsed.bozo is False
    assert len(parsed.entries) == 9  # the corpus's 8 changes and the hostile article's edit
    assert f"Headline: “{OLD_HEADLINE}” → “{NEW_HEADLINE}”" in [e.title for e in parsed.entries]
    assert feedparser.parse(atom.content).bozo is False


def test_source_and_article_feeds(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    for path, count in (
        ("/sources/guardian/feed.xml", 2),
        ("/sources/guardian/feed.atom", 2),
        ("/sources/zerohedge/feed.xml", 2),  # an edit and the removal
        (f"/articles/{g}/feed.xml", 2),
        (f"/articles/{g}/feed.atom", 2),
        (f"/articles/{site.ids[HOSTILE]}/feed.xml", 1),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert len(feedparser.parse(response.content).entries) == count, path
    article_feed = feedparser.parse(client.get(f"/articles/{g}/feed.xml").content)
    assert article_feed.feed.title == f"versiontrack: {NEW_HEADLINE}"
    assert [e.link for e in article_feed.entries] == [
        f"http://127.0.0.1:8080/articles/{g}/diff/2/3",
        f"http://127.0.0.1:8080/articles/{g}/diff/1/2",
    ]


def test_limit_caps_the_items(client: TestClient) -> None:
    assert len(feedparser.parse(client.get("/feed.xml?limit=2").content).entries) == 2
    assert len(feedparser.parse(client.get("/feed.atom?limit=1").content).entries) == 1
    assert len(feedparser.parse(client.get("/feed.xml?limit=500").content).entries) == 9
    for bad in ("0", "-1", "501", "ten", "1.5"):
        assert client.get(f"/feed.xml?limit={bad}").status_code == 400, bad


def test_unknown_source_or_article_is_404(client: TestClient) -> None:
    for path in (
        "/sources/nowhere/feed.xml",
        "/sources/nowhere/feed.atom",
        "/articles/999/feed.xml",
        "/articles/999/feed.atom",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "ETag" not in response.headers


def test_etag_and_if_none_match(client: TestClient) -> None:
    first = client.get("/feed.xml")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert client.get("/feed.xml").headers["etag"] == etag  # stable

    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get("/feed.xml", headers={"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-type" not in response.headers
    stale = client.get("/feed.xml", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_etag_differs_by_scope_format_and_limit(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    paths = [
        "/feed.xml",
        "/feed.atom",
        "/feed.xml?limit=2",
        "/sources/guardian/feed.xml",
        "/sources/guardian/feed.atom",
        "/sources/enr/feed.xml",
        f"/articles/{g}/feed.xml",
        f"/articles/{g}/feed.atom",
    ]
    etags = [client.get(path).headers["etag"] for path in paths]
    assert len(set(etags)) == len(paths)
    # The public URL is in every link, so it is in the ETag too.
    server = replace(site.settings.server, public_url="https://news.example")
    moved = replace(site.settings, server=server)
    with TestClient(create_app(moved, site.db)) as other:
        assert other.get("/feed.xml").headers["etag"] != etags[0]


def test_last_modified_and_if_modified_since(client: TestClient) -> None:
    response = client.get("/feed.xml")
    last_modified = response.headers["last-modified"]
    # The newest change: the hostile article's edit, a day and three hours after the start.
    assert last_modified == "Thu, 31 Oct 2024 11:00:00 GMT"
    when = parsedate_to_datetime(last_modified)

    def since(moment: datetime) -> int:
        header = format_datetime(moment, usegmt=True)
        return client.get("/feed.xml", headers={"If-Modified-Since": header}).status_code

    assert since(when) == 304
    assert since(when + timedelta(days=1)) == 304
    assert since(when - timedelta(seconds=1)) == 200
    ok = client.get("/feed.xml", headers={"If-Modified-Since": "not a date"})
    assert ok.status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    both = client.get(
        "/feed.xml", headers={"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    )
    assert both.status_code == 200
    not_modified = client.get("/feed.xml", headers={"If-Modified-Since": last_modified})
    assert not_modified.headers["last-modified"] == last_modified


def test_head_gives_the_validators_without_a_body(client: TestClient) -> None:
    get = client.get("/feed.atom")
    head = client.head("/feed.atom")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == ATOM


def test_a_new_change_gives_a_new_etag(db_url: str) -> None:
    start = datetime(2024, 11, 1, 9, 0, tzinfo=UTC)
    with LoopbackServer() as server:
        url = server.url("/news/story")
        settings = make_settings(db_url, fetch={"allow_private": True})
        with database.open_database(settings) as db, TestClient(create_app(settings, db)) as client:
            article = commands.add_article(settings, db, url)[0].id
            server.route("/news/story", Response.html(hostile_page()))
            commands.check(settings, db, refs=[url], clock=lambda: start)
            empty = client.get("/feed.xml")
            article_feed = client.get(f"/articles/{article}/feed.xml")
            assert feedparser.parse(empty.content).entries == []
            assert "last-modified" not in empty.headers  # no change yet, nothing to date
            assert (
                client.get("/feed.xml", headers={"If-None-Match": empty.headers["etag"]})
            ).status_code == 304

            server.route("/news/story", Response.html(hostile_page(edited=True)))
            later = start + timedelta(hours=1)
            commands.check(settings, db, refs=[url], clock=lambda: later)

            changed = client.get("/feed.xml", headers={"If-None-Match": empty.headers["etag"]})
            assert changed.status_code == 200
            assert changed.headers["etag"] != empty.headers["etag"]
            assert changed.headers["last-modified"] == "Fri, 01 Nov 2024 10:00:00 GMT"
            assert len(feedparser.parse(changed.content).entries) == 1
            # a reader without validators gets the bytes rendered for this ETag, not a render
            hits = client.app.state.render_feed.cache_info().hits  # type: ignore[attr-defined]
            assert client.get("/feed.xml").content == changed.content
            assert client.app.state.render_feed.cache_info().hits == hits + 1  # type: ignore[attr-defined]
            again = client.get(
                f"/articles/{article}/feed.xml",
                headers={"If-None-Match": article_feed.headers["etag"]},
            )
            assert again.status_code == 200
            assert again.headers["etag"] != article_feed.headers["etag"]
            assert (
                client.get("/feed.xml", headers={"If-None-Match": changed.headers["etag"]})
            ).status_code == 304


def test_feeds_filter_by_significance_and_flags(site: Site, client: TestClient) -> None:
    def titles(query: str) -> list[str]:
        response = client.get(f"/feed.xml{query}")
        assert response.status_code == 200
        return [e.title for e in feedparser.parse(response.content).entries]

    everything = titles("")
    assert len(titles("?min=minor")) == len(everything)
    headline = titles("?min=headline")
    assert f"Headline: “{OLD_HEADLINE}” → “{NEW_HEADLINE}”" in headline
    assert len(headline) < len(everything)
    assert all(
        t.startswith("Headline: ") or " — removed" in t or " — restored" in t for t in headline
    )
    numbers = titles("?flags=numbers")
    # a headline change keeps its own wording even when a number changed too
    assert numbers and all(t.startswith(("[numbers] ", "Headline: ")) for t in numbers)
    assert "[numbers] " + OLD_HEADLINE + " — v2: 1 sentence added, 1 edited" in numbers
    assert client.get("/feed.xml?min=loud").status_code == 400
    assert client.get("/feed.atom?flags=shiny").status_code == 400
    etags = {
        client.get(f"/feed.xml{q}").headers["etag"] for q in ("", "?min=headline", "?flags=numbers")
    }
    assert len(etags) == 3
