"""The SSRF guard: which IP addresses versiontrack may connect to, enforced at connect time.

Feeds are written by strangers, and whatever versiontrack fetches it stores and may publish, so
a feed link (or a redirect) pointing at ``http://10.0.0.5/admin`` or a cloud metadata service
must not be fetched. :func:`refusal` says why an address is off limits (loopback, private,
link-local, shared/CGNAT, unique-local, multicast, reserved, unspecified, or otherwise not
globally routable, including IPv4 addresses embedded in IPv6 ones); ``None`` means public.

:class:`GuardedBackend` is an httpcore network backend that resolves a host name itself,
refuses the connection if *any* of its addresses is refused by the policy, and then connects to
one of the vetted addresses, never to the name. Because the check and the connection use the
same resolution, a DNS-rebinding server cannot answer "public" to the check and "private" to
the connect. TLS still verifies, and sends SNI for, the host name: httpcore passes the URL's
host to ``start_tls`` whatever address the socket is connected to. Every request that opens a
connection goes through the guard, so every redirect hop is checked; a pooled keep-alive
connection is reused only for the same origin, and it is connected to an address vetted when it
was opened.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import select
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from versiontrack.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Says why an address must not be fetched (e.g. ``"private"``), or ``None`` to allow it.
AddressPolicy = Callable[[IPAddress], str | None]

_RFC1918 = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # RFC 6598, carrier-grade NAT
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")
_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, yet still routed internally
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are an IPv4 address


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public address versiontrack may fetch from, or ``None``."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 reaches that IPv4 address (mapped sockets, a NAT64
        # gateway, 6to4), so it is judged as the IPv4 address it carries: refused if that is,
        # allowed if that is public (on an IPv6-only host with DNS64 every site is 64:ff9b::…).
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded)
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, ipaddress.IPv4Address):
        if any(address in net for net in _RFC1918):
            return "private"
        if address in _SHARED:
            return "shared (carrier-grade NAT)"
    else:
        if address in _UNIQUE_LOCAL:
            return "unique-local"
        if address in _SITE_LOCAL:
            return "site-local"
    if address.is_reserved:
        return "reserved"
    # Documentation, benchmarking, protocol-assignment and other special-purpose ranges.
    if not address.is_global or address.is_private:
        return "non-public"
    return None


# The last label of a host that URL parsers (WHATWG, glibc's inet_aton) read as a number.
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)
NONSTANDARD_IPV4 = "non-standard (octal, hex or shortened) IPv4"


def refuse_nonstandard_ipv4(host: str) -> None:
    """Raise ``BlockedAddress`` for a host written as an IPv4 address in another form.

    ``0177.0.0.1``, ``0x7f.1``, ``127.1`` and ``2130706433`` all mean 127.0.0.1 to some parser
    on the way (httpx refuses one, the system resolver reads others), so which address they
    reach depends on who reads them. A host whose last label is a number and that is not a
    dotted quad is refused whatever ``fetch.allow_private`` says; so is ``1.2.3.4.5``.
    """
    name = host.lower().rstrip(".")
    if not _NUMERIC_LABEL.fullmatch(name.rpartition(".")[2]):
        return
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        raise BlockedAddress(
            describe(host, host, NONSTANDARD_IPV4), address=host, reason=NONSTANDARD_IPV4
        ) from None


def allow_all(address: IPAddress) -> str | None:
    """The policy of ``fetch.allow_private = true``: every address may be fetched."""
    return None


def describe(host: str, address: str, reason: str) -> str:
    """``"10.0.0.5 is a private address"`` or ``"intranet resolves to 10.0.0.5, a private …"``."""
    article = "an" if reason[0] in "aeiou" else "a"
    if host == address:
        return f"{address} is {article} {reason} address"
    return f"{host} resolves to {address}, {article} {reason} address"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore backend that resolves, vets every address, and connects to a vetted one."""

    def __init__(
        self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self.policy = policy
        self.inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        """The addresses ``host`` resolves to, or raise ``BlockedAddress`` if any is refused."""
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout
            )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:  # socket.gaierror: unknown name, no address
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses: list[IPAddress] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            # Drop an IPv6 scope ("fe80::1%eth0"); the address itself decides.
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
        # All of them, not just the first: the socket layer may pick any, and a host name that
        # mixes public and private addresses is itself a sign of trouble.
        for address in addresses:
            reason = self.policy(address)
            if reason is not None:
                raise BlockedAddress(
                    describe(host, str(address), reason), address=str(address), reason=reason
                )
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no addresses")
        return addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self.resolve(host, port, timeout)
        error: Exception | None = None
        for address in addresses:
            try:
                stream = await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _Stream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the next address, as the system resolver's users would
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by versiontrack")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """A connection as the inner backend made it, answering the pool's questions itself.

    httpcore's pool asks every pooled connection, on every request and every response closed,
    whether it is readable (a server that hung up); anyio answers by building a map of all
    its socket attributes first. The socket never changes, so it is looked up once.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self.inner = inner
        self.read = inner.read  # type: ignore[method-assign]
        self.write = inner.write  # type: ignore[method-assign]
        self.aclose = inner.aclose  # type: ignore[method-assign]
        self.socket: socket.socket | None = inner.get_extra_info("socket")

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self.inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self.socket
        if info == "is_readable":
            return _readable(self.socket)
        return self.inner.get_extra_info(info)


def _readable(sock: socket.socket | None) -> bool:
    """Whether a read would return at once (data, or the end of a closed connection)."""
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA store costs ~20 ms, and a
    context is safe to share between clients and threads."""
    return httpx.create_ssl_context(trust_env=False)


class _Pool(httpcore.AsyncConnectionPool):
    """httpcore's pool, minus a cancel scope per request.

    Before each request the pool closes the connections it has just retired, inside an
    anyio cancel scope that shields the closing; it enters and leaves that scope even when
    there is nothing to close, nearly every time, which cost about a tenth of a check's
    CPU. (Should httpcore rename the method, the pool simply goes back to its own.)
    """

    async def _close_connections(self, closing: list[httpcore.AsyncConnectionInterface]) -> None:
        if closing:
            await super()._close_connections(closing)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool opening connections through the guard.

    httpx does not take a network backend, so the pool (``_pool``, stable since httpx 0.18) is
    replaced by one configured like the original plus the guarded backend. The SSRF tests fail
    loudly if a future httpx stops using it.
    """

    def __init__(self, policy: AddressPolicy, *, limits: httpx.Limits) -> None:
        super().__init__(verify=shared_ssl_context(), limits=limits, trust_env=False)
        self._pool = _Pool(
            ssl_context=shared_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(policy),
        )
