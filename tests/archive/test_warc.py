"""WARC export and import through the real pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from versiontrack.archive import commands
from versiontrack.corpus import LoopbackServer, Response
from versiontrack.errors import ArchiveError
from versiontrack.service import commands as service_commands
from versiontrack.service import database, reads
from versiontrack.store.engine import Database

from ..conftest import make_settings
from .helpers import T1, T2, T3, T4, archive_settings, crawler_warc, page, wipe


def _versions(db: Database, ref: str) -> list[tuple]:
    rows = [r.to_json() for r in reads.history(db, ref)[1]]
    return [(r["version"], r["fetched_at"], r["content_hash"], r["title"]) for r in rows]


def test_a_warc_written_and_read_back_gives_the_same_versions(
    any_db_url: str, tmp_path: Path
) -> None:
    settings = archive_settings(any_db_url)
    with LoopbackServer() as site:
        url = site.url("/news/council-budget")
        with database.open_database(settings) as db:
            service_commands.add_article(settings, db, url)
            for edits, now in ((0, T1), (1, T2), (2, T3)):
                site.route("/news/council-budget", Response.html(page(edits).decode()))
                report = service_commands.check(settings, db, refs=[url], clock=lambda now=now: now)
                assert [c.outcome for c in report.checks] == ["new" if edits == 0 else "changed"]
            before = _versions(db, url)
            counts = commands.warc_export(settings, db, tmp_path / "out.warc.gz")
    assert len(before) == 3
    assert (counts.versions, counts.records) == (3, 10)
    assert not (tmp_path / "out.warc.gz.partial").exists()

    # warcio reads it: a warcinfo, then response, request and metadata per version
    with open(tmp_path / "out.warc.gz", "rb") as fh:
        records = [
            (
                r.rec_type,
                r.rec_headers.get_header("WARC-Target-URI"),
                r.rec_headers.get_header("WARC-Date"),
                r.rec_headers.protocol,
                r.content_stream().read(),
                r.digest_checker.passed,
            )
            for r in ArchiveIterator(fh, check_digests=True)
        ]
    assert [r[0] for r in records] == ["warcinfo"] + ["response", "request", "metadata"] * 3
    assert {r[3] for r in records} == {"WARC/1.1"}
    # every block and payload digest warcio wrote checks out (as `warcio check` would say)
    assert [r[5] for r in records[1::3]] == [True, True, True]
    assert False not in {r[5] for r in records}
    assert [r[2] for r in records[1::3]] == [
        "2024-10-30T08:00:00Z",
        "2024-10-30T09:30:00Z",
        "2024-10-30T11:15:00Z",
    ]
    assert [r[4] for r in records[1::3]] == [page(0), page(1), page(2)]
    assert records[2][4] == b""  # the request has no body; its headers name the page
    assert records[3][4].decode() == (
        f"versiontrack-article: 1\r\nversiontrack-url: {url}\r\nversiontrack-version: 1\r\n"
        f"versiontrack-content-hash: {before[0][2]}\r\nversiontrack-origin: live\r\n"
        "versiontrack-archive-url: \r\n"
    )

    wipe(any_db_url)
    with database.open_database(settings) as db:
        report = commands.warc_import(settings, db, [tmp_path / "out.warc.gz"])
        assert [o.outcome for o in report.outcomes] == ["new", "changed", "changed"]
        assert _versions(db, url) == before
        rows = [r.to_json() for r in reads.history(db, url)[1]]
        assert {r["origin"] for r in rows} == {"warc"}
        assert [r["summary"] for r in rows] == [
            "first version",
            "1 sentence edited",
            "1 sentence added",
        ]


def test_a_warc_of_a_page_that_changed_twice_imports_as_two_versions(
    any_db_url: str, tmp_path: Path
) -> None:
    url = "https://news.example.org/news/council-budget"
    # written out of capture order, as several crawls concatenated; the second and fourth
    # captures only differ around the article (a visit counter)
    crawler_warc(
        tmp_path / "crawl.warc.gz",
        [
            (url, T3, page(1, churn="visits: 3")),
            (url, T1, page(0, churn="visits: 1")),
            (url, T4, page(1, churn="visits: 4")),
            (url, T2, page(0, churn="visits: 2")),
        ],
    )
    settings = archive_settings(any_db_url)
    with database.open_database(settings) as db:
        report = commands.warc_import(settings, db, [tmp_path / "crawl.warc.gz"])
        assert [(o.captured_at, o.outcome, o.version) for o in report.outcomes] == [
            (T1, "new", 1),
            (T2, "unchanged", None),
            (T3, "changed", 2),
            (T4, "unchanged", None),
        ]
        rows = [r.to_json() for r in reads.history(db, url)[1]]
        assert [(r["version"], r["fetched_at"], r["origin"]) for r in rows] == [
            (1, T1.isoformat(), "warc"),
            (2, T3.isoformat(), "warc"),
        ]
        # the back-fill is dated at capture time and leaves the article due for a live check
        article = reads.list_articles(db)[0].to_json()
        assert article["last_checked"] == T4.isoformat()
        assert article["status"] == "active"

        # history is only appended to: a capture older than it is skipped, never inserted
        crawler_warc(tmp_path / "late.warc.gz", [(url, T2 + timedelta(minutes=1), page(2))])
        late = commands.warc_import(settings, db, [tmp_path / "late.warc.gz"])
        assert [o.outcome for o in late.outcomes] == ["older"]
        assert len(reads.history(db, url)[1]) == 2


def test_tracked_only_leaves_other_pages_alone(db_url: str, tmp_path: Path) -> None:
    crawler_warc(
        tmp_path / "c.warc.gz",
        [("https://news.example.org/a", T1, page(0)), ("https://news.example.org/b", T2, page(1))],
    )
    settings = archive_settings(db_url)
    with database.open_database(settings) as db:
        service_commands.add_article(settings, db, "https://news.example.org/b")
        report = commands.warc_import(settings, db, [tmp_path / "c.warc.gz"], tracked_only=True)
        assert [(o.url, o.outcome) for o in report.outcomes] == [
            ("https://news.example.org/a", "skipped"),
            ("https://news.example.org/b", "new"),
        ]
        assert [a.url for a in reads.list_articles(db)] == ["https://news.example.org/b"]


def test_an_uncompressed_warc_and_an_arc_file_import_too(db_url: str, tmp_path: Path) -> None:
    url = "https://news.example.org/story"
    crawler_warc(tmp_path / "crawl.warc.gz", [(url, T1, page(0))])
    (tmp_path / "crawl.warc").write_bytes(
        gzip.decompress((tmp_path / "crawl.warc.gz").read_bytes())
    )
    body = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + page(1)
    version = b"1 0 versiontrack\nURL IP-address Archive-date Content-type Archive-length\n"
    header = f"filedesc://crawl.arc 0.0.0.0 20241030000000 text/plain {len(version)}\n"
    record = f"{url} 93.184.216.34 20241030113000 text/html {len(body)}\n".encode() + body
    (tmp_path / "crawl.arc").write_bytes(header.encode() + version + b"\n" + record + b"\n")
    settings = archive_settings(db_url)
    with database.open_database(settings) as db:
        report = commands.warc_import(
            settings, db, [tmp_path / "crawl.warc", tmp_path / "crawl.arc"]
        )
        assert [(o.captured_at, o.outcome) for o in report.outcomes] == [
            (T1, "new"),
            (T1.replace(hour=11, minute=30), "changed"),
        ]


def test_a_file_that_is_not_a_warc_is_a_clear_error(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    settings = archive_settings(db_url)
    with database.open_database(settings) as db, pytest.raises(ArchiveError) as raised:
        commands.warc_import(settings, db, [tmp_path / "notes.txt"])
    assert str(raised.value).startswith(f"{tmp_path / 'notes.txt'} is not a WARC or ARC file")
    with database.open_database(settings) as db, pytest.raises(ArchiveError) as raised:
        commands.warc_import(settings, db, [tmp_path / "missing.warc"])
    assert (
        str(raised.value) == f"cannot read {tmp_path / 'missing.warc'}: No such file or directory"
    )


def test_a_capture_larger_than_max_bytes_fails_alone(db_url: str, tmp_path: Path) -> None:
    url = "https://news.example.org/story"
    crawler_warc(tmp_path / "c.warc.gz", [(url, T1, page(0) + b" " * 5000), (url, T2, page(1))])
    settings = make_settings(db_url, fetch={"max_bytes": 5000})
    with database.open_database(settings) as db:
        report = commands.warc_import(settings, db, [tmp_path / "c.warc.gz"])
        assert [(o.outcome, o.error) for o in report.outcomes] == [
            ("failed", "page larger than fetch.max_bytes (5000 bytes)"),
            ("new", None),
        ]


def test_a_crawl_cut_off_mid_record_imports_what_is_whole(db_url: str, tmp_path: Path) -> None:
    url = "https://news.example.org/story"
    crawler_warc(tmp_path / "c.warc.gz", [(url, T1, page(0)), (url, T2, page(1))])
    whole = gzip.decompress((tmp_path / "c.warc.gz").read_bytes())
    second = whole.index(b"WARC/1.0", whole.index(b"logo.png"))  # the second page's record
    (tmp_path / "cut.warc").write_bytes(whole[: second + 700])
    settings = archive_settings(db_url)
    with database.open_database(settings) as db:
        report = commands.warc_import(settings, db, [tmp_path / "cut.warc"])
        assert [(o.outcome, o.version) for o in report.outcomes] == [("new", 1), ("failed", None)]
        assert report.outcomes[1].error.startswith(
            f"the capture in {tmp_path / 'cut.warc'} is cut off"
        )
        assert len(reads.history(db, url)[1]) == 1
