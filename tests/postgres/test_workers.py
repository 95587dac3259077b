"""Several workers on one real PostgreSQL: migrations, concurrent claims, two daemons, a
killed daemon's work picked up."""

from __future__ import annotations

import json
import signal
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from versiontrack.corpus import LoopbackServer, RecordedRequest, Response
from versiontrack.store import articles, migrate, schedule
from versiontrack.store.engine import make_engine, session_factory
from versiontrack.store.schema import Base, compare_filter

from ..daemon.test_daemon import start, vt, wait_for

pytestmark = pytest.mark.postgres

NOW = datetime(2024, 11, 1, 12, 0, tzinfo=UTC)


def test_migrations_match_the_models(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    assert migrate.current(engine) == migrate.head()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": compare_filter}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_concurrent_claims_never_overlap(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        for i in range(200):
            articles.add_article(session, f"https://example.org/{i}", now=NOW)
    claimed: dict[str, list[int]] = {f"w{i}": [] for i in range(4)}
    barrier = threading.Barrier(4)

    def worker(owner: str) -> None:
        barrier.wait()
        while True:
            with sessions() as session, session.begin():
                got = schedule.claim_due(session, now=NOW, owner=owner, lease_seconds=60, limit=7)
            if not got:
                return
            claimed[owner].extend(got)

    threads = [threading.Thread(target=worker, args=(o,)) for o in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    everything = [i for ids in claimed.values() for i in ids]
    assert len(everything) == 200
    assert sorted(everything) == list(range(1, 201))
    assert sum(1 for ids in claimed.values() if ids) >= 2  # the work really was shared
    engine.dispose()


def config_for(folder: Path, db_url: str, server: LoopbackServer, lease: int) -> Path:
    config = folder / "pg.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        "[fetch]\nallow_private = true\nper_host_delay = 0\nper_host_concurrency = 8\n"
        "concurrency = 8\ntimeout = 30\n"
        # one due window for the whole test: every article should be checked exactly once
        "[check]\ninterval = 3600\n"
        f"[daemon]\nfeed_interval = 1\nfeed_jitter = 0\ntick = 0.2\nbatch = 5\nlease = {lease}\n"
        f'[[sources]]\nname = "s"\nfeed = "{server.url("/feed.xml")}"\n'
    )
    return config


def serve_articles(server: LoopbackServer, n: int, page) -> None:
    items = "".join(f"<item><link>{server.url(f'/a/{i}')}</link></item>" for i in range(n))
    feed = f"<rss version='2.0'><channel><title>s</title>{items}</channel></rss>"
    server.route("/feed.xml", Response(200, feed.encode(), {"Content-Type": "application/rss+xml"}))
    for i in range(n):
        server.route(f"/a/{i}", page)


def article_page(request: RecordedRequest) -> Response:
    number = request.route_path.rsplit("/", 1)[1]
    body = "".join(
        f"<p>Article {number} paragraph {j} reports what the envoy said on Wednesday.</p>"
        for j in range(4)
    )
    html = (
        f"<html><head><title>Article {number}</title></head><body>"
        f"<article><h1>Article {number}</h1>{body}</article></body></html>"
    )
    return Response(200, html.encode(), {"Content-Type": "text/html"}, delay=0.1)


def article_counts(config: Path) -> list[int]:
    return [r["versions"] for r in json.loads(vt(config, "articles", "--json").stdout)]


def test_two_daemons_never_check_an_article_twice_in_one_window(
    postgres_url: str, tmp_path: Path
) -> None:
    with LoopbackServer() as server:
        serve_articles(server, 40, article_page)
        config = config_for(tmp_path, postgres_url, server, lease=60)
        daemons = [start(config, "--no-web"), start(config, "--no-web")]
        try:
            wait_for(lambda: article_counts(config) == [1] * 40, 90, "40 articles with one version")
        finally:
            for d in daemons:
                d.send_signal(signal.SIGTERM)
            outputs = [d.communicate(timeout=20)[0] for d in daemons]
        assert [d.returncode for d in daemons] == [0, 0], outputs
        hits = Counter(r.route_path for r in server.requests if r.route_path.startswith("/a/"))
    assert len(hits) == 40
    assert set(hits.values()) == {1}, hits
    # both workers did part of the work
    assert all("check " in out for out in outputs), outputs


def test_a_killed_daemons_leases_are_recovered(postgres_url: str, tmp_path: Path) -> None:
    hang = threading.Event()

    def page(request: RecordedRequest) -> Response:
        if not hang.is_set():
            return Response(200, b"", delay=120)  # never answers in time: the worker is stuck
        return article_page(request)

    with LoopbackServer() as server:
        serve_articles(server, 6, page)
        config = config_for(tmp_path, postgres_url, server, lease=3)
        first = start(config, "--no-web")
        wait_for(
            lambda: sum(1 for r in server.requests if r.route_path.startswith("/a/")) >= 5,
            60,
            "the first daemon to claim articles",
        )
        first.kill()  # SIGKILL: no cleanup at all
        first.communicate(timeout=10)
        hang.set()
        second = start(config, "--no-web")
        try:
            wait_for(lambda: article_counts(config) == [1] * 6, 60, "the work picked up")
        finally:
            second.send_signal(signal.SIGTERM)
            output = second.communicate(timeout=20)[0]
    assert second.returncode == 0, output
    assert "recovered" in output  # same host: the dead worker's leases were freed at start
