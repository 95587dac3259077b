"""``versiontrack run``: APScheduler ticks, a bounded set of in-flight checks, the web app.

The scheduler only fires ticks; the database holds the schedule. Each source feed is polled at
its interval (with jitter) after taking its poll turn in the database, so several daemons on
one PostgreSQL poll a feed once. Every ``daemon.tick`` seconds the daemon claims up to
``daemon.batch`` due articles (leases) and checks them with ``pipeline.article.check_safely`` —
the same unit of work as ``versiontrack check``.

SIGTERM/SIGINT stop the ticks, give in-flight checks ``daemon.shutdown_timeout`` seconds, then
cancel the rest and release their leases; the process exits 0. A ``kill -9`` loses nothing: each
check commits in one transaction, and the next start on this host frees the dead process's
leases (other hosts' leases expire after ``daemon.lease`` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from versiontrack import health, readers
from versiontrack.archive import spn
from versiontrack.archive.wayback import Pacer
from versiontrack.fetch import Fetcher
from versiontrack.outputs import deliver as outputs_deliver
from versiontrack.pipeline.article import check_safely
from versiontrack.pipeline.context import CheckOutcome, Runtime, unit_of_work, worker_id
from versiontrack.pipeline.passes import claim, poll_sources, recover_dead_leases
from versiontrack.settings import Settings
from versiontrack.store import schedule, sources
from versiontrack.store.engine import Database

log = logging.getLogger(__name__)

HEALTH_EVERY = 60  # seconds between judgements of source health (versiontrack.health)

#: Seconds one run of the archive job may spend on Save Page Now requests.
ARCHIVE_RUN = 60.0


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the daemon owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Daemon:
    """One worker process: scheduler, checks in flight, optional web app."""

    def __init__(self, settings: Settings, db: Database, *, web: bool = True) -> None:
        self.settings = settings
        self.db = db
        self.web = web
        self.owner = worker_id()
        self.stopping = asyncio.Event()
        self.in_flight: set[asyncio.Task[CheckOutcome]] = set()
        self.last_pass: datetime | None = None
        self.scheduler: AsyncIOScheduler | None = None
        self.rt: Runtime | None = None
        self.save_pacer = Pacer(settings.archive.save_delay)  # spaces SPN requests across runs

    def health(self) -> dict[str, Any]:
        return {
            "scheduler_running": bool(self.scheduler and self.scheduler.running),
            "last_pass": self.last_pass.isoformat() if self.last_pass else None,
            "worker": self.owner,
            "in_flight": len(self.in_flight),
        }

    def stop(self) -> None:
        """Ask the daemon to drain and exit (what SIGTERM/SIGINT do)."""
        self.stopping.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        with readers.cpu_pool(self.settings) as pool:
            async with Fetcher(self.settings.fetch) as fetcher:
                self.rt = Runtime(
                    self.settings, self.db.sessions, fetcher, owner=self.owner, cpu=pool
                )
                self._start_up()
                self.scheduler = self._scheduler()
                self.scheduler.start()
                server = self._web_server() if self.web else None
                web_task = asyncio.create_task(server.serve()) if server else None
                # a request in flight when we stop is sent again after its hold expires
                archive_task = (
                    asyncio.create_task(self._archive()) if self.settings.archive.save else None
                )
                log.info("worker %s started: %d sources", self.owner, len(self.settings.sources))
                await self.stopping.wait()
                log.info("stopping: no new claims, %d checks in flight", len(self.in_flight))
                self.scheduler.shutdown(wait=False)
                if archive_task is not None:
                    archive_task.cancel()
                    await asyncio.gather(archive_task, return_exceptions=True)
                await self._drain()
                if server and web_task:
                    server.should_exit = True
                    await web_task
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        log.info("worker %s stopped", self.owner)

    def _start_up(self) -> None:
        assert self.rt is not None
        now = self.rt.clock()
        with self.db.sessions() as session, session.begin():
            sources.sync_sources(session, self.settings.sources, now)
            recover_dead_leases(session)

    def _scheduler(self) -> AsyncIOScheduler:
        scheduler = AsyncIOScheduler(timezone="UTC")
        d = self.settings.daemon
        now = datetime.now(scheduler.timezone)
        for source in self.settings.sources:
            interval = source.interval or d.feed_interval
            scheduler.add_job(
                self._poll,
                "interval",
                seconds=interval,
                jitter=d.feed_jitter,
                args=[source.name, interval],
                next_run_time=now,
                max_instances=1,
                coalesce=True,
                id=f"poll:{source.name}",
            )
        scheduler.add_job(self._health, "interval", seconds=HEALTH_EVERY, id="health")
        if self.settings.outputs:  # the outbox, drained beside the checks, never inside one
            scheduler.add_job(
                self._deliver,
                "interval",
                seconds=d.tick,
                next_run_time=now,
                max_instances=1,
                coalesce=True,
                id="outputs",
            )
        scheduler.add_job(
            self._tick,
            "interval",
            seconds=d.tick,
            next_run_time=now,
            max_instances=1,
            coalesce=True,
            id="tick",
        )
        return scheduler

    async def _archive(self) -> None:
        """Send the Save Page Now requests checks queue, one at a time, until stopped: a task
        of its own, since one request may take longer than any tick (``spn.drain``)."""
        assert self.rt is not None
        pause = max(self.settings.archive.save_delay, 1.0)
        while not self.stopping.is_set():
            await spn.drain_quietly(self.rt, seconds=ARCHIVE_RUN, pacer=self.save_pacer)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), pause)

    async def _poll(self, name: str, interval: float) -> None:
        assert self.rt is not None
        source = next(s for s in self.settings.sources if s.name == name)
        if await asyncio.to_thread(self._take_poll_turn, name, interval):
            await poll_sources(self.rt, [source])
        else:
            log.debug("feed %s was just polled by another worker", name)

    def _take_poll_turn(self, name: str, interval: float) -> bool:
        # The next turn comes a little early so that jitter never makes us skip a round.
        assert self.rt is not None
        with unit_of_work(self.rt) as session:
            return schedule.take_poll_turn(
                session, name, now=self.rt.clock(), interval=max(interval * 0.9, 1)
            )

    async def _tick(self) -> None:
        assert self.rt is not None
        if self.stopping.is_set():
            return
        room = self.settings.daemon.batch - len(self.in_flight)
        if room > 0:
            # Database work never runs on the loop: it may wait on SQLite's write lock.
            claimed = await asyncio.to_thread(claim, self.rt, limit=room)
            for article_id in claimed:
                task = asyncio.create_task(check_safely(self.rt, article_id))
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)
        self.last_pass = self.rt.clock()

    async def _health(self) -> None:
        """Judge each source on its recent checks (``versiontrack.health``)."""
        assert self.rt is not None
        await asyncio.to_thread(health.refresh, self.db.sessions, self.rt.clock(), self.settings)

    async def _deliver(self) -> None:
        assert self.rt is not None
        if not self.stopping.is_set():
            await asyncio.to_thread(
                outputs_deliver.drain,
                self.settings,
                self.db.sessions,
                owner=self.owner,
                budget=self.settings.daemon.tick * 4,
                writes=self.rt.sqlite_writes,
            )

    async def _drain(self) -> None:
        """Let in-flight checks finish until the deadline, then cancel and release the rest."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=self.settings.daemon.shutdown_timeout)
        for task in list(self.in_flight):
            task.cancel()
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=1)
        with self.db.sessions() as session, session.begin():
            released = schedule.release(session, self.owner)
        if released:
            log.info("released %d leases of unfinished checks", released)

    def _web_server(self) -> _QuietServer:
        return web_server(self.settings, self.db, health=self.health)


def web_server(
    settings: Settings, db: Database, *, health: Callable[[], dict[str, Any]] | None = None
) -> _QuietServer:
    """The web app under uvicorn, without uvicorn's signal handling."""
    from versiontrack.web import create_app  # the worker-only mode needs no web stack

    config = uvicorn.Config(
        create_app(settings, db, health=health),
        host=settings.server.host,
        port=settings.server.port,
        log_level="warning",
        lifespan="off",
    )
    return _QuietServer(config)


async def _serve_until_signalled(server: _QuietServer) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    await server.serve()


def run_web(settings: Settings, db: Database) -> None:
    """``versiontrack serve``: the web app alone, until SIGTERM/SIGINT (exit 0)."""
    asyncio.run(_serve_until_signalled(web_server(settings, db)))


def run_daemon(settings: Settings, db: Database, *, web: bool = True) -> None:
    """Run a daemon until SIGTERM/SIGINT."""
    asyncio.run(Daemon(settings, db, web=web).run())
