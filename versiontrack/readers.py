"""CPU work off the event loop: reading a fetched page (or feed), in a pool of processes.

A check's CPU cost is reading the page: the region fingerprint (about a millisecond) or, when
that cannot vouch for the text, full extraction and normalisation (10–20 ms). ``read_page`` is
the full reading as one pure function of picklable values, so it runs in a process pool
(``check.workers`` processes): a pass that extracts uses every core, and the checking
process's event loop is left to do I/O. With ``check.workers`` 0 or 1 it runs in the checking
process instead. Database work never happens here.

Within a process, pages are read in one thread only (``_READER``; a pool process has just
the one). lxml parsers must not be used from several threads, and the libraries we read
with keep theirs in module globals (trafilatura's and htmldate's ``HTML_PARSER``, lxml.html's
default parser, ``region``'s): checking processes that read pages in several threads crashed
now and then ("double free or corruption", segfaults in lxml). One thread loses nothing
measurable: reading is Python code under the GIL, about the same CPU per page in one thread as
in eight (``bench`` and ``tests/integration/test_reading_threads.py``).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import weakref
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass

from versiontrack import children, discover, extract, fingerprint, logs
from versiontrack import text as textmod
from versiontrack.domain import ArticleText, Region
from versiontrack.errors import CheckError
from versiontrack.settings import Settings

log = logging.getLogger(__name__)

#: The one thread that reads pages in this process (see the module's docstring).
_READER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-reader")
#: Full readings go to the process pool only while this many wait for the reading thread
#: and at least half of ``RECENT`` readings, of the last ``RECENT``, were full (half of a
#: full window, not of the few readings a pass has made: a burst of edits at its start must
#: not look like a pass that extracts every page): starting a pool process
#: costs about a second of CPU (its imports), more than a pass that extracts a page now and
#: then (most checks only fingerprint, even in a burst of edits) ever saves by it, while a
#: pass that extracts every page (the first) uses the pool from its first pages on.
BACKLOG = 2
RECENT = 32
_backlog = 0  # full readings queued or running in the reading thread (event loop only)
_recent: collections.deque[bool] = collections.deque(maxlen=RECENT)  # True: a full reading
_SPARING: weakref.WeakSet[Executor] = weakref.WeakSet()  # pools of one-off passes
# feeds being parsed in this process and in the pool (event loop only; ``read_feed``)
_feeds_here = _feeds_there = 0


@dataclass(frozen=True, slots=True)
class Reading:
    """What reading a page found: the region still matching ``known`` (nothing else was
    computed), or the article's text, canonical link and region, or the error."""

    unchanged: bool = False
    text: ArticleText | None = None
    canonical_url: str | None = None
    region: Region | None = None
    error: CheckError | None = None


def end_reading() -> None:
    """End this process's reading thread (the next reading starts another): a one-off pass
    leaves no thread behind it, so that the next pass of this process can fork its shards
    (``shards.standby``)."""
    global _READER
    done, _READER = _READER, ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-reader")
    done.shutdown(wait=True)


def read_page(
    body: bytes, url: str, selector: str | None, ignore: tuple[str, ...], locate: bool
) -> Reading:
    """Read one page in full: extraction, normalisation and, when ``locate``, the article's
    region for the next check's fingerprint."""
    try:
        extracted = extract.extract(body, url, selector=selector, ignore=ignore)
        text = textmod.normalise(extracted)
    except CheckError as exc:
        return Reading(error=exc)
    found = fingerprint.reader(selector, ignore).locate(body, extracted) if locate else None
    return Reading(text=text, canonical_url=extracted.canonical_url, region=found)


def _unchanged(body: bytes, selector: str | None, ignore: tuple[str, ...], known: Region) -> bool:
    return fingerprint.reader(selector, ignore).fingerprint(body, known.path) == known.digest


@contextmanager
def cpu_pool(settings: Settings, *, sparing: bool = False) -> Iterator[Executor | None]:
    """The process pool of a pass or a daemon (None when ``check.workers`` is 0 or 1).

    ``sparing`` (a one-off pass): full readings go to the pool only when the pass extracts
    most of its pages (``BACKLOG``, ``RECENT``), since its processes live for this pass
    alone, and the pool has one process fewer; a daemon's pool lives as long as the daemon
    and takes every full reading.

    A one-off pass's workers are forked at once, when its process runs no other thread yet
    (``children.fork_context``): a few milliseconds each, where spawning one costs most of a
    second of imports. A daemon's, and any started beside other threads, are spawned: a fork
    could copy the other threads' locks mid-use (``children.SPAWN``).
    """
    if settings.check.workers <= 1:
        yield None
        return
    # a one-off pass reads pages in its own process too (``read``), so one process fewer
    # makes it use ``check.workers`` cores, as a sharded pass does, and start one less
    size = settings.check.workers - 1 if sparing else settings.check.workers
    fork = children.fork_context() if sparing else None
    pool = ProcessPoolExecutor(
        max_workers=size,
        mp_context=fork or children.SPAWN,
        initializer=children.start,
        initargs=(os.getpid(), logs.level(), "reader"),
    )
    if fork is not None:
        # the first task forks every worker, before the pool starts its own threads
        pool.submit(int).result()
        log.info("forked %d page reader(s)", size)
    if sparing:
        _SPARING.add(pool)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


async def read_feed(pool: Executor | None, body: bytes, url: str) -> discover.FeedRead:
    """Parse a fetched feed (``discover.read_feed``) off the event loop, in a thread of this
    process or in ``pool``, whichever has fewer feeds to parse. A pass polls its sources all
    at once, and when it knows too few articles to check meanwhile (a first pass), before its
    first check, while the processes it forked wait: parsing is Python (feedparser), about
    40 ms per 100 items, and on one core it kept the other idle. (A pass that knows enough
    articles polls in its own process while its shards check them: ``service.commands``.)"""
    global _feeds_here, _feeds_there
    if pool is not None and _feeds_there < _feeds_here:
        _feeds_there += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(
                pool, discover.read_feed, body, url
            )
        except BrokenProcessPool as exc:
            log.warning("page reader process pool broken (%s); parsing in this process", exc)
        finally:
            _feeds_there -= 1
    _feeds_here += 1
    try:
        return await asyncio.to_thread(discover.read_feed, body, url)
    finally:
        _feeds_here -= 1


async def read(
    pool: Executor | None,
    body: bytes,
    url: str,
    selector: str | None,
    ignore: tuple[str, ...],
    known: Region | None,
    locate: bool,
) -> Reading:
    """Read a page: first the fingerprint of ``known`` (when given), then in full.

    The fingerprint runs in this process's reading thread: it costs about a millisecond, less
    than shipping the page to another process. Full reading runs in that thread too, and in
    ``pool`` when ``BACKLOG`` full readings already wait for it in a pass that extracts most
    pages (see ``RECENT``), such as the first.
    """
    loop = asyncio.get_running_loop()
    if known is not None and await loop.run_in_executor(
        _READER, _unchanged, body, selector, ignore, known
    ):
        _recent.append(False)
        return Reading(unchanged=True)
    global _backlog
    _recent.append(True)
    args = (body, url, selector, ignore, locate)
    if pool is not None and (
        pool not in _SPARING or (_backlog >= BACKLOG and 2 * sum(_recent) >= RECENT)
    ):
        try:
            return await loop.run_in_executor(pool, read_page, *args)
        except BrokenProcessPool as exc:
            # a worker died (killed, out of memory): this check still gets its reading
            log.warning("page reader process pool broken (%s); reading in this process", exc)
    _backlog += 1
    try:
        return await loop.run_in_executor(_READER, read_page, *args)
    finally:
        _backlog -= 1
