"""``[archive] save``: the Save Page Now queue, against a loopback stand-in."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from versiontrack.archive import commands, spn
from versiontrack.archive.spn import retry_delay
from versiontrack.corpus import LoopbackServer, Response
from versiontrack.corpus.wayback import WaybackStandIn
from versiontrack.service import commands as service_commands
from versiontrack.service import database, feeds, reads
from versiontrack.store.engine import make_engine

from .helpers import T1, T2, archive_settings, page, wipe


def _requests(db_url: str) -> list[tuple]:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT version_id, status, attempts, last_error FROM archive_requests ORDER BY id"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_a_new_version_is_saved_after_a_5xx_and_the_check_never_fails(any_db_url: str) -> None:
    with LoopbackServer() as site, WaybackStandIn() as archive:
        url = site.url("/news/council-budget")
        site.route("/news/council-budget", Response.html(page(0).decode()))
        archive.save_answers.append(Response(503, b"busy", {"Retry-After": "0"}))
        settings = archive_settings(any_db_url, wayback=archive.base_url, save=True)
        with database.open_database(settings) as db:
            service_commands.add_article(settings, db, url)
            report = service_commands.check(settings, db, refs=[url], clock=lambda: T1)
            assert [(c.outcome, c.version) for c in report.checks] == [("new", 1)]
            rows = [r.to_json() for r in reads.history(db, url)[1]]
            shown = reads.show_version(db, url).to_json()
        saves = [r.path for r in archive.requests if r.path.startswith("/save/")]
        assert saves == [f"/save/{url}", f"/save/{url}"]
        assert rows[0]["archive_url"].startswith(f"{archive.base_url}/web/")
        assert rows[0]["archive_url"].endswith(f"/{url}")
        assert rows[0]["origin"] == "live"
        assert (shown["archive_url"], shown["origin"]) == (rows[0]["archive_url"], "live")
        assert _requests(any_db_url) == [(1, "saved", 2, None)]

        # the archived copy is linked from the feed item (and the feed's ETag moved with it)
        with database.open_database(settings) as db:
            site.route("/news/council-budget", Response.html(page(1).decode()))
            etag = feeds.feed_validators(settings, db, feeds.FeedQuery(article=url)).etag
            archive.save_answers.append(Response(502, b"down"))
            service_commands.check(settings, db, refs=[url], clock=lambda: T2)
            feed = feeds.feed(settings, db, feeds.FeedQuery(article=url)).decode()
            assert feeds.feed_validators(settings, db, feeds.FeedQuery(article=url)).etag != etag
            rows = [r.to_json() for r in reads.history(db, url)[1]]
        assert f'Archived copy: &lt;a href="{rows[1]["archive_url"]}"&gt;' in feed


def test_a_save_page_now_that_stays_down_is_given_up_without_failing_checks(
    any_db_url: str,
) -> None:
    with LoopbackServer() as site, WaybackStandIn() as archive:
        url = site.url("/a")
        site.route("/a", Response.html(page(0).decode()))
        archive.route(f"/save/{url}", Response(500, b"broken"))
        settings = archive_settings(any_db_url, wayback=archive.base_url, save=True, retries=3)
        with database.open_database(settings) as db:
            service_commands.add_article(settings, db, url)
            report = service_commands.check(settings, db, refs=[url], clock=lambda: T1)
            assert [c.outcome for c in report.checks] == ["new"]
            assert reads.history(db, url)[1][0].archive_url is None
        assert len([r for r in archive.requests if r.path.startswith("/save/")]) == 3
        assert _requests(any_db_url) == [(1, "failed", 3, "Save Page Now answered HTTP 500")]


def test_a_hanging_save_page_now_delays_a_pass_by_drain_time_at_most(db_url: str) -> None:
    with LoopbackServer() as site, WaybackStandIn() as archive:
        url = site.url("/a")
        site.route("/a", Response.html(page(0).decode()))
        archive.route(f"/save/{url}", Response(200, b"", delay=30))
        settings = archive_settings(
            db_url, wayback=archive.base_url, save=True, drain_time=1.0, retry_backoff=600
        )
        with database.open_database(settings) as db:
            service_commands.add_article(settings, db, url)
            started = time.monotonic()
            report = service_commands.check(settings, db, refs=[url])
            assert time.monotonic() - started < 10
            assert [c.outcome for c in report.checks] == ["new"]
            assert commands.queue_status(settings, db).counts.pending == 1
    ((version, status, attempts, error),) = _requests(db_url)
    assert (version, status, attempts) == (1, "pending", 1)
    assert error.startswith("Save Page Now")


def test_the_archive_command_drains_the_queue_by_hand(db_url: str) -> None:
    with LoopbackServer() as site, WaybackStandIn() as archive:
        for path in ("/a", "/b"):
            site.route(path, Response.html(page(0).decode().replace("Council", path[1:])))
        off = archive_settings(db_url, wayback=archive.base_url, save=True, drain_time=0)
        with database.open_database(off) as db:
            for path in ("/a", "/b"):
                service_commands.add_article(off, db, site.url(path))
            service_commands.check(off, db)
            assert commands.queue_status(off, db).counts.due == 2
            first = commands.save_queued(off, db, limit=1)
            assert commands.queue_status(off, db).counts.due == 1
            rest = commands.save_queued(off, db)
            assert sorted(job.url for job, _ in first.saved + rest.saved) == [
                site.url("/a"),
                site.url("/b"),
            ]
            assert len(first.saved) == 1
            counts = commands.queue_status(off, db).counts
            assert (counts.pending, counts.saved, counts.failed) == (0, 2, 0)


def test_no_queue_without_archive_save(db_url: str) -> None:
    with LoopbackServer() as site:
        site.route("/a", Response.html(page(0).decode()))
        settings = archive_settings(db_url)
        with database.open_database(settings) as db:
            service_commands.add_article(settings, db, site.url("/a"))
            service_commands.check(settings, db, clock=lambda: datetime.now(UTC))
    assert _requests(db_url) == []


def test_retry_delays_double() -> None:
    assert [retry_delay(n, 60) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]


def test_save_page_now_jobs_anonymous_and_with_api_keys(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spn, "JOB_POLL", 0.01)
    for keys in ({}, {"access_key": "AK", "secret_key": "SK"}):
        with LoopbackServer() as site, WaybackStandIn(save_by_job=True) as archive:
            url = site.url("/a")
            site.route("/a", Response.html(page(0).decode()))
            settings = archive_settings(db_url, wayback=archive.base_url, save=True, **keys)
            with database.open_database(settings) as db:
                service_commands.add_article(settings, db, url)
                service_commands.check(settings, db, refs=[url])
                archived = reads.history(db, url)[1][0].archive_url
                wipe(db_url)
            ((job, (_url, stamp, polls)),) = archive.jobs.items()
            assert archived == f"{archive.base_url}/web/{stamp}/{url}"
            assert polls == 2  # pending, then success
            asks = [(r.method, r.route_path) for r in archive.requests]
            if keys:
                assert asks[0] == ("POST", "/save")
                assert archive.requests[0].headers["authorization"] == "LOW AK:SK"
            else:
                assert asks[0] == ("GET", f"/save/{url}")
            assert asks[1:] == [("GET", f"/save/status/{job}")] * 2
