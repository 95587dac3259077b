"""The due-check claim (``store.schedule.claim_due``) on big article tables.

For each size (100k and 1M rows by default) and backend (SQLite file, and PostgreSQL when
one answers), the ``articles`` table of a freshly migrated database is bulk-filled
(``executemany`` on SQLite, ``COPY`` on PostgreSQL) with a long-running tracker's mix:

* 70% ``retired`` (next check long past: they sort first on ``next_check_at``),
* 28% ``active`` with the next check spread over the coming 24 h (about 1% of them due),
* 2% ``removed`` (still checked, spread likewise), and a few due rows leased by a worker.

A claim of 20 rows is timed (median of ``repeats``; each in a transaction rolled back, so
every run sees the same table), and the plan is reported (``EXPLAIN (ANALYZE, BUFFERS)`` on
PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite) from the exact SQL ``claim_due`` sent, against
the schema's own indexes (the partial ``ix_articles_due`` the claim reads in order among them).
PostgreSQL gets ``ANALYZE`` after loading (autovacuum would, in production); SQLite does not.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from bench.corpus import EPOCH
from versiontrack.store import migrate, schedule
from versiontrack.store.engine import make_engine, session_factory

NOW = EPOCH + timedelta(hours=6)
LIMIT = 20
_COLUMNS = (
    "url",
    "title",
    "status",
    "version_count",
    "first_seen",
    "last_checked",
    "next_check_at",
    "check_interval",
    "lease_owner",
    "lease_until",
)


def rows(count: int, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """``count`` article rows (naive UTC datetimes) in the mix the module docstring gives."""
    rng = random.Random(seed)
    now = NOW.replace(tzinfo=None)
    for i in range(count):
        r = rng.random()
        first_seen = now - timedelta(days=rng.uniform(0, 120))
        lease_owner = lease_until = None
        if r < 0.70:
            status = "retired"
            next_check = now - timedelta(days=rng.uniform(1, 90))
        else:
            status = "active" if r < 0.98 else "removed"
            next_check = now + timedelta(minutes=rng.uniform(-15, 24 * 60))
            if next_check <= now and rng.random() < 0.05:
                lease_owner, lease_until = "other-host:1:abc", now + timedelta(minutes=4)
        yield (
            f"https://news{i % 97}.example.org/world/{i}-story",
            f"Story {i}",
            status,
            rng.randint(1, 8),
            first_seen,
            next_check - timedelta(minutes=10),
            next_check,
            600,
            lease_owner,
            lease_until,
        )


def _fill_sqlite(engine: Engine, count: int) -> None:
    stamp = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime storage format
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        marks = ", ".join("?" * len(_COLUMNS))
        sql = f"INSERT INTO articles ({', '.join(_COLUMNS)}) VALUES ({marks})"
        batch: list[tuple[Any, ...]] = []
        for row in rows(count):
            batch.append(tuple(v.strftime(stamp) if isinstance(v, datetime) else v for v in row))
            if len(batch) == 50_000:
                cursor.executemany(sql, batch)
                batch.clear()
        cursor.executemany(sql, batch)
        raw.commit()
    finally:
        raw.close()


def _fill_postgres(engine: Engine, count: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY articles ({', '.join(_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows(count):
                copy.write_row(row)
        raw.commit()
        cursor.execute("ANALYZE articles")
        raw.commit()
    finally:
        raw.close()


@contextmanager
def _captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def _time_claims(engine: Engine, repeats: int) -> tuple[list[float], int, tuple[str, Any]]:
    sessions = session_factory(engine)
    times: list[float] = []
    claimed = 0
    sql: tuple[str, Any] = ("", None)
    for k in range(repeats + 1):  # the first run warms caches and is not counted
        with sessions() as session, _captured(engine) as seen:
            session.begin()
            start = time.perf_counter()
            ids = schedule.claim_due(
                session, now=NOW, owner="bench:1:x", lease_seconds=300, limit=LIMIT
            )
            elapsed = (time.perf_counter() - start) * 1000
            session.rollback()
            sql = next((s for s in seen if "UPDATE" in s[0].upper()), seen[-1] if seen else sql)
        claimed = len(ids)
        if k:
            times.append(elapsed)
    return times, claimed, sql


def _time_backlog(engine: Engine, repeats: int) -> float:
    sessions = session_factory(engine)
    times = []
    for _ in range(repeats):
        with sessions() as session:
            start = time.perf_counter()
            schedule.due_backlog(session, NOW)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _explain(engine: Engine, sql: tuple[str, Any]) -> str:
    statement, parameters = sql
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if engine.dialect.name == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        lines = ["  ".join(str(c) for c in row) for row in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    return "\n".join(lines)


def measure(engine: Engine, count: int, repeats: int) -> dict[str, Any]:
    migrate.ensure_schema(engine)
    start = time.perf_counter()
    if engine.dialect.name == "postgresql":
        _fill_postgres(engine, count)
    else:
        _fill_sqlite(engine, count)
    load_s = time.perf_counter() - start
    times, claimed, sql = _time_claims(engine, repeats)
    result: dict[str, Any] = {
        "rows": count,
        "load_s": round(load_s, 1),
        "claimed": claimed,
        "claim_ms": {
            "median": round(statistics.median(times), 3),
            "min": round(min(times), 3),
            "max": round(max(times), 3),
        },
        "due_backlog_ms": round(_time_backlog(engine, max(3, repeats // 3)), 3),
        "sql": sql[0],
        "plan": _explain(engine, sql),
    }
    return result


def sqlite(count: int, repeats: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-claim-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'claim.db'}")
        try:
            return measure(engine, count, repeats)
        finally:
            engine.dispose()


@contextmanager
def throwaway_postgres(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server of ``admin_url``; dropped afterwards."""
    url = make_url(admin_url)
    name = f"versiontrack_bench_{random.randrange(16**8):08x}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres(admin_url: str, count: int, repeats: int) -> dict[str, Any]:
    with throwaway_postgres(admin_url) as url:
        engine = make_engine(url)
        try:
            return measure(engine, count, repeats)
        finally:
            engine.dispose()


def postgres_available(admin_url: str) -> str | None:
    """None when ``admin_url`` answers, else why not."""
    try:
        engine = create_engine(admin_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    return None


def run(
    sizes: list[int], *, pg_url: str | None, repeats: int = 15, sqlite_on: bool = True
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    why_not = postgres_available(pg_url) if pg_url else "no --pg-url"
    for count in sizes:
        if sqlite_on:
            out[f"sqlite/{count}"] = sqlite(count, repeats)
        if why_not is None and pg_url:
            out[f"postgresql/{count}"] = postgres(pg_url, count, repeats)
        else:
            out[f"postgresql/{count}"] = {"skipped": f"PostgreSQL not reachable: {why_not}"}
    return out
