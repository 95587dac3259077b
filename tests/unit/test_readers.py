"""When a one-off pass sends full readings to its process pool (``readers.read``)."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import os
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest

from versiontrack import discover, readers
from versiontrack.errors import FeedError
from versiontrack.service import commands, database
from versiontrack.settings import Settings

from ..helpers import STORY, Clock, article_html, rss


class Counted:
    """Counts what the pool it is mixed into is given."""

    submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)  # type: ignore[misc]


class CountingPool(Counted, ThreadPoolExecutor):
    """A pool that counts what it is given (it stands for the process pool's place)."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)


def read_concurrently(pool: CountingPool, n: int) -> None:
    page = article_html("Story", STORY)

    async def go() -> None:
        await asyncio.gather(
            *(
                readers.read(pool, page, "https://example.org/a", None, (), None, True)
                for _ in range(n)
            )
        )

    asyncio.run(go())


@pytest.mark.parametrize(("full_before", "used"), [(0, False), (readers.RECENT, True)])
def test_a_one_off_pass_uses_its_pool_only_when_most_of_a_full_window_was_extracted(
    monkeypatch: pytest.MonkeyPatch, full_before: int, used: bool
) -> None:
    recent = collections.deque([True] * full_before, maxlen=readers.RECENT)
    monkeypatch.setattr(readers, "_recent", recent)
    with CountingPool() as pool:
        readers._SPARING.add(pool)
        # six full readings at once: a burst of edits at the start of a pass uses no pool
        read_concurrently(pool, 6)
        assert (pool.submitted > 0) is used


def test_a_check_pass_asks_for_a_sparing_pool(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    # a pass whose pool took every full reading started its reader processes (a second of
    # CPU each) for the few edits of a mostly unchanged pass
    asked: list[bool] = []
    real = readers.cpu_pool

    def recording(settings: Settings, *, sparing: bool = False) -> Any:
        asked.append(sparing)
        return real(settings, sparing=sparing)

    monkeypatch.setattr(readers, "cpu_pool", recording)
    with database.open_database(settings) as db:
        commands.check(settings, db, clock=Clock())
    assert asked == [True]


@pytest.mark.parametrize(("sparing", "processes"), [(True, 2), (False, 3)])
def test_a_one_off_pass_reads_in_one_process_fewer(
    settings: Settings, sparing: bool, processes: int
) -> None:
    # the pass's own process reads pages too: with its pool it uses check.workers cores
    three = dataclasses.replace(settings, check=dataclasses.replace(settings.check, workers=3))
    with readers.cpu_pool(three, sparing=sparing) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
        assert pool._max_workers == processes  # no process starts before a reading is sent


class CountingProcessPool(Counted, ProcessPoolExecutor):
    """A real process pool of one process that counts what it is given.

    Its process is forked at once, as ``readers.cpu_pool`` forks a pass's: forked on the
    first submit, beside the threads parsing feeds, it could copy a lock one of them held
    (a thread importing ``xml.sax``'s parser) and wait on it for ever."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        ProcessPoolExecutor.submit(self, int).result()  # (not counted: no feed of the test's)


FEEDS = [
    (rss(*(f"https://example.org/{k}/{i}" for i in range(60))), f"https://example.org/{k}.rss")
    for k in range(4)
] + [(b"<html><body>not a feed</body></html>", "https://example.org/broken.rss")]


def parse_feeds(pool: ProcessPoolExecutor | None) -> list[Any]:
    async def one(body: bytes, url: str) -> Any:
        try:
            return await readers.read_feed(pool, body, url)
        except FeedError as exc:
            return f"{type(exc).__name__}: {exc}"

    async def go() -> list[Any]:
        return await asyncio.gather(*(one(body, url) for body, url in FEEDS))

    return asyncio.run(go())


def test_feeds_polled_together_are_parsed_here_and_in_the_pool_alike() -> None:
    expected = []
    for body, url in FEEDS:
        try:
            expected.append(discover.read_feed(body, url))
        except FeedError as exc:
            expected.append(f"{type(exc).__name__}: {exc}")
    assert expected[-1] == "FeedError: response is an HTML page, not an RSS or Atom feed"
    assert parse_feeds(None) == expected
    with CountingProcessPool() as pool:
        assert parse_feeds(pool) == expected
        # five feeds at once: three parsed in this process, two meanwhile in the pool
        assert pool.submitted == 2
    broken = CountingProcessPool()
    broken.submit(os._exit, 1)  # its process dies: every later submit raises
    with pytest.raises(BrokenProcessPool):
        broken.submit(int).result()
    assert parse_feeds(broken) == expected  # parsed here instead
    broken.shutdown()
