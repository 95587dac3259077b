"""Save Page Now: the Wayback Machine captures a page when asked, and we keep its address.

A check that stores a version writes a request into the queue in the same transaction
(``store.archive_queue``); nothing here runs inside a check. ``drain`` takes due requests one
at a time — claimed in their own transaction, so daemons sharing a PostgreSQL never ask twice
— spaced ``archive.save_delay`` seconds apart (Save Page Now limits how often it may be
asked), within a time budget. A failed request (a 5xx, a 429, a timeout, no capture address
in the answer) is retried after ``archive.retry_backoff`` seconds, doubling each time, and
given up after ``archive.retries`` attempts. ``drain_quietly`` never raises: the daemon and
the end of a ``check`` pass call it, and archiving must never fail either.

Asking is ``GET {wayback}/save/{page URL}``; the capture's address comes back as the
``Content-Location`` header, a redirect to ``/web/<timestamp>/<page URL>``, or a job
(``spn2-…``) whose ``/save/status/<job>`` names the capture's timestamp when done. With
``archive.access_key`` and ``secret_key``, the SPN2 API is used: ``POST /save`` with the keys,
then the job's status.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx

from versiontrack.archive.wayback import Pacer, archive_client
from versiontrack.pipeline.context import Runtime, unit_of_work
from versiontrack.settings import ArchiveSettings
from versiontrack.store import archive_queue
from versiontrack.store.archive_queue import SaveJob

log = logging.getLogger(__name__)

__all__ = ["DrainReport", "SaveFailed", "drain", "drain_quietly", "request_save", "retry_delay"]

#: Seconds between two looks at a Save Page Now job's status.
JOB_POLL = 3.0
#: A Save Page Now job's id, as the API's JSON and the anonymous answer's page name it.
_JOB = re.compile(r"spn2-[0-9a-f]{8,}")
#: Seconds beyond the request timeout a claimed request is held before another drain may
#: take it (its drain died).
HOLD_MARGIN = 60.0


class SaveFailed(Exception):
    """Save Page Now did not give a capture; ``retry_after`` is the server's wish, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class DrainReport:
    saved: list[tuple[SaveJob, str]] = field(default_factory=list)
    failed: list[tuple[SaveJob, str]] = field(default_factory=list)  # will be retried
    given_up: list[tuple[SaveJob, str]] = field(default_factory=list)


def retry_delay(attempts: int, backoff: float) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: backoff, doubling."""
    return backoff * 2 ** max(attempts - 1, 0)


def _archive_url(base: str, response: httpx.Response) -> str | None:
    for name in ("Content-Location", "Location"):
        value = response.headers.get(name)
        if value and "/web/" in value:
            url = urljoin(base.rstrip("/") + "/", value)
            if url.startswith(("http://", "https://")):
                return url
    return None


async def request_save(client: httpx.AsyncClient, settings: ArchiveSettings, url: str) -> str:
    """Ask Save Page Now for a capture of ``url``; the capture's address, or ``SaveFailed``.

    With ``archive.access_key``/``secret_key``: the SPN2 API (``POST /save`` answers a job,
    ``/save/status/<job>`` says when it is done). Without: ``GET /save/<url>``, whose answer
    names the capture (``Content-Location`` or a redirect) or the job that is making it.
    """
    base = settings.wayback_url.rstrip("/")
    headers = {"Accept": "application/json"}
    if settings.access_key:
        headers["Authorization"] = f"LOW {settings.access_key}:{settings.secret_key}"
    try:
        if settings.access_key:
            response = await client.post(
                f"{base}/save", data={"url": url}, headers=headers, follow_redirects=False
            )
        else:
            response = await client.get(f"{base}/save/{url}", follow_redirects=False)
    except httpx.HTTPError as exc:
        raise SaveFailed(f"Save Page Now did not answer: {exc!r}") from exc
    status = response.status_code
    if status >= 400:
        raise SaveFailed(
            f"Save Page Now answered HTTP {status}",
            _retry_after(response.headers.get("Retry-After")),
        )
    found = _archive_url(base, response)
    if found:
        return found
    job = _JOB.search(response.text)
    if job:
        return await _follow_job(client, base, job[0], url, headers)
    raise SaveFailed(f"Save Page Now answered HTTP {status} without a capture address")


async def _follow_job(
    client: httpx.AsyncClient, base: str, job: str, url: str, headers: dict[str, str]
) -> str:
    """Poll a Save Page Now job until it has a capture (the caller bounds the time)."""
    while True:
        try:
            response = await client.get(f"{base}/save/status/{job}", headers=headers)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SaveFailed(f"Save Page Now job {job}: no status ({exc!r})") from exc
        state = data.get("status") if isinstance(data, dict) else None
        if state == "success" and re.fullmatch(r"\d{14}", str(data.get("timestamp", ""))):
            return f"{base}/web/{data['timestamp']}/{data.get('original_url') or url}"
        if state != "pending":
            detail = data.get("message") or data.get("status_ext") if isinstance(data, dict) else ""
            raise SaveFailed(f"Save Page Now job {job} failed: {detail or state}")
        await asyncio.sleep(JOB_POLL)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((moment - datetime.now(moment.tzinfo)).total_seconds(), 0.0)


async def drain(
    rt: Runtime,
    *,
    seconds: float | None = None,
    limit: int | None = None,
    pacer: Pacer | None = None,
    client: httpx.AsyncClient | None = None,
) -> DrainReport:
    """Send due requests until none is due, ``limit`` were sent or ``seconds`` passed."""
    settings = rt.settings.archive
    pacer = pacer or Pacer(settings.save_delay)
    deadline = None if seconds is None else time.monotonic() + seconds
    report = DrainReport()
    own = client is None
    client = client or archive_client(rt.settings)
    try:
        sent = 0
        while limit is None or sent < limit:
            if deadline is not None and pacer.ready_at() >= deadline:
                break
            job = await asyncio.to_thread(_claim, rt)
            if job is None:
                break
            await pacer.wait()
            sent += 1
            timeout = settings.timeout
            if deadline is not None:
                timeout = max(min(timeout, deadline - time.monotonic()), 1.0)
            try:
                archive_url = await asyncio.wait_for(
                    request_save(client, settings, job.url), timeout
                )
            except (SaveFailed, TimeoutError) as exc:
                error = str(exc) or f"Save Page Now took longer than {timeout:.0f} s"
                retry_after = exc.retry_after if isinstance(exc, SaveFailed) else None
                given_up = await asyncio.to_thread(_failed, rt, job, error, retry_after)
                (report.given_up if given_up else report.failed).append((job, error))
                log.warning("archive %s failed (attempt %d): %s", job.url, job.attempts + 1, error)
                continue
            await asyncio.to_thread(_saved, rt, job, archive_url)
            report.saved.append((job, archive_url))
            log.info("archived %s as %s", job.url, archive_url)
    finally:
        if own:
            await client.aclose()
    return report


async def drain_quietly(
    rt: Runtime, *, seconds: float | None, pacer: Pacer | None = None
) -> DrainReport | None:
    """``drain``, but a problem is logged, never raised (the daemon, the end of a pass)."""
    if not rt.settings.archive.save:
        return None
    try:
        return await drain(rt, seconds=seconds, pacer=pacer)
    except Exception:
        log.exception("draining the Save Page Now queue failed; it will be tried again")
        return None


def _claim(rt: Runtime) -> SaveJob | None:
    with unit_of_work(rt) as session:
        return archive_queue.claim_save(
            session, rt.clock(), rt.settings.archive.timeout + HOLD_MARGIN
        )


def _saved(rt: Runtime, job: SaveJob, archive_url: str) -> None:
    with unit_of_work(rt) as session:
        archive_queue.save_succeeded(session, job, archive_url, rt.clock())


def _failed(rt: Runtime, job: SaveJob, error: str, retry_after: float | None) -> bool:
    """Record a failed attempt; True when it was the last one."""
    settings = rt.settings.archive
    attempts = job.attempts + 1
    now = rt.clock()
    retry_at: datetime | None = None
    if attempts < settings.retries:
        wait = max(retry_delay(attempts, settings.retry_backoff), retry_after or 0.0)
        retry_at = now + timedelta(seconds=wait)
    with unit_of_work(rt) as session:
        archive_queue.save_failed(session, job, error[:1000], retry_at, now)
    return retry_at is None
