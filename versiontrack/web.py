"""The web app: thin Starlette handlers over ``service``: pages, change feeds and a health check.

Owns the HTTP edge only: routes, status codes, content types, conditional GET for the feeds,
security headers, and turning service view objects into HTML through Jinja2 templates
(``templates/``, styled by ``static/style.css``). Each handler parses its parameters, calls one
service function and formats the result.

Article text is untrusted. Templates autoescape everything; the only markup let through is our
own diff HTML (escaped text with bare ``<del>``/``<ins>``), and only after
``publish.html.is_diff_markup`` has checked it. Pages carry no script at all, and every response
has a Content-Security-Policy that forbids scripts, inline styles, framing and foreign forms.

Routes::

    /                                    recent changes
    /articles?q=&page=                   tracked articles, searchable by URL or title
    /articles/{id}                       versions, next check, check log
    /articles/{id}/diff/{a}/{b}[?view=inline]
    /articles/{id}/diff/{a}/{b}.png      the change as a diff card (service_outputs.card_png)
    /articles/{id}/diff?a=&b=            (the version picker's form) → 303 to the above
    /articles/{id}/versions/{n}          one version's text
    /feed.xml  /feed.atom                change feeds: all, per source, per article,
    /sources/{name}/feed.xml|.atom       with ETag/Last-Modified and 304s; ?limit= ?min=
    /articles/{id}/feed.xml|.atom        ?flags= ?terms= (changes touching these words)
    /search?q=&removed=                  every version's sentences (``web_search``)
    /search.xml?q=                       RSS of the changes adding or removing them
    /healthz                             JSON; 503 when the database is unreachable
    /health.xml                          RSS of source health changes (web_health)
    /metrics                             Prometheus text format (versiontrack.metrics)
    /static/style.css
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Literal

import jinja2
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from versiontrack import service, service_outputs, watch, web_health
from versiontrack.diff import Row
from versiontrack.errors import InvalidArgument, NotFound
from versiontrack.publish.html import is_diff_markup
from versiontrack.resources import PACKAGE_DIR
from versiontrack.settings import Settings
from versiontrack.store.engine import Database

__all__ = ["CONTENT_SECURITY_POLICY", "FEED_MEDIA_TYPES", "create_app"]

log = logging.getLogger(__name__)

#: Nothing but our own stylesheet (and images) may load; no script, no inline style, no
#: framing, forms only back to this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
)
FEED_MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
#: Items in a feed unless ``?limit=`` says otherwise, and the most it may ask for.
FEED_LIMIT = 50
MAX_FEED_LIMIT = 500
FEED_CACHE_SIZE = 64  # rendered feeds kept, by ETag
#: Rows of the recent-changes and articles pages, and the last page number asked for.
PAGE_SIZE = 50
MAX_PAGE = 100_000
_MAX_ID = 2**63 - 1

_TEMPLATES = PACKAGE_DIR / "templates"
_STATIC = PACKAGE_DIR / "static"

Health = Callable[[], dict[str, Any]]


def create_app(settings: Settings, db: Database, *, health: Health | None = None) -> Starlette:
    """The ASGI app serving ``db``; ``health`` reports the scheduler (None: no scheduler)."""
    app = Starlette(
        routes=_routes(),
        exception_handlers={
            NotFound: _not_found,
            InvalidArgument: _bad_request,
            HTTPException: _http_error,
        },
    )
    app.add_middleware(SecurityHeaders)
    app.state.settings = settings
    app.state.db = db
    app.state.health = health
    app.state.templates = _environment()

    # A feed's ETag hashes everything its bytes depend on, so the bytes rendered for one ETag
    # serve every later request that computes the same ETag: readers polling an unchanged
    # feed without validators cost one small query, not a render.
    @functools.lru_cache(maxsize=FEED_CACHE_SIZE)
    def render_feed(etag: str, args: tuple[tuple[str, Any], ...]) -> bytes:
        return service.feed(settings, db, **dict(args))

    app.state.render_feed = render_feed
    return app


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Route("/", home),
        Route("/articles", articles),
        Route("/articles/{id:int}", article),
        Route("/articles/{id:int}/diff", diff_picker),
        Route("/articles/{id:int}/diff/{a:int}/{b:int}.png", diff_card),
        Route("/articles/{id:int}/diff/{a:int}/{b:int}", diff),
        Route("/articles/{id:int}/versions/{n:int}", version),
        Route("/healthz", healthz),
        Route("/health.xml", web_health.health_feed),
        Route("/metrics", web_health.metrics),
        *_search_routes(),
        Mount("/static", StaticFiles(directory=_STATIC), name="static"),
    ]
    for ext, fmt in (("xml", "rss"), ("atom", "atom")):
        routes += [
            Route(f"/feed.{ext}", _feed_endpoint(fmt, "all")),
            Route(f"/sources/{{name}}/feed.{ext}", _feed_endpoint(fmt, "source")),
            Route(f"/articles/{{id:int}}/feed.{ext}", _feed_endpoint(fmt, "article")),
        ]
    return routes


def _search_routes() -> list[BaseRoute]:
    from versiontrack import web_search  # it builds on this module's helpers

    return web_search.routes()


# --- pages -----------------------------------------------------------------------------------


def home(request: Request) -> Response:
    changes = service.recent_changes(_db(request), limit=PAGE_SIZE)
    return _page(request, "index.html", changes=changes)


def articles(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    page = _int_param(request, "page", 1, minimum=1, maximum=MAX_PAGE)
    # One row more than shown tells whether there is a next page.
    rows = service.search_articles(
        _db(request), query, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    return _page(
        request,
        "articles.html",
        query=query,
        articles=rows[:PAGE_SIZE],
        page=page,
        more=len(rows) > PAGE_SIZE,
    )


def article(request: Request) -> Response:
    data = service.article_page(_db(request), _article_ref(request))
    return _page(request, "article.html", page=data)


def diff(request: Request) -> Response:
    params = request.path_params
    data = service.diff_page(_db(request), _article_ref(request), params["a"], params["b"])
    return _diff_response(request, data)


def diff_card(request: Request) -> Response:
    params = request.path_params
    png = service_outputs.card_png(_db(request), _article_ref(request), params["a"], params["b"])
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


def diff_picker(request: Request) -> Response:
    """The version picker submits ``?a=&b=``; send it to the diff's own address."""
    a = _int_param(request, "a", 0, minimum=1, maximum=_MAX_ID)
    b = _int_param(request, "b", 0, minimum=1, maximum=_MAX_ID)
    ref = _article_ref(request)
    if not (a and b):
        # No versions named: the latest change, as on the command line.
        return _diff_response(request, service.diff_page(_db(request), ref))
    url = f"{_root(request)}/articles/{ref}/diff/{a}/{b}"
    if _view(request) == "inline":
        url += "?view=inline"
    return RedirectResponse(url, status_code=303)


def _diff_response(request: Request, data: service.DiffPage) -> Response:
    return _page(
        request,
        "diff.html",
        page=data,
        view=_view(request),
        marks=_move_marks(data.rows),
        breaks=_paragraph_breaks(data),
    )


def version(request: Request) -> Response:
    params = request.path_params
    data = service.version_page(_db(request), _article_ref(request), params["n"])
    return _page(request, "version.html", page=data)


def healthz(request: Request) -> Response:
    body = service.database_health(_db(request))
    scheduler: dict[str, Any] = {}
    reporter: Health | None = request.app.state.health
    if reporter is not None:
        try:
            scheduler = dict(reporter())
        except Exception:  # a broken reporter must not take the health check down with it
            log.exception("the scheduler's health report failed")
            scheduler = {"scheduler_error": "health report failed"}
    result = {
        "database": body["database"],
        "scheduler_running": bool(scheduler.pop("scheduler_running", False)),
        "last_pass": scheduler.pop("last_pass", None),
        "due_backlog": body["due_backlog"],
        **scheduler,
        "sources": web_health.sources_health(request),
    }
    return JSONResponse(result, status_code=200 if body["database"] == "ok" else 503)


# --- feeds -----------------------------------------------------------------------------------


def _feed_endpoint(
    fmt: Literal["rss", "atom"], scope: Literal["all", "source", "article"]
) -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        db = _db(request)
        limit = _int_param(request, "limit", FEED_LIMIT, minimum=1, maximum=MAX_FEED_LIMIT)
        source = request.path_params["name"] if scope == "source" else None
        article_ref = _article_ref(request) if scope == "article" else None
        flags = request.query_params.get("flags", "")
        args: dict[str, Any] = {
            "source": source,
            "article": article_ref,
            "fmt": fmt,
            "limit": limit,
            "min_significance": request.query_params.get("min") or None,
            "flags": tuple(f.strip() for f in flags.split(",") if f.strip()),
            "terms": watch.parse_terms(request.query_params.get("terms")),
        }
        # The validators cost one aggregate query; most polls by feed readers end here.
        validators = service.feed_validators(settings, db, **args)
        headers = {"ETag": validators.etag}
        if validators.last_modified is not None:
            headers["Last-Modified"] = format_datetime(validators.last_modified, usegmt=True)
        if _not_modified(request, validators):
            return Response(status_code=304, headers=headers)
        body = request.app.state.render_feed(validators.etag, tuple(sorted(args.items())))
        return Response(body, headers=headers, media_type=FEED_MEDIA_TYPES[fmt])

    endpoint.__name__ = f"feed_{scope}_{fmt}"
    return endpoint


def _not_modified(request: Request, validators: service.FeedValidators) -> bool:
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


# --- errors ----------------------------------------------------------------------------------


def _not_found(request: Request, exc: Exception) -> Response:
    return _page(request, "error.html", status_code=404, status=404, message=str(exc))


def _bad_request(request: Request, exc: Exception) -> Response:
    return _page(request, "error.html", status_code=400, status=400, message=str(exc))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = exc.detail if exc.status_code != 404 else "There is no page at this address."
    return _page(
        request,
        "error.html",
        status_code=exc.status_code,
        headers=exc.headers,
        status=exc.status_code,
        message=message,
    )


# --- security headers ------------------------------------------------------------------------


class SecurityHeaders:
    """Adds the CSP, nosniff and referrer headers to every response (pure ASGI, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- helpers ---------------------------------------------------------------------------------


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _article_ref(request: Request) -> str:
    """The article id from the path, as the service takes it; past any id a database holds
    (a 64-bit integer) it names no article, rather than overflowing the driver."""
    article_id: int = request.path_params["id"]
    if article_id > _MAX_ID:
        raise NotFound(f"no tracked article {article_id}")
    return str(article_id)


def _root(request: Request) -> str:
    """The path prefix the app is mounted under ("" at the top of a site)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _view(request: Request) -> Literal["side", "inline"]:
    return "inline" if request.query_params.get("view") == "inline" else "side"


def _int_param(
    request: Request, name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"≥ {minimum}"
        raise HTTPException(400, f"{name} must be {bound}")
    return value


def _page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    env: jinja2.Environment = request.app.state.templates
    html = env.get_template(template).render(root=_root(request), **context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def _move_marks(rows: tuple[Row, ...]) -> dict[int, str]:
    """For each one-sided row of a sentence that moved: "up" or "down", where its partner is."""
    position: dict[tuple[str, int | None], int] = {}
    for n, row in enumerate(rows):
        position["old", row.old_index] = n
        position["new", row.new_index] = n
    marks = {}
    for n, row in enumerate(rows):
        if row.partner is None:
            continue
        other = ("new", row.partner) if row.old is not None else ("old", row.partner)
        marks[n] = "down" if position.get(other, n) > n else "up"
    return marks


def _paragraph_breaks(data: service.DiffPage) -> frozenset[int]:
    """Rows that open a paragraph: of the new version, or of the old one for a removal."""
    return frozenset(
        n
        for n, row in enumerate(data.rows)
        if (row.new_index in data.new_paragraph_starts)
        or (row.new_index is None and row.old_index in data.old_paragraph_starts)
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["diff"] = _diff_markup
    env.filters["when"] = _when
    env.filters["iso"] = _iso
    env.filters["later"] = _later
    env.filters["href"] = _href
    return env


def _diff_markup(fragment: str) -> Markup:
    """Our diff HTML as markup, after checking it holds no tag but ``<del>``/``<ins>``."""
    if fragment and is_diff_markup(fragment):
        return Markup(fragment)  # checked just above: escaped text with del/ins only
    return escape(fragment)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _later(new: datetime, old: datetime) -> str:
    """``about 4 hours later`` (or ``earlier``): how far apart two versions are."""
    seconds = (new - old).total_seconds()
    word = "later" if seconds >= 0 else "earlier"
    seconds = abs(seconds)
    if seconds < 60:
        return "at the same time" if seconds < 1 else f"less than a minute {word}"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            amount = f"{n} {unit}s" if n > 1 else "an hour" if unit == "hour" else f"a {unit}"
            return f"about {amount} {word}"
    raise AssertionError("unreachable: past a minute, one of the units fits")


def _href(url: str) -> str:
    """A link target taken from article data: only http(s) URLs (never ``javascript:``)."""
    return url if url.lower().startswith(("http://", "https://")) else ""
