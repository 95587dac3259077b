"""A big pass split across checking processes, so it uses every core.

One checking process spends about 10 ms of CPU on a check that finds nothing new — the HTTP
client, the fingerprint, two database statements, the event loop — and so tops out near 100
checks a second on one core, whatever the rest of the machine does. A pass of at least
``SHARD_MIN_CHECKS`` claimed articles is therefore split into ``check.workers`` shards, each
checked by a spawned process of its own (event loop, fetcher, database connection) running
``pipeline.check_claimed``. The shards stay as polite as one process: each gets its share of
the concurrency limits and multiplies the per-host delay by the number of shards
(``Fetcher(share=…)``). SQLite writers of all shards take turns on one lock, as the threads of
one process do. Outcomes stream back to the parent as they happen (progress bars move) and
come out in the order the articles were claimed.

A shard that dies leaves its unfinished articles failed ("internal error") with their leases
held, which spaces out their retry as a crash in one check does; an interrupted pass stops its
shards at once, their unfinished articles likewise keeping their leases until they expire.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import pickle
import queue
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import make_url

from versiontrack import logs
from versiontrack.fetch import Fetcher
from versiontrack.pipeline import CheckOutcome, Runtime, check_claimed
from versiontrack.store.engine import make_engine, session_factory

log = logging.getLogger(__name__)

#: Passes with fewer claimed articles run in one process: spawning one costs about a second.
SHARD_MIN_CHECKS = 100


def shard_count(rt: Runtime, due: int) -> int:
    """How many processes should check ``due`` claimed articles: 1 means this one."""
    workers = rt.settings.check.workers
    if workers < 2 or due < SHARD_MIN_CHECKS or _in_memory(rt.settings.database.url):
        return 1
    try:
        pickle.dumps(rt.clock)  # a shard needs the pass's clock (a lambda cannot travel)
    except (pickle.PicklingError, AttributeError, TypeError):
        return 1
    return min(workers, due // SHARD_MIN_CHECKS)


def _in_memory(url: str) -> bool:
    """An in-memory SQLite database lives in this process only: no other can share it."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


async def check_in_shards(
    rt: Runtime,
    due: Sequence[int],
    shards: int,
    on_progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Check claimed articles in ``shards`` spawned processes; outcomes in ``due`` order."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    writes = context.Lock()
    settings = replace(rt.settings, check=replace(rt.settings.check, workers=0))
    parts = [list(due[k::shards]) for k in range(shards)]
    processes = [
        context.Process(
            target=_shard_main,
            args=(k, settings, part, rt.clock, rt.owner, shards, writes, messages, logs.level()),
            name=f"versiontrack-shard-{k}",
            daemon=True,
        )
        for k, part in enumerate(parts)
    ]
    for process in processes:
        process.start()
    outcomes: dict[int, CheckOutcome] = {}
    running = set(range(shards))
    finished = False
    try:
        while running:
            message = await asyncio.to_thread(_next, messages)
            if message is None:  # nothing for a while: has a shard died?
                for k in list(running):
                    if not processes[k].is_alive() and processes[k].exitcode not in (0, None):
                        log.error("shard %d died (exit code %s)", k, processes[k].exitcode)
                        running.discard(k)
                continue
            kind, k, payload = message
            if kind == "check":
                outcomes[payload.article_id] = payload
                if on_progress:
                    on_progress(payload)
            elif kind == "crash":
                log.error("shard %d crashed: %s", k, payload)
            elif kind == "done":
                running.discard(k)
        finished = True
    finally:
        for process in processes:
            if not finished:  # interrupted (Ctrl-C, cancelled): stop the shards now
                process.terminate()
            await asyncio.to_thread(process.join, 30)
            if process.is_alive():
                process.kill()
        messages.close()
    return [
        outcomes.get(i) or CheckOutcome(i, "", "failed", error="internal error: shard lost")
        for i in due
    ]


def _next(messages: Any) -> tuple[str, int, Any] | None:
    try:
        message: tuple[str, int, Any] = messages.get(timeout=1.0)
    except queue.Empty:
        return None
    return message


def _shard_main(
    k: int,
    settings: Any,
    ids: list[int],
    clock: Callable[..., Any],
    owner: str,
    shards: int,
    writes: Any,
    messages: Any,
    log_level: int,
) -> None:
    """A shard process: check ``ids`` and report each outcome on ``messages``."""
    logs.start_child(log_level, f"shard {k}")
    engine = make_engine(settings.database.url)

    async def run() -> None:
        async with Fetcher(settings.fetch, share=shards) as fetcher:
            rt = Runtime(
                settings, session_factory(engine), fetcher, clock, owner=owner, sqlite_writes=writes
            )
            await check_claimed(rt, ids, lambda o: messages.put(("check", k, o)))

    try:
        asyncio.run(run())
    except BaseException as exc:
        messages.put(("crash", k, repr(exc)))
        raise
    finally:
        engine.dispose()
        messages.put(("done", k, None))
