"""Per-host limits, start gaps, Retry-After and retries, seen from loopback servers' side.

Routes record when each request arrived and left (server-side, ``time.monotonic``), so the
assertions are about what a site experienced. Times are kept small. Gap assertions allow 50 ms
of slack: a request reaches the server's handler some milliseconds after the client starts it
(connect, thread start), and on a loaded machine that lag varies from one request to the next.
A limiter that does not wait at all gives gaps near zero, far below the slack.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from versiontrack.corpus import LoopbackServer, RecordedRequest, Response
from versiontrack.errors import FetchTimeout, HTTPStatusError
from versiontrack.fetch import Fetcher
from versiontrack.politeness import HostLimiter, parse_retry_after, politeness_key
from versiontrack.settings import FetchSettings

SLACK = 0.05


def settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "user_agent": "versiontrack/test",
        "timeout": 2.0,
        "per_host_delay": 0.0,
        "retries": 0,
        "retry_backoff": 0.01,
        "robots": False,
        "allow_private": True,
    }
    return FetchSettings(**{**values, **overrides})


class Timed:
    """A route that records (arrived, left) per request and answers from ``answers`` in turn."""

    def __init__(self, *answers: Response, hold: float = 0.0) -> None:
        self.answers = list(answers) or [Response(200, b"ok")]
        self.hold = hold
        self.spans: list[tuple[float, float]] = []
        self._lock = threading.Lock()

    def __call__(self, request: RecordedRequest) -> Response:
        arrived = time.monotonic()
        time.sleep(self.hold)
        with self._lock:
            self.spans.append((arrived, time.monotonic()))
            index = min(len(self.spans), len(self.answers)) - 1
        return self.answers[index]

    @property
    def starts(self) -> list[float]:
        return sorted(start for start, _ in self.spans)

    def gaps(self) -> list[float]:
        starts = self.starts
        return [b - a for a, b in itertools.pairwise(starts)]


def max_overlap(spans: list[tuple[float, float]]) -> int:
    """The most requests a server was handling at the same moment."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


def fetch_all(fetch_settings: FetchSettings, *urls: str) -> list[Any]:
    """GET all ``urls`` concurrently with one Fetcher; results or exceptions, in order."""

    async def go() -> list[Any]:
        async with Fetcher(fetch_settings) as fetcher:
            return await asyncio.gather(*(fetcher.get(u) for u in urls), return_exceptions=True)

    return asyncio.run(go())


def fetch_in_turn(fetch_settings: FetchSettings, *urls: str) -> None:
    """GET ``urls`` one after another with one Fetcher."""

    async def go() -> None:
        async with Fetcher(fetch_settings) as fetcher:
            for url in urls:
                await fetcher.get(url)

    asyncio.run(go())


# --- concurrency -----------------------------------------------------------------------------


def test_at_most_per_host_concurrency_requests_reach_one_host_while_others_run_alongside() -> None:
    with LoopbackServer() as a, LoopbackServer(host="127.0.0.2") as b:
        at_a, at_b = Timed(hold=0.3), Timed(hold=0.3)
        a.route("/p", at_a)
        b.route("/p", at_b)
        results = fetch_all(
            settings(per_host_concurrency=2, concurrency=8),
            *(a.url(f"/p?{i}") for i in range(6)),
            *(b.url(f"/p?{i}") for i in range(2)),
        )
    assert [r.status for r in results] == [200] * 8
    assert len(at_a.spans) == 6
    assert max_overlap(at_a.spans) == 2
    # 127.0.0.2 is another host: its two requests ran while 127.0.0.1 had its two in flight.
    assert max_overlap(at_a.spans + at_b.spans) == 4


def test_another_port_on_the_same_address_is_another_host() -> None:
    with LoopbackServer() as a, LoopbackServer() as b:
        at_a, at_b = Timed(hold=0.3), Timed(hold=0.3)
        a.route("/p", at_a)
        b.route("/p", at_b)
        fetch_all(settings(per_host_concurrency=1), a.url("/p?1"), a.url("/p?2"), b.url("/p"))
    assert max_overlap(at_a.spans) == 1
    assert max_overlap(at_a.spans + at_b.spans) == 2


def test_the_global_limit_caps_all_hosts_together() -> None:
    servers = [LoopbackServer().start() for _ in range(3)]
    try:
        timed = [Timed(hold=0.2) for _ in servers]
        for server, route in zip(servers, timed, strict=True):
            server.route("/p", route)
        urls = [s.url(f"/p?{i}") for s in servers for i in range(2)]
        fetch_all(settings(concurrency=3, per_host_concurrency=2), *urls)
    finally:
        for server in servers:
            server.close()
    assert max_overlap([span for t in timed for span in t.spans]) == 3


# --- start gaps ------------------------------------------------------------------------------


def test_request_starts_to_one_host_are_per_host_delay_apart() -> None:
    with LoopbackServer() as server:
        page = Timed()
        server.route("/p", page)
        fetch_in_turn(settings(per_host_delay=0.2), *(server.url(f"/p?{i}") for i in range(3)))
    assert len(page.gaps()) == 2
    assert all(gap >= 0.2 - SLACK for gap in page.gaps()), page.gaps()


def test_the_delay_holds_for_concurrent_requests_but_not_across_hosts() -> None:
    with LoopbackServer() as a, LoopbackServer() as b:
        at_a, at_b = Timed(), Timed()
        a.route("/p", at_a)
        b.route("/p", at_b)
        fetch_all(
            settings(per_host_delay=0.2, per_host_concurrency=3),
            *(a.url(f"/p?{i}") for i in range(3)),
            b.url("/p"),
        )
    assert all(gap >= 0.2 - SLACK for gap in at_a.gaps()), at_a.gaps()
    # The other host did not wait for 127.0.0.1's gaps.
    assert abs(at_b.starts[0] - at_a.starts[0]) < 0.15


def test_idle_hosts_are_forgotten_but_not_while_their_delay_runs() -> None:
    async def go() -> HostLimiter:
        limiter = HostLimiter(concurrency=4, per_host=2)
        async with limiter.slot("slow.example", 60.0):
            pass
        for i in range(1000):
            async with limiter.slot(f"host{i}.example", 0.0):
                pass
        return limiter

    limiter = asyncio.run(go())
    assert len(limiter) < 128
    assert "slow.example" in limiter  # forgetting it would let the next request skip the wait


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.Example.org/a", "example.org"),
        ("http://example.org:80/a", "example.org"),
        ("https://example.org:443/a", "example.org"),
        ("http://example.org:8080/a", "example.org:8080"),
        ("http://127.0.0.1:5000/a", "127.0.0.1:5000"),
    ],
)
def test_politeness_key(url: str, key: str) -> None:
    import httpx

    assert politeness_key(httpx.URL(url)) == key


# --- Retry-After and retries -----------------------------------------------------------------


def test_503_with_retry_after_is_waited_out_then_retried() -> None:
    with LoopbackServer() as server:
        page = Timed(Response(503, b"busy", {"Retry-After": "1"}), Response(200, b"ok"))
        server.route("/p", page)
        (result,) = fetch_all(settings(retries=2), server.url("/p"))
    assert result.status == 200
    assert result.body == b"ok"
    assert len(page.spans) == 2
    assert page.gaps()[0] >= 1.0 - SLACK


def test_retry_after_holds_back_every_request_to_that_host() -> None:
    with LoopbackServer() as server:
        busy = Timed(Response(429, b"slow down", {"Retry-After": "1"}), Response(200, b"ok"))
        other = Timed()
        server.route("/busy", busy)
        server.route("/other", other)

        async def go() -> None:
            async with Fetcher(settings(retries=1)) as fetcher:
                first = asyncio.ensure_future(fetcher.get(server.url("/busy")))
                await asyncio.sleep(0.2)  # by now the 429 has arrived
                await asyncio.gather(first, fetcher.get(server.url("/other")))

        asyncio.run(go())
    assert other.starts[0] - busy.starts[0] >= 1.0 - SLACK


def test_a_retry_after_beyond_the_maximum_fails_at_once_and_says_how_long() -> None:
    with LoopbackServer() as server:
        server.route("/p", Response(429, b"", {"Retry-After": "3600"}))
        (error,) = fetch_all(settings(retries=3, max_retry_after=120), server.url("/p"))
        assert isinstance(error, HTTPStatusError)
        assert (error.status, error.retry_after) == (429, 3600.0)
        assert "Retry-After 3600 s" in str(error)
        assert len(server.requests) == 1


def test_the_last_retry_after_is_kept_when_retries_run_out() -> None:
    with LoopbackServer() as server:
        server.route("/p", Response(503, b"", {"Retry-After": "0"}))
        (error,) = fetch_all(settings(retries=1), server.url("/p"))
        assert isinstance(error, HTTPStatusError)
        assert (error.status, error.retry_after) == (503, 0.0)
        assert len(server.requests) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_5xx_and_429_are_retried_with_doubling_backoff(status: int) -> None:
    with LoopbackServer() as server:
        page = Timed(Response(status, b"oops"))
        server.route("/p", page)
        (error,) = fetch_all(settings(retries=2, retry_backoff=0.1), server.url("/p"))
    assert isinstance(error, HTTPStatusError)
    assert error.status == status
    assert error.retry_after is None
    assert len(page.spans) == 3
    first, second = page.gaps()
    assert first >= 0.1 - SLACK
    assert second >= 0.2 - SLACK


def test_a_retry_that_succeeds_returns_the_page() -> None:
    with LoopbackServer() as server:
        server.route("/p", Timed(Response(502, b""), Response(200, b"fine")))
        (result,) = fetch_all(settings(retries=1), server.url("/p"))
    assert result.body == b"fine"


def test_timeouts_are_retried_then_raised() -> None:
    with LoopbackServer() as server:
        server.route("/slow", Response(200, b"late", delay=1.0))
        (error,) = fetch_all(settings(timeout=0.2, retries=2), server.url("/slow"))
        assert isinstance(error, FetchTimeout)
        assert len(server.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 410, 451])
def test_other_4xx_are_never_retried(status: int) -> None:
    with LoopbackServer() as server:
        server.route("/p", Response(status, b"no"))
        (outcome,) = fetch_all(settings(retries=3), server.url("/p"))
        assert len(server.requests) == 1
    if status in (404, 410):
        assert outcome.status == status
    else:
        assert isinstance(outcome, HTTPStatusError)
        assert outcome.status == status


NOW = datetime(2024, 10, 30, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("Wed, 30 Oct 2024 12:02:00 GMT", 120.0),
        ("Wed, 30 Oct 2024 11:00:00 GMT", 0.0),  # in the past: retry now
        ("-5", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_fetchers_sharing_a_pass_split_the_limits_and_stretch_the_delay() -> None:
    """Two shard processes each get half the per-host slots and twice the delay: together
    a site sees them as one polite fetcher."""
    with LoopbackServer() as server:
        held, spaced = Timed(hold=0.3), Timed()
        server.route("/held", held)
        server.route("/spaced", spaced)

        async def go() -> None:
            async with Fetcher(settings(per_host_concurrency=4, concurrency=8), share=2) as f:
                await asyncio.gather(*(f.get(server.url(f"/held?{i}")) for i in range(4)))
            async with Fetcher(settings(per_host_delay=0.1), share=2) as f:
                for i in range(3):
                    await f.get(server.url(f"/spaced?{i}"))

        asyncio.run(go())
    assert max_overlap(held.spans) == 2
    assert all(gap >= 0.2 - SLACK for gap in spaced.gaps()), spaced.gaps()
