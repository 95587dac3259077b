"""fetch() against a real HTTP server on loopback: redirects, caps, timeouts, validators."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

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
from versiontrack.fetch import fetch, make_client
from versiontrack.settings import FetchSettings

SETTINGS = FetchSettings(user_agent="versiontrack/test (+https://example.org/vt)", timeout=1.0)


def run(coro: Coroutine[Any, Any, FetchResult]) -> FetchResult:
    return asyncio.run(coro)


async def get(url: str, validators: Validators | None = None, max_bytes: int = 1000) -> FetchResult:
    async with make_client(SETTINGS) as client:
        return await fetch(client, url, validators, max_bytes=max_bytes)


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
    result = run(get(server.url("/a")))
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
    result = run(get(server.url("/a"), Validators('W/"abc"', "Tue, 29 Oct 2024 08:00:00 GMT")))
    assert result.not_modified
    (request,) = server.requests
    assert request.headers["if-none-match"] == 'W/"abc"'
    assert request.headers["if-modified-since"] == "Tue, 29 Oct 2024 08:00:00 GMT"


def test_only_the_validator_the_server_gave_is_sent(server: LoopbackServer) -> None:
    server.route("/a", Response(304))
    run(get(server.url("/a"), Validators(etag='"x"')))
    (request,) = server.requests
    assert request.headers["if-none-match"] == '"x"'
    assert "if-modified-since" not in request.headers


def test_redirects_are_followed_to_the_final_url(server: LoopbackServer) -> None:
    server.route("/old", Response.redirect("/middle"))
    server.route("/middle", Response.redirect("/new", status=302))
    server.route("/new", Response.html("<p>here</p>"))
    result = run(get(server.url("/old")))
    assert result.url == server.url("/new")
    assert result.body == b"<p>here</p>"


def test_redirect_loop_fails_cleanly(server: LoopbackServer) -> None:
    server.route("/a", Response.redirect("/b"))
    server.route("/b", Response.redirect("/a"))
    with pytest.raises(TooManyRedirects, match="too many redirects"):
        run(get(server.url("/a")))


def test_timeout(server: LoopbackServer) -> None:
    server.route("/slow", Response(200, b"x", delay=3.0))
    with pytest.raises(FetchTimeout, match="timed out"):
        run(get(server.url("/slow")))


def test_declared_oversized_body_is_refused(server: LoopbackServer) -> None:
    server.route("/big", Response.sized(5000, declare_length=True))
    with pytest.raises(BodyTooLarge, match="exceeds the 1000-byte limit"):
        run(get(server.url("/big")))


def test_streamed_oversized_body_is_cut_off(server: LoopbackServer) -> None:
    server.route("/big", Response.sized(50_000_000))
    with pytest.raises(BodyTooLarge, match="exceeds the 1000-byte limit"):
        run(get(server.url("/big")))


@pytest.mark.parametrize("status", [500, 502, 503, 403, 429])
def test_error_statuses_raise(server: LoopbackServer, status: int) -> None:
    server.route("/e", Response(status, b"oops"))
    with pytest.raises(HTTPStatusError) as info:
        run(get(server.url("/e")))
    assert info.value.status == status


@pytest.mark.parametrize("status", [404, 410])
def test_gone_statuses_are_returned(server: LoopbackServer, status: int) -> None:
    server.route("/g", Response(status, b"gone"))
    assert run(get(server.url("/g"))).status == status


def test_connection_refused_is_a_fetch_error() -> None:
    with LoopbackServer() as s:
        url = s.url("/x")
    with pytest.raises(FetchError, match="cannot fetch"):
        run(get(url))
