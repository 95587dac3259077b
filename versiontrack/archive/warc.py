"""WARC files: kept pages out as WARC/1.1, WARC and ARC captures in.

Export writes, per version, a ``response`` record (the page as fetched, with the HTTP status
line and a ``Content-Type``; dated at the version's fetch time), the ``request`` that fetched
it and a ``metadata`` record (``application/warc-fields``) naming the article, the version,
its content hash and origin — what ``warcio`` reads and pywb replays.

Import reads WARC and ARC files (gzipped per record, as Browsertrix, ``wget --warc-file`` and
Webrecorder write them, or not compressed) in two passes: an index of the HTML ``response``
records (capture time, address, file, offset), sorted by capture time; then each record read
again at its offset. Memory holds the index, never the pages.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from versiontrack.archive.captures import Capture, CaptureOutcome
from versiontrack.errors import ArchiveError
from versiontrack.store.archived import KeptPage

log = logging.getLogger(__name__)

__all__ = [
    "METADATA_FIELDS",
    "CaptureRef",
    "WarcCounts",
    "index_captures",
    "load_capture",
    "write_warc",
]

HTML_TYPES = ("text/html", "application/xhtml+xml")
#: The fields of each metadata record, in order.
METADATA_FIELDS = (
    "versiontrack-article",
    "versiontrack-url",
    "versiontrack-version",
    "versiontrack-content-hash",
    "versiontrack-origin",
    "versiontrack-archive-url",
)


@dataclass(frozen=True, slots=True)
class WarcCounts:
    versions: int
    records: int


def warc_date(moment: datetime) -> str:
    """WARC/1.1 ``WARC-Date``: UTC with microseconds, so a round trip keeps the exact time."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def write_warc(
    out: BinaryIO,
    pages: Iterable[KeptPage],
    *,
    filename: str,
    software: str,
    user_agent: str,
) -> WarcCounts:
    """Write a warcinfo record, then request, response and metadata records per page."""
    writer = WARCWriter(out, gzip=filename.endswith(".gz"), warc_version="WARC/1.1")
    writer.write_record(
        writer.create_warcinfo_record(
            Path(filename).name,
            {
                "software": software,
                "format": "WARC File Format 1.1",
                "description": "Kept pages of tracked articles, one response per version",
            },
        )
    )
    versions = records = 0
    for page in pages:
        date = warc_date(page.fetched_at)
        http = StatusAndHeaders(
            "200 OK",
            [("Content-Type", "text/html"), ("Content-Length", str(len(page.page)))],
            protocol="HTTP/1.1",
        )
        response = writer.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(page.page),
            length=len(page.page),
            http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        parts = urlsplit(page.url)
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        request = writer.create_warc_record(
            page.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"GET {target} HTTP/1.1",
                [("Host", parts.netloc), ("User-Agent", user_agent), ("Accept", "text/html")],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
        )
        values = (
            page.article_id,
            page.url,
            page.version,
            page.content_hash,
            page.origin,
            page.archive_url or "",
        )
        fields = "".join(f"{k}: {v}\r\n" for k, v in zip(METADATA_FIELDS, values, strict=True))
        body = fields.encode("utf-8")
        metadata = writer.create_warc_record(
            page.url,
            "metadata",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": response_id},
        )
        for record in (response, request, metadata):
            writer.write_record(record)
        versions += 1
        records += 3
    return WarcCounts(versions, records + 1)


@dataclass(frozen=True, slots=True, order=True)
class CaptureRef:
    """Where an HTML capture sits: enough to sort captures and read one back."""

    captured_at: datetime
    sequence: int  # file order, for captures made at the same moment
    url: str
    path: str
    offset: int


def index_captures(paths: Sequence[str | Path]) -> list[CaptureRef]:
    """Every HTML 200 ``response`` capture in ``paths`` (WARC or ARC), oldest first."""
    refs: list[CaptureRef] = []
    for path in paths:
        records = 0
        try:
            with open(path, "rb") as fh:
                iterator = ArchiveIterator(fh, arc2warc=True)
                for record in iterator:
                    ref = _ref(record, str(path), iterator.get_record_offset(), len(refs))
                    records += 1
                    if ref is not None:
                        refs.append(ref)
        except OSError as exc:
            raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except ArchiveLoadFailed as exc:
            if not records:
                raise ArchiveError(f"{path} is not a WARC or ARC file: {exc}") from exc
            log.warning(
                "%s: unreadable after record %d (%s); read what came before", path, records, exc
            )
        except Exception as exc:  # warcio on a cut-off file: keep what came before
            if not records:
                raise ArchiveError(f"{path} is not a WARC or ARC file: {exc!r}") from exc
            log.warning(
                "%s: unreadable after record %d (%r); read what came before", path, records, exc
            )
    return sorted(refs)


def _ref(record: object, path: str, offset: int, sequence: int) -> CaptureRef | None:
    if getattr(record, "rec_type", None) != "response":
        return None  # requests, metadata, revisits (unchanged by definition), resources
    headers = record.http_headers  # type: ignore[attr-defined]
    if headers is None or headers.get_statuscode() != "200":
        return None
    content_type = (headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type and content_type not in HTML_TYPES:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI") or ""  # type: ignore[attr-defined]
    url = url.strip("<>")
    if not url.startswith(("http://", "https://")):
        return None
    date = record.rec_headers.get_header("WARC-Date")  # type: ignore[attr-defined]
    if not date:
        return None
    captured_at = iso_date_to_datetime(date).replace(tzinfo=UTC)
    return CaptureRef(captured_at, sequence, url, path, offset)


def load_capture(ref: CaptureRef, max_bytes: int) -> Capture | CaptureOutcome:
    """Read one indexed capture's page back from its file; a failed outcome past
    ``max_bytes``, as a live fetch would refuse it."""
    try:
        with open(ref.path, "rb") as fh:
            fh.seek(ref.offset)
            record = next(iter(ArchiveIterator(fh, arc2warc=True)))
            body = record.content_stream().read(max_bytes + 1)
            content_type = record.http_headers.get_header("Content-Type")
            # a record cut off (a crawl that died mid-write) holds less than it declares
            missing = getattr(record.raw_stream, "limit", 0)
    except Exception as exc:  # warcio raises many kinds on damaged files
        error = f"cannot read the capture in {ref.path}: {exc!r}"
        return CaptureOutcome(ref.url, ref.captured_at, "failed", error=error)
    if len(body) <= max_bytes and missing:
        error = f"the capture in {ref.path} is cut off ({missing} bytes missing)"
        return CaptureOutcome(ref.url, ref.captured_at, "failed", error=error)
    if len(body) > max_bytes:
        error = f"page larger than fetch.max_bytes ({max_bytes} bytes)"
        return CaptureOutcome(ref.url, ref.captured_at, "failed", error=error)
    return Capture(ref.url, ref.captured_at, body, content_type or "text/html", 200, "warc")


def load_captures(refs: Iterable[CaptureRef], max_bytes: int) -> Iterator[Capture | CaptureOutcome]:
    for ref in refs:
        yield load_capture(ref, max_bytes)
