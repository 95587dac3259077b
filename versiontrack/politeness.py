"""Politeness: how many requests versiontrack makes to a host, and how far apart.

At most ``concurrency`` requests are in flight overall and ``per_host_concurrency`` per host,
and request starts to one host are at least ``per_host_delay`` apart (or the site's robots.txt
``Crawl-delay`` if longer, up to ``MAX_CRAWL_DELAY``); the robots.txt request itself counts as
a request to the host. A host is its lower-case host name without ``www.`` (as
:func:`versiontrack.urls.host_key`) plus the port when the URL names a non-default one: http
and https of a site share limits, while servers on different ports of one machine (every test
server on 127.0.0.1) are different hosts. A Retry-After on 429/503 (``parse_retry_after``)
holds back every request to that host (``HostLimiter.defer``).

``Fetcher`` (:mod:`versiontrack.fetch`) takes a slot here around every request it sends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from versiontrack import urls

#: Statuses whose Retry-After we honour (RFC 9110 §10.2.3 defines it for these and redirects).
RETRY_AFTER_STATUSES = frozenset({429, 503})
#: The longest ``Crawl-delay`` obeyed: longer ones would stall a pass for minutes per page.
MAX_CRAWL_DELAY = 30.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds or an HTTP-date; else None."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses as naive; HTTP-dates are UTC anyway
        when = when.replace(tzinfo=UTC)
    now = datetime.now(UTC) if now is None else now
    return max(0.0, (when - now).total_seconds())


def politeness_key(url: httpx.URL) -> str:
    """The host whose limits a request counts against (see the module docstring)."""
    try:
        host = urls.host_key(str(url))
    except ValueError:
        host = url.raw_host.decode("ascii").lower()
    return f"{host}:{url.port}" if url.port is not None else host


@dataclass
class _Host:
    slots: asyncio.Semaphore
    lock: asyncio.Lock  # held while a request waits for its turn to start
    next_start: float = 0.0  # monotonic time before which no request to this host may start
    users: int = 0  # requests holding or waiting for this host's slots


class HostLimiter:
    """Global and per-host concurrency limits, and a minimum gap between request starts.

    A request first waits for a slot of its host and for its turn to start, and only then
    takes one of the global slots, so requests queued behind one slow host never hold the
    global slots other hosts could use. Host state is dropped once nothing uses it and its
    delay has passed, so memory follows the hosts recently in use, not every host ever seen.
    """

    def __init__(self, concurrency: int, per_host: int) -> None:
        self._global = asyncio.Semaphore(concurrency)
        self._per_host = per_host
        self._hosts: dict[str, _Host] = {}
        self._prune_at = 64

    def __len__(self) -> int:
        return len(self._hosts)

    def __contains__(self, key: object) -> bool:
        return key in self._hosts

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self._per_host), asyncio.Lock())
        return host

    @asynccontextmanager
    async def slot(self, key: str, delay: float) -> AsyncIterator[None]:
        """Hold a slot for one request to host ``key``; starts are ``delay`` s apart."""
        host = self._host(key)
        host.users += 1
        try:
            async with host.slots:
                async with host.lock:
                    wait = host.next_start - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    await self._global.acquire()
                    # Counted from the real start, after any wait for a global slot.
                    host.next_start = time.monotonic() + delay
                try:
                    yield
                finally:
                    self._global.release()
        finally:
            host.users -= 1
            self._prune()

    def defer(self, key: str, seconds: float) -> None:
        """Start no request to host ``key`` for ``seconds`` (the server asked: Retry-After)."""
        host = self._host(key)
        host.next_start = max(host.next_start, time.monotonic() + seconds)

    def _prune(self) -> None:
        # Amortised: a sweep runs only when the table has doubled since the last one.
        if len(self._hosts) < self._prune_at:
            return
        now = time.monotonic()
        for key in [k for k, h in self._hosts.items() if h.users == 0 and h.next_start <= now]:
            del self._hosts[key]
        self._prune_at = max(64, 2 * len(self._hosts))
