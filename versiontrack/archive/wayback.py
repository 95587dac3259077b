"""The Wayback Machine: its CDX API lists an address's captures, ``id_`` replay returns each
capture's page as it was archived (the original bytes, no Wayback toolbar or rewriting).

    GET {wayback}/cdx/search/cdx?url=URL&output=json&fl=timestamp,original,statuscode,
        mimetype,digest&filter=statuscode:200&collapse=digest[&from=T][&to=T]
    → [["timestamp","original",…], ["20241030081500","https://…","200","text/html","…"], …]
    GET {wayback}/web/20241030081500id_/https://…   → the page

``collapse=digest`` drops captures whose bytes equal the one before; captures whose *article
text* did not change are then skipped by the back-fill itself, as in a live check.
Requests are spaced ``archive.delay`` seconds apart, and every page is capped at
``fetch.max_bytes``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import httpx

from versiontrack.archive.captures import Capture, CaptureOutcome
from versiontrack.errors import ArchiveError, InvalidArgument
from versiontrack.settings import Settings

__all__ = [
    "CDX_FIELDS",
    "CdxRow",
    "Pacer",
    "archive_client",
    "cdx_query_url",
    "cdx_timestamp",
    "list_captures",
    "parse_cdx",
    "replay_captures",
    "replay_url",
]

CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest")
HTML_TYPES = ("text/html", "application/xhtml+xml")
_TIMESTAMP = re.compile(r"^\d{4,14}$")
_REPLAYED_AT = re.compile(r"/web/(\d{14})id_/")


@dataclass(frozen=True, slots=True)
class CdxRow:
    timestamp: str  # 14 digits, UTC
    original: str
    statuscode: str
    mimetype: str
    digest: str

    @property
    def captured_at(self) -> datetime:
        return datetime.strptime(self.timestamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)


class Pacer:
    """Spaces requests to one service ``delay`` seconds apart (start to start)."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._last: float | None = None

    def ready_at(self) -> float:
        return time.monotonic() if self._last is None else self._last + self.delay

    async def wait(self) -> None:
        pause = self.ready_at() - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._last = time.monotonic()


def archive_client(settings: Settings, timeout: float | None = None) -> httpx.AsyncClient:
    """An HTTP client for the archive service: our User-Agent, ``archive.timeout``."""
    return httpx.AsyncClient(
        headers={"User-Agent": settings.fetch.user_agent},
        timeout=httpx.Timeout(timeout or settings.archive.timeout),
        follow_redirects=True,
    )


def cdx_timestamp(value: str) -> str:
    """``--from``/``--to`` as a CDX timestamp: an ISO date or date-time, or CDX digits.

    A bare date stays a day prefix, which CDX reads as the whole day (``--to`` inclusive).
    """
    value = value.strip()
    if _TIMESTAMP.match(value):
        return value
    try:
        if len(value) == 10:
            return date.fromisoformat(value).strftime("%Y%m%d")
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(
            f"cannot read {value!r} as a date: use e.g. 2024-10-30, 2024-10-30T08:00 or "
            "20241030081500"
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y%m%d%H%M%S")


def cdx_query_url(base: str, url: str, since: str | None, until: str | None) -> str:
    params = [
        ("url", url),
        ("output", "json"),
        ("fl", ",".join(CDX_FIELDS)),
        ("filter", "statuscode:200"),
        ("collapse", "digest"),
    ]
    if since:
        params.append(("from", since))
    if until:
        params.append(("to", until))
    return f"{base.rstrip('/')}/cdx/search/cdx?{urlencode(params)}"


def replay_url(base: str, row: CdxRow) -> str:
    return f"{base.rstrip('/')}/web/{row.timestamp}id_/{row.original}"


def parse_cdx(body: bytes) -> list[CdxRow]:
    """CDX JSON output → rows, oldest first; an empty answer is no captures."""
    if not body.strip():
        return []
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"the CDX API answered something that is not JSON: {exc}") from exc
    if not isinstance(data, list) or not data:
        return []
    header, *rows = data
    if not isinstance(header, list) or not all(f in header for f in CDX_FIELDS):
        raise ArchiveError(f"the CDX API answered unexpected fields: {header!r}")
    at = [header.index(f) for f in CDX_FIELDS]
    result = []
    for row in rows:
        if not isinstance(row, list) or len(row) < len(header):
            continue
        values = [str(row[i]) for i in at]
        if not re.fullmatch(r"\d{14}", values[0]):
            continue
        result.append(CdxRow(*values))
    return sorted(result, key=lambda r: r.timestamp)


async def list_captures(
    client: httpx.AsyncClient,
    base: str,
    url: str,
    since: str | None,
    until: str | None,
    pacer: Pacer,
) -> list[CdxRow]:
    """The HTML captures of ``url`` the Wayback Machine holds, oldest first."""
    await pacer.wait()
    try:
        response = await client.get(cdx_query_url(base, url, since, until))
    except httpx.HTTPError as exc:
        raise ArchiveError(f"the CDX API at {base} did not answer: {exc!r}") from exc
    if response.status_code != 200:
        raise ArchiveError(f"the CDX API at {base} answered HTTP {response.status_code}")
    return [r for r in parse_cdx(response.content) if r.mimetype in HTML_TYPES]


async def replay_captures(
    client: httpx.AsyncClient,
    base: str,
    rows: Sequence[CdxRow],
    pacer: Pacer,
    max_bytes: int,
) -> AsyncIterator[Capture | CaptureOutcome]:
    """Each row's page by ``id_`` replay, as a ``Capture`` (or a failed outcome)."""
    for row in rows:
        await pacer.wait()
        try:
            async with client.stream("GET", replay_url(base, row)) as response:
                status, url = response.status_code, str(response.url)
                content_type = response.headers.get("Content-Type")
                body = await _read_capped(response, max_bytes) if status == 200 else b""
        except httpx.HTTPError as exc:
            yield CaptureOutcome(
                row.original, row.captured_at, "failed", error=f"replay failed: {exc!r}"
            )
            continue
        if status != 200:
            error = f"replay answered HTTP {status}"
            yield CaptureOutcome(row.original, row.captured_at, "failed", error=error)
            continue
        if body is None:
            error = f"page larger than fetch.max_bytes ({max_bytes} bytes)"
            yield CaptureOutcome(row.original, row.captured_at, "failed", error=error)
            continue
        replayed = _REPLAYED_AT.search(url)
        captured_at = row.captured_at
        if replayed:  # the replay may answer with the nearest capture instead
            captured_at = CdxRow(replayed[1], "", "", "", "").captured_at
        yield Capture(row.original, captured_at, body, content_type, 200, "wayback")


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes | None:
    """The body, or None past ``max_bytes`` (read no further)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
