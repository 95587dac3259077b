"""HTTP: the one client versiontrack uses and ``fetch`` — a GET that returns raw bytes.

``fetch`` follows redirects, sends back exactly the validators a server gave, enforces the body
size cap while streaming (a hostile server cannot make us buffer gigabytes), and turns every
transport problem into a ``FetchError`` subclass. Bodies stay bytes: decoding belongs to the
extractor, which reads ``<meta charset>`` (httpx's fallback decoding garbles such pages).

Statuses the pipeline acts on (2xx, 304, 404, 410) come back as a ``FetchResult``; any other
4xx/5xx raises ``HTTPStatusError``.
"""

from __future__ import annotations

import time

import httpx

from versiontrack.domain import FetchResult, Validators
from versiontrack.errors import (
    BodyTooLarge,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    TooManyRedirects,
)
from versiontrack.settings import FetchSettings

#: Statuses returned to the caller instead of raised: the pipeline gives them meaning.
HANDLED_STATUSES = frozenset({304, 404, 410})

ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,*/*;q=0.5"


def make_client(settings: FetchSettings) -> httpx.AsyncClient:
    """Build the shared async client: honest User-Agent, timeouts, redirects followed."""
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT},
        timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 10.0)),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        # Proxies and .netrc from the environment would silently change who we talk to.
        trust_env=False,
        limits=httpx.Limits(max_connections=settings.concurrency * 2),
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


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    validators: Validators | None = None,
    *,
    max_bytes: int,
) -> FetchResult:
    """GET ``url`` and return its raw body; raise a ``FetchError`` subclass on failure."""
    started = time.monotonic()
    try:
        async with client.stream("GET", url, headers=conditional_headers(validators)) as response:
            status = response.status_code
            if status >= 400 and status not in HANDLED_STATUSES:
                raise HTTPStatusError(f"HTTP {status} from {response.url}", status)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise BodyTooLarge(f"body of {declared} bytes exceeds the {max_bytes}-byte limit")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise BodyTooLarge(f"body exceeds the {max_bytes}-byte limit")
                chunks.append(chunk)
            return FetchResult(
                url=str(response.url),
                status=status,
                content_type=response.headers.get("Content-Type"),
                body=b"".join(chunks),
                validators=Validators(
                    etag=response.headers.get("ETag"),
                    last_modified=response.headers.get("Last-Modified"),
                ),
                elapsed_ms=round((time.monotonic() - started) * 1000),
            )
    except httpx.TooManyRedirects as exc:
        raise TooManyRedirects(f"too many redirects (loop?) starting at {url}") from exc
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"timed out fetching {url} ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc


class Fetcher:
    """The HTTP client for a process, used as an async context manager.

    Every fetch the pipeline makes goes through ``Fetcher.get``, so the rules that apply to all
    of them (size cap, and the politeness rules) live in one place.
    """

    def __init__(self, settings: FetchSettings) -> None:
        self.settings = settings
        self.client = make_client(settings)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.aclose()

    async def get(self, url: str, validators: Validators | None = None) -> FetchResult:
        """GET ``url`` under this fetcher's rules; raises a ``FetchError`` subclass on failure."""
        return await fetch(self.client, url, validators, max_bytes=self.settings.max_bytes)
