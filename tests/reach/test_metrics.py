"""/metrics: Prometheus text format that prometheus-client's own parser reads, with the
database's totals (checks by outcome, fetch latency, versions, changes, backlog, health)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.metrics import CheckTally, render_metrics
from versiontrack.service import commands, database
from versiontrack.settings import settings_from_dict
from versiontrack.store.engine import Database
from versiontrack.web import create_app

from ..conftest import TEST_FETCH
from ..web.conftest import TestClient

STORY = [
    "The council voted on Tuesday to close the old bridge to lorries from the first of March.",
    "Engineers found cracks in two of the five spans during an inspection last autumn.",
    "A report said the bridge could carry cars for another decade if heavy traffic stayed off.",
]


def page(paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Bridge</title></head><body>"
        f"<article><h1>Bridge to close</h1>{body}</article></body></html>"
    ).encode()


def test_metrics_parse_and_count_what_the_database_holds(
    server: LoopbackServer, any_db_url: str
) -> None:
    links = "".join(
        f"<item><title>t</title><link>{server.url(p)}</link></item>" for p in ("/a", "/gone")
    )
    server.route(
        "/feed.rss",
        Response(
            200,
            (
                "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title><link>"
                f"http://e.org/</link><description>d</description>{links}</channel></rss>"
            ).encode(),
            {"Content-Type": "application/rss+xml"},
        ),
    )
    server.route("/a", Response(200, page(STORY)))
    server.route("/gone", Response(404, b"no"))
    settings = settings_from_dict(
        {
            "database": {"url": any_db_url},
            "fetch": {"timeout": 5, **TEST_FETCH},
            "sources": [{"name": "site", "feed": server.url("/feed.rss")}],
            # never drained here: the edit's message stays owed
            "outputs": [{"name": "hook", "type": "webhook", "url": server.url("/hook")}],
        }
    )
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    far = lambda: datetime(2100, 1, 1, tzinfo=UTC)  # noqa: E731 - every check settled
    tally = CheckTally()
    with database.open_database(settings) as db:
        commands.check(settings, db, clock=lambda: now)
        render_metrics(db.sessions, far, tally)  # the first pass's checks are now tallied
        server.route("/a", Response(200, page([*STORY, "The work will take two years."])))
        later = now + timedelta(hours=1)
        commands.check(settings, db, force=True, clock=lambda: later)
        with TestClient(create_app(settings, db)) as client:
            response = client.get("/metrics")
            assert client.get("/metrics").text == response.text  # the app's tally, again
        # a tally that read the log in two steps says what one full read says
        assert render_metrics(db.sessions, far, tally) == render_metrics(db.sessions, far)
        tallied = render_metrics(db.sessions, far, tally).decode()
    counted = ("versiontrack_checks", "versiontrack_fetch_duration")
    assert [x for x in tallied.splitlines() if x.startswith(counted)] == [
        x for x in response.text.splitlines() if x.startswith(counted)
    ]
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")

    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in families.values()
        for s in family.samples
    }
    assert families["versiontrack_checks"].type == "counter"
    assert {k: v for k, v in samples.items() if k[0] == "versiontrack_checks_total"} == {
        ("versiontrack_checks_total", (("kind", "article"), ("outcome", "new"))): 1.0,
        ("versiontrack_checks_total", (("kind", "article"), ("outcome", "changed"))): 1.0,
        ("versiontrack_checks_total", (("kind", "article"), ("outcome", "removed"))): 1.0,
        ("versiontrack_checks_total", (("kind", "article"), ("outcome", "gone"))): 1.0,
        ("versiontrack_checks_total", (("kind", "feed"), ("outcome", "polled"))): 1.0,
        # the same feed body again: not parsed again (the server sends no validators)
        ("versiontrack_checks_total", (("kind", "feed"), ("outcome", "not_modified"))): 1.0,
    }
    assert samples[("versiontrack_versions_stored_total", ())] == 2.0
    assert samples[("versiontrack_changes_stored_total", (("kind", "edited"),))] == 1.0
    assert (
        "versiontrack_changes_stored_total",
        (("kind", "removed"),),
    ) not in samples  # never had a version
    # both articles were checked by the second pass at `later`; nothing is due at the real now
    assert samples[("versiontrack_due_articles", ())] == 0.0
    assert samples[("versiontrack_articles", (("status", "active"),))] == 1.0
    assert samples[("versiontrack_articles", (("status", "removed"),))] == 1.0
    assert samples[("versiontrack_sources", (("health", "ok"),))] == 1.0
    assert samples[("versiontrack_sources", (("health", "degraded"),))] == 0.0
    assert samples[("versiontrack_outbox_backlog", (("output", "hook"),))] == 1.0

    latency = families["versiontrack_fetch_duration_seconds"]
    assert latency.type == "histogram"
    article = [s for s in latency.samples if s.labels.get("kind") == "article"]
    buckets = [s for s in article if s.name.endswith("_bucket")]
    assert [s.labels["le"] for s in buckets][-1] == "+Inf"
    assert [s.value for s in buckets] == sorted(s.value for s in buckets)  # cumulative
    assert buckets[-1].value == 4.0
    (count,) = [s.value for s in article if s.name.endswith("_count")]
    assert count == 4.0


def test_metrics_answer_503_without_a_database(tmp_path) -> None:
    from versiontrack.store.engine import make_engine, session_factory

    engine = make_engine(f"sqlite:///{tmp_path}")  # a folder: every connection fails
    db = Database(engine, session_factory(engine))
    settings = settings_from_dict({"database": {"url": f"sqlite:///{tmp_path}"}})
    try:
        with TestClient(create_app(settings, db)) as client:
            response = client.get("/metrics")
    finally:
        engine.dispose()
    assert (response.status_code, response.text) == (503, "database unreachable\n")
