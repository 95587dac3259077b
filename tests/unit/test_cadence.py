"""The backoff rule, table-driven: it is a pure function of the clock and the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from versiontrack.cadence import plan
from versiontrack.settings import CheckSettings

NOW = datetime(2024, 11, 1, 12, 0, tzinfo=UTC)
S = CheckSettings(
    interval=600, backoff=1.5, max_interval=3600, retire_after_quiet=30, retire_after_age=90
)


@pytest.mark.parametrize(
    ("outcome", "interval", "expected"),
    [
        ("new", None, 600),  # a new article is checked again soon
        ("changed", 3000, 600),  # a change resets the interval
        ("restored", 3600, 600),
        ("unchanged", 600, 900),  # each unchanged check stretches it ×1.5
        ("unchanged", 900, 1350),
        ("not_modified", 1350, 2025),
        ("unchanged", 3000, 3600),  # …up to max_interval
        ("unchanged", 3600, 3600),
        ("failed", 600, 900),  # errors back off too
        ("gone", 2025, 3038),
        ("unchanged", None, 600),
    ],
)
def test_interval(outcome: str, interval: int | None, expected: int) -> None:
    result = plan(
        NOW, outcome=outcome, interval=interval, first_seen=NOW, last_changed=NOW, settings=S
    )
    assert result.interval == expected
    assert result.next_check_at == NOW + timedelta(seconds=expected)
    assert result.retired is False


def test_retry_after_pushes_the_next_check_out_but_not_the_interval() -> None:
    result = plan(
        NOW,
        outcome="failed",
        interval=600,
        first_seen=NOW,
        last_changed=NOW,
        settings=S,
        retry_after=7200,
    )
    assert (result.interval, result.next_check_at) == (900, NOW + timedelta(seconds=7200))
    short = plan(
        NOW,
        outcome="failed",
        interval=600,
        first_seen=NOW,
        last_changed=NOW,
        settings=S,
        retry_after=10,
    )
    assert short.next_check_at == NOW + timedelta(seconds=900)


@pytest.mark.parametrize(
    ("first_seen_days", "last_changed_days", "retired"),
    [
        (10, 1, False),
        (40, 29, False),
        (40, 30, True),  # 30 days unchanged
        (40, None, True),  # never changed since first seen 40 days ago
        (89, 0, False),
        (90, 0, True),  # 90 days old, however lively
    ],
)
def test_retirement(first_seen_days: int, last_changed_days: int | None, retired: bool) -> None:
    last_changed = None if last_changed_days is None else NOW - timedelta(days=last_changed_days)
    result = plan(
        NOW,
        outcome="unchanged",
        interval=600,
        first_seen=NOW - timedelta(days=first_seen_days),
        last_changed=last_changed,
        settings=S,
    )
    assert result.retired is retired
