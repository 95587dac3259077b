"""One article check, linear with early returns: fetch → read → record.

``check_article`` is the one code path from URL to stored version, shared by ``versiontrack
check``, the daemon and the shards; ``check_capture`` runs a page captured elsewhere through
the same reading and recording. Only the fetch runs on the event loop; the page is read in the
process pool (``readers``) and every write happens in a worker thread, in one transaction
(``record``), so a busy pass never stalls the loop (which also serves the web app in the
daemon). Problems with a page (``CheckError``) are recorded on the check, never raised.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from versiontrack import readers, urls
from versiontrack.domain import FetchResult, Source
from versiontrack.errors import CheckError, HTTPStatusError, NotHTML
from versiontrack.pipeline import record
from versiontrack.pipeline.context import GONE_STATUSES, CheckOutcome, Runtime
from versiontrack.pipeline.reextract import reextract_if_stale
from versiontrack.store import checks as checks_store
from versiontrack.store.checks import CheckState

# One logger for the whole write side: log lines read "versiontrack.pipeline: …" as before
# the split, whichever stage wrote them.
log = logging.getLogger(__package__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True, slots=True)
class FetchCanonical:
    """Instead of an outcome: this first fetch landed on a copy of the article (an AMP page,
    say); fetch ``url``, the page the site calls canonical, and read the first version there,
    so the history does not start with a copy's quirks."""

    url: str


async def check_article(runtime: Runtime, article_id: int) -> CheckOutcome:
    """Fetch one article, and store a new version (and change) if its text changed."""
    state, source = await asyncio.to_thread(_check_state, runtime, article_id)
    started_at, started = runtime.clock(), time.monotonic()
    # Validators only make sense once we hold a version to compare against.
    validators = state.validators if state.version_count else None
    try:
        result = await runtime.fetcher.get(state.url, validators)
    except CheckError as exc:
        return await _failed(runtime, state, started_at, started, _status_of(exc), exc)
    found = await _after_fetch(runtime, state, source, result, started_at, started)
    if isinstance(found, CheckOutcome):
        return found
    try:
        result = await runtime.fetcher.get(found.url)
    except CheckError as exc:
        return await _failed(runtime, state, started_at, started, _status_of(exc), exc)
    final = await _after_fetch(
        runtime, state, source, result, started_at, started, follow_canonical=False
    )
    assert isinstance(final, CheckOutcome)
    return final


async def check_capture(
    runtime: Runtime, article_id: int, result: FetchResult, captured_at: datetime
) -> CheckOutcome:
    """A page captured elsewhere (a WARC file, the Wayback Machine), checked as if fetched at
    ``captured_at``: the same reading, comparison and transaction as a live check, so a
    back-filled version is what a live check would have stored (``versiontrack.archive``)."""
    state, source = await asyncio.to_thread(_check_state, runtime, article_id)
    outcome = await _after_fetch(
        runtime, state, source, result, captured_at, time.monotonic(), follow_canonical=False
    )
    assert isinstance(outcome, CheckOutcome)
    return outcome


async def check_safely(runtime: Runtime, article_id: int) -> CheckOutcome:
    """``check_article``, with a crash on one page turned into a failed outcome.

    The crashed article keeps its lease until it expires, which spaces out retries of a page
    that triggers a bug instead of hammering it every tick.
    """
    try:
        return await check_article(runtime, article_id)
    except Exception as exc:  # a bug on one page must not lose the rest of the pass
        log.exception("check %d crashed", article_id)
        return CheckOutcome(article_id, "", "failed", error=f"internal error: {exc!r}")


def _check_state(runtime: Runtime, article_id: int) -> tuple[CheckState, Source | None]:
    """The article as the check starts, and its source's config (for the per-source
    extraction overrides)."""
    with runtime.sessions() as session:
        state = checks_store.check_state(session, article_id)
    if state is None:
        raise LookupError(f"no article {article_id}")
    source = next((s for s in runtime.settings.sources if s.name == state.source_name), None)
    return state, source


async def _after_fetch(
    runtime: Runtime,
    state: CheckState,
    source: Source | None,
    result: FetchResult,
    started_at: datetime,
    started: float,
    *,
    follow_canonical: bool = True,
) -> CheckOutcome | FetchCanonical:
    """Everything a check does once the page is here: read it, then record what it found."""
    if result.status in GONE_STATUSES:
        return await asyncio.to_thread(
            record.record_gone, runtime, state, result, started_at, started
        )
    if result.not_modified:
        return await asyncio.to_thread(
            record.record_quiet, runtime, state, result, started_at, started, "not_modified"
        )
    content_type = (result.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in HTML_TYPES:
        error = NotHTML(f"not an HTML page (Content-Type: {content_type})")
        return await _failed(runtime, state, started_at, started, result.status, error)
    reading = await readers.read(
        runtime.cpu,
        result.body,
        result.url,
        source.selector if source else None,
        source.ignore if source else (),
        state.region if _may_trust_region(runtime, state, result) else None,
        runtime.settings.check.fingerprint_skips > 0,
    )
    if reading.error is not None:
        return await _failed(runtime, state, started_at, started, result.status, reading.error)
    if reading.unchanged:
        return await asyncio.to_thread(
            record.record_quiet,
            runtime,
            state,
            result,
            started_at,
            started,
            "unchanged",
            trusted_region=True,
        )
    assert reading.text is not None
    canonical = urls.resolve_canonical(result.url, reading.canonical_url)
    first = not state.version_count
    if follow_canonical and first and canonical != urls.canonicalize(result.url):
        return FetchCanonical(canonical)
    if not first:
        # outside the check's transaction: it may rewrite every kept version
        await asyncio.to_thread(reextract_if_stale, runtime, state.id, source, reading.text)
    return await asyncio.to_thread(
        record.record_text,
        runtime,
        state,
        source,
        result,
        reading.text,
        canonical,
        reading.region,
        started_at,
        started,
    )


def _may_trust_region(runtime: Runtime, state: CheckState, result: FetchResult) -> bool:
    """Whether an unchanged region fingerprint may stand for unchanged text
    (``versiontrack.fingerprint``): only for a live article fetched at its own URL (a redirect
    elsewhere or a comeback after removal needs the full path), and never more than
    ``check.fingerprint_skips`` times in a row."""
    return (
        state.region is not None
        and state.status == "active"
        and state.version_count > 0
        and state.region_skips < runtime.settings.check.fingerprint_skips
        and urls.canonicalize(result.url) == state.url
    )


def _status_of(exc: CheckError) -> int | None:
    return exc.status if isinstance(exc, HTTPStatusError) else None


async def _failed(
    runtime: Runtime,
    state: CheckState,
    started_at: datetime,
    started: float,
    status: int | None,
    exc: CheckError,
) -> CheckOutcome:
    return await asyncio.to_thread(
        record.record_failure, runtime, state, started_at, started, status, exc
    )
