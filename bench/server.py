"""The static HTTP server the passes fetch from: nginx when installed, else a Python fallback.

Both serve ``<root>/current`` (a symlink that ``corpus.activate`` swaps between step folders)
on 127.0.0.1, in a process of their own so that their CPU is never counted as the pipeline's,
and both send ``ETag`` and ``Last-Modified`` and answer ``304`` to a matching
``If-None-Match`` (or, without one, an exactly matching ``If-Modified-Since``), as nginx does.
Extension-less paths are HTML; a folder answers with its ``index.html`` and a folder path
without its slash gets a 301.

Run the fallback alone: ``python -m bench.server ROOT [--port N]``.
"""

from __future__ import annotations

import argparse
import email.utils
import mimetypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    include {mime_types};
    default_type text/html;
    charset utf-8;
    charset_types text/xml application/rss+xml application/atom+xml;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root}/current;
        index index.html;
        etag on;
        if_modified_since exact;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on port {port} within {timeout} s")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


class StaticServer:
    """A running server for ``root/current``: ``with StaticServer(root) as s: s.base_url``."""

    def __init__(self, root: Path, kind: str = "auto", port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        binary = nginx_binary() if kind in ("auto", "nginx") else None
        if kind == "nginx" and binary is None:
            raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
        self.kind = "nginx" if binary else "python"
        self._binary = binary
        self._tmp: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def description(self) -> str:
        if self.kind == "nginx":
            version = subprocess.run(
                [self._binary or "nginx", "-v"], capture_output=True, text=True, check=False
            ).stderr.strip()
            return f"{version} (1 worker)"
        return "Python ThreadingHTTPServer fallback (bench.server)"

    def start(self) -> StaticServer:
        if self.kind == "nginx":
            self._tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
            mime = Path("/etc/nginx/mime.types")
            conf = self._tmp / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(
                    tmp=self._tmp,
                    port=self.port,
                    root=self.root,
                    mime_types=mime if mime.is_file() else self._write_mime(),
                    user="user root;" if os.geteuid() == 0 else "",
                )
            )
            command = [self._binary or "nginx", "-p", str(self._tmp), "-c", str(conf)]
            command[1:1] = ["-e", str(self._tmp / "error.log")]
        else:
            command = [
                sys.executable,
                "-m",
                "bench.server",
                str(self.root),
                "--port",
                str(self.port),
            ]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        _wait_listening(self.port, self.process)
        return self

    def _write_mime(self) -> Path:
        assert self._tmp is not None
        path = self._tmp / "mime.types"
        path.write_text("types { text/html html; text/xml xml; text/plain txt; }\n")
        return path

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # nginx: SIGQUIT is a graceful stop; the fallback stops on SIGTERM.
            self.process.send_signal(signal.SIGQUIT if self.kind == "nginx" else signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --- the Python fallback -------------------------------------------------------------------


def _content_type(path: Path) -> str:
    if not path.suffix or path.suffix == ".html":
        return "text/html; charset=utf-8"
    if path.suffix == ".atom":
        return "application/atom+xml; charset=utf-8"
    if path.suffix == ".xml":
        return "application/rss+xml; charset=utf-8"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-static/1"
    root: Path

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        served = self.root / "current"
        path = unquote(urlsplit(self.path).path)
        target = (served / path.lstrip("/")).resolve()
        if not str(target).startswith(str(served.resolve())):
            return self._plain(404, b"not found\n")
        if target.is_dir():
            if not path.endswith("/"):
                self.send_response(301)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            target = target / "index.html"
        try:
            stat = target.stat()
            body = target.read_bytes()
        except OSError:
            return self._plain(404, b"not found\n")
        etag = f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = (
            etag in {t.strip().removeprefix("W/") for t in inm.split(",")}
            if inm is not None
            else ims == modified
        )
        self.send_response(304 if fresh else 200)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        if fresh:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self.send_header("Content-Type", _content_type(target))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def _plain(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    # the default backlog (5) drops connections when a pass opens dozens at once
    request_queue_size = 256

    def handle_error(self, request: object, client_address: object) -> None:
        # a client that hangs up (a killed or crashed checking process) is not a server error
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve(root: Path, port: int) -> None:
    handler = type("Handler", (_Handler,), {"root": root})
    server = _Server(("127.0.0.1", port), handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server", description=__doc__)
    parser.add_argument("root", type=Path, help="folder holding the 'current' step symlink")
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args(argv)
    serve(args.root, args.port)


if __name__ == "__main__":
    main()
