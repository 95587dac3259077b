"""`versiontrack run` as a real process: it follows the corpus on its own schedule and stops
cleanly on SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import httpx
import pytest

from versiontrack.corpus import CorpusServer, build_corpus


def write_config(folder: Path, db_url: str, server: CorpusServer, **extra: str) -> Path:
    corpus = build_corpus()
    sources = "".join(
        f'[[sources]]\nname = "{s.name}"\nfeed = "{server.feed_url(s.name)}"\n'
        for s in corpus.sources
    )
    config = folder / "versiontrack.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        "[fetch]\nallow_private = true\nper_host_delay = 0\ntimeout = 5\n"
        "[check]\ninterval = 1\nbackoff = 1.0\nmax_interval = 1\n"
        "[daemon]\nfeed_interval = 1\nfeed_jitter = 0\ntick = 0.2\nlease = 30\n"
        'log_level = "INFO"\n' + "".join(extra.values()) + sources
    )
    return config


def vt(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "versiontrack", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def wait_for(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    state: Callable[[], str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}" + (f": {state()}" if state else ""))


def _tail(process: Daemon) -> str:
    """Stop the daemon and return the end of its log (for a failure message)."""
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output[-3000:]


@pytest.fixture
def daemon_env(tmp_path: Path) -> Iterator[tuple[CorpusServer, Path]]:
    with CorpusServer(build_corpus()) as server:
        config = write_config(tmp_path, f"sqlite:///{tmp_path / 'd.db'}", server)
        assert vt(config, "db", "upgrade").returncode == 0
        yield server, config


class Daemon(subprocess.Popen[str]):
    """A ``versiontrack run`` process whose log is read as it is written: a pipe nobody reads
    fills up and blocks the daemon's next log line. ``communicate`` returns the whole log."""

    def __init__(self, config: Path, *args: str) -> None:
        super().__init__(
            [sys.executable, "-m", "versiontrack", "--config", str(config), "run", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self) -> None:
        assert self.stdout is not None
        for line in self.stdout:
            self.lines.append(line)

    def communicate(  # type: ignore[override]
        self, input: str | None = None, timeout: float | None = None
    ) -> tuple[str, None]:
        self.wait(timeout=timeout)
        self.reader.join(timeout=10)
        if self.stdout is not None:
            self.stdout.close()
        return "".join(self.lines), None


def start(config: Path, *args: str) -> Daemon:
    return Daemon(config, *args)


def versions(config: Path) -> dict[str, int]:
    result = vt(config, "articles", "--json")
    assert result.returncode == 0, result.stderr
    return {row["source"]: row["versions"] for row in json.loads(result.stdout)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_daemon_follows_the_corpus_serves_the_feed_and_stops_on_sigterm(daemon_env) -> None:
    server, config = daemon_env
    port = free_port()
    config.write_text(
        config.read_text().replace(
            "[daemon]", f'[server]\nport = {port}\npublic_url = "http://127.0.0.1:{port}"\n[daemon]'
        )
    )
    corpus = build_corpus()
    process = start(config)
    try:
        for step in corpus.steps:
            server.set_step(step.index)
            expected = {
                corpus.article(slug).source: len(
                    {corpus.version_at(slug, s) for s in range(step.index + 1)} - {None}
                )
                for slug in (a.slug for a in corpus.articles)
            }
            wait_for(
                lambda e=expected: versions(config) == e,
                60,
                f"versions of step {step.index} (expected {expected})",
                lambda: f"{versions(config)}; log: {_tail(process)}",
            )
        wait_for(
            lambda: (
                next(
                    r
                    for r in json.loads(vt(config, "articles", "--json").stdout)
                    if r["source"] == "zerohedge"
                )["status"]
                == "removed"
            ),
            30,
            "the removal",
        )
        # a feed reader subscribed to the daemon sees every change
        feed = feedparser.parse(httpx.get(f"http://127.0.0.1:{port}/feed.xml", timeout=30).content)
        assert feed.bozo is False
        assert len(feed.entries) == 8
        assert any(
            e.title.startswith("Headline: “North Korean troops in Russian uniforms")
            for e in feed.entries
        )
        assert all(e.link.startswith(f"http://127.0.0.1:{port}/articles/") for e in feed.entries)
        diff_page = httpx.get(feed.entries[-1].link, timeout=30)
        assert diff_page.status_code == 200
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json()
        assert health["database"] == "ok" and health["scheduler_running"] is True
    finally:
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        stopped_in = time.monotonic() - started
    assert process.returncode == 0, output
    assert stopped_in < 10
    assert "worker " in output and " stopped" in output
    assert "changed:" in output  # one log line per change
    feed = vt(config, "feed").stdout
    assert feed.count("<item>") == 8
    assert "Headline: “North Korean troops in Russian uniforms heading to Kursk, says US”" in feed


def test_sigterm_mid_check_releases_leases_and_exits_zero(tmp_path: Path) -> None:
    from versiontrack.corpus import LoopbackServer, Response

    with LoopbackServer() as server:
        items = "".join(f"<item><link>{server.url(f'/slow/{i}')}</link></item>" for i in range(3))
        server.route(
            "/feed.xml",
            Response(
                200, f"<rss version='2.0'><channel><title>s</title>{items}</channel></rss>".encode()
            ),
        )
        for i in range(3):
            server.route(f"/slow/{i}", Response(200, b"<html><p>late</p></html>", delay=60))
        config = tmp_path / "c.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "s.db"}"\n'
            "[fetch]\nallow_private = true\nper_host_delay = 0\ntimeout = 60\n"
            "[daemon]\ntick = 0.2\nshutdown_timeout = 2\n"
            f'[[sources]]\nname = "s"\nfeed = "{server.url("/feed.xml")}"\n'
        )
        process = start(config, "--no-web")
        wait_for(
            lambda: len(server.requests_to("/slow/0")) + len(server.requests_to("/slow/1")) >= 1,
            30,
            "checks in flight",
        )
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
        assert process.returncode == 0, output
        assert time.monotonic() - started < 10
        assert "released" in output and "leases of unfinished checks" in output
    rows = json.loads(vt(config, "articles", "--json").stdout)
    assert len(rows) == 3 and all(r["versions"] == 0 for r in rows)
    from sqlalchemy import text

    from versiontrack.store.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT count(*) FROM articles WHERE lease_owner IS NOT NULL")
            ).scalar()
            == 0
        )
    engine.dispose()


def test_serve_runs_the_web_app_alone(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "serve.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "w.db"}"\n[server]\nport = {port}\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "versiontrack", "--config", str(config), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, 30, "the web app")
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
        assert health["database"] == "ok"
        assert health["scheduler_running"] is False
        assert health["due_backlog"] == 0
        feed = feedparser.parse(httpx.get(f"http://127.0.0.1:{port}/feed.atom", timeout=5).content)
        assert feed.bozo is False and feed.entries == []
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
