"""``/metrics``: Prometheus text format, built with prometheus-client at scrape time.

Every number is read from the database when Prometheus scrapes, not counted in the process
that did the work: checks and polls run in several processes (daemons on several hosts, the
shards of a big ``check`` pass), and the check log already holds every outcome and duration.
Gauges are counts of now. The check counters and the latency histogram are the log's totals,
tallied incrementally (:class:`CheckTally`): the first scrape reads the whole log once, later
ones only the checks logged since (an id range on the primary key), so a scrape stays cheap
however long the log grows. Checks younger than ``SETTLE`` are re-read at every scrape, since
on PostgreSQL a lower id can still commit after a higher one.

Families::

    versiontrack_checks_total{kind="article"|"feed", outcome}    counter
    versiontrack_fetch_duration_seconds{kind}                    histogram
    versiontrack_versions_stored_total                           counter
    versiontrack_changes_stored_total{kind}                      counter
    versiontrack_due_articles                                    gauge (due, not leased)
    versiontrack_articles{status}                                gauge
    versiontrack_sources{health="ok"|"degraded"}                 gauge
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from versiontrack.store import health, metrics, outbox, schedule

__all__ = ["CheckTally", "DatabaseCollector", "render_metrics"]

#: Histogram bounds of fetch latency, in seconds.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
BOUNDS_MS = tuple(round(b * 1000) for b in BUCKETS)
#: Checks older than this are settled: no check that old can still commit (see the module).
SETTLE = timedelta(minutes=15)
HEALTH_STATES = ("ok", "degraded")


class CheckTally:
    """Running totals of the check log, kept by the process that serves ``/metrics``.

    Holds the totals of every check up to ``settled_id`` (checks older than ``SETTLE``); each
    scrape adds the checks settled since, and reads the younger ones afresh. Thread-safe.
    """

    def __init__(self) -> None:
        self.settled_id = 0
        self.settled: dict[tuple[str, str], metrics.CheckTotals] = {}
        self.lock = threading.Lock()

    def totals(self, session: Session, now: datetime) -> dict[tuple[str, str], metrics.CheckTotals]:
        with self.lock:
            upto = metrics.settled_check_id(session, self.settled_id, now - SETTLE)
            if upto > self.settled_id:
                fresh = metrics.check_totals(session, BOUNDS_MS, self.settled_id, upto)
                self.settled = _add(self.settled, fresh)
                self.settled_id = upto
            tail = metrics.check_totals(session, BOUNDS_MS, self.settled_id)
            return _add(self.settled, tail)


def _add(
    base: dict[tuple[str, str], metrics.CheckTotals], more: list[metrics.CheckTotals]
) -> dict[tuple[str, str], metrics.CheckTotals]:
    summed = dict(base)
    for t in more:
        key = (t.kind, t.outcome)
        old = summed.get(key)
        if old is not None:
            t = metrics.CheckTotals(
                t.kind,
                t.outcome,
                old.count + t.count,
                tuple(a + b for a, b in zip(old.within, t.within, strict=True)),
                old.total_ms + t.total_ms,
            )
        summed[key] = t
    return summed


class DatabaseCollector(Collector):
    """Collects the families above from the database at each scrape."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        tally: CheckTally | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.tally = tally or CheckTally()

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            yield from self._collect(session)

    def _collect(self, session: Session) -> Iterator[Metric]:
        totals = self.tally.totals(session, self.clock())
        checks = CounterMetricFamily(
            "versiontrack_checks", "Checks logged, by kind and outcome.", labels=["kind", "outcome"]
        )
        for (kind, outcome), t in sorted(totals.items()):
            checks.add_metric([kind, outcome], t.count)
        yield checks

        latency = HistogramMetricFamily(
            "versiontrack_fetch_duration_seconds",
            "How long each check (fetch, and reading for articles) took.",
            labels=["kind"],
        )
        for kind in sorted({k for k, _ in totals}):
            rows = [t for (k, _), t in totals.items() if k == kind]
            within = [sum(t.within[i] for t in rows) for i in range(len(BUCKETS))]
            buckets = [(_bound(b), n) for b, n in zip(BUCKETS, within, strict=True)]
            buckets.append(("+Inf", sum(t.count for t in rows)))
            latency.add_metric([kind], buckets, sum_value=sum(t.total_ms for t in rows) / 1000)
        yield latency

        yield CounterMetricFamily(
            "versiontrack_versions_stored",
            "Article versions stored.",
            value=metrics.versions_stored(session),
        )
        changes = CounterMetricFamily(
            "versiontrack_changes_stored", "Changes stored, by kind.", labels=["kind"]
        )
        for kind, n in metrics.changes_by_kind(session):
            changes.add_metric([kind], n)
        yield changes

        yield GaugeMetricFamily(
            "versiontrack_due_articles",
            "Articles due for a check now and not being checked (the backlog).",
            value=schedule.due_backlog(session, self.clock()),
        )
        articles = GaugeMetricFamily(
            "versiontrack_articles", "Tracked articles, by status.", labels=["status"]
        )
        for status, n in metrics.articles_by_status(session):
            articles.add_metric([status], n)
        yield articles

        sources = GaugeMetricFamily(
            "versiontrack_sources", "Sources, by health.", labels=["health"]
        )
        counted = health.sources_by_health(session)
        for state in sorted(set(HEALTH_STATES) | set(counted)):
            sources.add_metric([state], counted.get(state, 0))
        yield sources

        backlog = GaugeMetricFamily(
            "versiontrack_outbox_backlog",
            "Messages owed to each output and not yet delivered.",
            labels=["output"],
        )
        for output, n in sorted(outbox.backlog_by_output(session).items()):
            backlog.add_metric([output], n)
        yield backlog


def render_metrics(
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    tally: CheckTally | None = None,
) -> bytes:
    """The exposition text for one scrape (a registry of its own: nothing global). Pass the
    same ``tally`` to every scrape of one process; without one the whole log is read."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(sessions, clock, tally))
    return generate_latest(registry)


def _bound(seconds: float) -> str:
    return repr(float(seconds))
