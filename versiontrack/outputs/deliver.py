"""Draining the outbox: lease due deliveries, send them, record the outcome.

At least once: a delivery is marked delivered only after its peer accepted it; a drainer
killed in between leaves a lease that the next drainer on this host frees at once (the lease
names the host and pid, as article leases do) and other hosts' drainers take over after
``LEASE_SECONDS``. Receivers de-duplicate by the delivery id, which a retry keeps.

A failed delivery is retried after ``BACKOFF_BASE`` seconds, doubling up to ``BACKOFF_CAP``.
Each output gets at most ``per_minute`` deliveries in any minute (counted in the database, so
restarts do not reset it). A drain is bounded in time (``budget``): what it leased and did not
reach is released. The daemon drains in a thread every few seconds; ``versiontrack check``
once after its pass. Nothing here runs inside a check.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from versiontrack import __version__
from versiontrack.errors import NotFound, OutputError
from versiontrack.outputs import payload
from versiontrack.outputs.config import Output
from versiontrack.outputs.senders import Thread, send
from versiontrack.settings import Settings
from versiontrack.store import outbox

log = logging.getLogger(__name__)

LEASE_SECONDS = 120
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
BATCH = 50  # deliveries of one output leased per drain
TIMEOUT = 15.0  # seconds for one request to a peer
KEEP_DELIVERED = timedelta(days=30)  # delivered rows are then forgotten


def utcnow() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failed ones (30, 60, 120… up to 1 h)."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


@dataclass
class DrainReport:
    delivered: int = 0
    failed: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def _transaction(
    sessions: sessionmaker[Session], writes: AbstractContextManager[Any] | None
) -> Iterator[Session]:
    with sessions() as session:
        sqlite = session.get_bind().dialect.name == "sqlite"
        with writes if (writes is not None and sqlite) else nullcontext(), session.begin():
            yield session


def client(settings: Settings) -> httpx.Client:
    return httpx.Client(
        timeout=TIMEOUT,
        headers={"User-Agent": settings.fetch.user_agent or f"versiontrack/{__version__}"},
    )


def drain(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    owner: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    budget: float = 30.0,
    writes: AbstractContextManager[Any] | None = None,
) -> DrainReport:
    """Deliver what is due, for at most about ``budget`` seconds."""
    report = DrainReport()
    outputs = {o.name: o for o in settings.outputs}
    if not outputs:
        return report
    from versiontrack.pipeline.context import owner_alive, worker_id  # pipeline imports ``enqueue``

    owner = owner or worker_id()
    now = clock()
    with _transaction(sessions, writes) as session:
        outbox.recover_leases(session, socket.gethostname(), owner_alive)
        room = {
            name: min(BATCH, o.per_minute - outbox.delivered_since(session, name, now - _MINUTE))
            for name, o in outputs.items()
        }
        claimed = outbox.claim(
            session, room=room, owner=owner, now=now, lease_seconds=LEASE_SECONDS
        )
        if now.minute == 0:  # now and then, forget old deliveries
            outbox.purge_delivered(session, now - KEEP_DELIVERED)
    if not claimed:
        return report
    started = time.monotonic()
    left: list[int] = []
    cache: dict[str, Any] = {}
    stalled: set[tuple[str, int | None]] = set()  # an article's delivery failed: keep order
    with client(settings) as http:
        for delivery in claimed:
            thread_key = (delivery.output, delivery.article_id)
            if time.monotonic() - started > budget or (
                delivery.article_id is not None and thread_key in stalled
            ):
                left.append(delivery.id)
                continue
            ok = _deliver_one(
                settings,
                sessions,
                writes,
                outputs[delivery.output],
                delivery,
                http,
                cache,
                clock,
                report,
            )
            if not ok:
                stalled.add(thread_key)
    if left:
        with _transaction(sessions, writes) as session:
            outbox.release(session, owner, left)
        report.released = len(left)
    return report


_MINUTE = timedelta(minutes=1)


def _deliver_one(
    settings: Settings,
    sessions: sessionmaker[Session],
    writes: AbstractContextManager[Any] | None,
    output: Output,
    delivery: outbox.Claimed,
    http: httpx.Client,
    cache: dict[str, Any],
    clock: Callable[[], datetime],
    report: DrainReport,
) -> bool:
    """Send one delivery and record the outcome; True when it was delivered."""
    public_url = settings.server.public_url
    with sessions() as session:
        thread = None
        if delivery.change_id is not None:
            entry = outbox.change_entry(session, delivery.change_id)
            message = (
                None
                if entry is None
                else payload.change_message(entry, delivery.delivery_id, public_url)
            )
            if delivery.article_id is not None:
                row = outbox.thread(session, output.name, delivery.article_id)
                thread = None if row is None else Thread(row.post_id, row.post_cid)
        else:
            message = payload.notice_message(
                delivery.payload or {}, delivery.delivery_id, public_url
            )
    error: str | None = None
    posted = None
    if message is not None:
        try:
            posted = send(output, message, http, thread, cache)
        except OutputError as exc:
            error = str(exc)
        except Exception as exc:  # a bug in one sender must not stop the drain or the daemon
            log.exception("output %s: delivery %s failed", output.name, delivery.delivery_id)
            error = f"internal error: {type(exc).__name__}: {exc}"
    now = clock()
    with _transaction(sessions, writes) as session:
        if error is None:
            outbox.delivered(session, delivery, now)
            if posted and posted.post_id and thread is None and delivery.article_id is not None:
                outbox.start_thread(
                    session, output.name, delivery.article_id, posted.post_id, posted.post_cid
                )
        else:
            retry_at = now + timedelta(seconds=backoff(delivery.attempts + 1))
            outbox.failed(session, delivery, error, now, retry_at)
    if error is None:
        report.delivered += 1
        log.info("output %s: delivered %s", output.name, delivery.delivery_id)
        return True
    report.failed += 1
    report.errors.append(f"{output.name}: {error}")
    log.warning("output %s: delivery %s failed: %s", output.name, delivery.delivery_id, error)
    return False


def send_test(settings: Settings, sessions: sessionmaker[Session], name: str) -> Output:
    """``versiontrack outputs test NAME``: send a test message now, outside the outbox.

    Raises ``NotFound`` for an unknown output and ``OutputError`` when the send fails; the
    outcome is recorded as the output's last success or last error.
    """
    output = next((o for o in settings.outputs if o.name == name), None)
    if output is None:
        known = ", ".join(o.name for o in settings.outputs) or "none configured"
        raise NotFound(f"no output named {name!r} (outputs: {known})")
    now = utcnow()
    message = payload.probe_message(name, settings.server.public_url, now)
    error: str | None = None
    try:
        with client(settings) as http:
            send(output, message, http)
    except OutputError as exc:
        error = str(exc)
    with _transaction(sessions, None) as session:
        outbox.record_error(session, name, error, utcnow())
    if error is not None:
        raise OutputError(f"output {name!r}: {error}")
    return output


def status(settings: Settings, sessions: sessionmaker[Session]) -> list[outbox.OutputStatus]:
    """Every configured output's backlog, retries and last outcome."""
    with sessions() as session:
        return outbox.status(session, [o.name for o in settings.outputs])
