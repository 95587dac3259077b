"""The web app: thin Starlette handlers over ``service``: pages, change feeds and a health check.

Owns the HTTP edge only: routes, status codes, content types, security headers, and turning
service view objects into HTML through Jinja2 templates (``templates/``, styled by
``static/style.css``; the environment and its filters in ``web_templates``). Each handler
parses its parameters (``web_request``), calls one service function and formats the result.
The change feeds, with conditional GET and their render cache, are in ``web_feeds``.

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

import logging
from collections.abc import Callable
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from versiontrack import service_outputs, web_feeds, web_health, web_templates
from versiontrack.errors import InvalidArgument, NotFound
from versiontrack.resources import PACKAGE_DIR
from versiontrack.service import database, pages, reads
from versiontrack.settings import Settings
from versiontrack.web_request import MAX_ID, article_ref, db_of, int_param, root, view

__all__ = ["CONTENT_SECURITY_POLICY", "create_app"]

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
#: Rows of the recent-changes and articles pages, and the last page number asked for.
PAGE_SIZE = 50
MAX_PAGE = 100_000

_STATIC = PACKAGE_DIR / "static"

Health = Callable[[], dict[str, Any]]


def create_app(
    settings: Settings, db: database.Database, *, health: Health | None = None
) -> Starlette:
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
    app.state.templates = web_templates.environment()
    app.state.render_feed = web_feeds.feed_cache(settings, db)
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
            Route(f"/feed.{ext}", web_feeds.endpoint(fmt, "all")),
            Route(f"/sources/{{name}}/feed.{ext}", web_feeds.endpoint(fmt, "source")),
            Route(f"/articles/{{id:int}}/feed.{ext}", web_feeds.endpoint(fmt, "article")),
        ]
    return routes


def _search_routes() -> list[BaseRoute]:
    from versiontrack import web_search  # it builds on this module's helpers

    return web_search.routes()


# --- pages -----------------------------------------------------------------------------------


def home(request: Request) -> Response:
    changes = pages.recent_changes(db_of(request), limit=PAGE_SIZE)
    return _page(request, "index.html", changes=changes)


def articles(request: Request) -> Response:
    query = request.query_params.get("q", "").strip()
    page = int_param(request, "page", 1, minimum=1, maximum=MAX_PAGE)
    # One row more than shown tells whether there is a next page.
    rows = pages.search_articles(
        db_of(request), query, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
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
    data = pages.article_page(db_of(request), article_ref(request))
    return _page(request, "article.html", page=data)


def diff(request: Request) -> Response:
    params = request.path_params
    data = pages.diff_page(db_of(request), article_ref(request), params["a"], params["b"])
    return _diff_response(request, data)


def diff_card(request: Request) -> Response:
    params = request.path_params
    png = service_outputs.card_png(db_of(request), article_ref(request), params["a"], params["b"])
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


def diff_picker(request: Request) -> Response:
    """The version picker submits ``?a=&b=``; send it to the diff's own address."""
    a = int_param(request, "a", 0, minimum=1, maximum=MAX_ID)
    b = int_param(request, "b", 0, minimum=1, maximum=MAX_ID)
    ref = article_ref(request)
    if not (a and b):
        # No versions named: the latest change, as on the command line.
        return _diff_response(request, pages.diff_page(db_of(request), ref))
    url = f"{root(request)}/articles/{ref}/diff/{a}/{b}"
    if view(request) == "inline":
        url += "?view=inline"
    return RedirectResponse(url, status_code=303)


def _diff_response(request: Request, data: pages.DiffPage) -> Response:
    return _page(
        request,
        "diff.html",
        page=data,
        view=view(request),
        marks=web_templates.move_marks(data.rows),
        breaks=web_templates.paragraph_breaks(data),
    )


def version(request: Request) -> Response:
    params = request.path_params
    data = reads.show_version(db_of(request), article_ref(request), params["n"])
    return _page(request, "version.html", page=data)


def healthz(request: Request) -> Response:
    body = pages.database_health(db_of(request))
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


def _page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    env: jinja2.Environment = request.app.state.templates
    html = env.get_template(template).render(root=root(request), **context)
    return HTMLResponse(html, status_code=status_code, headers=headers)
