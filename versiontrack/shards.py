"""A big pass split across checking processes, so it uses every core.

One checking process spends about 10 ms of CPU on a check that finds nothing new — the HTTP
client, the fingerprint, two database statements, the event loop — and so tops out near 100
checks a second on one core, whatever the rest of the machine does. A pass of at least
``SHARD_MIN_CHECKS`` claimed articles is therefore split into ``check.workers`` shards: the
first is checked by the pass's own process, each other by a spawned process of its own (event
loop, fetcher, database connection) running ``pipeline.passes.check_claimed``. Spawning a process
costs about a second of CPU (importing trafilatura, httpx, SQLAlchemy), so a pass starts one
fewer than it has shards, and a shard reads its pages itself, never in a pool of processes
of its own. A one-off pass forks its shards instead, before it starts (``standby``): a
forked process has every module already, for a few milliseconds; each waits for its share.
The shards stay as polite as one process: each gets its share of the concurrency limits and
multiplies the per-host delay by the number of shards
(``Fetcher(share=…)``). SQLite writers of all shards take turns on one lock, as the threads of
one process do. Outcomes stream back to the parent as they happen (progress bars move) and
come out in the order the articles were claimed.

Nothing a shard holds outlives it, however it dies (``kill -9``, a crash in C code): the
SQLite write lock is an ``flock`` on a file beside the database, which the kernel releases with the
dead process's files, and each shard reports on a pipe of its own, whose end of file tells
the parent the shard is gone — no lock or queue is shared between shards. Shards die with
the parent (``children``).

A shard that dies leaves its unfinished articles failed ("internal error: shard lost") with
their leases held by the pass, which spaces out their retry as a crash in one check does; the
next pass, in another process, reclaims them (``pipeline.passes.start_pass``). An interrupted pass
stops its shards at once, their unfinished articles likewise keeping their leases.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import pickle
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy.engine import make_url

from versiontrack import children, logs
from versiontrack.fetch import Fetcher
from versiontrack.pipeline.context import CheckOutcome, Runtime
from versiontrack.pipeline.passes import check_claimed
from versiontrack.settings import Settings
from versiontrack.store.engine import make_engine, session_factory

log = logging.getLogger(__name__)

#: Passes with fewer claimed articles run in one process: spawning one costs about a second.
SHARD_MIN_CHECKS = 100


@dataclass(frozen=True, slots=True)
class Standby:
    """A checking process forked before the pass started, waiting for its share of it."""

    process: BaseProcess
    jobs: Connection  # the share goes here (None: not needed)
    report: Connection  # its outcomes come back here


@contextmanager
def standby(settings: Settings, at_most: int | None = None) -> Iterator[list[Standby]]:
    """Fork ``check.workers - 1`` checking processes for the shards of the pass about to
    start (``check_in_shards``), and tell the ones it did not use to exit. ``at_most``: the
    most articles the pass can claim, when known (it names them): none are forked for a pass
    too small to shard.

    A spawned shard's imports cost a pass of 500 articles a millisecond and a half per check
    (``children.fork_context``). Forking is safe only while no other thread runs, and
    before the pass opens its fetcher, database connections or write lock: so here, before
    the pass, and only when this process runs no other thread; otherwise the shards are
    spawned.
    """
    ready: list[Standby] = []
    wanted = _shares(settings, at_most) - 1 if at_most is not None else settings.check.workers - 1
    fork = children.fork_context() if _shardable(settings) and wanted > 0 else None
    if fork is not None:
        for _ in range(wanted):
            jobs, job_end = fork.Pipe(duplex=False)
            report_end, report = fork.Pipe(duplex=False)
            # the child closes its copies of this process's ends, so that each pipe ends when
            # one of its two processes does
            ours = [end for s in ready for end in (s.jobs, s.report)] + [job_end, report_end]
            process = fork.Process(
                target=_standby_main,
                args=(jobs, report, ours, os.getpid(), logs.level()),
                name="versiontrack-shard",
                daemon=True,
            )
            process.start()
            # the shard holds the only write end of its report: its exit ends the pipe
            jobs.close()
            report.close()
            ready.append(Standby(process, job_end, report_end))
        log.info("forked %d checking process(es) for the shards of the pass", len(ready))
    try:
        yield ready
    finally:
        for unused in ready:  # a shard that got a share has been joined already
            if unused.process.exitcode is None:
                log.info("forked process %s not needed: it exits", unused.process.pid)
                try:
                    unused.jobs.send(None)
                except OSError:
                    pass
                unused.process.join(5)
                if unused.process.is_alive():
                    unused.process.kill()
                    unused.process.join()
            unused.jobs.close()
            unused.report.close()


def shard_count(rt: Runtime, due: int) -> int:
    """How many processes should check ``due`` claimed articles: 1 means this one."""
    count = _shares(rt.settings, due) if _shardable(rt.settings) else 1
    if count > 1 and not children.sendable(rt.clock):  # a shard needs the pass's clock
        return 1
    return count


def _shares(settings: Settings, due: int) -> int:
    """Shards for ``due`` articles: at least ``SHARD_MIN_CHECKS`` each, one per worker."""
    return max(1, min(settings.check.workers, due // SHARD_MIN_CHECKS))


def _shardable(settings: Settings) -> bool:
    return settings.check.workers >= 2 and not _in_memory(settings.database.url)


def _in_memory(url: str) -> bool:
    """An in-memory SQLite database lives in this process only: no other can share it."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


async def check_in_shards(
    rt: Runtime,
    due: Sequence[int],
    shards: int,
    on_progress: Callable[[CheckOutcome], None] | None = None,
    ready: Sequence[Standby] = (),
) -> list[CheckOutcome]:
    """Check claimed articles in ``shards`` shares: the first in this process, each other in
    a process of its own (one of ``ready``, else a spawned one); outcomes in ``due`` order."""
    settings = replace(rt.settings, check=replace(rt.settings.check, workers=0))
    parts = [list(due[k::shards]) for k in range(shards)]
    outcomes: dict[int, CheckOutcome] = {}
    processes: list[BaseProcess | None] = [None]  # share 0 is this process's
    reports: dict[Connection, int] = {}
    finished = False
    writes = _write_lock_path(rt.settings.database.url)
    here: asyncio.Task[list[CheckOutcome]] | None = None
    waiting = list(ready)
    try:
        for k, part in enumerate(parts[1:], start=1):
            job = (k, settings, part, rt.clock, rt.owner, shards, writes)
            forked = _hand(waiting, job)
            if forked is not None:
                log.info("shard %d: forked process %s", k, forked.process.pid)
                processes.append(forked.process)
                reports[forked.report] = k
                continue
            reader, writer = children.SPAWN.Pipe(duplex=False)
            process = children.SPAWN.Process(
                target=_shard_main,
                args=(job, writer, os.getpid(), logs.level()),
                name=f"versiontrack-shard-{k}",
                daemon=True,
            )
            process.start()
            log.info("shard %d: spawned process %s", k, process.pid)
            writer.close()  # the shard holds the only write end: its exit ends the pipe
            processes.append(process)
            reports[reader] = k
        here = asyncio.create_task(_check_here(rt, parts[0], shards, writes, on_progress))
        while reports:
            ready = await asyncio.to_thread(connection.wait, list(reports), 1.0)
            for reader in ready:
                assert isinstance(reader, Connection)
                message = _receive(reader)
                if message is None:  # the shard has exited, one way or another
                    # (joined off the event loop: this process checks a share meanwhile)
                    await asyncio.to_thread(_ended, reports.pop(reader), processes)
                    reader.close()
                elif message[0] == "check":
                    outcomes[message[2].article_id] = message[2]
                    if on_progress:
                        on_progress(message[2])
                else:
                    log.error("shard %d crashed: %s", message[1], message[2])
        outcomes.update((o.article_id, o) for o in await here)
        finished = True
    finally:
        if here is not None and not here.done():
            here.cancel()
        for process in processes:
            if process is None:
                continue
            if not finished:  # interrupted (Ctrl-C, cancelled): stop the shards now
                process.terminate()
            await asyncio.to_thread(process.join, 30)
            if process.is_alive():
                process.kill()
        for reader in reports:
            reader.close()
    return [
        outcomes.get(i) or CheckOutcome(i, "", "failed", error="internal error: shard lost")
        for i in due
    ]


def _hand(waiting: list[Standby], job: tuple[Any, ...]) -> Standby | None:
    """Give ``job`` to the first forked process still waiting; None when none is (then the
    shard is spawned). One that died meanwhile (the OOM killer, say) is passed over."""
    while waiting:
        forked = waiting.pop(0)
        try:
            forked.jobs.send(job)
        except OSError:
            log.warning("forked process %s is gone: a shard is spawned instead", forked.process.pid)
            continue
        return forked
    return None


def _write_lock_path(url: str) -> str | None:
    """The file SQLite writers of every shard lock, next to the database (whose folder is
    writable: SQLite writes its journal there); None for a database that locks rows itself."""
    parsed = make_url(url)
    return f"{parsed.database}-writes.lock" if parsed.get_backend_name() == "sqlite" else None


def _receive(reader: Connection) -> tuple[str, int, Any] | None:
    """The shard's next message; None once it has exited (or died mid-message)."""
    try:
        message: tuple[str, int, Any] = reader.recv()
    except (EOFError, OSError, pickle.UnpicklingError):
        return None
    return message


async def _check_here(
    rt: Runtime,
    ids: list[int],
    shards: int,
    writes: str | None,
    on_progress: Callable[[CheckOutcome], None] | None,
) -> list[CheckOutcome]:
    """This process's share of a sharded pass: with its share of the politeness limits, its
    SQLite writes taking turns with the shards', and pages read in this process (a pool
    would start more processes than the share is worth)."""
    turns: AbstractContextManager[Any] = _WriteTurns(writes) if writes else rt.sqlite_writes
    async with Fetcher(rt.settings.fetch, share=shards) as fetcher:
        mine = replace(rt, fetcher=fetcher, sqlite_writes=turns, cpu=None)
        return await check_claimed(mine, ids, on_progress)


def _ended(k: int, processes: list[BaseProcess | None]) -> None:
    process = processes[k]
    assert process is not None
    process.join(5)  # its pipe is closed: it is exiting, if not gone yet
    if process.exitcode != 0:
        log.error("shard %d died (exit code %s)", k, process.exitcode)


class _WriteTurns:
    """SQLite writers of every shard of a pass take turns on an ``flock`` of ``path``.

    A threading lock orders this process's threads, the ``flock`` the processes. The kernel
    drops an ``flock`` when its holder dies, whereas a ``multiprocessing.Lock`` held by a killed
    shard stays held and hangs every other shard. (``filelock`` would do, but it waits by
    polling; a blocking ``flock`` hands the lock over at once.)
    """

    def __init__(self, path: str) -> None:
        self._threads = threading.Lock()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def _shard_main(job: tuple[Any, ...], report: Connection, parent: int, log_level: int) -> None:
    """A spawned shard: check its share (``job``: ``_check_share``'s arguments) and report
    each outcome on ``report``."""
    children.start(parent, log_level, f"shard {job[0]}")
    _check_share(*job, report)


def _standby_main(
    jobs: Connection, report: Connection, theirs: list[Connection], parent: int, log_level: int
) -> None:
    """A forked shard (``standby``): wait for its share, then check it as a spawned one does."""
    for end in theirs:
        end.close()
    children.start(parent, log_level, "shard")
    try:
        job = jobs.recv()
    except EOFError:  # the parent is gone before the pass began
        return
    finally:
        jobs.close()
    if job is not None:
        logs.configure(log_level, f"shard {job[0]}")
        _check_share(*job, report)
    report.close()


def _check_share(
    k: int,
    settings: Any,
    ids: list[int],
    clock: Callable[..., Any],
    owner: str,
    shards: int,
    writes: str | None,
    report: Connection,
) -> None:
    """Check ``ids`` in this process and report each outcome on ``report``."""
    engine = make_engine(settings.database.url)
    turns: AbstractContextManager[Any] = _WriteTurns(writes) if writes else threading.Lock()

    async def run() -> None:
        async with Fetcher(settings.fetch, share=shards) as fetcher:
            rt = Runtime(
                settings, session_factory(engine), fetcher, clock, owner=owner, sqlite_writes=turns
            )
            # outcomes are reported from the event loop's thread only: one writer on the pipe
            await check_claimed(rt, ids, lambda o: report.send(("check", k, o)))

    try:
        asyncio.run(run())
    except BaseException as exc:
        report.send(("crash", k, repr(exc)))
        raise
    finally:
        engine.dispose()
        report.close()
