"""When an article is checked next: a pure function of the clock, its history and the settings.

A new or just-changed article is checked again soon (``check.interval``); every unchanged or
failed check stretches the interval by ``check.backoff`` up to ``check.max_interval``; a server's
``Retry-After`` pushes the next check out at least that far. An article retires — is no longer
checked — after ``check.retire_after_quiet`` days without a change or
``check.retire_after_age`` days after it was first seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from versiontrack.settings import CheckSettings

#: Outcomes that reset the interval: the article is live and changing.
RESETS = frozenset({"new", "changed", "restored"})


@dataclass(frozen=True, slots=True)
class Plan:
    """The schedule after a check: the interval now in force and the next check time."""

    interval: int
    next_check_at: datetime
    retired: bool = False


def plan(
    now: datetime,
    *,
    outcome: str,
    interval: int | None,
    first_seen: datetime,
    last_changed: datetime | None,
    settings: CheckSettings,
    retry_after: float | None = None,
) -> Plan:
    """The schedule after a check that ended at ``now`` with ``outcome``.

    ``interval`` is the interval that was in force before this check (None for a new article).
    """
    if outcome in RESETS or interval is None:
        seconds = settings.interval
    else:
        seconds = min(round(interval * settings.backoff), settings.max_interval)
    wait = max(seconds, retry_after or 0)
    quiet_since = last_changed or first_seen
    retired = now - quiet_since >= timedelta(days=settings.retire_after_quiet) or (
        now - first_seen >= timedelta(days=settings.retire_after_age)
    )
    return Plan(seconds, now + timedelta(seconds=wait), retired)
