"""robots.txt (RFC 9309): the rules of each origin, fetched once, cached, asked per URL.

``RobotsCache`` knows what to do with a robots.txt answer but not how to make a request: the
``Fetcher`` hands it a loader that fetches ``/robots.txt`` through the same politeness limits,
size cap and SSRF guard as every other request, following up to five redirects. The rules,
as RFC 9309 sets them:

* 2xx: parse it (with protego); the group for our product token ``versiontrack`` wins over
  ``*``. Kept for the response's ``max-age`` (default an hour, at most a day).
* 4xx other than 429, or more than five redirects: "unavailable", so everything is allowed.
* 5xx or 429 (after the usual retries): "unreachable", so everything is disallowed, for five
  minutes; if an earlier copy was parsed, it stays in use instead (RFC 9309 §2.4 allows a
  cached copy while the file is unreachable).
* a redirect to somewhere we may not or cannot go (a refused address, a host that is down,
  a non-http URL): unreachable, the same.
* a timeout or a network error on the origin itself: unreachable too, and remembered as
  ``failure``. Nothing is fetched, but the fetcher reports the page as failing to fetch rather
  than as disallowed: the host is down (or refusing connections), which is no rule of the site.

Only the first 512 KiB are parsed (the RFC's minimum); a longer file is cut, not refused.
The cache is an LRU of bounded size, and concurrent requests for one origin share one fetch.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

import httpx
from protego import Protego

from versiontrack.errors import (
    BlockedAddress,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooManyRedirects,
)

log = logging.getLogger(__name__)

#: The product token we match ``User-agent:`` lines with (the start of our User-Agent).
PRODUCT_TOKEN = "versiontrack"
MAX_BYTES = 512 * 1024
MAX_REDIRECTS = 5
TTL = 3600.0  # seconds a robots.txt is trusted when the server does not say (max-age)
MAX_TTL = 86_400.0  # RFC 9309 §2.4: do not use a cached copy for more than a day
MIN_TTL = 60.0  # a max-age of 0 must not make us fetch robots.txt before every page
FAILURE_TTL = 300.0  # an unreachable robots.txt is asked again after this long
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RobotsResponse:
    """What the loader got for ``/robots.txt``, after redirects.

    ``error`` says why the file could not be read although its origin answered (a redirect
    to a refused address or a non-http URL): it counts as unreachable.
    """

    status: int
    body: bytes = b""
    cache_control: str | None = None
    error: str | None = None


#: Fetches a robots.txt URL. Raises ``HTTPStatusError`` for a 5xx/429 that outlasted retries,
#: ``BlockedAddress`` if the origin's own host is refused, and another ``FetchError`` if the
#: origin cannot be reached at all (timeout, refused connection, unknown host).
Loader = Callable[[str], Awaitable[RobotsResponse]]


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """The rules of one origin. Without a parsed file, ``allow_all`` decides every URL."""

    parser: Protego | None = None
    allow_all: bool = True
    #: Why nothing may be fetched (robots.txt unreachable), for error messages; else None.
    unreachable: str | None = None
    #: Set when the origin itself did not answer (``FetchTimeout`` or ``FetchError``): the
    #: error its pages fail with. A class, not the exception: no traceback kept in the cache.
    failure: type[FetchError] | None = None

    def allows(self, url: str) -> bool:
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(url, PRODUCT_TOKEN)

    def crawl_delay(self) -> float | None:
        """The ``Crawl-delay`` of our group, in seconds (a common extension), or None."""
        return None if self.parser is None else self.parser.crawl_delay(PRODUCT_TOKEN)


def robots_url(url: str) -> str:
    """``/robots.txt`` on the origin (scheme, host, port) of ``url``."""
    return str(httpx.URL(url).copy_with(raw_path=b"/robots.txt", fragment=None, userinfo=b""))


def origin(url: str) -> str:
    """The cache key: scheme, host and port, e.g. ``https://example.org:443``."""
    u = httpx.URL(url)
    port = u.port or {"http": 80, "https": 443}.get(u.scheme, 0)
    return f"{u.scheme}://{u.raw_host.decode('ascii').lower()}:{port}"


def parse(body: bytes) -> Protego:
    """Parse robots.txt bytes (UTF-8 per RFC 9309; undecodable bytes cannot match a rule)."""
    text = body[:MAX_BYTES].decode("utf-8", errors="replace").removeprefix("\ufeff")
    return Protego.parse(text)


def rules_from_response(response: RobotsResponse) -> tuple[RobotsRules, float]:
    """The rules an answer for robots.txt means, and how many seconds to keep them."""
    status = response.status
    if response.error is not None:
        return RobotsRules(allow_all=False, unreachable=response.error), FAILURE_TTL
    if 200 <= status < 300:
        return RobotsRules(parse(response.body)), _ttl(response.cache_control)
    if 400 <= status < 500 and status != 429:
        return RobotsRules(allow_all=True), TTL
    # 5xx, 429 (Google treats it as a server error too), and anything odd: not safe to crawl.
    return RobotsRules(allow_all=False, unreachable=f"HTTP {status}"), FAILURE_TTL


def _ttl(cache_control: str | None) -> float:
    match = _MAX_AGE.search(cache_control or "")
    if match is None:
        return TTL
    return min(MAX_TTL, max(MIN_TTL, float(match.group(1))))


@dataclass(frozen=True, slots=True)
class _Entry:
    rules: RobotsRules
    expires: float


class RobotsCache:
    """robots.txt rules per origin: fetched by ``loader`` on first use, kept for their TTL.

    At most ``max_entries`` origins are remembered (least recently used go first), so memory
    stays bounded however many sites feeds link to.
    """

    def __init__(
        self,
        loader: Loader,
        *,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._pending: dict[str, asyncio.Task[RobotsRules]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    async def rules(self, url: str) -> RobotsRules:
        """The rules for ``url``'s origin; raises ``BlockedAddress`` if the host is refused."""
        key = origin(url)
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self._clock():
            self._entries.move_to_end(key)
            return entry.rules
        task = self._pending.get(key)
        if task is None:
            task = asyncio.create_task(self._refresh(key, robots_url(url), entry))
            self._pending[key] = task
            task.add_done_callback(partial(self._forget, key))
        # Shielded: one caller giving up (cancelled) must not cancel the fetch others await.
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        """Cancel robots.txt fetches still in progress."""
        tasks = list(self._pending.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, key: str, task: asyncio.Task[RobotsRules]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # mark it retrieved even if every waiter was cancelled

    async def _refresh(self, key: str, url: str, previous: _Entry | None) -> RobotsRules:
        try:
            response = await self._loader(url)
        except BlockedAddress:
            raise  # the site's own host is refused: that is the page's error, not a rule
        except TooManyRedirects as exc:
            log.info("robots.txt %s unavailable (%s): allowing everything", url, exc)
            rules, ttl = RobotsRules(allow_all=True), TTL
        except HTTPStatusError as exc:  # 5xx or 429 that outlasted the retries
            rules, ttl = RobotsRules(allow_all=False, unreachable=f"HTTP {exc.status}"), FAILURE_TTL
        except FetchError as exc:
            failure = FetchTimeout if isinstance(exc, FetchTimeout) else FetchError
            rules = RobotsRules(allow_all=False, unreachable=str(exc), failure=failure)
            ttl = FAILURE_TTL
        else:
            rules, ttl = rules_from_response(response)
        if rules.unreachable is not None:
            if previous is not None and previous.rules.parser is not None:
                log.info("robots.txt %s unreachable (%s): last copy kept", url, rules.unreachable)
                rules = previous.rules
            else:
                # Info, not warning: every check it stops is logged as failed or disallowed.
                log.info("robots.txt %s unreachable (%s): not fetching", url, rules.unreachable)
        self._entries[key] = _Entry(rules, self._clock() + ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return rules
