"""The web app's change feed under load: ``/feed.xml`` answered in full, and with 304.

A database with ``changes`` stored changes (real diffs of corpus articles) is served by
``versiontrack.web.create_app`` under uvicorn in a process of its own, and driven by ``wrk``
when installed (else a bounded asyncio/httpx client) over loopback, for a fixed time. Reported:
requests/s, latency, and the server process's CPU per request.

The app factory for uvicorn is ``bench.feed:make_app`` (database path in ``BENCH_FEED_DB``).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import corpus
from bench.measure import proc_cpu_s
from bench.server import _wait_listening, free_port
from versiontrack import significance
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import Extracted, Source
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.store import articles, versions
from versiontrack.store import changes as changes_store
from versiontrack.store import sources as sources_store
from versiontrack.text import normalise

REPO = Path(__file__).resolve().parent.parent


def _settings(db_path: Path) -> Settings:
    return settings_from_dict(
        {
            "database": {"url": f"sqlite:///{db_path}"},
            "server": {"public_url": "http://127.0.0.1:8080"},
            "sources": [
                {"name": s.name, "feed": f"http://127.0.0.1:8080{s.feed_path}"}
                for s in corpus.SOURCES
            ],
        }
    )


def build_feed_db(db_path: Path, changes: int = 60) -> int:
    """A database holding ``changes`` edited-article changes; returns how many it stored."""
    from versiontrack.service import database

    settings = _settings(db_path)
    bc = corpus.build(changes, 1)
    rng = random.Random("feed")
    with database.open_database(settings) as db, db.sessions() as session, session.begin():
        sources_store.sync_sources(
            session,
            [Source(s.name, f"http://127.0.0.1:8080{s.feed_path}") for s in corpus.SOURCES],
            corpus.EPOCH,
        )
        sources = {s.name: sources_store.source_by_name(session, s.name) for s in corpus.SOURCES}
        for k, article in enumerate(bc.articles):
            v = article.versions[0]
            old = normalise(Extracted(v.headline, v.standfirst, v.byline, v.paragraphs))
            paragraphs = list(v.paragraphs)
            i = rng.randrange(len(paragraphs))
            paragraphs[i] += f" A spokesperson later said {k + 3} more soldiers had arrived."
            new = normalise(Extracted(v.headline, v.standfirst, v.byline, tuple(paragraphs)))
            when = corpus.EPOCH + timedelta(minutes=k)
            source = sources[article.source]
            row = articles.add_article(
                session,
                corpus.page_url("https://news.example.org", article),
                now=when,
                source_id=source.id if source else None,
                title=v.headline,
            )
            versions.add_version(
                session, row, old, fetched_at=when, extractor_version="bench", previous=None
            )
            later = when + timedelta(hours=1)
            versions.add_version(
                session, row, new, fetched_at=later, extractor_version="bench", previous=old
            )
            diff = diff_texts(old, new)
            flags = significance.rank(significance.classify(diff))
            changes_store.add_change(
                session,
                row,
                kind="edited",
                detected_at=later,
                diff=diff,
                from_version=1,
                to_version=2,
                flags=flags,
                level=significance.level(flags),
            )
    return changes


def make_app() -> Any:
    """uvicorn factory: the web app over the database named by ``BENCH_FEED_DB``."""
    from versiontrack.service import database
    from versiontrack.web import create_app

    settings = _settings(Path(os.environ["BENCH_FEED_DB"]))
    db = database.open_database(settings).__enter__()  # held for the server's lifetime
    return create_app(settings, db)


def _wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> dict[str, Any]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    return {
        "requests_per_s": float(rate.group(1)) if rate else None,
        "requests": int(total.group(1)) if total else None,
        "errors": int(errors.group(1)) if errors else 0,
        "p50_ms": _ms(p50),
        "p99_ms": _ms(p99),
    }


def _ms(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    value, unit = float(match.group(1)), match.group(2)
    return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 3)


async def _httpx_load(
    url: str, headers: dict[str, str], seconds: float, connections: int, cap: int
) -> dict[str, Any]:
    done = errors = 0
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections)
    async with httpx.AsyncClient(limits=limits, headers=headers) as client:

        async def worker() -> None:
            nonlocal done, errors
            while done + errors < cap and time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - start)
                if response.status_code in (200, 304):
                    done += 1
                else:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "requests_per_s": round(done / wall, 1),
        "requests": done,
        "errors": errors,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 3) if latencies else None,
    }


def run(seconds: float = 5.0, connections: int = 16, changes: int = 60) -> dict[str, Any]:
    try:
        import versiontrack.web  # noqa: F401  (the web app may not exist yet)
    except ImportError as exc:
        return {"skipped": f"versiontrack.web is not importable: {exc}"}
    tmp = Path(tempfile.mkdtemp(prefix="bench-feed-"))
    server: subprocess.Popen[bytes] | None = None
    try:
        db_path = tmp / "feed.db"
        build_feed_db(db_path, changes)
        port = free_port()
        env = {**os.environ, "BENCH_FEED_DB": str(db_path), "PYTHONPATH": str(REPO)}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "bench.feed:make_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
        )
        _wait_listening(port, server, timeout=30)
        url = f"http://127.0.0.1:{port}/feed.xml"
        first = httpx.get(url, timeout=10)
        first.raise_for_status()
        etag = first.headers["ETag"]
        again = httpx.get(url, headers={"If-None-Match": etag}, timeout=10)
        result: dict[str, Any] = {
            "items": first.text.count("<item>"),
            "feed_bytes": len(first.content),
            "not_modified_status": again.status_code,
            "driver": "wrk" if shutil.which("wrk") else "httpx (asyncio)",
            "connections": connections,
            "seconds": seconds,
            "server": "uvicorn, 1 process (" + _http_impl() + ")",
        }
        for name, headers in (("full", {}), ("not_modified", {"If-None-Match": etag})):
            cpu0 = proc_cpu_s(server.pid)
            if shutil.which("wrk"):
                load = _wrk(url, headers, seconds, connections)
            else:
                load = asyncio.run(_httpx_load(url, headers, seconds, connections, 100_000))
            cpu1 = proc_cpu_s(server.pid)
            if cpu0 is not None and cpu1 is not None and load.get("requests"):
                load["server_cpu_ms_per_request"] = round(
                    1000 * (cpu1 - cpu0) / load["requests"], 3
                )
            result[name] = load
        return result
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _http_impl() -> str:
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "h11"
    return "httptools"
