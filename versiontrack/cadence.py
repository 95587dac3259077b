"""When an article or feed is checked next: a pure function of the clock and the settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from versiontrack.settings import CheckSettings


def next_check_at(now: datetime, settings: CheckSettings) -> datetime:
    """The time of the next check after one that finished at ``now``."""
    return now + timedelta(seconds=settings.interval)
