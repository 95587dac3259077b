"""``/metrics``: Prometheus text format, built with prometheus-client at scrape time.

Every number is read from the database when Prometheus scrapes, not kept in this process:
checks and polls run in several processes (daemons on several hosts, the shards of a big
``check`` pass), and the check log already holds every outcome and duration. So counters are
the log's totals (they only grow, as counters must, until old checks are pruned), the latency
histogram is computed over the log in one scan, and gauges are counts of now.

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

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from versiontrack.store import health, metrics, schedule

__all__ = ["DatabaseCollector", "render_metrics"]

#: Histogram bounds of fetch latency, in seconds.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HEALTH_STATES = ("ok", "degraded")


class DatabaseCollector(Collector):
    """Collects the families above from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        with self.sessions() as session:
            yield from self._collect(session)

    def _collect(self, session: Session) -> Iterator[Metric]:
        checks = CounterMetricFamily(
            "versiontrack_checks", "Checks logged, by kind and outcome.", labels=["kind", "outcome"]
        )
        for kind, outcome, n in metrics.checks_by_outcome(session):
            checks.add_metric([kind, outcome], n)
        yield checks

        latency = HistogramMetricFamily(
            "versiontrack_fetch_duration_seconds",
            "How long each check (fetch, and reading for articles) took.",
            labels=["kind"],
        )
        bounds_ms = [round(b * 1000) for b in BUCKETS]
        for d in metrics.check_durations(session, bounds_ms):
            buckets = [(_bound(b), n) for b, n in zip(BUCKETS, d.cumulative, strict=True)]
            buckets.append(("+Inf", d.count))
            latency.add_metric([d.kind], buckets, sum_value=d.total_ms / 1000)
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


def render_metrics(sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> bytes:
    """The exposition text for one scrape (a registry of its own: nothing global)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(sessions, clock))
    return generate_latest(registry)


def _bound(seconds: float) -> str:
    return repr(float(seconds))
