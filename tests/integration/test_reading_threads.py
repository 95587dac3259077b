"""Pages are read in one thread per process, however many checks run at once.

lxml parsers must not be used from several threads, and trafilatura, htmldate, lxml.html and
``region`` keep theirs in module globals: a checking process that read pages in several
threads crashed now and then. The stress test reads real pages (``../shared/realpages``) in
many concurrent checks, again and again, in a process of its own (a crash there fails the
test instead of killing pytest), and wants the very same readings every time.
``VERSIONTRACK_STRESS_ROUNDS`` (default 1) and ``VERSIONTRACK_STRESS_PAGES`` (default 16,
``all`` for every page) make it longer.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from versiontrack import readers

from ..helpers import STORY, article_html

REPO = Path(__file__).resolve().parents[2]
REALPAGES = Path(os.environ.get("VERSIONTRACK_REALPAGES", REPO / ".." / "shared" / "realpages"))
#: Concurrent checks (event-loop tasks) per event loop, and event loops (threads) at once.
TASKS, LOOPS = 16, 3


def spying(calls: list[int], function: Callable[..., Any]) -> Callable[..., Any]:
    def spy(*args: Any) -> Any:
        calls.append(threading.get_ident())
        return function(*args)

    return spy


def test_concurrent_checks_read_their_pages_in_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(readers, "read_page", spying(calls, readers.read_page))
    monkeypatch.setattr(readers, "_unchanged", spying(calls, readers._unchanged))
    pages = [article_html(f"Story {i}", [f"Story number {i}.", *STORY]) for i in range(12)]

    async def read_all() -> list[readers.Reading]:
        return await asyncio.gather(
            *(readers.read(None, p, "https://example.org/a", None, (), None, True) for p in pages)
        )

    readings = asyncio.run(read_all())
    assert all(r.region is not None for r in readings)

    async def fingerprint_all() -> list[readers.Reading]:
        return await asyncio.gather(
            *(
                readers.read(None, p, "https://example.org/a", None, (), r.region, True)
                for p, r in zip(pages, readings, strict=True)
            )
        )

    # checks of several event loops (threads) at once, too
    threads = [threading.Thread(target=lambda: asyncio.run(fingerprint_all())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 12 + 3 * 12
    assert len(set(calls)) == 1  # every page was read in the same thread
    assert calls[0] != threading.get_ident()  # and not on the event loop


def realpages() -> list[bytes]:
    fundus = sorted((REALPAGES / "fundus" / "html").glob("*.html.gz"))
    readability = sorted((REALPAGES / "readability").glob("*/source.html"))
    pages = [gzip.decompress(p.read_bytes()) for p in fundus]
    pages += [p.read_bytes() for p in readability]
    wanted = os.environ.get("VERSIONTRACK_STRESS_PAGES", "16")
    if wanted == "all":
        return pages
    step = max(1, len(pages) // int(wanted))
    return pages[::step][: int(wanted)]


def stress(rounds: int) -> None:
    """Read the real pages, then read them again in many concurrent checks ``rounds`` times
    (full readings, then fingerprints), and fail on any reading that differs."""
    pages = realpages()
    url = "https://example.org/article"
    expected = [readers.read_page(p, url, None, (), True) for p in pages]
    located = [(p, r.region) for p, r in zip(pages, expected, strict=True) if r.region]
    assert located, "no page was located: nothing to fingerprint"

    async def checks() -> tuple[list[readers.Reading], list[readers.Reading]]:
        limit = asyncio.Semaphore(TASKS)

        async def read(page: bytes, known: Any) -> readers.Reading:
            async with limit:
                return await readers.read(None, page, url, None, (), known, True)

        full = await asyncio.gather(*(read(p, None) for p in pages))
        quick = await asyncio.gather(*(read(p, known) for p, known in located))
        return full, quick

    failures: list[str] = []

    def loop() -> None:
        try:
            for _ in range(rounds):
                full, quick = asyncio.run(checks())
                if full != expected:
                    failures.append("a full reading differed")
                if not all(r.unchanged for r in quick):
                    failures.append("a fingerprint differed")
        except BaseException as exc:
            failures.append(repr(exc))

    threads = [threading.Thread(target=loop) for _ in range(LOOPS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [], failures
    print(f"read {len(pages)} pages {rounds * LOOPS} times over, fingerprinted {len(located)}")


def test_real_pages_read_concurrently_again_and_again_read_the_same() -> None:
    if not (REALPAGES / "fundus").is_dir():
        pytest.skip(f"no real pages at {REALPAGES} (see the README: ../shared/realpages)")
    rounds = int(os.environ.get("VERSIONTRACK_STRESS_ROUNDS", "1"))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from tests.integration.test_reading_threads import stress; stress({rounds})",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    # a segfault or an abort ("double free or corruption") is a negative return code here
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("read "), result.stdout
