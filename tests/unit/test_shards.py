"""When a pass is split across checking processes (``versiontrack.shards.shard_count``)."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import threading
from datetime import UTC, datetime

import pytest

from versiontrack import shards
from versiontrack.pipeline.context import Runtime, utcnow
from versiontrack.settings import settings_from_dict

MOMENT = datetime(2024, 11, 1, tzinfo=UTC)


def runtime(url: str = "sqlite:////tmp/v.db", workers: int = 2, clock=utcnow) -> Runtime:  # type: ignore[no-untyped-def]
    settings = settings_from_dict({"database": {"url": url}, "check": {"workers": workers}})
    # shard_count reads only the settings and the clock
    return Runtime(settings, None, None, clock)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class Still:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@pytest.mark.parametrize(
    ("rt", "due", "count"),
    [
        (runtime(), 99, 1),  # too small to pay for a process
        (runtime(), 100, 1),  # one shard's worth
        (runtime(), 250, 2),
        (runtime(workers=4), 250, 2),  # at least SHARD_MIN_CHECKS each
        (runtime(workers=4), 1000, 4),
        (runtime(workers=1), 1000, 1),
        (runtime(workers=0), 1000, 1),
        (runtime(clock=Still(MOMENT)), 1000, 2),
        (runtime(clock=lambda: MOMENT), 1000, 1),  # a lambda cannot reach another process
        (runtime(url="sqlite://"), 1000, 1),  # nor can an in-memory database
        (runtime(url="sqlite:///:memory:"), 1000, 1),
        (runtime(url="postgresql+psycopg://postgres@127.0.0.1:5432/test"), 1000, 2),
    ],
)
def test_shard_count(rt: Runtime, due: int, count: int) -> None:
    assert shards.shard_count(rt, due) == count


def test_no_process_is_forked_while_another_thread_runs_or_for_a_pass_never_sharded() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        # a fork would copy whatever locks the other thread holds: the shards are spawned
        with shards.standby(runtime(workers=2).settings) as ready:
            assert ready == []
    finally:
        stop.set()
        other.join()
    for rt in (runtime(workers=1), runtime(url="sqlite://")):
        with shards.standby(rt.settings) as ready:
            assert ready == []


def test_a_forked_process_gone_before_its_share_is_passed_over() -> None:
    if not sys.platform.startswith("linux") or threading.active_count() != 1:
        pytest.skip("children are forked on Linux only, by a process running no other thread")
    with shards.standby(runtime(workers=2).settings) as ready:
        [forked] = ready
        forked.process.kill()  # the OOM killer, say, before the pass hands out shares
        forked.process.join()
        waiting = list(ready)
        assert shards._hand(waiting, (1, "share")) is None  # the shard is spawned instead
        assert waiting == []


def test_work_is_handed_out_in_claim_order_and_waits_for_what_the_poll_adds() -> None:
    async def go() -> None:
        work = shards.Work([1, 2, 3], closed=False)
        assert work.take(2) == [1, 2]
        work.give_back([2])  # handed to a process that was gone: next in line
        assert [await work.next(), await work.next()] == [2, 3]
        waiting = asyncio.ensure_future(work.next())
        await asyncio.sleep(0)
        assert not waiting.done()  # nothing left, but the poll may add more
        work.add([4])
        assert await waiting == 4
        ending = asyncio.ensure_future(work.next())
        await asyncio.sleep(0)
        assert not ending.done() and not work.done
        work.close()
        assert await ending is None
        assert work.done and work.take(8) == []
        assert work.order == [1, 2, 3, 4]

    asyncio.run(go())
