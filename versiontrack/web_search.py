"""The web app's search: ``/search?q=`` (a page) and ``/search.xml?q=`` (RSS of the changes
that added or removed matching sentences).

Thin handlers over ``research``, registered by ``web._routes``; rendering goes through the
same templates and escaping as every other page.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from versiontrack import research
from versiontrack.errors import InvalidArgument
from versiontrack.settings import Settings
from versiontrack.web import _page
from versiontrack.web_feeds import FEED_MEDIA_TYPES
from versiontrack.web_request import db_of

#: Results shown on the search page.
RESULTS = 50


def search_page(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    removed = request.query_params.get("removed", "") not in ("", "0")
    hits: list[research.Hit] = []
    error = None
    if query:
        try:
            hits = research.search(db_of(request), query, removed=removed, limit=RESULTS + 1)
        except InvalidArgument as exc:
            error = str(exc)
    return _page(
        request,
        "search.html",
        status_code=400 if error else 200,
        query=query,
        removed=removed,
        hits=hits[:RESULTS],
        more=len(hits) > RESULTS,
        error=error,
    )


def search_feed(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    query = request.query_params.get("q", "").strip()
    body = research.search_feed(settings, db_of(request), query)
    return Response(body, media_type=FEED_MEDIA_TYPES["rss"])


def routes() -> list[BaseRoute]:
    return [Route("/search", search_page), Route("/search.xml", search_feed)]
