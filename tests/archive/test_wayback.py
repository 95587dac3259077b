"""``import wayback`` against a loopback stand-in speaking the CDX and ``id_`` formats."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from versiontrack.archive import commands, wayback
from versiontrack.corpus import Response
from versiontrack.corpus.wayback import WaybackStandIn
from versiontrack.errors import ArchiveError, InvalidArgument
from versiontrack.service import database, reads

from ..conftest import make_settings
from .helpers import T1, T2, T3, T4, archive_settings, page

URL = "https://news.example.org/news/council-budget"


def test_wayback_import_back_fills_the_changed_captures(any_db_url: str) -> None:
    with WaybackStandIn() as archive:
        archive.capture(URL, T1, page(0, churn="1"))
        archive.capture(URL, T2, page(0, churn="1"))  # same bytes: CDX collapses it
        archive.capture(URL, T3, page(0, churn="2"))  # page churn only: no version
        archive.capture(URL, T4, page(1, churn="3"))
        archive.capture("https://news.example.org/other", T2, page(2))
        settings = archive_settings(any_db_url, wayback=archive.base_url)
        with database.open_database(settings) as db:
            report = commands.wayback_import(settings, db, URL + "?utm_source=x")
            assert [(o.captured_at, o.outcome, o.version) for o in report.outcomes] == [
                (T1, "new", 1),
                (T3, "unchanged", None),
                (T4, "changed", 2),
            ]
            rows = [r.to_json() for r in reads.history(db, URL)[1]]
            assert [(r["version"], r["fetched_at"], r["origin"]) for r in rows] == [
                (1, T1.isoformat(), "wayback"),
                (2, T4.isoformat(), "wayback"),
            ]
            assert rows[1]["summary"] == "1 sentence edited"
            # done: an import of the same range finds nothing newer than the history
            again = commands.wayback_import(settings, db, URL)
            assert [o.outcome for o in again.outcomes] == ["older", "older", "older"]
        cdx = [r for r in archive.requests if r.route_path == "/cdx/search/cdx"]
        assert parse_qs(urlsplit(cdx[0].path).query) == {
            "url": [URL],
            "output": ["json"],
            "fl": ["timestamp,original,statuscode,mimetype,digest"],
            "filter": ["statuscode:200"],
            "collapse": ["digest"],
        }
        replays = [r.path for r in archive.requests if r.path.startswith("/web/")]
        assert replays == [
            f"/web/20241030080000id_/{URL}",
            f"/web/20241030111500id_/{URL}",
            f"/web/20241031074500id_/{URL}",
        ]  # the second import fetched no page


def test_from_and_to_limit_the_captures(db_url: str) -> None:
    with WaybackStandIn() as archive:
        for n, when in enumerate((T1, T3, T4)):
            archive.capture(URL, when, page(min(n, 2)))
        settings = archive_settings(db_url, wayback=archive.base_url)
        with database.open_database(settings) as db:
            report = commands.wayback_import(
                settings, db, URL, since="2024-10-30T09:00", until="2024-10-30"
            )
            assert [(o.captured_at, o.outcome) for o in report.outcomes] == [(T3, "new")]
        query = parse_qs(urlsplit(archive.requests[0].path).query)
        assert (query["from"], query["to"]) == (["20241030090000"], ["20241030"])


def test_an_unreadable_capture_fails_alone(db_url: str) -> None:
    with WaybackStandIn() as archive:
        archive.capture(URL, T1, page(0))
        archive.capture(URL, T2, page(1))
        archive.route(f"/web/20241030080000id_/{URL}", lambda _r: _gone())
        settings = archive_settings(db_url, wayback=archive.base_url)
        with database.open_database(settings) as db:
            report = commands.wayback_import(settings, db, URL)
            assert [(o.outcome, o.error) for o in report.outcomes] == [
                ("failed", "replay answered HTTP 502"),
                ("new", None),
            ]


def _gone() -> Response:
    return Response(502, b"bad gateway")


def test_a_wayback_that_does_not_answer_is_a_clear_error(db_url: str) -> None:
    with WaybackStandIn() as archive:
        archive.route("/cdx/search/cdx", lambda _r: _gone())
        settings = archive_settings(db_url, wayback=archive.base_url)
        with database.open_database(settings) as db, pytest.raises(ArchiveError) as raised:
            commands.wayback_import(settings, db, URL)
        assert str(raised.value) == f"the CDX API at {archive.base_url} answered HTTP 502"
        assert reads.list_articles(db) == []


def test_cdx_answers_and_dates() -> None:
    assert wayback.parse_cdx(b"") == []
    assert wayback.parse_cdx(b"[]") == []
    rows = wayback.parse_cdx(
        b'[["original","timestamp","digest","statuscode","mimetype"],'
        b'["https://a/","20241030111500","B","200","text/html"],'
        b'["https://a/","20241030080000","A","200","text/html"],'
        b'["https://a/","2024","C","200","text/html"]]'
    )
    assert [(r.timestamp, r.digest, r.captured_at) for r in rows] == [
        ("20241030080000", "A", T1),
        ("20241030111500", "B", T3),
    ]
    with pytest.raises(ArchiveError):
        wayback.parse_cdx(b"<html>")
    assert wayback.cdx_timestamp("2024-10-30") == "20241030"
    assert wayback.cdx_timestamp("2024-10-30T08:00+01:00") == "20241030070000"
    assert wayback.cdx_timestamp("202410") == "202410"
    with pytest.raises(InvalidArgument):
        wayback.cdx_timestamp("yesterday")


def test_a_replay_larger_than_max_bytes_fails_alone(db_url: str) -> None:
    with WaybackStandIn() as archive:
        archive.capture(URL, T1, page(0) + b" " * 5000)
        archive.capture(URL, T2, page(1))
        settings = make_settings(
            db_url, fetch={"max_bytes": 5000}, archive={"wayback_url": archive.base_url, "delay": 0}
        )
        with database.open_database(settings) as db:
            report = commands.wayback_import(settings, db, URL)
            assert [(o.outcome, o.error) for o in report.outcomes] == [
                ("failed", "page larger than fetch.max_bytes (5000 bytes)"),
                ("new", None),
            ]
