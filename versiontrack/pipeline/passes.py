"""A pass: claim due articles (leases), poll the sources, and check them in this process.

``versiontrack check`` runs ``start_pass`` (what is due before the poll), ``poll_and_claim``
(what the poll made due) and ``check_claimed``, or ``shards`` when the pass is big enough to
spread over processes: then the shards check what was due while this process polls. The
daemon's ticks ``claim`` and ``check_safely`` instead. Leases of dead workers of this host are
freed first (``recover_dead_leases``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
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
from versiontrack.settings import Settings
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
) -> tuple[list[int], int]:
    """The first half of a pass, as ``versiontrack check`` runs it: claim the due articles (or
    all, or the named ones) it knows before polling its sources (``poll_and_claim``), so that
    checking them need not wait for the feeds.

    Returns the claimed articles and how many more the pass wanted but a live worker holds.
    Leases of dead workers of this host (a killed pass or daemon) are freed first: their
    articles are claimed now instead of skipped until the leases expire.
    """
    return await asyncio.to_thread(_claim_known, runtime, force, article_ids)


def _claim_known(
    runtime: Runtime, force: bool, article_ids: Sequence[int] | None
) -> tuple[list[int], int]:
    with unit_of_work(runtime) as session:
        sources_store.sync_sources(session, runtime.settings.sources, runtime.clock())
        recover_dead_leases(session)
        now = runtime.clock()
        due = _claim_due(session, runtime, now, force=force, ids=article_ids)
        held = schedule.held_by_others(
            session, now=now, owner=runtime.owner, force=force, ids=article_ids
        )
    _warn_held(held)
    return due, held


async def poll_and_claim(
    runtime: Runtime, *, force: bool = False
) -> tuple[list[PollOutcome], list[int], int]:
    """The second half: poll every source, then claim what the poll made due (the articles it
    added, those a sitemap nudged). What ``start_pass`` claimed is never claimed again: it is
    leased, or checked since and due later. Returns the polls, the claimed articles and how
    many articles of the pass (``force``: all) a live worker holds.
    """
    polls = await poll_sources(runtime, runtime.settings.sources)
    due, held = await asyncio.to_thread(_claim_polled, runtime, force)
    return polls, due, held


def _claim_polled(runtime: Runtime, force: bool) -> tuple[list[int], int]:
    with unit_of_work(runtime) as session:
        now = runtime.clock()
        due = _claim_due(session, runtime, now)
        held = schedule.held_by_others(session, now=now, owner=runtime.owner, force=force)
    _warn_held(held)
    return due, held


def _warn_held(held: int) -> None:
    if held:
        log.warning("%d articles left alone: another worker is checking them", held)


async def check_claimed(
    runtime: Runtime,
    due: Sequence[int],
    on_progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Check claimed articles, in this process; outcomes in the order of ``due``."""
    if len(due) < POOL_MIN_CHECKS:
        runtime = dataclasses.replace(runtime, cpu=None)
    left = iter(due)

    async def next_id() -> int | None:
        return next(left, None)

    checked = await check_handed(runtime, next_id, in_flight(runtime.settings), on_progress)
    by_id = {o.article_id: o for o in checked}
    return [by_id[i] for i in due]


def in_flight(settings: Settings, shards: int = 1) -> int:
    """Checks in flight in one process of a pass split in ``shards``: enough to keep its share
    of the fetch slots busy while other checks read pages, few enough that pages never queue
    up (memory growing with the pass, name lookups starved: connect timeouts on big passes)."""
    return IN_FLIGHT_PER_FETCH * max(1, -(-settings.fetch.concurrency // shards))


async def check_handed(
    runtime: Runtime,
    next_id: Callable[[], Awaitable[int | None]],
    workers: int,
    on_progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Check articles as ``next_id`` hands them out, ``workers`` at a time, until it hands out
    None; outcomes in the order they finished."""
    outcomes: list[CheckOutcome] = []

    async def worker() -> None:
        while (article_id := await next_id()) is not None:
            outcome = await check_safely(runtime, article_id)
            outcomes.append(outcome)
            if on_progress:
                on_progress(outcome)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return outcomes
