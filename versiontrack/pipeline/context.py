"""The runtime a unit of work is given, the unit of work itself, and what it reports back.

``Runtime`` carries settings, sessions, the fetcher and the clock explicitly; ``unit_of_work``
is the one transaction a check (or a feed poll) writes in. ``CheckOutcome``, ``PollOutcome``
and ``PassReport`` are what the CLI, the daemon and the shards are told.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from versiontrack.domain import ChangeSummary, CheckOutcomeKind, PollOutcomeKind
from versiontrack.fetch import Fetcher
from versiontrack.outputs.enqueue import enqueue_changes
from versiontrack.settings import Settings

#: A page or feed answering these is gone (an article is marked removed).
GONE_STATUSES = frozenset({404, 410})


def utcnow() -> datetime:
    return datetime.now(UTC)


def worker_id() -> str:
    """A name for this process's leases: ``host:pid:random`` (the pid lets a restart on the
    same host free the leases of a killed predecessor at once)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def owner_alive(owner: str) -> bool:
    """Whether the process named in a lease owner ``host:pid:…`` of this host still runs."""
    try:
        pid = int(owner.split(":")[1])
        os.kill(pid, 0)
    except (IndexError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # it exists, it is just not ours
        return True
    return True


@dataclass(frozen=True)
class Runtime:
    """What a unit of work needs, passed explicitly: settings, sessions, fetcher, clock."""

    settings: Settings
    sessions: sessionmaker[Session]
    fetcher: Fetcher
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=worker_id)
    # SQLite writers take turns on this (a lock shared with other processes in a sharded pass)
    sqlite_writes: AbstractContextManager[Any] = field(default_factory=threading.Lock)
    cpu: Executor | None = None  # the process pool that reads pages (readers.cpu_pool)


@contextmanager
def unit_of_work(runtime: Runtime) -> Iterator[Session]:
    """One transaction. On SQLite, writers in this process take turns: a transaction that
    reads and then writes while another holds the write lock fails at once with "database is
    locked" (SQLite cannot wait there without deadlocking), so we never let two overlap."""
    with runtime.sessions() as session:
        dialect = session.get_bind().dialect.name
        lock = runtime.sqlite_writes if dialect == "sqlite" else nullcontext()
        with lock, session.begin():
            yield session
            enqueue_changes(session, runtime.settings)  # deliveries commit with their changes


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a ``time.monotonic()`` reading)."""
    return round((time.monotonic() - started) * 1000)


@dataclass(frozen=True, slots=True)
class PollOutcome:
    source: str
    outcome: PollOutcomeKind
    items: int = 0
    new_articles: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What one article check did (``outcome``: see ``domain.CheckOutcomeKind``)."""

    article_id: int
    url: str
    outcome: CheckOutcomeKind
    version: int | None = None
    summary: ChangeSummary | None = None
    http_status: int | None = None
    error: str | None = None


@dataclass
class PassReport:
    polls: list[PollOutcome] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    #: articles the pass wanted but left alone: a live worker (a daemon, another pass) holds them
    held: int = 0

    def count(self, outcome: CheckOutcomeKind) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome)

    @property
    def failures(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.outcome == "failed"]

    @property
    def feed_failures(self) -> list[PollOutcome]:
        return [p for p in self.polls if p.outcome == "failed"]
