"""HTTP: the one client versiontrack uses, and the rules every request it makes obeys.

``Fetcher.get`` is a GET that returns raw bytes. Around each request it enforces:

* **the SSRF guard** (:mod:`versiontrack.netguard`): hosts resolving to loopback, private,
  link-local… addresses are refused at connect time, on every redirect hop, unless
  ``fetch.allow_private``. Redirects are therefore followed here, not by httpx.
* **robots.txt** (:mod:`versiontrack.robots`) of every hop's origin, unless ``fetch.robots`` is
  off: a disallowed URL raises ``RobotsDisallowed`` and is never requested. So is a URL whose
  robots.txt answers 5xx; if robots.txt times out or the host refuses connections, the page
  is not requested either and fails with the ``FetchError`` that a down host would cause.
* **politeness** (:mod:`versiontrack.politeness`): global and per-host concurrency limits,
  and a minimum gap between request starts to one host (``per_host_delay``, or the site's
  robots.txt ``Crawl-delay`` if longer); the robots.txt request counts as a request to the host.
* **retries**: timeouts, 5xx and 429 are retried ``retries`` times after ``retry_backoff``
  seconds, doubling; a Retry-After on 429/503 is waited out instead (and holds back every
  request to that host), unless it exceeds ``max_retry_after``: then ``HTTPStatusError``
  carries ``retry_after`` for the scheduler. Other 4xx are never retried.
* **the size cap**, enforced while streaming: a hostile server cannot make us buffer gigabytes.
* **the deadline**: ``fetch.timeout`` bounds each read, so a server trickling a byte a second
  never trips it. All the requests of one ``get`` (connecting, headers, body, every redirect
  hop and retry) share ``fetch.deadline`` seconds; past it the fetch fails with
  ``FetchTimeout`` and is not retried. Time spent waiting for a host's turn or a retry's backoff
  does not count, so a long queue for one host fails nothing, while no server can hold a
  check, a lease or a per-host slot longer than the deadline.

Conditional GET sends back exactly the validators a server gave (ETag → If-None-Match,
Last-Modified → If-Modified-Since), never a date made up locally. They go with every hop of a
redirect chain, as when httpx followed redirects: they were stored from the final response, so
a stable chain (http → https, a missing slash) still ends in a 304 at the URL that issued them.

Bodies stay bytes: decoding belongs to the extractor, which reads ``<meta charset>``. Statuses
the pipeline acts on (2xx, 304, 404, 410) come back as a ``FetchResult``; any other 4xx/5xx
raises ``HTTPStatusError``; transport problems raise other ``FetchError`` subclasses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from versiontrack import netguard, robots
from versiontrack.domain import FetchResult, Validators
from versiontrack.errors import (
    BlockedAddress,
    BodyTooLarge,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    RobotsDisallowed,
    TooManyRedirects,
)
from versiontrack.politeness import (
    MAX_CRAWL_DELAY,
    RETRY_AFTER_STATUSES,
    HostLimiter,
    parse_retry_after,
    politeness_key,
)
from versiontrack.settings import FetchSettings

log = logging.getLogger(__name__)

#: Statuses returned to the caller instead of raised: the pipeline gives them meaning.
HANDLED_STATUSES = frozenset({304, 404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,*/*;q=0.5"


def make_client(
    settings: FetchSettings, policy: netguard.AddressPolicy = netguard.refusal
) -> httpx.AsyncClient:
    """The async client: honest User-Agent, timeouts, no redirects, connections guarded."""
    limits = httpx.Limits(max_connections=settings.concurrency * 2)
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
        timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0)),
        # Followed by Fetcher.get, which checks robots.txt for each hop (the guard checks
        # each hop's address when it connects).
        follow_redirects=False,
        # Proxies and .netrc from the environment would silently change who we talk to.
        trust_env=False,
        # httpx parses a redirect's Location even when it does not follow it, and rejects
        # some numeric hosts itself: the guard must see them first
        event_hooks={"response": [_refuse_numeric_location]},
        transport=netguard.GuardedTransport(policy, limits=limits),
    )


def conditional_headers(validators: Validators | None) -> dict[str, str]:
    """Request headers that echo the server's own validators, never a locally made date."""
    headers: dict[str, str] = {}
    if validators is not None:
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
    return headers


class _Deadline:
    """The seconds one ``get`` (or one robots.txt load) may still spend in requests."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.left = seconds

    def exceeded(self, url: httpx.URL) -> FetchTimeout:
        return FetchTimeout(f"timed out fetching {url}: exceeded the {self.seconds:g} s deadline")


@dataclass(frozen=True, slots=True)
class _Response:
    url: httpx.URL
    status: int
    headers: httpx.Headers
    body: bytes


class Fetcher:
    """The HTTP client of a process, used as an async context manager.

    Every request versiontrack makes goes through ``Fetcher.get`` (robots.txt too, inside),
    so the rules in the module docstring apply to all of them. ``address_policy`` replaces the
    SSRF guard's address rule (tests use it to tell one loopback address from another).
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        address_policy: netguard.AddressPolicy | None = None,
        share: int = 1,
    ) -> None:
        """``share``: how many processes fetch for the same pass (``shards``). Each gets that
        share of the concurrency limits and waits that many times the per-host delay, so
        together they are as polite as one."""
        self.settings = settings
        self.share = share
        if address_policy is None:
            address_policy = netguard.allow_all if settings.allow_private else netguard.refusal
        self.client = make_client(settings, address_policy)
        self.hosts = HostLimiter(
            max(1, settings.concurrency // share), max(1, settings.per_host_concurrency // share)
        )
        self.robots = robots.RobotsCache(self._load_robots) if settings.robots else None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.robots is not None:
            await self.robots.aclose()
        await self.client.aclose()

    async def get(self, url: str, validators: Validators | None = None) -> FetchResult:
        """GET ``url`` under this fetcher's rules; raises a ``FetchError`` subclass on failure.

        Also raises ``RobotsDisallowed`` (a ``CheckError``, not a ``FetchError``) when
        robots.txt forbids the URL or any redirect target.
        """
        started = time.monotonic()
        headers = conditional_headers(validators)
        current = _parse_url(url)
        seen = {str(current)}
        deadline = _Deadline(self.settings.request_deadline)
        for _hop in range(self.settings.max_redirects + 1):
            delay = await self._obey_robots(current)
            response = await self._request(
                current, headers, deadline, delay=delay, max_bytes=self.settings.max_bytes
            )
            target = _redirect_target(response)
            if target is None:
                break
            if str(target) in seen:
                raise TooManyRedirects(
                    f"too many redirects: a loop back to {target} starting at {url}"
                )
            seen.add(str(target))
            current = target
        else:
            raise TooManyRedirects(
                f"too many redirects (more than {self.settings.max_redirects}) starting at {url}"
            )
        status = response.status
        if status >= 400 and status not in HANDLED_STATUSES:
            raise HTTPStatusError(f"HTTP {status} from {response.url}", status)
        return FetchResult(
            url=str(response.url),
            status=status,
            content_type=response.headers.get("Content-Type"),
            body=response.body,
            validators=Validators(
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            ),
            elapsed_ms=round((time.monotonic() - started) * 1000),
        )

    async def _obey_robots(self, url: httpx.URL) -> float:
        """Raise unless robots.txt allows ``url``; return the delay to keep for its host."""
        if self.robots is None:
            return self.settings.per_host_delay * self.share
        try:
            rules = await self.robots.rules(str(url))
        except BlockedAddress as exc:
            raise _blocked(url, exc) from None
        if not rules.allows(str(url)):
            if rules.failure is not None:
                # The host did not answer robots.txt: the page fails like any fetch of a host
                # that is down, rather than being "disallowed" by a rule nobody set.
                raise rules.failure(
                    f"cannot fetch {url}: its robots.txt is unreachable ({rules.unreachable})"
                )
            if rules.unreachable is not None:
                raise RobotsDisallowed(
                    f"robots.txt for {url} is unreachable ({rules.unreachable}); not fetching"
                )
            raise RobotsDisallowed(f"robots.txt disallows {url}")
        crawl_delay = min(rules.crawl_delay() or 0.0, MAX_CRAWL_DELAY)
        return max(self.settings.per_host_delay, crawl_delay) * self.share

    async def _load_robots(self, url: str) -> robots.RobotsResponse:
        """Fetch robots.txt for the cache: same limits and guard, up to five redirects."""
        current = httpx.URL(url)
        deadline = _Deadline(self.settings.request_deadline)
        for hop in range(robots.MAX_REDIRECTS + 1):
            try:
                response = await self._request(
                    current,
                    {},
                    deadline,
                    delay=self.settings.per_host_delay * self.share,
                    max_bytes=robots.MAX_BYTES,
                    truncate=True,
                )
            except HTTPStatusError:
                raise
            except FetchError as exc:
                if hop == 0:
                    raise  # the site's own host is refused or down: its pages fail the same way
                # Behind a redirect: the site is up, but its rules cannot be read.
                return robots.RobotsResponse(0, error=str(exc))
            try:
                target = _redirect_target(response)
            except FetchError as exc:
                return robots.RobotsResponse(response.status, error=str(exc))
            if target is None:
                return robots.RobotsResponse(
                    response.status, response.body, response.headers.get("Cache-Control")
                )
            current = target
        raise TooManyRedirects(f"more than {robots.MAX_REDIRECTS} redirects from {url}")

    async def _request(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        deadline: _Deadline,
        *,
        delay: float,
        max_bytes: int,
        truncate: bool = False,
    ) -> _Response:
        """One URL, retried on timeouts, 5xx and 429 within the deadline; any other answer is
        returned."""
        key = politeness_key(url)
        retries, backoff = self.settings.retries, self.settings.retry_backoff
        for attempt in range(retries + 1):
            last = attempt == retries
            wait = backoff * 2**attempt
            try:
                async with self.hosts.slot(key, delay):
                    response = await self._send(url, headers, max_bytes, truncate, deadline)
            except FetchTimeout as exc:
                if last or deadline.left <= 0:
                    raise
                log.info("retrying %s in %.3g s: %s", url, wait, exc)
                await asyncio.sleep(wait)
                continue
            status = response.status
            if status != 429 and not 500 <= status <= 599:
                return response
            retry_after = None
            if status in RETRY_AFTER_STATUSES:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            message = f"HTTP {status} from {url}"
            if retry_after is not None and retry_after > self.settings.max_retry_after:
                raise HTTPStatusError(
                    f"{message} (Retry-After {retry_after:.0f} s)", status, retry_after=retry_after
                )
            if last:
                raise HTTPStatusError(message, status, retry_after=retry_after)
            if retry_after is not None:
                # The whole host asked for a pause, not just this URL.
                log.info("retrying %s in %.3g s (Retry-After)", url, retry_after)
                self.hosts.defer(key, retry_after)
            else:
                log.info("retrying %s in %.3g s: %s", url, wait, message)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        max_bytes: int,
        truncate: bool,
        deadline: _Deadline,
    ) -> _Response:
        """One request, no retries, no redirects; the body only when someone will read it."""
        if deadline.left <= 0:
            raise deadline.exceeded(url)
        started = time.monotonic()
        try:
            async with asyncio.timeout(deadline.left):
                async with self.client.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    body = b""
                    if 200 <= status < 300 or status in HANDLED_STATUSES:
                        body = await _read_capped(response, max_bytes, truncate)
                    return _Response(response.url, status, response.headers, body)
        except TimeoutError:
            deadline.left = 0
            raise deadline.exceeded(url) from None
        except BlockedAddress as exc:
            if exc.reason == netguard.NONSTANDARD_IPV4:
                raise  # a redirect's target, named by _refuse_numeric_location
            raise _blocked(url, exc) from None
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"timed out fetching {url} ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
        finally:
            deadline.left -= time.monotonic() - started


async def _read_capped(response: httpx.Response, max_bytes: int, truncate: bool) -> bytes:
    """The body, refused past ``max_bytes`` (or cut there, if ``truncate``)."""
    declared = response.headers.get("Content-Length")
    if not truncate and declared and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"body of {declared} bytes exceeds the {max_bytes}-byte limit")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                chunks.append(chunk[: len(chunk) - (size - max_bytes)])
                break
            raise BodyTooLarge(f"body exceeds the {max_bytes}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_numeric_host(url: str) -> None:
    """The guard's refusal of ``0177.0.0.1``-style hosts, before httpx parses (or rejects) them."""
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return  # httpx reports the malformed URL
    if host:
        try:
            netguard.refuse_nonstandard_ipv4(host)
        except BlockedAddress as exc:
            raise BlockedAddress(
                f"refusing to fetch {url}: {exc}", address=exc.address, reason=exc.reason
            ) from None


async def _refuse_numeric_location(response: httpx.Response) -> None:
    location = response.headers.get("Location")
    if response.status_code in REDIRECT_STATUSES and location:
        try:
            target = urljoin(str(response.url), location.strip())
        except ValueError:  # a bad IPv6 literal ("//["): httpx reports the malformed redirect
            return
        _refuse_numeric_host(target)


def _parse_url(url: str) -> httpx.URL:
    _refuse_numeric_host(url)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"cannot fetch {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(f"cannot fetch {url!r}: only http(s) URLs are fetched")
    return parsed


def _redirect_target(response: _Response) -> httpx.URL | None:
    """Where a redirect points (relative Locations resolved), or None if it is no redirect."""
    if response.status not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("Location")
    if not location:
        raise FetchError(f"HTTP {response.status} from {response.url} without a Location")
    try:
        target = response.url.join(location.strip()).copy_with(fragment=None)
    except httpx.InvalidURL as exc:
        raise FetchError(f"bad redirect from {response.url} to {location!r}: {exc}") from exc
    if target.scheme not in ("http", "https") or not target.host:
        raise FetchError(f"redirect from {response.url} to a non-http(s) URL: {location!r}")
    return target


def _blocked(url: httpx.URL, exc: BlockedAddress) -> BlockedAddress:
    """The guard's refusal, naming the URL: "refusing to fetch …: 10.0.0.5 is a private …"."""
    detail = netguard.describe(url.host, exc.address, exc.reason)
    return BlockedAddress(
        f"refusing to fetch {url}: {detail}", address=exc.address, reason=exc.reason
    )
