"""A pass: poll the sources, claim due articles (leases), and check them in this process.

``versiontrack check`` runs ``start_pass`` then ``check_claimed`` (or ``shards`` when the pass
is big enough to spread over processes); the daemon's ticks ``claim`` and ``check_safely``
instead. Leases of dead workers of this host are freed first (``recover_dead_leases``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from versiontrack import harvest
from versiontrack.domain import Source
from versiontrack.pipeline.article import check_safely
from versiontrack.pipeline.context import (
    CheckOutcome,
    PollOutcome,
    Runtime,
    owner_alive,
    unit_of_work,
)
from versiontrack.store import schedule
from versiontrack.store import sources as sources_store

# One logger for the whole write side: log lines read "versiontrack.pipeline: …" as before
# the split, whichever stage wrote them.
log = logging.getLogger(__package__)

#: Checks in flight per allowed concurrent request: enough to keep every fetch slot busy
#: while other checks extract, few enough that pages never queue up.
IN_FLIGHT_PER_FETCH = 2
#: A pass with fewer checks reads its pages in a thread: starting the pool's processes (about
#: a second of CPU each) would cost more than it saves.
POOL_MIN_CHECKS = 32


async def poll_sources(runtime: Runtime, sources: Sequence[Source]) -> list[PollOutcome]:
    """Fetch feeds concurrently, then store them in the given order.

    Storing in order keeps article ids independent of which server answered first.
    """
    fetched = await asyncio.gather(*(harvest.fetch_source(runtime, s) for s in sources))
    return [await asyncio.to_thread(harvest.store_source, runtime, f) for f in fetched]


def claim(
    runtime: Runtime,
    *,
    limit: int | None = None,
    force: bool = False,
    article_ids: Sequence[int] | None = None,
) -> list[int]:
    """Lease due articles (or all, or the named ones) to this worker."""
    with unit_of_work(runtime) as session:
        return _claim_due(
            session, runtime, runtime.clock(), limit=limit, force=force, ids=article_ids
        )


def _claim_due(
    session: Session,
    runtime: Runtime,
    now: datetime,
    *,
    limit: int | None = None,
    force: bool = False,
    ids: Sequence[int] | None = None,
) -> list[int]:
    return schedule.claim_due(
        session,
        now=now,
        owner=runtime.owner,
        lease_seconds=runtime.settings.daemon.lease,
        limit=limit,
        force=force,
        ids=ids,
    )


def recover_dead_leases(session: Session) -> int:
    """Free the leases of stopped workers of this host (a killed pass or daemon)."""
    freed = schedule.recover_leases(session, socket.gethostname(), owner_alive)
    if freed:
        log.info("recovered %d leases left by stopped workers on this host", freed)
    return freed


async def start_pass(
    runtime: Runtime, *, force: bool = False, article_ids: Sequence[int] | None = None
) -> tuple[list[PollOutcome], list[int], int]:
    """The first half of a pass, as ``versiontrack check`` runs it: poll every source (unless
    specific articles are named), then claim the due articles (or all, or the named ones).

    Returns the polls, the claimed articles and how many more the pass wanted but a live
    worker holds. Leases of dead workers of this host (a killed pass or daemon) are freed
    first: their articles are claimed now instead of skipped until the leases expire.
    """
    with unit_of_work(runtime) as session:
        sources_store.sync_sources(session, runtime.settings.sources, runtime.clock())
    polls = await poll_sources(runtime, runtime.settings.sources) if article_ids is None else []
    due, held = await asyncio.to_thread(_claim_pass, runtime, force, article_ids)
    return polls, due, held


def _claim_pass(
    runtime: Runtime, force: bool, article_ids: Sequence[int] | None
) -> tuple[list[int], int]:
    with unit_of_work(runtime) as session:
        recover_dead_leases(session)
        now = runtime.clock()
        due = _claim_due(session, runtime, now, force=force, ids=article_ids)
        held = schedule.held_by_others(
            session, now=now, owner=runtime.owner, force=force, ids=article_ids
        )
    if held:
        log.warning("%d articles left alone: another worker is checking them", held)
    return due, held


async def check_claimed(
    runtime: Runtime,
    due: Sequence[int],
    on_progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Check claimed articles, in this process; outcomes in the order of ``due``."""
    if len(due) < POOL_MIN_CHECKS:
        runtime = dataclasses.replace(runtime, cpu=None)
    # Checks in flight are bounded: the Fetcher limits requests, but unbounded checks would
    # pile fetched pages up in the worker threads' queue (memory grows with the pass) and
    # starve the name lookups that share it (connect timeouts on big passes).
    in_flight = asyncio.Semaphore(IN_FLIGHT_PER_FETCH * runtime.settings.fetch.concurrency)

    async def one(article_id: int) -> CheckOutcome:
        async with in_flight:
            outcome = await check_safely(runtime, article_id)
        if on_progress:
            on_progress(outcome)
        return outcome

    return list(await asyncio.gather(*(one(i) for i in due)))
