"""Fetcher.get against a real HTTP server on loopback: redirects, caps, timeouts, validators.

Politeness, retries, robots.txt and the SSRF guard have their own test modules; here they are
switched off or out of the way (no retries, no robots.txt, loopback allowed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import http.server
import threading

import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import FetchResult, Validators
from versiontrack.errors import (
    BodyTooLarge,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooManyRedirects,
)
from versiontrack.fetch import Fetcher
from versiontrack.settings import FetchSettings

SETTINGS = FetchSettings(
    user_agent="versiontrack/test (+https://example.org/vt)",
    timeout=1.0,
    max_bytes=1000,
    max_redirects=3,
    per_host_delay=0,
    retries=0,
    robots=False,
    allow_private=True,
)


def get(url: str, validators: Validators | None = None) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(SETTINGS) as fetcher:
            return await fetcher.get(url, validators)

    return asyncio.run(go())


@pytest.fixture
def server():
    with LoopbackServer() as s:
        yield s


def test_raw_bytes_user_agent_and_validators(server: LoopbackServer) -> None:
    body = "<html><meta charset=latin-1><p>Café</p></html>".encode("latin-1")
    server.route(
        "/a",
        Response(
            200,
            body,
            {
                "Content-Type": "text/html",
                "ETag": '"v1"',
                "Last-Modified": "Wed, 30 Oct 2024 10:00:00 GMT",
            },
        ),
    )
    result = get(server.url("/a"))
    assert result.status == 200
    assert result.body == body  # not decoded, not re-encoded
    assert result.validators == Validators('"v1"', "Wed, 30 Oct 2024 10:00:00 GMT")
    assert result.content_type == "text/html"
    (request,) = server.requests
    assert request.headers["user-agent"] == "versiontrack/test (+https://example.org/vt)"
    assert "if-none-match" not in request.headers
    assert "if-modified-since" not in request.headers


def test_conditional_get_echoes_exactly_the_servers_validators(server: LoopbackServer) -> None:
    server.route("/a", Response(304))
    result = get(server.url("/a"), Validators('W/"abc"', "Tue, 29 Oct 2024 08:00:00 GMT"))
    assert result.not_modified
    (request,) = server.requests
    assert request.headers["if-none-match"] == 'W/"abc"'
    assert request.headers["if-modified-since"] == "Tue, 29 Oct 2024 08:00:00 GMT"


def test_only_the_validator_the_server_gave_is_sent(server: LoopbackServer) -> None:
    server.route("/a", Response(304))
    get(server.url("/a"), Validators(etag='"x"'))
    (request,) = server.requests
    assert request.headers["if-none-match"] == '"x"'
    assert "if-modified-since" not in request.headers


def test_redirects_are_followed_to_the_final_url(server: LoopbackServer) -> None:
    server.route("/old", Response.redirect("/middle"))
    server.route("/middle", Response.redirect("/new", status=302))
    server.route("/new", Response.html("<p>here</p>"))
    result = get(server.url("/old"))
    assert result.url == server.url("/new")
    assert result.body == b"<p>here</p>"


def test_redirect_loop_fails_cleanly(server: LoopbackServer) -> None:
    server.route("/a", Response.redirect("/b"))
    server.route("/b", Response.redirect("/a"))
    with pytest.raises(TooManyRedirects, match="too many redirects: a loop back to"):
        get(server.url("/a"))
    # Found at the first repeat, not after max_redirects laps.
    assert [r.path for r in server.requests] == ["/a", "/b"]


def test_a_chain_longer_than_max_redirects_fails(server: LoopbackServer) -> None:
    for i in range(4):
        server.route(f"/{i}", Response.redirect(f"/{i + 1}"))
    server.route("/4", Response.html("<p>too far</p>"))
    with pytest.raises(TooManyRedirects, match=r"more than 3\) starting at"):
        get(server.url("/0"))
    assert [r.path for r in server.requests] == ["/0", "/1", "/2", "/3"]
    server.requests.clear()
    server.route("/0", Response.redirect("/1"))
    assert get(server.url("/1")).url == server.url("/4")  # exactly three hops is fine


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_each_redirect_status_is_followed_with_a_get(server: LoopbackServer, status: int) -> None:
    server.route("/from", Response.redirect("to?x=1#frag", status=status))
    server.route("/to", Response.html("<p>ok</p>"))
    result = get(server.url("/from"))
    assert result.url == server.url("/to?x=1")  # relative Location resolved, fragment dropped
    assert [(r.method, r.path) for r in server.requests] == [("GET", "/from"), ("GET", "/to?x=1")]


def test_validators_go_with_every_hop_and_a_304_ends_the_chain(server: LoopbackServer) -> None:
    server.route("/old", Response.redirect("/new"))
    server.route("/new", Response(304, b"", {"ETag": '"v2"'}))
    result = get(server.url("/old"), Validators('"v2"', "Tue, 29 Oct 2024 08:00:00 GMT"))
    assert result.not_modified
    assert result.url == server.url("/new")
    assert [
        (r.path, r.headers.get("if-none-match"), r.headers.get("if-modified-since"))
        for r in server.requests
    ] == [
        ("/old", '"v2"', "Tue, 29 Oct 2024 08:00:00 GMT"),
        ("/new", '"v2"', "Tue, 29 Oct 2024 08:00:00 GMT"),
    ]


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x/"])
def test_a_redirect_to_another_scheme_is_refused(server: LoopbackServer, location: str) -> None:
    server.route("/a", Response.redirect(location))
    with pytest.raises(FetchError, match="non-http\\(s\\) URL"):
        get(server.url("/a"))
    assert [r.path for r in server.requests] == ["/a"]


def test_a_redirect_to_a_malformed_ipv6_host_is_a_fetch_error(server: LoopbackServer) -> None:
    # urljoin raises ValueError on "//[": the numeric-host guard must not let it escape as
    # a crash of the check ("internal error") instead of an error recorded on it
    server.route("/a", Response.redirect("//["))
    with pytest.raises(FetchError):
        get(server.url("/a"))


def test_a_redirect_without_location_is_an_error(server: LoopbackServer) -> None:
    server.route("/a", Response(302, b""))
    with pytest.raises(FetchError, match=r"HTTP 302 from .* without a Location"):
        get(server.url("/a"))


@pytest.mark.parametrize("url", ["ftp://example.org/a", "file:///etc/passwd", "not a url"])
def test_only_http_urls_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="only http\\(s\\) URLs"):
        get(url)


def test_timeout(server: LoopbackServer) -> None:
    server.route("/slow", Response(200, b"x", delay=3.0))
    with pytest.raises(FetchTimeout, match="timed out"):
        get(server.url("/slow"))


def test_declared_oversized_body_is_refused(server: LoopbackServer) -> None:
    server.route("/big", Response.sized(5000, declare_length=True))
    with pytest.raises(BodyTooLarge, match="exceeds the 1000-byte limit"):
        get(server.url("/big"))


def test_streamed_oversized_body_is_cut_off(server: LoopbackServer) -> None:
    server.route("/big", Response.sized(50_000_000))
    with pytest.raises(BodyTooLarge, match="exceeds the 1000-byte limit"):
        get(server.url("/big"))


@pytest.mark.parametrize("status", [500, 502, 503, 403, 429])
def test_error_statuses_raise(server: LoopbackServer, status: int) -> None:
    server.route("/e", Response(status, b"oops"))
    with pytest.raises(HTTPStatusError) as info:
        get(server.url("/e"))
    assert info.value.status == status


@pytest.mark.parametrize("status", [404, 410])
def test_gone_statuses_are_returned(server: LoopbackServer, status: int) -> None:
    server.route("/g", Response(status, b"gone"))
    assert get(server.url("/g")).status == status


def test_connection_refused_is_a_fetch_error() -> None:
    with LoopbackServer() as s:
        url = s.url("/x")
    with pytest.raises(FetchError, match="cannot fetch"):
        get(url)


class _KeepAlive(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive (the loopback fixture server closes after each response):
    counts the connections it is asked on."""

    protocol_version = "HTTP/1.1"
    connections: list[int]

    def setup(self) -> None:
        super().setup()
        self.connections.append(self.client_address[1])

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "9")
        self.end_headers()
        self.wfile.write(b"<p>ok</p>")

    def log_message(self, *args: object) -> None:
        pass


def test_connections_the_pool_retires_are_closed_and_fetching_goes_on() -> None:
    # concurrency 1 pools two connections: a request to a third site retires an idle one,
    # which the pool closes before it goes on (netguard._Pool)
    settings = dataclasses.replace(SETTINGS, concurrency=1)
    servers = []
    for _ in range(3):
        handler = type("Handler", (_KeepAlive,), {"connections": []})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    urls = [f"http://127.0.0.1:{s.server_address[1]}/p" for s in servers]

    async def go() -> list[int]:
        async with Fetcher(settings) as fetcher:
            statuses = [(await fetcher.get(url)).status for url in (*urls, urls[2])]
            pool = fetcher.client._transport._pool  # type: ignore[attr-defined]
            assert len(pool.connections) == 2  # the first site's was retired and closed
            return statuses

    try:
        assert asyncio.run(go()) == [200] * 4
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    # one connection each: the third site's second request reused its own
    assert [len(s.RequestHandlerClass.connections) for s in servers] == [1, 1, 1]
