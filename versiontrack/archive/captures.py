"""Back-filling an article's history from captures made elsewhere.

A ``Capture`` is a page as some archive recorded it (a WARC response record, a Wayback
Machine replay). ``backfill`` feeds captures, oldest first, to ``pipeline.article.check_capture``:
the same extraction, text, comparison and storage as a live check, dated at the capture time
and marked with its ``origin`` — so a capture whose text did not change is recorded as an
unchanged check, exactly as a live one would be.

History is only appended to: a capture no newer than what the article's history already
covers (its last check or latest version) is skipped as ``older``, never inserted between
stored versions, whose numbers are cited and linked.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from versiontrack import urls
from versiontrack.domain import FetchResult
from versiontrack.errors import InvalidURL
from versiontrack.pipeline.article import check_capture
from versiontrack.pipeline.context import CheckOutcome, Runtime, unit_of_work
from versiontrack.pipeline.passes import claim
from versiontrack.store import archived, schedule
from versiontrack.store import articles as articles_store

log = logging.getLogger(__name__)

__all__ = ["BackfillReport", "Capture", "CaptureOutcome", "backfill", "backfill_one"]


@dataclass(frozen=True, slots=True)
class Capture:
    """One page as an archive recorded it."""

    url: str  # the page's own address (not the archive's)
    captured_at: datetime  # aware UTC
    body: bytes
    content_type: str | None = "text/html"
    status: int = 200
    origin: str = "warc"  # "warc" | "wayback"


@dataclass(frozen=True, slots=True)
class CaptureOutcome:
    """What became of one capture: a check outcome (``new``, ``changed``, ``unchanged``,
    ``failed``…) or ``older`` (before the article's history), ``held`` (another worker is
    checking the article) or ``skipped`` (not an article address)."""

    url: str
    captured_at: datetime
    outcome: str
    article_id: int | None = None
    version: int | None = None
    error: str | None = None


@dataclass
class BackfillReport:
    outcomes: list[CaptureOutcome] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def articles(self) -> list[int]:
        return list(dict.fromkeys(o.article_id for o in self.outcomes if o.article_id))


async def backfill(
    rt: Runtime,
    captures: Iterable[Capture | CaptureOutcome] | AsyncIterable[Capture | CaptureOutcome],
    *,
    tracked_only: bool = False,
) -> BackfillReport:
    """Apply ``captures`` (already in capture order) one at a time; outcomes given among
    them (a capture that could not be read) are reported as they are."""
    report = BackfillReport()

    async def one(item: Capture | CaptureOutcome) -> None:
        if isinstance(item, CaptureOutcome):
            report.outcomes.append(item)
        else:
            report.outcomes.append(await backfill_one(rt, item, tracked_only=tracked_only))

    if isinstance(captures, AsyncIterable):
        async for item in captures:
            await one(item)
    else:
        for item in captures:
            await one(item)
    return report


async def backfill_one(
    rt: Runtime, capture: Capture, *, tracked_only: bool = False
) -> CaptureOutcome:
    """Check one capture as of its capture time, starting to track its article if needed."""
    try:
        url = urls.canonicalize(capture.url)
    except (InvalidURL, ValueError) as exc:
        return CaptureOutcome(capture.url, capture.captured_at, "skipped", error=str(exc))
    article_id, reach = _article(rt, url, create=not tracked_only)
    if article_id is None:
        return CaptureOutcome(url, capture.captured_at, "skipped", error="not tracked")
    if reach is not None and capture.captured_at <= reach:
        return CaptureOutcome(url, capture.captured_at, "older", article_id)
    if not claim(rt, article_ids=[article_id]):
        return CaptureOutcome(url, capture.captured_at, "held", article_id)
    result = FetchResult(
        url=capture.url,
        status=capture.status,
        content_type=capture.content_type,
        body=capture.body,
        origin=capture.origin,
    )
    # The check happens "at" the capture time: its log, version date and schedule say so
    # (the article is then due at once, and the next pass checks the live page).
    at_capture = dataclasses.replace(rt, clock=lambda: capture.captured_at)
    try:
        outcome: CheckOutcome = await check_capture(
            at_capture, article_id, result, capture.captured_at
        )
    except Exception as exc:  # a bug on one page must not lose the rest of the import
        log.exception("back-fill of %s crashed", url)
        with unit_of_work(rt) as session:
            schedule.release(session, rt.owner, [article_id])
        return CaptureOutcome(
            url, capture.captured_at, "failed", article_id, error=f"internal error: {exc!r}"
        )
    return CaptureOutcome(
        outcome.url or url,
        capture.captured_at,
        outcome.outcome,
        article_id,
        outcome.version,
        outcome.error,
    )


def _article(rt: Runtime, url: str, *, create: bool) -> tuple[int | None, datetime | None]:
    """The article tracked under ``url`` (started now if ``create``), and its history's reach."""
    with unit_of_work(rt) as session:
        article = articles_store.article_for_url(session, url)
        if article is None:
            if not create:
                return None, None
            article = articles_store.add_article(session, url, now=rt.clock())
            return article.id, None
        return article.id, archived.history_reach(session, article.id)
