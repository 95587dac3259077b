"""Source health: is each source still being read, or did its site change under us?

The top complaint about older trackers is that they broke silently when a site changed its
template. After every pass (and every minute in the daemon) each source's recent checks are
judged by :func:`assess`, a pure function, and the source is ``ok`` or ``degraded``:

- its **feed fails**: the last ``FEED_FAILURES`` polls of its listings all failed;
- its **extractions collapse or come back empty**: at least half of the last
  ``CHECK_WINDOW`` checks of its articles, on at least ``MIN_ARTICLES`` different articles,
  found no article body or a body shrunk below ``check.collapse_ratio`` of the last version;
- its **changes suddenly grow huge**: at least half of its last ``EDIT_WINDOW`` edits, on at
  least ``MIN_ARTICLES`` articles, rewrote ``HUGE_SHARE`` or more of their article — what a
  template change does to every article at once, and an editor to one.

A source recovers when the evidence no longer says so (the bad checks leave the window).
:func:`health_changed` stores the verdicts in the caller's transaction and returns the
transitions, which are logged in ``health_events`` (published by ``/health.xml``) and are what
outputs asking for ``flags = ["health"]`` are sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from versiontrack.outputs.config import HEALTH_FLAG
from versiontrack.outputs.enqueue import enqueue_notice
from versiontrack.settings import Settings
from versiontrack.store import health as store

__all__ = [
    "HealthTransition",
    "Verdict",
    "assess",
    "health_changed",
    "recent_events",
    "refresh",
    "source_health",
    "statuses",
]

log = logging.getLogger(__name__)

Status = Literal["ok", "degraded"]
FEED_FAILURES = 2
CHECK_WINDOW = 10
EDIT_WINDOW = 10
MIN_ARTICLES = 2
HUGE_SHARE = 0.5
#: Check errors that mean "the page came, but the article in it could not be read".
BROKEN_READING = ("no article body found", "body shrank from ")


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class HealthTransition:
    """A source's health changing: what a health message to an output says."""

    source: str
    previous: str
    status: str
    reason: str | None
    at: datetime

    def describe(self) -> str:
        if self.status == "ok":
            return f"source {self.source} recovered"
        return f"source {self.source} {self.status}: {self.reason}"


def assess(
    polls: Sequence[tuple[str, str | None]],
    checks: Sequence[tuple[int, str, str | None]],
    edits: Sequence[tuple[int, float]],
) -> Verdict:
    """The verdict on one source from its recent evidence, each newest first: feed polls
    ``(outcome, error)``, article checks ``(article, outcome, error)`` and edits ``(article,
    share of the article rewritten)``."""
    recent = polls[:FEED_FAILURES]
    if len(recent) == FEED_FAILURES and all(outcome == "failed" for outcome, _ in recent):
        return Verdict("degraded", f"feed failing: {recent[0][1] or 'failed'}")
    window = checks[:CHECK_WINDOW]
    broken = [(a, e) for a, outcome, e in window if outcome == "failed" and _broken_reading(e)]
    if len({a for a, _ in broken}) >= MIN_ARTICLES and 2 * len(broken) >= len(window):
        return Verdict(
            "degraded",
            f"extraction broken: {len(broken)} of the last {len(window)} checks found no "
            f"article or a collapsed one ({broken[0][1]}); has the site's template changed?",
        )
    latest = edits[:EDIT_WINDOW]
    huge = [(a, share) for a, share in latest if share >= HUGE_SHARE]
    if len({a for a, _ in huge}) >= MIN_ARTICLES and 2 * len(huge) >= len(latest):
        return Verdict(
            "degraded",
            f"changes suddenly huge: {len(huge)} of the last {len(latest)} edits rewrote "
            f"{HUGE_SHARE:.0%} or more of their article; has the site's template changed?",
        )
    return Verdict("ok")


def _broken_reading(error: str | None) -> bool:
    return error is not None and error.startswith(BROKEN_READING)


def rewritten_share(diff: dict[str, Any], size_before: int, size_after: int) -> float:
    """How much of an article an edit rewrote: characters of removed and added sentences,
    half of edited ones (an edit keeps most words), over the larger text. Moves are free."""
    changed = 0.0
    for op in diff.get("ops", ()):
        old, new = len(op.get("old") or ""), len(op.get("new") or "")
        if op.get("op") == "removed":
            changed += old
        elif op.get("op") == "added":
            changed += new
        elif op.get("op") == "edited":
            changed += max(old, new) / 2
    return changed / max(size_before, size_after, 1)


def health_changed(session: Session, now: datetime) -> list[HealthTransition]:
    """Judge every source, store the verdicts (in the caller's transaction) and return the
    sources whose status changed. Connect outputs with ``flags = ["health"]`` here."""
    transitions: list[HealthTransition] = []
    for row in store.all_sources(session):
        verdict = assess(
            store.recent_polls(session, row.id, FEED_FAILURES),
            store.recent_article_checks(session, row.id, CHECK_WINDOW),
            [
                (article, rewritten_share(diff, before, after))
                for article, diff, before, after in store.recent_edits(session, row.id, EDIT_WINDOW)
            ],
        )
        if verdict.status == row.health and verdict.reason == row.health_reason:
            continue
        previous = row.health
        store.set_health(session, row, verdict.status, verdict.reason, now)
        if verdict.status != previous:
            transitions.append(
                HealthTransition(row.name, previous, verdict.status, verdict.reason, now)
            )
    return transitions


def refresh(
    sessions: sessionmaker[Session], now: datetime, settings: Settings
) -> list[HealthTransition]:
    """:func:`health_changed` in a transaction of its own; transitions are logged and queued
    for the outputs that ask for ``health`` notices, in the same transaction. A failure is
    logged, never raised: health must not fail a pass."""
    try:
        with sessions() as session, session.begin():
            transitions = health_changed(session, now)
            for t in transitions:
                enqueue_notice(
                    session,
                    settings,
                    kind=HEALTH_FLAG,
                    title=t.describe(),
                    body=f"{t.source}: {t.previous} → {t.status}"
                    + (f" ({t.reason})" if t.reason else ""),
                    source=t.source,
                    now=now,
                )
    except SQLAlchemyError:
        log.exception("source health could not be updated")
        return []
    for t in transitions:
        (log.warning if t.status != "ok" else log.info)("%s", t.describe())
    return transitions


def statuses(sessions: sessionmaker[Session], names: Sequence[str] | None = None) -> dict[str, str]:
    """name → status (``/healthz``), for ``names`` (default: every source known)."""
    with sessions() as session:
        found = store.health_by_source(session)
    wanted = sorted(found) if names is None else names
    return {name: found[name][0] if name in found else "ok" for name in wanted}


def source_health(
    sessions: sessionmaker[Session],
) -> dict[str, tuple[str, str | None, datetime | None, str]]:
    """name → (status, reason, since, origin) for ``versiontrack sources``."""
    with sessions() as session:
        return store.health_by_source(session)


def recent_events(sessions: sessionmaker[Session], limit: int) -> list[store.HealthEvent]:
    """The newest source health changes first (``/health.xml``)."""
    with sessions() as session:
        return store.health_events(session, limit)
