"""The web edge of source health and metrics: ``/health.xml``, ``/metrics`` and the
``sources`` part of ``/healthz``. Thin handlers: parse, call one function, format.

Mounted by ``web._routes``; the app's state holds ``settings`` and ``db`` (``web.create_app``).
"""

from __future__ import annotations

import logging

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from versiontrack import health
from versiontrack.metrics import CheckTally, render_metrics
from versiontrack.pipeline.context import utcnow
from versiontrack.publish.health import render_health_feed

__all__ = ["health_feed", "metrics", "sources_health"]

log = logging.getLogger(__name__)

HEALTH_FEED_ITEMS = 50
RSS = "application/rss+xml; charset=utf-8"


def health_feed(request: Request) -> Response:
    """``/health.xml``: RSS of source health changes, newest first."""
    events = health.recent_events(request.app.state.db.sessions, HEALTH_FEED_ITEMS)
    public_url = request.app.state.settings.server.public_url
    return Response(render_health_feed(events, public_url), media_type=RSS)


def metrics(request: Request) -> Response:
    """``/metrics``: Prometheus text format, read from the database now; 503 without it."""
    state = request.app.state
    if getattr(state, "check_tally", None) is None:
        state.check_tally = CheckTally()  # this process's running totals of the check log
    try:
        body = render_metrics(state.db.sessions, utcnow, state.check_tally)
    except SQLAlchemyError:
        log.exception("metrics: the database did not answer")
        return PlainTextResponse("database unreachable\n", status_code=503)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def sources_health(request: Request) -> dict[str, str]:
    """``{name: status}`` for ``/healthz``; empty when the database does not answer."""
    try:
        return health.statuses(request.app.state.db.sessions)
    except SQLAlchemyError:
        return {}
