"""A loopback stand-in for the Wayback Machine, speaking its formats: the CDX API (JSON
output, ``fl``, ``filter=statuscode:``, ``collapse=digest``, ``from``/``to`` as timestamp
prefixes), ``id_`` replay (the capture's own bytes; the nearest capture by redirect) and Save
Page Now (``/save/<url>``: a ``Content-Location`` naming the new capture, or the answers a
test queued, such as a 503).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote

from versiontrack.corpus.server import LoopbackServer, RecordedRequest, Response

__all__ = ["StandInCapture", "WaybackStandIn"]

_REPLAY = re.compile(r"^/web/(\d{1,14})id_/(.+)$")


@dataclass(frozen=True, slots=True)
class StandInCapture:
    url: str
    timestamp: str  # 14 digits
    body: bytes
    mimetype: str = "text/html"
    status: int = 200

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.body).hexdigest().upper()


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


class WaybackStandIn(LoopbackServer):
    """Captures added with ``capture``; ``save_answers`` queues Save Page Now answers.

    ``save_by_job``: the anonymous ``GET /save/<url>`` answers a page naming a job (as the
    real service's does) instead of a ``Content-Location``. ``POST /save`` (the SPN2 API)
    always answers a job. A job's status is ``pending`` the first time it is asked, then
    ``success`` with the capture's timestamp.
    """

    def __init__(self, *, save_by_job: bool = False) -> None:
        super().__init__()
        self.captures: list[StandInCapture] = []
        self.save_answers: deque[Response] = deque()
        self.save_by_job = save_by_job
        self.jobs: dict[str, tuple[str, str, int]] = {}  # id → (url, timestamp, polls)

    def capture(self, url: str, when: datetime | str, body: bytes, **kwargs: object) -> None:
        stamp = when if isinstance(when, str) else timestamp(when)
        self.captures.append(StandInCapture(url, stamp, body, **kwargs))  # type: ignore[arg-type]

    def fallback(self, request: RecordedRequest) -> Response:
        path = request.path
        if request.route_path == "/cdx/search/cdx":
            return self._cdx(parse_qs(request.query))
        match = _REPLAY.match(path)
        if match:
            return self._replay(match[1], match[2])
        if path.startswith("/save/status/"):
            return self._status(path[len("/save/status/") :])
        if request.method == "POST" and request.route_path == "/save":
            if self.save_answers:
                return self.save_answers.popleft()
            url = parse_qs(request.body.decode())["url"][0]
            body = json.dumps({"url": url, "job_id": self._job(url)}).encode()
            return Response(200, body, {"Content-Type": "application/json"})
        if path.startswith("/save/"):
            return self._save(path[len("/save/") :])
        return super().fallback(request)

    def _job(self, url: str) -> str:
        job = f"spn2-{hashlib.sha1(f'{url}{len(self.jobs)}'.encode()).hexdigest()}"
        self.jobs[job] = (url, timestamp(datetime.now(UTC)), 0)
        return job

    def _status(self, job: str) -> Response:
        if job not in self.jobs:
            body = {"status": "error", "message": "no such job"}
        else:
            url, stamp, polls = self.jobs[job]
            self.jobs[job] = (url, stamp, polls + 1)
            body = (
                {"status": "pending"}
                if polls == 0
                else {"status": "success", "timestamp": stamp, "original_url": url}
            )
        return Response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _cdx(self, query: dict[str, list[str]]) -> Response:
        url = query.get("url", [""])[0]
        since = query.get("from", [""])[0].ljust(14, "0")
        until = query.get("to", [""])[0]
        until = until.ljust(14, "9") if until else "9" * 14
        rows = sorted(
            (c for c in self.captures if c.url == url and since <= c.timestamp <= until),
            key=lambda c: c.timestamp,
        )
        for rule in query.get("filter", []):
            name, _, value = rule.partition(":")
            if name == "statuscode":
                rows = [c for c in rows if str(c.status) == value]
        if query.get("collapse") == ["digest"]:
            rows = [c for i, c in enumerate(rows) if i == 0 or rows[i - 1].digest != c.digest]
        fields = query.get("fl", ["timestamp,original,mimetype,statuscode,digest"])[0].split(",")
        values = {
            "timestamp": lambda c: c.timestamp,
            "original": lambda c: c.url,
            "mimetype": lambda c: c.mimetype,
            "statuscode": lambda c: str(c.status),
            "digest": lambda c: c.digest,
            "length": lambda c: str(len(c.body)),
        }
        table = [fields] + [[values[f](c) for f in fields] for c in rows]
        body = json.dumps(table).encode() if rows else b"[]"
        return Response(200, body, {"Content-Type": "application/json"})

    def _replay(self, stamp: str, url: str) -> Response:
        url = unquote(url)
        mine = [c for c in self.captures if c.url == url]
        if not mine:
            return Response(404, b"not in archive", {"Content-Type": "text/plain"})
        stamp = stamp.ljust(14, "0")
        nearest = min(mine, key=lambda c: abs(int(c.timestamp) - int(stamp)))
        if nearest.timestamp != stamp:
            return Response.redirect(self.url(f"/web/{nearest.timestamp}id_/{url}"), 302)
        return Response(
            nearest.status,
            nearest.body,
            {"Content-Type": nearest.mimetype, "X-Archive-Orig-Content-Type": nearest.mimetype},
        )

    def _save(self, url: str) -> Response:
        if self.save_answers:
            return self.save_answers.popleft()
        if self.save_by_job:
            page = f'<script>spn.watchJob("{self._job(url)}", "/_static/", 6000);</script>'
            return Response.html(page)
        stamp = timestamp(datetime.now(UTC))
        return Response(
            200,
            b"<html><body>Saved.</body></html>",
            {"Content-Type": "text/html", "Content-Location": f"/web/{stamp}/{url}"},
        )
