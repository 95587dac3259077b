"""A process that dies never leaves a lock, a lease or a pass waiting on it.

A shard killed while it holds the SQLite write lock must not hang the other shards or the
pass, and a pass must take back the leases of workers that died on this host, and say how
many articles it left to workers that live.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.pipeline.context import PassReport
from versiontrack.pipeline.passes import in_flight
from versiontrack.service import commands, database, reads
from versiontrack.store.schema import ArticleRow

from ..conftest import make_settings
from ..helpers import STORY, article_html


@pytest.fixture
def server() -> LoopbackServer:
    with LoopbackServer() as s:
        yield s


@dataclasses.dataclass(frozen=True)
class DiesHoldingTheWriteLock:
    """A pass's clock that kills the first shard to call it from a database thread: a shard
    calls its clock there only to plan the next check, under the SQLite write lock."""

    parent: int
    marker: str
    moment: datetime

    def __call__(self) -> datetime:
        if os.getpid() != self.parent and threading.current_thread() is not threading.main_thread():
            try:
                os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))
            except FileExistsError:  # another shard died already: this one lives
                pass
            else:
                os._exit(3)
        return self.moment


def test_a_shard_killed_holding_the_sqlite_write_lock_cannot_hang_the_pass(
    server: LoopbackServer, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from versiontrack import shards

    monkeypatch.setattr(shards, "SHARD_MIN_CHECKS", 10)  # 2 shards for 20 articles
    settings = make_settings(db_url, check={"workers": 2})
    with database.open_database(settings) as db:
        for i in range(20):
            server.route(f"/d{i}", Response(200, article_html(f"Story {i}", STORY)))
            commands.add_article(settings, db, server.url(f"/d{i}"))
    clock = DiesHoldingTheWriteLock(
        os.getpid(), str(tmp_path / "died"), datetime.now(UTC) + timedelta(seconds=1)
    )
    reports: list[PassReport] = []

    def check() -> None:
        with database.open_database(settings) as db:
            reports.append(commands.check(settings, db, clock=clock))

    # a pass that hangs must fail this test, not hang the suite
    passing = threading.Thread(target=check, daemon=True)
    passing.start()
    passing.join(timeout=120)
    assert not passing.is_alive(), "the pass hung on the dead shard's write lock"
    assert (tmp_path / "died").exists()
    [report] = reports
    lost = [c.article_id for c in report.checks if c.outcome == "failed"]
    # what the dead shard held is lost; the rest of the pass was handed to the living
    held = in_flight(settings, 2)
    assert Counter(c.outcome for c in report.checks) == {"new": 20 - held, "failed": held}
    assert {c.error for c in report.failures} == {"internal error: shard lost"}
    ids = list(range(1, 21))
    with database.open_database(settings) as db:
        versions = {a.id: a.versions for a in reads.list_articles(db)}
    # the dead shard's write was rolled back whole: no version, not half of one
    assert versions == {i: 0 if i in lost else 1 for i in ids}


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def lease(db_url: str, owners: dict[int, str]) -> None:
    settings = make_settings(db_url)
    with database.open_database(settings) as db, db.sessions() as session, session.begin():
        for article_id, owner in owners.items():
            session.execute(
                update(ArticleRow)
                .where(ArticleRow.id == article_id)
                .values(lease_owner=owner, lease_until=datetime.now(UTC) + timedelta(hours=1))
            )


def leases(db_url: str) -> dict[int, str | None]:
    settings = make_settings(db_url)
    with database.open_database(settings) as db, db.sessions() as session:
        rows = session.execute(select(ArticleRow.id, ArticleRow.lease_owner)).all()
    return {article_id: owner for article_id, owner in rows}


def track_six(server: LoopbackServer, db_url: str) -> None:
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        for i in range(1, 7):
            server.route(f"/l{i}", Response(200, article_html(f"Story {i}", STORY)))
            commands.add_article(settings, db, server.url(f"/l{i}"))


def test_a_pass_reclaims_the_leases_of_dead_workers_and_counts_the_live_ones(
    server: LoopbackServer, db_url: str
) -> None:
    track_six(server, db_url)
    host = socket.gethostname()
    dead, alive = f"{host}:{dead_pid()}:aaaaaa", f"{host}:{os.getpid()}:bbbbbb"
    elsewhere = f"other-host-{os.getpid()}:1:cccccc"  # another host's: cannot tell, left alone
    lease(db_url, {1: dead, 2: dead, 3: alive, 4: elsewhere})
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        report = commands.check(settings, db, force=True)
    assert sorted(c.article_id for c in report.checks) == [1, 2, 5, 6]
    assert [c.outcome for c in report.checks] == ["new"] * 4
    assert report.held == 2
    assert leases(db_url) == {1: None, 2: None, 3: alive, 4: elsewhere, 5: None, 6: None}
    # named articles: the held one is counted too, never silently skipped
    with database.open_database(settings) as db:
        report = commands.check(settings, db, refs=["3", "5"])
    assert [c.article_id for c in report.checks] == [5]
    assert report.held == 1


def test_the_check_summary_says_how_many_articles_live_workers_hold(
    server: LoopbackServer, db_url: str, tmp_path: Path
) -> None:
    track_six(server, db_url)
    host = socket.gethostname()
    lease(db_url, {1: f"{host}:{dead_pid()}:aaaaaa", 2: f"{host}:{os.getpid()}:bbbbbb"})
    config = tmp_path / "versiontrack.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n[fetch]\nallow_private = true\n')
    result = subprocess.run(
        [sys.executable, "-m", "versiontrack", "--config", str(config), "check", "--force"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "0 feeds polled (0 failed), 0 new articles; 5 checked: 5 new, 0 changed, 0 unchanged, "
        "0 removed, 0 failed, 1 held by another worker"
    )
