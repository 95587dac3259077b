"""The loopback servers over real HTTP: routes, recording, delays, streaming, the corpus sites."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import feedparser
import httpx
import lxml.html
import pytest

from versiontrack.corpus import (
    CorpusArticle,
    CorpusServer,
    LoopbackServer,
    RecordedRequest,
    Response,
    build_corpus,
)

GUARDIAN = "guardian-nk-troops-kursk"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def corpus_server() -> Iterator[CorpusServer]:
    with CorpusServer() as server:
        yield server


def article_paragraphs(html: bytes, article: CorpusArticle) -> list[str]:
    known = {p for v in article.versions for p in v.paragraphs}
    texts = [p.text_content() for p in lxml.html.fromstring(html).iter("p")]
    return [t for t in texts if t in known]


# -- LoopbackServer -------------------------------------------------------------------------


def test_routes_and_unknown_paths(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/static", Response(body=b"hello", headers={"Content-Type": "text/plain"}))
        server.route("/dynamic", lambda req: Response(body=req.query.encode()))
        assert server.base_url.startswith("http://127.0.0.1:")
        response = client.get(server.url("/static"))
        assert (response.status_code, response.text) == (200, "hello")
        assert response.headers["content-type"] == "text/plain"
        assert client.get(server.url("/static?x=1")).text == "hello"  # query ignored
        assert client.get(server.url("/dynamic?a=b")).text == "a=b"
        assert client.get(server.url("/nowhere")).status_code == 404


def test_exact_query_route_wins(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/page", Response(body=b"plain"))
        server.route("/page?v=2", Response(body=b"second"))
        assert client.get(server.url("/page?v=2")).text == "second"
        assert client.get(server.url("/page?v=3")).text == "plain"


def test_requests_are_recorded(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/r", Response())
        client.get(server.url("/r?utm_source=rss"), headers={"X-Test": "yes"})
        client.post(server.url("/r"), content=b"payload")
        client.head(server.url("/r"))
        first, second, third = server.requests
        assert isinstance(first, RecordedRequest)
        assert (first.method, first.path, first.route_path) == ("GET", "/r?utm_source=rss", "/r")
        assert first.headers["x-test"] == "yes" == first.headers["X-Test"]
        assert "user-agent" in first.headers
        assert (second.method, second.body) == ("POST", b"payload")
        assert third.method == "HEAD"
        assert len(server.requests_to("/r")) == 3


def test_redirects(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/old", Response.redirect(server.url("/new")))
        server.route("/new", Response(body=b"moved here"))
        response = client.get(server.url("/old"), follow_redirects=True)
        assert (response.text, str(response.url)) == ("moved here", server.url("/new"))
        assert response.history[0].status_code == 301


def test_delay_times_the_client_out_and_close_cuts_it_short() -> None:
    threads_before = threading.active_count()
    with LoopbackServer() as server:
        server.route("/slow", Response(body=b"late", delay=30.0))
        with httpx.Client(timeout=0.2) as client, pytest.raises(httpx.ReadTimeout):
            client.get(server.url("/slow"))
        started = time.monotonic()
    assert time.monotonic() - started < 2.0
    assert threading.active_count() == threads_before


def test_short_delay_still_answers(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/slowish", Response(body=b"ok", delay=0.1))
        started = time.monotonic()
        assert client.get(server.url("/slowish")).text == "ok"
        assert time.monotonic() - started >= 0.1


@pytest.mark.parametrize("declare_length", [False, True])
def test_streamed_large_body(client: httpx.Client, declare_length: bool) -> None:
    size = 3 * 1024 * 1024 + 17
    with LoopbackServer() as server:
        server.route("/big", Response.sized(size, declare_length=declare_length))
        with client.stream("GET", server.url("/big")) as response:
            declared = response.headers.get("content-length")
            assert declared == (str(size) if declare_length else None)
            assert sum(len(chunk) for chunk in response.iter_bytes()) == size


def test_slow_drip_body(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/drip", Response(body_iter=[b"a", b"b", b"c"], chunk_delay=0.05))
        started = time.monotonic()
        assert client.get(server.url("/drip")).content == b"abc"
        assert time.monotonic() - started >= 0.1


def test_sized_route_answers_every_request(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/big", Response.sized(100_000))
        assert [len(client.get(server.url("/big")).content) for _ in range(2)] == [100_000] * 2


def test_wait_returns_when_closed_from_another_thread() -> None:
    server = LoopbackServer().start()
    closer = threading.Timer(0.05, server.close)
    closer.start()
    server.wait()
    closer.join()
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_stream_abandoned_by_the_client_does_not_hang_shutdown(client: httpx.Client) -> None:
    with LoopbackServer() as server:
        server.route("/huge", Response.sized(500 * 1024 * 1024))
        with client.stream("GET", server.url("/huge")) as response:
            for _ in response.iter_bytes():
                break  # read a little, then hang up like a size cap would


def test_route_errors_answer_500(client: httpx.Client) -> None:
    def broken(request: RecordedRequest) -> Response:
        raise RuntimeError("boom")

    with LoopbackServer() as server:
        server.route("/broken", broken)
        assert client.get(server.url("/broken")).status_code == 500
        assert isinstance(server.errors[0], RuntimeError)


# -- CorpusServer: feeds --------------------------------------------------------------------


def test_feeds_parse_and_list_the_articles(
    client: httpx.Client, corpus_server: CorpusServer
) -> None:
    formats = {}
    for source in corpus_server.corpus.sources:
        response = client.get(corpus_server.feed_url(source.name))
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert not parsed.bozo, (source.name, parsed.get("bozo_exception"))
        formats[source.name] = parsed.version
        links = [entry.link.split("?")[0] for entry in parsed.entries]
        expected = [
            corpus_server.article_url(a.slug) for a in corpus_server.corpus.articles_of(source.name)
        ]
        assert links == expected
        for entry in parsed.entries:
            assert entry.title and entry.get("id")
            # RSS 1.0 only has dc:date, which feedparser reports as the updated date.
            assert entry.get("published_parsed") or entry.get("updated_parsed")
            assert ("utm_source=rss" in entry.link) == source.tracking
            assert "utm_" not in entry.id
    assert formats == {
        "guardian": "rss20",
        "zerohedge": "rss20",
        "enr": "atom10",
        "jns": "rss20",
        "blog": "rss10",
    }


def test_feed_content_types(client: httpx.Client, corpus_server: CorpusServer) -> None:
    types = {
        s.name: client.get(corpus_server.feed_url(s.name)).headers["content-type"]
        for s in corpus_server.corpus.sources
    }
    assert types["guardian"].startswith("application/rss+xml")
    assert types["enr"].startswith("application/atom+xml")
    assert types["blog"].startswith("application/rdf+xml")


def test_feed_titles_follow_the_schedule(client: httpx.Client, corpus_server: CorpusServer) -> None:
    article = corpus_server.corpus.article(GUARDIAN)
    for step in range(len(corpus_server.corpus.steps)):
        corpus_server.set_step(step)
        parsed = feedparser.parse(client.get(corpus_server.feed_url("guardian")).content)
        version = corpus_server.corpus.version_at(GUARDIAN, step)
        assert version is not None
        assert [e.title for e in parsed.entries] == [article.versions[version].headline]
    # The gone article drops out of its feed.
    parsed = feedparser.parse(client.get(corpus_server.feed_url("zerohedge")).content)
    assert not parsed.bozo and parsed.entries == []


def test_feed_validators_give_304(client: httpx.Client, corpus_server: CorpusServer) -> None:
    first = client.get(corpus_server.feed_url("guardian"))
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(corpus_server.feed_url("guardian"), headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    enr = client.get(corpus_server.feed_url("enr"))
    assert "etag" not in enr.headers
    since = {"If-Modified-Since": enr.headers["last-modified"]}
    assert client.get(corpus_server.feed_url("enr"), headers=since).status_code == 304
    assert "etag" not in client.get(corpus_server.feed_url("zerohedge")).headers
    corpus_server.set_step(3)  # the Guardian headline changes: old validators stop matching
    changed = client.get(corpus_server.feed_url("guardian"), headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["last-modified"] != modified


# -- CorpusServer: pages --------------------------------------------------------------------


def test_pages_follow_the_schedule(client: httpx.Client, corpus_server: CorpusServer) -> None:
    corpus = corpus_server.corpus
    for step in range(len(corpus.steps)):
        assert corpus_server.step == step
        for article in corpus.articles:
            response = client.get(corpus_server.article_url(article.slug, tracking=True))
            index = corpus.version_at(article.slug, step)
            if index is None:
                assert response.status_code == article.gone_status == 410
                continue
            assert response.status_code == 200
            assert article_paragraphs(response.content, article) == list(
                article.versions[index].paragraphs
            )
        if step < len(corpus.steps) - 1:
            corpus_server.advance()
    with pytest.raises(ValueError):
        corpus_server.advance()


def test_churn_differs_per_request_but_text_does_not(
    client: httpx.Client, corpus_server: CorpusServer
) -> None:
    article = corpus_server.corpus.article("jns-zelensky-urges-action")
    first, second = (client.get(corpus_server.article_url(article.slug)) for _ in range(2))
    assert first.content != second.content
    assert article_paragraphs(first.content, article) == article_paragraphs(second.content, article)


def test_tracking_parameters_reach_the_page(
    client: httpx.Client, corpus_server: CorpusServer
) -> None:
    url = corpus_server.article_url(GUARDIAN, tracking=True)
    response = client.get(url)
    assert response.status_code == 200
    assert corpus_server.requests[-1].path.endswith("?utm_source=rss&utm_medium=feed")
    canonical = lxml.html.fromstring(response.content).xpath("//link[@rel='canonical']/@href")
    assert canonical == [corpus_server.article_url(GUARDIAN)]


def test_content_type_and_charset(client: httpx.Client, corpus_server: CorpusServer) -> None:
    enr = client.get(corpus_server.article_url("enr-us-confirms-nk-soldiers"))
    assert enr.headers["content-type"] == "text/html"
    assert b'<meta charset="utf-8">' in enr.content
    guardian = client.get(corpus_server.article_url(GUARDIAN))
    assert guardian.headers["content-type"] == "text/html; charset=utf-8"


def test_page_etag_gives_304_until_the_version_changes(
    client: httpx.Client, corpus_server: CorpusServer
) -> None:
    url = corpus_server.article_url(GUARDIAN)
    etag = client.get(url).headers["etag"]
    assert etag.startswith('W/"')
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    corpus_server.set_step(1)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_corpus_redirects(client: httpx.Client, corpus_server: CorpusServer) -> None:
    jns = corpus_server.article_url("jns-zelensky-urges-action")
    bare = client.get(jns.rstrip("/") + "?utm_source=x")
    assert (bare.status_code, bare.headers["location"]) == (301, jns + "?utm_source=x")
    short = client.get(corpus_server.url("/guardian/p/x4k2q"), follow_redirects=True)
    assert str(short.url) == corpus_server.article_url(GUARDIAN)
    assert client.get(corpus_server.url("/jns/feed")).status_code == 301


def test_gone_article_answers_its_status(client: httpx.Client) -> None:
    with CorpusServer(step=4) as server:
        response = client.get(server.article_url("zerohedge-body-bags"))
        assert response.status_code == 410
        assert client.get(server.article_url(GUARDIAN)).status_code == 200


def test_custom_routes_override_corpus_pages(client: httpx.Client) -> None:
    corpus = build_corpus()
    with CorpusServer(corpus) as server:
        path = corpus.article(GUARDIAN).path
        server.route(path, Response(503))
        assert client.get(server.article_url(GUARDIAN)).status_code == 503
        assert client.get(server.url("/")).status_code == 200
        assert client.get(server.url("/missing")).status_code == 404
