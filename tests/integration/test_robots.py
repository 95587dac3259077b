"""robots.txt against loopback servers: what is fetched, what is not, and how often robots.txt is.

The servers record every request, so "not fetched" is checked as "the server never saw it".
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.errors import FetchError, FetchTimeout, HTTPStatusError, RobotsDisallowed
from versiontrack.fetch import Fetcher
from versiontrack.robots import (
    FAILURE_TTL,
    MAX_TTL,
    TTL,
    RobotsCache,
    RobotsResponse,
    origin,
    robots_url,
)
from versiontrack.settings import FetchSettings

PAGE = Response.html("<p>page</p>")


def settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "user_agent": "versiontrack/test (+https://example.org/vt)",
        "timeout": 2.0,
        "per_host_delay": 0.0,
        "retries": 0,
        "retry_backoff": 0.01,
        "robots": True,
        "allow_private": True,
    }
    return FetchSettings(**{**values, **overrides})


def fetch_all(fetch_settings: FetchSettings, *urls: str, together: bool = False) -> list[Any]:
    """GET ``urls`` with one Fetcher (in turn, or concurrently); results or exceptions."""

    async def go() -> list[Any]:
        async with Fetcher(fetch_settings) as fetcher:
            if together:
                return await asyncio.gather(*(fetcher.get(u) for u in urls), return_exceptions=True)
            results: list[Any] = []
            for url in urls:
                try:
                    results.append(await fetcher.get(url))
                except Exception as exc:
                    results.append(exc)
            return results

    return asyncio.run(go())


def robots(text: str, status: int = 200, **headers: str) -> Response:
    return Response(status, text.encode(), {"Content-Type": "text/plain", **headers})


@pytest.fixture
def server():
    with LoopbackServer() as s:
        s.route("/news/a", PAGE)
        s.route("/private/b", PAGE)
        yield s


def paths(server: LoopbackServer) -> list[str]:
    return [r.path for r in server.requests]


def test_a_disallowed_url_is_never_requested(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
    private, news = fetch_all(settings(), server.url("/private/b"), server.url("/news/a"))
    assert isinstance(private, RobotsDisallowed)
    assert private.outcome == "disallowed"
    assert str(private) == f"robots.txt disallows {server.url('/private/b')}"
    assert news.status == 200
    assert paths(server) == ["/robots.txt", "/news/a"]  # robots.txt once, then only the page


def test_robots_txt_is_asked_with_our_user_agent(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots(""))
    fetch_all(settings(), server.url("/news/a"))
    request = server.requests_to("/robots.txt")[0]
    assert request.headers["user-agent"] == "versiontrack/test (+https://example.org/vt)"


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_missing_robots_txt_allows_everything(server: LoopbackServer, status: int) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /\n", status))
    (result,) = fetch_all(settings(), server.url("/private/b"))
    assert result.status == 200
    assert paths(server) == ["/robots.txt", "/private/b"]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_an_unreachable_robots_txt_disallows_everything(
    server: LoopbackServer, status: int
) -> None:
    server.route("/robots.txt", robots("", status))
    first, second = fetch_all(settings(), server.url("/news/a"), server.url("/private/b"))
    assert isinstance(first, RobotsDisallowed)
    assert isinstance(second, RobotsDisallowed)
    assert f"HTTP {status}" in str(first)
    assert "unreachable" in str(first)
    assert paths(server) == ["/robots.txt"]  # the failure is cached too


def test_robots_txt_gets_the_same_retries_as_any_request(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("", 503))
    (result,) = fetch_all(settings(retries=2), server.url("/news/a"))
    assert isinstance(result, RobotsDisallowed)
    assert paths(server) == ["/robots.txt"] * 3


def test_a_robots_txt_timeout_fetches_nothing_and_fails_the_page(server: LoopbackServer) -> None:
    server.route("/robots.txt", Response(200, b"", delay=1.0))
    first, second = fetch_all(settings(timeout=0.2), server.url("/news/a"), server.url("/p"))
    assert isinstance(first, FetchTimeout)  # a host that does not answer: "failed", not a rule
    assert str(first).startswith(
        f"cannot fetch {server.url('/news/a')}: its robots.txt is unreachable (timed out"
    )
    assert isinstance(second, FetchTimeout)
    assert paths(server) == ["/robots.txt"]  # remembered: the host is not asked again at once


def test_a_host_refusing_connections_fails_without_a_robots_verdict() -> None:
    with LoopbackServer() as gone:
        url = gone.url("/a")
    (result,) = fetch_all(settings(), url)
    assert type(result) is FetchError
    assert str(result).startswith(f"cannot fetch {url}: its robots.txt is unreachable (cannot")


def test_robots_txt_is_fetched_once_per_host(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
    with LoopbackServer() as other:
        other.route("/robots.txt", robots(""))
        other.route("/c", PAGE)
        urls = [server.url("/news/a")] * 5 + [server.url("/private/b")] + [other.url("/c")] * 2
        results = fetch_all(settings(), *urls, together=True)
        assert paths(other).count("/robots.txt") == 1
    assert [type(r).__name__ for r in results] == ["FetchResult"] * 5 + [
        "RobotsDisallowed",
        "FetchResult",
        "FetchResult",
    ]
    assert paths(server).count("/robots.txt") == 1
    assert paths(server).count("/news/a") == 5


def test_robots_off_never_asks(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /\n"))
    (result,) = fetch_all(settings(robots=False), server.url("/private/b"))
    assert result.status == 200
    assert paths(server) == ["/private/b"]


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        # Our own group wins over "*", in both directions.
        ("User-agent: *\nDisallow: /\n\nUser-agent: versiontrack\nDisallow: /private/\n", True),
        ("User-agent: *\nAllow: /\n\nUser-agent: versiontrack\nDisallow: /news/\n", False),
        ("User-agent: otherbot\nDisallow: /\n", True),
        ("User-agent: VersionTrack\nDisallow: /news\n", False),  # matched case-insensitively
        ("User-agent: *\nDisallow: /news/\nAllow: /news/a\n", True),  # longest match wins
    ],
)
def test_our_group_is_obeyed(server: LoopbackServer, text: str, allowed: bool) -> None:
    server.route("/robots.txt", robots(text))
    (result,) = fetch_all(settings(), server.url("/news/a"))
    assert isinstance(result, RobotsDisallowed) is not allowed
    assert ("/news/a" in paths(server)) is allowed


def test_a_redirect_into_a_disallowed_path_is_not_followed(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
    server.route("/news/old", Response.redirect("/private/b"))
    (result,) = fetch_all(settings(), server.url("/news/old"))
    assert isinstance(result, RobotsDisallowed)
    assert paths(server) == ["/robots.txt", "/news/old"]


def test_each_hop_checks_its_own_hosts_robots_txt(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots(""))
    with LoopbackServer() as other:
        other.route("/robots.txt", robots("User-agent: *\nDisallow: /\n"))
        server.route("/news/away", Response.redirect(other.url("/x")))
        (result,) = fetch_all(settings(), server.url("/news/away"))
        assert isinstance(result, RobotsDisallowed)
        assert paths(other) == ["/robots.txt"]


def test_robots_txt_redirects_are_followed(server: LoopbackServer) -> None:
    server.route("/robots.txt", Response.redirect("/r1"))
    server.route("/r1", Response.redirect("/real-robots.txt", status=302))
    server.route("/real-robots.txt", robots("User-agent: *\nDisallow: /private/\n"))
    private, news = fetch_all(settings(), server.url("/private/b"), server.url("/news/a"))
    assert isinstance(private, RobotsDisallowed)
    assert news.status == 200
    assert paths(server) == ["/robots.txt", "/r1", "/real-robots.txt", "/news/a"]


@pytest.mark.parametrize("where", ["ftp://example.org/robots.txt", "down"])
def test_a_robots_redirect_that_leads_nowhere_disallows(server: LoopbackServer, where: str) -> None:
    if where == "down":
        with LoopbackServer() as gone:
            where = gone.url("/robots.txt")
    server.route("/robots.txt", Response.redirect(where))
    (result,) = fetch_all(settings(), server.url("/news/a"))
    assert isinstance(result, RobotsDisallowed)  # the site answered; its rules cannot be read
    assert str(result).startswith(f"robots.txt for {server.url('/news/a')} is unreachable (")
    assert paths(server) == ["/robots.txt"]


def test_more_than_five_robots_redirects_count_as_no_robots_txt(server: LoopbackServer) -> None:
    server.route("/robots.txt", Response.redirect("/r1"))
    for i in range(1, 6):
        server.route(f"/r{i}", Response.redirect(f"/r{i + 1}"))
    server.route("/r6", robots("User-agent: *\nDisallow: /\n"))
    (result,) = fetch_all(settings(), server.url("/private/b"))
    assert result.status == 200
    assert paths(server) == ["/robots.txt", "/r1", "/r2", "/r3", "/r4", "/r5", "/private/b"]


def test_an_oversized_robots_txt_is_cut_not_refused(server: LoopbackServer) -> None:
    filler = "# " + "x" * 1000 + "\n"
    text = "User-agent: *\nDisallow: /private/\n" + filler * 600 + "Disallow: /news/\n"
    server.route("/robots.txt", robots(text))
    private, news = fetch_all(settings(), server.url("/private/b"), server.url("/news/a"))
    assert isinstance(private, RobotsDisallowed)
    assert news.status == 200  # the rule after 512 KiB was never read


def test_crawl_delay_spaces_requests_to_the_host(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots("User-agent: *\nCrawl-delay: 0.3\n"))
    stamps: list[float] = []

    def page(request: Any) -> Response:
        stamps.append(time.monotonic())
        return PAGE

    server.route("/news/a", page)
    fetch_all(settings(), server.url("/news/a?1"), server.url("/news/a?2"))
    assert len(stamps) == 2
    assert stamps[1] - stamps[0] >= 0.3 - 0.05


def test_robots_txt_counts_against_the_hosts_politeness(server: LoopbackServer) -> None:
    server.route("/robots.txt", robots(""))
    stamps: dict[str, float] = {}

    def stamp(request: Any) -> Response:
        stamps[request.route_path] = time.monotonic()
        return robots("") if request.route_path == "/robots.txt" else PAGE

    server.route("/robots.txt", stamp)
    server.route("/news/a", stamp)
    fetch_all(settings(per_host_delay=0.2), server.url("/news/a"))
    assert stamps["/news/a"] - stamps["/robots.txt"] >= 0.2 - 0.05


# --- the cache on its own (no server: a loader function and a fake clock) ----------------------


class FakeLoader:
    def __init__(self, *answers: RobotsResponse | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[str] = []

    async def __call__(self, url: str) -> RobotsResponse:
        self.calls.append(url)
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


def allows(cache: RobotsCache, url: str) -> bool:
    async def go() -> bool:
        return (await cache.rules(url)).allows(url)

    return asyncio.run(go())


DISALLOW_ALL = RobotsResponse(200, b"User-agent: *\nDisallow: /\n")


def test_rules_are_kept_for_their_ttl_then_fetched_again() -> None:
    now = [0.0]
    loader = FakeLoader(DISALLOW_ALL, RobotsResponse(404))
    cache = RobotsCache(loader, clock=lambda: now[0])
    assert not allows(cache, "https://example.org/a")
    now[0] = TTL - 1
    assert not allows(cache, "https://example.org:443/b")  # same origin
    assert loader.calls == ["https://example.org/robots.txt"]
    now[0] = TTL + 1
    assert allows(cache, "https://example.org/a")
    assert len(loader.calls) == 2


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [("max-age=7200", 7200), ("public, max-age=600", 600), ("max-age=0", 60), ("no-cache", TTL)],
)
def test_max_age_sets_the_ttl_within_bounds(cache_control: str, ttl: float) -> None:
    now = [0.0]
    loader = FakeLoader(RobotsResponse(200, b"", cache_control))
    cache = RobotsCache(loader, clock=lambda: now[0])
    allows(cache, "https://example.org/")
    now[0] = ttl - 0.5
    allows(cache, "https://example.org/")
    assert len(loader.calls) == 1
    now[0] = ttl + 0.5
    allows(cache, "https://example.org/")
    assert len(loader.calls) == 2


def test_a_day_is_the_longest_ttl() -> None:
    now = [0.0]
    loader = FakeLoader(RobotsResponse(200, b"", "max-age=31536000"))
    cache = RobotsCache(loader, clock=lambda: now[0])
    allows(cache, "https://example.org/")
    now[0] = MAX_TTL + 1
    allows(cache, "https://example.org/")
    assert len(loader.calls) == 2


def test_failures_are_cached_briefly_and_a_good_copy_outlives_them() -> None:
    now = [0.0]
    loader = FakeLoader(
        HTTPStatusError("HTTP 503", 503),
        DISALLOW_ALL,
        FetchError("cannot fetch: ConnectError"),
    )
    cache = RobotsCache(loader, clock=lambda: now[0])
    assert not allows(cache, "https://example.org/a")  # unreachable: disallowed
    now[0] = FAILURE_TTL - 1
    allows(cache, "https://example.org/a")
    assert len(loader.calls) == 1
    now[0] = FAILURE_TTL + 1
    assert not allows(cache, "https://example.org/a")  # now a real file that disallows
    now[0] += TTL + 1
    rules = asyncio.run(cache.rules("https://example.org/a"))
    assert len(loader.calls) == 3
    assert rules.parser is not None  # unreachable again: the last good copy is used


def test_the_cache_is_bounded() -> None:
    loader = FakeLoader(RobotsResponse(404))
    cache = RobotsCache(loader, max_entries=10)
    for i in range(50):
        allows(cache, f"https://site{i}.example/")
    assert len(cache) == 10
    allows(cache, "https://site49.example/")  # recent: still cached
    assert len(loader.calls) == 50
    allows(cache, "https://site0.example/")  # evicted: fetched again
    assert len(loader.calls) == 51


@pytest.mark.parametrize(
    ("url", "robots", "key"),
    [
        (
            "https://Example.org/a/b?c#d",
            "https://example.org/robots.txt",
            "https://example.org:443",
        ),
        (
            "http://example.org:8080/x",
            "http://example.org:8080/robots.txt",
            "http://example.org:8080",
        ),
        ("http://user:pw@example.org/x", "http://example.org/robots.txt", "http://example.org:80"),
    ],
)
def test_robots_url_and_origin(url: str, robots: str, key: str) -> None:
    assert robots_url(url) == robots
    assert origin(url) == key
