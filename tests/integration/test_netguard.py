"""The SSRF guard: which addresses are refused, and that refused hosts never see a request.

The address table needs no network. The fetch tests use loopback servers and, where a test
needs one loopback address to count as "public", an injected address policy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import httpcore
import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.errors import BlockedAddress, RobotsDisallowed
from versiontrack.fetch import Fetcher
from versiontrack.netguard import GuardedBackend, IPAddress, allow_all, refusal
from versiontrack.settings import FetchSettings


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.5", "private"),
        ("10.255.255.255", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("169.254.169.254", "link-local"),  # cloud metadata services
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("100.127.255.254", "shared (carrier-grade NAT)"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "non-public"),  # "this network"
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.10", "non-public"),  # documentation
        ("198.18.0.1", "non-public"),  # benchmarking
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fc00::1", "unique-local"),
        ("fd12:3456:789a::1", "unique-local"),
        ("fe80::1", "link-local"),
        ("febf::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "non-public"),  # documentation
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.5", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:5", "private"),  # NAT64 of 10.0.0.5
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("::7f00:1", "reserved"),  # deprecated IPv4-compatible ::127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    "address",
    [
        "8.8.8.8",
        "1.1.1.1",
        "93.184.215.14",
        "100.63.255.255",  # just below the CGNAT range
        "100.128.0.0",  # just above it
        "172.15.255.255",  # just outside 172.16/12
        "172.32.0.0",
        "2606:4700::1",
        "2a00:1450:4009:81f::200e",
        "::ffff:8.8.8.8",  # mapped public IPv4 is that public address
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8 (an IPv6-only host with DNS64)
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def settings(**overrides: Any) -> FetchSettings:
    values: dict[str, Any] = {
        "user_agent": "versiontrack/test",
        "timeout": 2.0,
        "per_host_delay": 0.0,
        "retries": 0,
        "robots": True,
        "allow_private": False,
    }
    return FetchSettings(**{**values, **overrides})


def get(fetch_settings: FetchSettings, url: str, **kwargs: Any) -> Any:
    async def go() -> Any:
        async with Fetcher(fetch_settings, **kwargs) as fetcher:
            return await fetcher.get(url)

    return asyncio.run(go())


def only_127_0_0_1(address: IPAddress) -> str | None:
    """A policy for tests: 127.0.0.1 plays a public site, every other address is refused."""
    return None if str(address) == "127.0.0.1" else refusal(address) or "test-only"


@pytest.mark.parametrize("robots", [True, False])
def test_loopback_is_refused_before_anything_is_sent(robots: bool) -> None:
    with LoopbackServer() as server:
        server.route("/a", Response.html("<p>internal</p>"))
        url = server.url("/a")
        with pytest.raises(BlockedAddress) as info:
            get(settings(robots=robots), url)
        assert server.requests == []
    assert str(info.value) == f"refusing to fetch {url}: 127.0.0.1 is a loopback address"
    assert (info.value.address, info.value.reason) == ("127.0.0.1", "loopback")


def test_a_name_resolving_to_loopback_is_refused() -> None:
    with LoopbackServer() as server:
        url = f"http://localhost:{server.port}/a"
        with pytest.raises(BlockedAddress, match=r"localhost resolves to \S+, a loopback address"):
            get(settings(), url)
        assert server.requests == []


def test_an_ipv6_literal_is_refused() -> None:
    with pytest.raises(BlockedAddress, match=r"refusing to fetch http://\[::1\]:9/: ::1 is a"):
        get(settings(), "http://[::1]:9/")


def test_allow_private_lifts_the_guard() -> None:
    with LoopbackServer() as server:
        server.route("/a", Response.html("<p>fine</p>"))
        result = get(settings(allow_private=True), server.url("/a"))
        assert result.body == b"<p>fine</p>"
        assert [r.path for r in server.requests] == ["/robots.txt", "/a"]


def test_a_redirect_to_a_private_address_is_refused_on_that_hop() -> None:
    with LoopbackServer() as public, LoopbackServer(host="127.0.0.2") as internal:
        internal.route("/admin", Response.html("<p>secrets</p>"))
        public.route("/story", Response.redirect(internal.url("/admin"), status=302))
        with pytest.raises(BlockedAddress) as info:
            get(settings(), public.url("/story"), address_policy=only_127_0_0_1)
        assert internal.requests == []  # not even its robots.txt
        assert [r.path for r in public.requests] == ["/robots.txt", "/story"]
        assert str(info.value) == (
            f"refusing to fetch {internal.url('/admin')}: 127.0.0.2 is a loopback address"
        )


def test_the_guard_checks_every_hop_not_just_the_first() -> None:
    with LoopbackServer() as public, LoopbackServer(host="127.0.0.2") as internal:
        internal.route("/admin", Response.html("<p>secrets</p>"))
        public.route("/1", Response.redirect("/2"))
        public.route("/2", Response.redirect(internal.url("/admin")))
        with pytest.raises(BlockedAddress):
            get(settings(robots=False), public.url("/1"), address_policy=only_127_0_0_1)
        assert internal.requests == []
        assert [r.path for r in public.requests] == ["/1", "/2"]


def test_a_robots_txt_redirecting_to_a_private_address_means_unreachable() -> None:
    with LoopbackServer() as public, LoopbackServer(host="127.0.0.2") as internal:
        public.route("/robots.txt", Response.redirect(internal.url("/robots.txt")))
        public.route("/a", Response.html("<p>a</p>"))
        with pytest.raises(RobotsDisallowed, match=r"unreachable.*127\.0\.0\.2 is a loopback"):
            get(settings(), public.url("/a"), address_policy=only_127_0_0_1)
        assert internal.requests == []
        assert [r.path for r in public.requests] == ["/robots.txt"]


# --- the backend: resolve once, refuse if any address is bad, connect to the vetted one --------


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(self, host: str, port: int, **kwargs: Any) -> Any:
        self.hosts.append(host)
        raise httpcore.ConnectError("recorded, not connected")


def fake_getaddrinfo(answers: dict[str, list[str]]) -> Any:
    async def getaddrinfo(host: str, port: int, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers[host]
        ]

    return getaddrinfo


def connect(backend: GuardedBackend, host: str, answers: dict[str, list[str]]) -> None:
    async def go() -> None:
        loop = asyncio.get_running_loop()
        loop.getaddrinfo = fake_getaddrinfo(answers)  # type: ignore[method-assign]
        await backend.connect_tcp(host, 80, timeout=1.0)

    asyncio.run(go())


def test_the_connection_goes_to_the_vetted_address_not_the_name() -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(refusal, inner)
    with pytest.raises(httpcore.ConnectError):
        connect(backend, "news.example", {"news.example": ["93.184.215.14", "2606:4700::1"]})
    # Each vetted address in turn, never "news.example" (which a second lookup could rebind).
    assert inner.hosts == ["93.184.215.14", "2606:4700::1"]


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    inner = RecordingBackend()
    backend = GuardedBackend(refusal, inner)
    with pytest.raises(BlockedAddress, match=r"rebind\.example resolves to 10\.0\.0\.5, a private"):
        connect(backend, "rebind.example", {"rebind.example": ["93.184.215.14", "10.0.0.5"]})
    assert inner.hosts == []


def test_an_ipv6_scope_does_not_hide_a_link_local_address() -> None:
    backend = GuardedBackend(refusal, RecordingBackend())
    with pytest.raises(BlockedAddress, match="link-local"):
        connect(backend, "scoped.example", {"scoped.example": ["fe80::1%eth0"]})


def test_allow_all_connects_anywhere() -> None:
    inner = RecordingBackend()
    with pytest.raises(httpcore.ConnectError):
        connect(GuardedBackend(allow_all, inner), "db.internal", {"db.internal": ["10.0.0.5"]})
    assert inner.hosts == ["10.0.0.5"]
