"""A big pass split across checking processes, so it uses every core.

One checking process spends about 10 ms of CPU on a check that finds nothing new — the HTTP
client, the fingerprint, two database statements, the event loop — and so tops out near 100
checks a second on one core, whatever the rest of the machine does. A pass of at least
``SHARD_MIN_CHECKS`` claimed articles is therefore spread over ``check.workers`` processes:
the pass's own and others of their own (event loop, fetcher, database connection) running
``pipeline.passes.check_handed``. The articles are handed out as the processes ask (``Work``):
each holds only its checks in flight and is given more as it reports outcomes, so no core
idles while another has a backlog, and a pass can start on the articles it knew before its
poll while that poll, in the pass's own process, adds the new ones. Spawning a process costs
about a second of CPU (importing trafilatura, httpx, SQLAlchemy), so a pass starts one fewer
than it has shards, and a shard reads its pages itself, never in a pool of processes of its
own. A one-off pass forks its shards instead, before it starts (``standby``): a forked process
has every module already, for a few milliseconds; each waits for its work. The shards stay
as polite as one process: each gets its share of the concurrency limits and multiplies the
per-host delay by the number of shards (``Fetcher(share=…)``). SQLite writers of all shards
take turns on one lock, as the threads of one process do. Outcomes stream back to the parent
as they happen (progress bars move) and come out in the order the articles were claimed.

Nothing a shard holds outlives it, however it dies (``kill -9``, a crash in C code): the
SQLite write lock is an ``flock`` on a file beside the database, which the kernel releases with the
dead process's files, and each shard takes its work and reports on pipes of its own, whose end
of file tells either side the other is gone — no lock or queue is shared between shards.
Shards die with the parent (``children``).

A shard that dies leaves the articles it held failed ("internal error: shard lost") with
their leases held by the pass, which spaces out their retry as a crash in one check does (the
page that killed one process would kill the next); the rest of the pass goes to the living.
The next pass, in another process, reclaims them (``pipeline.passes.start_pass``). An
interrupted pass stops its shards at once, their unfinished articles likewise keeping their
leases.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import pickle
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy.engine import make_url

from versiontrack import children, logs
from versiontrack.fetch import Fetcher
from versiontrack.pipeline.context import CheckOutcome, Runtime
from versiontrack.pipeline.passes import check_handed, in_flight
from versiontrack.settings import Settings
from versiontrack.store.engine import make_engine, session_factory

log = logging.getLogger(__name__)

#: Passes with fewer claimed articles run in one process: spawning one costs about a second.
SHARD_MIN_CHECKS = 100


@dataclass(frozen=True, slots=True)
class Standby:
    """A checking process forked before the pass started, waiting for its share of it."""

    process: BaseProcess
    jobs: Connection  # its job, then its articles, go here (None: not needed, or no more)
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


class Work:
    """The claimed articles of a sharded pass, handed out as the processes ask: each takes
    more as it finishes what it holds, so no core idles while another has a backlog (equal
    shares fixed in advance left one idle for the last tenth of a pass), and the pass can
    start on what was due before its poll while the poll adds more (``add``, then ``close``).
    """

    def __init__(self, ids: Sequence[int] = (), *, closed: bool = True) -> None:
        self.order: list[int] = list(ids)  # every article of the pass, in claim order
        self._left = deque(self.order)
        self._closed = closed
        self._changed = asyncio.Event()

    def add(self, ids: Sequence[int]) -> None:
        self.order += ids
        self._left.extend(ids)
        self._wake()

    def close(self) -> None:
        """No more articles will be added: once the last is handed out, the pass ends."""
        self._closed = True
        self._wake()

    def take(self, n: int) -> list[int]:
        return [self._left.popleft() for _ in range(min(n, len(self._left)))]

    def give_back(self, ids: Sequence[int]) -> None:
        """Articles handed to a process that was gone: the next to ask gets them."""
        self._left.extendleft(reversed(ids))
        self._wake()

    @property
    def done(self) -> bool:
        return self._closed and not self._left

    async def next(self) -> int | None:
        """One article for this process's own checks; None once the pass has no more."""
        while not self._left:
            if self._closed:
                return None
            await self._changed.wait()
        return self._left.popleft()

    def changed(self) -> Awaitable[bool]:
        """Done when articles are added, given back, or the work is closed."""
        return self._changed.wait()

    def _wake(self) -> None:
        woken, self._changed = self._changed, asyncio.Event()
        woken.set()


@dataclass(slots=True)
class _Shard:
    """The parent's end of a checking process: what it holds (handed out, not yet reported)."""

    process: BaseProcess
    jobs: Connection
    report: Connection
    held: set[int]
    ended: asyncio.Future[None]
    closed: bool = False  # told there is no more work


async def check_in_shards(
    rt: Runtime,
    work: Work,
    shards: int,
    on_progress: Callable[[CheckOutcome], None] | None = None,
    ready: Sequence[Standby] = (),
    meanwhile: Callable[[Runtime], Awaitable[None]] | None = None,
) -> list[CheckOutcome]:
    """Check ``work`` in ``shards`` processes: this one and ``shards - 1`` others (from
    ``ready``, else spawned), each taking articles as it finishes others; outcomes in claim
    order. ``meanwhile`` runs in this process with its share of the politeness limits and of
    the write lock (the pass's poll, which adds to ``work`` and closes it)."""
    settings = replace(rt.settings, check=replace(rt.settings.check, workers=0))
    hold = in_flight(settings, shards)  # what a process holds: its checks in flight
    outcomes: dict[int, CheckOutcome] = {}
    writes = _write_lock_path(rt.settings.database.url)
    loop = asyncio.get_running_loop()
    others: list[_Shard] = []
    finished = False
    waiting = list(ready)

    def top_up(shard: _Shard) -> None:
        if shard.closed:
            return
        more = work.take(hold - len(shard.held))
        try:
            if more:
                shard.jobs.send(more)
                shard.held.update(more)
            if work.done:
                shard.jobs.send(None)
                shard.closed = True
        except OSError:  # gone: its pipe tells the rest (``received``)
            shard.held.difference_update(more)
            work.give_back(more)
            shard.closed = True

    def received(shard: _Shard) -> None:
        message = _receive(shard.report)
        if message is None:  # the shard has exited, one way or another
            loop.remove_reader(shard.report.fileno())
            shard.closed = True
            shard.ended.set_result(None)
        elif message[0] == "check":
            outcome = message[2]
            outcomes[outcome.article_id] = outcome
            shard.held.discard(outcome.article_id)
            if on_progress:
                on_progress(outcome)
            top_up(shard)
        else:
            log.error("shard %d crashed: %s", message[1], message[2])

    async def hand_out() -> None:
        """Top every process up whenever the work changes (the poll adds to it)."""
        while True:
            changed = work.changed()
            for shard in others:
                top_up(shard)
            await changed

    try:
        for k in range(1, shards):
            # a forked process reads its work from the pipe it waited on; a spawned one gets
            # the read end of a new one
            job: tuple[Any, ...] = (k, settings, rt.clock, rt.owner, shards, writes)
            forked = _hand(waiting, job)
            if forked is not None:
                log.info("shard %d: forked process %s", k, forked.process.pid)
                process, jobs, reader = forked.process, forked.jobs, forked.report
            else:
                theirs, jobs = children.SPAWN.Pipe(duplex=False)
                reader, writer = children.SPAWN.Pipe(duplex=False)
                process = children.SPAWN.Process(
                    target=_shard_main,
                    args=(theirs, job, writer, os.getpid(), logs.level()),
                    name=f"versiontrack-shard-{k}",
                    daemon=True,
                )
                process.start()
                log.info("shard %d: spawned process %s", k, process.pid)
                writer.close()  # the shard holds the only write end: its exit ends the pipe
                theirs.close()
            shard = _Shard(process, jobs, reader, set(), loop.create_future())
            others.append(shard)
            loop.add_reader(reader.fileno(), received, shard)
        handing = asyncio.create_task(hand_out())
        try:
            here = await _check_here(rt, work, shards, writes, on_progress, meanwhile)
        finally:
            handing.cancel()
        outcomes.update((o.article_id, o) for o in here)
        for shard in others:
            top_up(shard)  # all handed out (this process's checks end only then): says so
        await asyncio.gather(*(s.ended for s in others))
        for k, shard in enumerate(others, start=1):
            await asyncio.to_thread(_ended, k, shard.process)
        finished = True
    finally:
        for shard in others:
            if not shard.ended.done():
                loop.remove_reader(shard.report.fileno())
            if not finished:  # interrupted (Ctrl-C, cancelled): stop the shards now
                shard.process.terminate()
            await asyncio.to_thread(shard.process.join, 30)
            if shard.process.is_alive():
                shard.process.kill()
            shard.jobs.close()
            shard.report.close()
    return [
        outcomes.get(i) or CheckOutcome(i, "", "failed", error="internal error: shard lost")
        for i in work.order
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
    work: Work,
    shards: int,
    writes: str | None,
    on_progress: Callable[[CheckOutcome], None] | None,
    meanwhile: Callable[[Runtime], Awaitable[None]] | None,
) -> list[CheckOutcome]:
    """This process's part of a sharded pass: with its share of the politeness limits, its
    SQLite writes taking turns with the shards', and pages read in this process (a pool
    would start more processes than the share is worth); ``meanwhile`` alongside."""
    turns: AbstractContextManager[Any] = _WriteTurns(writes) if writes else rt.sqlite_writes
    async with Fetcher(rt.settings.fetch, share=shards) as fetcher:
        mine = replace(rt, fetcher=fetcher, sqlite_writes=turns, cpu=None)
        checking = check_handed(mine, work.next, in_flight(rt.settings, shards), on_progress)
        if meanwhile is None:
            return await checking
        checked, _ = await asyncio.gather(checking, meanwhile(mine))
        return checked


def _ended(k: int, process: BaseProcess) -> None:
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


def _shard_main(
    jobs: Connection, job: tuple[Any, ...], report: Connection, parent: int, log_level: int
) -> None:
    """A spawned shard: check the articles sent on ``jobs`` (``job``: ``_check_share``'s
    other arguments) and report each outcome on ``report``."""
    children.start(parent, log_level, f"shard {job[0]}")
    _check_share(jobs, *job, report)


def _standby_main(
    jobs: Connection, report: Connection, theirs: list[Connection], parent: int, log_level: int
) -> None:
    """A forked shard (``standby``): wait for its job, then check as a spawned one does, its
    articles coming on the same pipe."""
    for end in theirs:
        end.close()
    children.start(parent, log_level, "shard")
    job = _next_job(jobs)
    if job is not None:
        logs.configure(log_level, f"shard {job[0]}")
        _check_share(jobs, *job, report)
    jobs.close()
    report.close()


def _next_job(jobs: Connection) -> Any:
    """The parent's next message; None once it said there is no more, or is gone."""
    try:
        return jobs.recv()
    except (EOFError, OSError):
        return None


def _check_share(
    jobs: Connection,
    k: int,
    settings: Any,
    clock: Callable[..., Any],
    owner: str,
    shards: int,
    writes: str | None,
    report: Connection,
) -> None:
    """Check the articles the parent sends on ``jobs`` (lists of ids, then None) in this
    process and report each outcome on ``report``."""
    engine = make_engine(settings.database.url)
    turns: AbstractContextManager[Any] = _WriteTurns(writes) if writes else threading.Lock()
    workers = in_flight(settings, shards)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        handed: asyncio.Queue[int | None] = asyncio.Queue()

        def receive() -> None:
            more = _next_job(jobs)
            if more is None:
                loop.remove_reader(jobs.fileno())
                for _ in range(workers):
                    handed.put_nowait(None)
            else:
                for article_id in more:
                    handed.put_nowait(article_id)

        loop.add_reader(jobs.fileno(), receive)
        async with Fetcher(settings.fetch, share=shards) as fetcher:
            rt = Runtime(
                settings, session_factory(engine), fetcher, clock, owner=owner, sqlite_writes=turns
            )
            # outcomes are reported from the event loop's thread only: one writer on the pipe
            await check_handed(rt, handed.get, workers, lambda o: report.send(("check", k, o)))

    try:
        asyncio.run(run())
    except BaseException as exc:
        report.send(("crash", k, repr(exc)))
        raise
    finally:
        engine.dispose()
        report.close()
