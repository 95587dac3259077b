"""Polling a source's feed: a conditional GET parsed into items (no transaction open), then
the articles new to us started in one unit of work, with the poll logged. A body the same as
the last one read in full (by its digest) is not parsed again: a feed regenerated unchanged,
or served by a CDN whose validators differ from node to node, counts as not modified.

``harvest`` wraps these for sources with sitemaps and front pages.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from versiontrack import readers
from versiontrack.domain import FeedItem, PollOutcomeKind, Source, Validators
from versiontrack.errors import CheckError, HTTPStatusError
from versiontrack.pipeline.context import (
    GONE_STATUSES,
    PollOutcome,
    Runtime,
    elapsed_ms,
    unit_of_work,
)
from versiontrack.store import articles
from versiontrack.store import sources as sources_store

# One logger for the whole write side: log lines read "versiontrack.pipeline: …" as before
# the split, whichever stage wrote them.
log = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """A polled feed before anything is stored: its items, or the error."""

    source: Source
    source_id: int
    started_at: datetime
    duration_ms: int
    status: int | None
    items: tuple[FeedItem, ...] = ()
    validators: Validators | None = None
    error: str | None = None
    skipped: tuple[str, ...] = ()  # why entries had no usable URL (discover.FeedRead)
    unchanged: bool = False  # the body the last full read saw, served again: not parsed
    digest: str | None = None  # the body's, when it was read in full without a fault


def _source_state(runtime: Runtime, name: str) -> tuple[int, Validators, str | None]:
    with runtime.sessions() as session:
        row = sources_store.source_by_name(session, name)
        assert row is not None, "sources are synced before they are polled"
        return row.id, Validators(row.etag, row.last_modified), row.feed_digest


def _digest(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


async def fetch_feed(runtime: Runtime, source: Source) -> FeedFetch:
    """Conditional GET of a source's feed, parsed into items; failures become ``error``."""
    source_id, validators, last = await asyncio.to_thread(_source_state, runtime, source.name)
    started_at, started = runtime.clock(), time.monotonic()

    def fetched(status: int | None, **found: Any) -> FeedFetch:
        return FeedFetch(source, source_id, started_at, elapsed_ms(started), status, **found)

    try:
        result = await runtime.fetcher.get(source.feed, validators)
        if result.status in GONE_STATUSES:
            raise HTTPStatusError(f"HTTP {result.status} from {result.url}", result.status)
        if result.not_modified:
            return fetched(result.status)
        digest = _digest(result.body)
        if digest == last:
            return fetched(result.status, validators=result.validators, unchanged=True)
        read = await readers.read_feed(runtime.cpu, result.body, result.url)
    except CheckError as exc:
        return fetched(exc.status if isinstance(exc, HTTPStatusError) else None, error=str(exc))
    except Exception as exc:  # a bug on one feed must not lose the pass, nor go unrecorded
        log.exception("poll of feed %s crashed", source.name)
        return fetched(None, error=f"internal error: {exc!r}")
    return fetched(
        result.status,
        items=read.items,
        validators=result.validators,
        skipped=read.skipped,
        # a read that skipped entries is read again next time, and says so again
        digest=None if read.skipped else digest,
    )


def _skipped_note(skipped: tuple[str, ...]) -> str | None:
    """What the poll's log row (and the source's last error) says about skipped entries."""
    if not skipped:
        return None
    shown = "; ".join(skipped[:3]) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
    return f"skipped {len(skipped)} {'entry' if len(skipped) == 1 else 'entries'}: {shown}"


def store_feed(runtime: Runtime, fetched: FeedFetch) -> PollOutcome:
    """Start tracking the feed's articles that are new to us, and log the poll."""
    with unit_of_work(runtime) as session:
        new = articles.track_items(
            session, fetched.source_id, fetched.items, now=fetched.started_at
        )
        outcome: PollOutcomeKind
        if fetched.error:
            outcome = "failed"
        else:
            outcome = "not_modified" if fetched.status == 304 or fetched.unchanged else "polled"
        sources_store.record_feed_poll(
            session,
            fetched.source_id,
            started_at=fetched.started_at,
            duration_ms=fetched.duration_ms,
            http_status=fetched.status,
            outcome=outcome,
            # a poll that only skipped entries still succeeded: the note says what was lost
            error=fetched.error or _skipped_note(fetched.skipped),
            validators=fetched.validators,
            digest=fetched.digest,
        )
    name = fetched.source.name
    if fetched.skipped:
        log.warning("feed %s: %s", name, _skipped_note(fetched.skipped))
    if fetched.error:
        log.warning("feed %s failed: %s", name, fetched.error)
    else:
        log.info("feed %s %s: %d items, %d new", name, outcome, len(fetched.items), new)
    return PollOutcome(name, outcome, len(fetched.items), new, fetched.error)
