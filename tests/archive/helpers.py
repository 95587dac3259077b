"""Pages, settings and database helpers shared by the archive tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from versiontrack.settings import Settings
from versiontrack.store.engine import make_engine

from ..conftest import make_settings

T1 = datetime(2024, 10, 30, 8, 0, 0, tzinfo=UTC)
T2 = datetime(2024, 10, 30, 9, 30, 0, tzinfo=UTC)
T3 = datetime(2024, 10, 30, 11, 15, 0, tzinfo=UTC)
T4 = datetime(2024, 10, 31, 7, 45, 0, tzinfo=UTC)

PARAGRAPHS = [
    "The council met on Tuesday evening to discuss the budget for the coming year.",
    "Members argued for three hours about the cost of repairing the old bridge.",
    "A spokesperson said the final figure would be published later this week.",
    "Residents who attended the meeting said they were worried about rising taxes.",
]


def page(edits: int = 0, churn: str = "") -> bytes:
    """An article page; ``edits`` changes the text (0, 1 or 2 edits), ``churn`` only the page
    around the article (a counter a crawler sees change on every visit)."""
    paragraphs = list(PARAGRAPHS)
    if edits >= 1:
        paragraphs[1] = "Members argued for four hours about the cost of repairing the old bridge."
    if edits >= 2:
        paragraphs.append("The mayor said the vote would be held again next month.")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html><head><title>Council budget row</title></head><body>"
        f"<nav><a href='/'>Home</a> <span class='visits'>{churn}</span></nav>"
        f"<article><h1>Council budget row</h1>{body}</article>"
        "<footer>© Local News</footer></body></html>"
    ).encode()


def archive_settings(db_url: str, wayback: str | None = None, **archive: object) -> Settings:
    values: dict = {"delay": 0, "save_delay": 0, "retry_backoff": 0, **archive}
    if wayback is not None:
        values["wayback_url"] = wayback
    return make_settings(db_url, archive=values)


def wipe(db_url: str) -> None:
    """Forget every article (and with them every version, change, check and request)."""
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM articles"))
        connection.execute(text("DELETE FROM sources"))
    engine.dispose()


def crawler_warc(path: Path, captures: list[tuple[str, datetime, bytes]]) -> None:
    """A WARC as a crawler writes it: responses in the order given, each with an image, and
    a redirect: records an import must pass over."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, when, body in captures:
            date = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url,
                    "response",
                    payload=io.BytesIO(body),
                    length=len(body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": date},
                )
            )
            image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url.rsplit("/", 1)[0] + "/logo.png",
                    "response",
                    payload=io.BytesIO(b"\x89PNG\r\n"),
                    length=6,
                    http_headers=image,
                    warc_headers_dict={"WARC-Date": date},
                )
            )
        moved = StatusAndHeaders(
            "301 Moved Permanently", [("Location", captures[0][0])], protocol="HTTP/1.1"
        )
        writer.write_record(
            writer.create_warc_record(
                captures[0][0] + "-old",
                "response",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=moved,
                warc_headers_dict={"WARC-Date": "2024-10-30T07:00:00Z"},
            )
        )
