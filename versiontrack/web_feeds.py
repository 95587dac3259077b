"""The web app's change feeds: ``/feed.xml``, ``/sources/{name}/feed.xml``,
``/articles/{id}/feed.xml`` (and ``.atom``), with ETag/Last-Modified, 304s and a cache of
rendered feeds keyed by the ``FeedQuery`` the ETag was computed from.

Mounted by ``web._routes``; the app's state holds ``settings``, ``db`` and ``render_feed``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal

from starlette.requests import Request
from starlette.responses import Response

from versiontrack import watch
from versiontrack.service import feeds
from versiontrack.service.database import Database
from versiontrack.settings import Settings
from versiontrack.web_request import article_ref, db_of, int_param

FEED_MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
#: Items in a feed unless ``?limit=`` says otherwise, and the most it may ask for.
FEED_LIMIT = 50
MAX_FEED_LIMIT = 500
FEED_CACHE_SIZE = 64  # rendered feeds kept, by ETag


def feed_cache(settings: Settings, db: Database) -> Callable[[str, feeds.FeedQuery], bytes]:
    """The feed renderer the app keeps, memoised by ETag and query.

    A feed's ETag hashes everything its bytes depend on, so the bytes rendered for one ETag
    serve every later request that computes the same ETag: readers polling an unchanged
    feed without validators cost one small query, not a render.
    """

    @functools.lru_cache(maxsize=FEED_CACHE_SIZE)
    def render_feed(etag: str, query: feeds.FeedQuery) -> bytes:
        return feeds.feed(settings, db, query)

    return render_feed


def endpoint(
    fmt: Literal["rss", "atom"], scope: Literal["all", "source", "article"]
) -> Callable[[Request], Response]:
    """The handler of one feed route: a format and a scope."""

    def handler(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        db = db_of(request)
        limit = int_param(request, "limit", FEED_LIMIT, minimum=1, maximum=MAX_FEED_LIMIT)
        source = request.path_params["name"] if scope == "source" else None
        article = article_ref(request) if scope == "article" else None
        flags = request.query_params.get("flags", "")
        query = feeds.FeedQuery(
            source=source,
            article=article,
            fmt=fmt,
            limit=limit,
            min_significance=request.query_params.get("min") or None,
            flags=tuple(f.strip() for f in flags.split(",") if f.strip()),
            terms=watch.parse_terms(request.query_params.get("terms")),
        )
        # The validators cost one aggregate query; most polls by feed readers end here.
        validators = feeds.feed_validators(settings, db, query)
        headers = {"ETag": validators.etag}
        if validators.last_modified is not None:
            headers["Last-Modified"] = format_datetime(validators.last_modified, usegmt=True)
        if _not_modified(request, validators):
            return Response(status_code=304, headers=headers)
        body = request.app.state.render_feed(validators.etag, query)
        return Response(body, headers=headers, media_type=FEED_MEDIA_TYPES[fmt])

    handler.__name__ = f"feed_{scope}_{fmt}"
    return handler


def _not_modified(request: Request, validators: feeds.FeedValidators) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        # Weak comparison, as for GET: W/"x" matches "x".
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return validators.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None or validators.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False  # an unparsable date is ignored, as the RFC says
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    # HTTP dates have whole seconds; the stored time may not.
    return validators.last_modified.replace(microsecond=0) <= since
