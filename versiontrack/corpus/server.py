"""A real HTTP server on loopback: programmable routes for tests, and the corpus as websites.

``LoopbackServer`` answers each path with a canned ``Response`` or a function of the request,
records every request, and can delay, redirect or stream huge bodies, which is what fetch tests
need. ``CorpusServer`` serves a ``Corpus`` at its current step: five sites with their feeds,
pages whose churn changes on every request, redirects, 304s, and 404/410 for gone articles.

Both run ``http.server.ThreadingHTTPServer`` in a background thread on an ephemeral port, are
used as context managers, print nothing, and on exit stop every thread they started (delays are
cut short) and close every socket.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from versiontrack.corpus import feeds, pages
from versiontrack.corpus.articles import build_corpus
from versiontrack.corpus.model import Corpus, CorpusArticle, CorpusSource


class Headers(dict[str, str]):
    """Request headers keyed by lower-cased name; lookups ignore case."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for name, value in items:
            key = name.lower()
            # Repeated headers fold into one comma-separated value, as HTTP allows.
            self[key] = f"{self[key]}, {value}" if key in self else value

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server saw it. ``path`` includes the query string."""

    method: str
    path: str
    headers: Headers
    body: bytes = b""

    @property
    def route_path(self) -> str:
        """The path without its query string."""
        return urlsplit(self.path).path

    @property
    def query(self) -> str:
        return urlsplit(self.path).query


@dataclass
class Response:
    """What a route answers. ``delay`` waits before anything is sent (for timeout tests).

    A body comes from ``body`` or, streamed, from ``body_iter`` (with ``chunk_delay`` between
    chunks); a streamed body has no Content-Length unless ``headers`` sets one, and ends when
    the connection closes. A route answering several requests needs a re-iterable
    ``body_iter`` (a list, ``SizedBody``), not a generator, which would be empty the second time.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body_iter: Iterable[bytes] | None = None
    chunk_delay: float = 0.0

    @classmethod
    def html(cls, text: str, status: int = 200, **kwargs: Any) -> Response:
        headers = {"Content-Type": "text/html; charset=utf-8", **kwargs.pop("headers", {})}
        return cls(status, text.encode("utf-8"), headers, **kwargs)

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Response:
        return cls(status, b"", {"Location": location})

    @classmethod
    def sized(
        cls,
        nbytes: int,
        *,
        content_type: str = "text/html; charset=utf-8",
        declare_length: bool = False,
        chunk: int = 64 * 1024,
    ) -> Response:
        """A streamed body of ``nbytes`` bytes, with or without an honest Content-Length."""
        headers = {"Content-Type": content_type}
        if declare_length:
            headers["Content-Length"] = str(nbytes)
        return cls(200, b"", headers, body_iter=sized_body(nbytes, chunk))


class SizedBody:
    """``nbytes`` of filler HTML, made chunk by chunk (never held in memory at once).

    Re-iterable, so one ``Response.sized`` route can answer any number of requests.
    """

    def __init__(self, nbytes: int, chunk: int = 64 * 1024) -> None:
        self.nbytes = nbytes
        self.block = (b"<p>" + b"x" * 1017 + b"</p>\n") * max(1, chunk // 1024)

    def __iter__(self) -> Iterator[bytes]:
        sent = 0
        while sent < self.nbytes:
            piece = self.block[: min(len(self.block), self.nbytes - sent)]
            sent += len(piece)
            yield piece


def sized_body(nbytes: int, chunk: int = 64 * 1024) -> SizedBody:
    """``nbytes`` of filler HTML to stream as ``Response.body_iter``."""
    return SizedBody(nbytes, chunk)


Route = Response | Callable[[RecordedRequest], Response]


class _HTTPServer(ThreadingHTTPServer):
    # Handler threads are joined on close (no daemon threads outliving the server).
    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], owner: LoopbackServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up mid-response is normal in tests; never print tracebacks.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    # HTTP/1.0: one request per connection, so no keep-alive thread lingers after a test.
    protocol_version = "HTTP/1.0"
    # A connection that never sends a request does not hold a thread (and close) forever.
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no request logs on stderr

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        self._serve()

    def _serve(self, send_body: bool = True) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            self.command, self.path, Headers(self.headers.items()), self.rfile.read(length)
        )
        owner._record(request)
        try:
            response = owner.handle(request)
        except Exception as exc:  # a broken test route must show up, not hang the client
            owner.errors.append(exc)
            response = Response(
                500, f"route raised {exc!r}".encode(), {"Content-Type": "text/plain"}
            )
        if response.delay and owner._stopping.wait(response.delay):
            return  # shutting down: drop the connection instead of answering
        try:
            self._write(response, send_body)
        except OSError:
            pass  # the client gave up (its timeout fired, it hit a size cap) or stopped reading

    def _write(self, response: Response, send_body: bool) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        streamed = response.body_iter is not None
        if not streamed and not any(k.lower() == "content-length" for k in headers):
            headers["Content-Length"] = str(len(response.body))
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        if not send_body or response.status in (204, 304):
            return
        if response.body_iter is None:
            self.wfile.write(response.body)
            return
        stopping = self.server.owner._stopping
        for chunk in response.body_iter:
            # Checked between chunks so closing the server ends even an endless stream.
            if stopping.wait(response.chunk_delay) if response.chunk_delay else stopping.is_set():
                return
            self.wfile.write(chunk)


class LoopbackServer:
    """A programmable HTTP server on 127.0.0.1; use it as a context manager.

    Example::

        with LoopbackServer() as server:
            server.route("/slow", Response(body=b"late", delay=2.0))
            httpx.get(server.url("/slow"), timeout=0.5)  # → ReadTimeout
            assert server.requests[-1].path == "/slow"

    A route answers requests whose path (query included) equals it, else whose path without
    the query equals it. Other paths get ``fallback`` (a 404 here).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._address = (host, port)
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[RecordedRequest] = []
        #: Exceptions raised by route functions (answered with a 500).
        self.errors: list[Exception] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, cut delays short, join every thread, close the socket."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        assert self._thread is not None
        self._thread.join()
        self._httpd.server_close()  # joins handler threads (block_on_close)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def wait(self) -> None:
        """Block until ``close`` is called from another thread (or Ctrl-C): for a demo server."""
        self._stopping.wait()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    # -- routes and requests -----------------------------------------------------------------

    def route(self, path: str, response: Route) -> None:
        """Answer ``path`` with ``response`` (or with what the function returns for a request)."""
        with self._lock:
            self._routes[path] = response

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """Recorded requests whose path without query equals ``path``."""
        with self._lock:
            return [r for r in self.requests if r.route_path == path]

    def handle(self, request: RecordedRequest) -> Response:
        with self._lock:
            route = self._routes.get(request.path) or self._routes.get(request.route_path)
        if route is None:
            return self.fallback(request)
        return route(request) if callable(route) else route

    def fallback(self, request: RecordedRequest) -> Response:
        return Response.html("<!DOCTYPE html><title>404</title><h1>Not Found</h1>", 404)


def _http_date(moment: Any) -> str:
    return format_datetime(moment, usegmt=True)


def _not_modified(request: RecordedRequest, etag: str | None, last_modified: Any) -> bool:
    """Whether the request's validators match: If-None-Match wins over If-Modified-Since."""
    if etag is not None and "if-none-match" in request.headers:
        tags = [t.strip() for t in request.headers["if-none-match"].split(",")]
        return etag in tags or "*" in tags
    if last_modified is not None and "if-modified-since" in request.headers:
        try:
            since = parsedate_to_datetime(request.headers["if-modified-since"])
        except (TypeError, ValueError):
            return False
        return since >= last_modified.replace(microsecond=0)
    return False


class CorpusServer(LoopbackServer):
    """Serves a ``Corpus`` at its current ``step``: five sites, their feeds and articles.

    Routes set with ``route`` take precedence, so a test can still break one page on purpose.
    Query strings never affect which page is served (tracking parameters reach the page and are
    recorded). ``/`` lists everything, for the ``versiontrack demo`` command.
    """

    def __init__(
        self, corpus: Corpus | None = None, *, step: int = 0, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(host, port)
        self.corpus = build_corpus() if corpus is None else corpus
        self._step = 0
        self.set_step(step)
        self._seq = itertools.count(1)
        self._feeds = {s.feed_path: s for s in self.corpus.sources}
        self._pages = {a.path: a for a in self.corpus.articles}
        self._aliases = {alias: a for a in self.corpus.articles for alias in a.aliases}

    @property
    def step(self) -> int:
        return self._step

    def set_step(self, n: int) -> None:
        if not 0 <= n < len(self.corpus.steps):
            raise ValueError(f"step {n} outside 0..{len(self.corpus.steps) - 1}")
        self._step = n

    def advance(self) -> None:
        """Move to the next step; raises ValueError after the last one."""
        self.set_step(self._step + 1)

    def feed_url(self, source: str) -> str:
        return self.url(self.corpus.source(source).feed_path)

    def article_url(self, slug: str, *, tracking: bool = False) -> str:
        """The article's canonical URL (with the feed's tracking query if ``tracking``)."""
        url = self.url(self.corpus.article(slug).path)
        return f"{url}?{pages.TRACKING_QUERY}" if tracking else url

    def fallback(self, request: RecordedRequest) -> Response:
        step = self._step  # read once: a concurrent advance() must not mix two steps
        path, query = request.route_path, request.query
        if path in self._feeds:
            return self._feed(request, self._feeds[path], step)
        if path in self._pages:
            return self._page(request, self._pages[path], step)
        if path in self._aliases:
            return Response.redirect(self.url(self._aliases[path].path))
        slashed = path + "/"
        if slashed in self._pages or slashed in self._feeds:
            return Response.redirect(self.url(slashed + (f"?{query}" if query else "")))
        if path == "/":
            return Response.html(pages.render_index(self.corpus, self.base_url, step))
        return super().fallback(request)

    def _feed(self, request: RecordedRequest, source: CorpusSource, step: int) -> Response:
        body = pages.render_feed(self.corpus, source, step, self.base_url)
        headers = {"Content-Type": pages.CONTENT_TYPES[source.feed_format]}
        etag = last_modified = None
        if "etag" in source.feed_validators:
            etag = f'"{hashlib.sha1(body).hexdigest()[:20]}"'
            headers["ETag"] = etag
        if "last-modified" in source.feed_validators:
            last_modified = feeds.feed_updated(self.corpus, source, step)
            headers["Last-Modified"] = _http_date(last_modified)
        if _not_modified(request, etag, last_modified):
            return Response(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
        return Response(200, body, headers)

    def _page(self, request: RecordedRequest, article: CorpusArticle, step: int) -> Response:
        source = self.corpus.source(article.source)
        index = self.corpus.version_at(article.slug, step)
        if index is None:
            gone = pages.render_gone(article, source, article.gone_status)
            return Response.html(gone, article.gone_status)
        version = article.versions[index]
        charset = "; charset=utf-8" if source.charset_in_header else ""
        headers = {
            "Content-Type": f"text/html{charset}",
            "Cache-Control": "max-age=60" if source.page_etag else "no-cache",
            "X-Request-Id": f"{next(self._seq):08d}",
        }
        if source.page_etag:
            digest = hashlib.sha1(f"{article.slug}:{index}:{version.text}".encode()).hexdigest()
            headers["ETag"] = f'W/"{digest[:16]}"'
            if _not_modified(request, headers["ETag"], None):
                return Response(304, b"", {"ETag": headers["ETag"]})
        html = pages.render_article(
            article,
            version,
            source,
            base_url=self.base_url,
            seq=next(self._seq),
            request_path=request.path,
        )
        return Response(200, html.encode("utf-8"), headers)
