"""``versiontrack demo``: the seeds corpus replayed on loopback through the real pipeline.

The corpus server plays five news sites step by step; each step is one ordinary ``check`` pass
(feeds polled, due articles fetched, extracted, diffed, stored) into a fresh SQLite file. The
clock is simulated, two hours per step, so that every article is due again at each step exactly
as it would be on a real schedule. Then the histories and the change feed are printed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
from rich.console import Console
from rich.text import Text

from versiontrack import daemon, research
from versiontrack.corpus import CorpusServer, build_corpus
from versiontrack.pipeline.context import PassReport
from versiontrack.service import commands, database, feeds, reads
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.store.engine import Database

#: The search the demo ends with: a phrase, in every version stored.
DEMO_SEARCH = '"body bags"'
STEP = timedelta(hours=2)
START = datetime(2024, 10, 30, 8, 0, tzinfo=UTC)


def run_demo(console: Console, keep: Path | None = None, *, serve: bool = False) -> None:
    """Replay the corpus and print what versiontrack saw; with ``serve``, then keep the web
    app up on the demo database (until SIGTERM/SIGINT) so the printed links work."""
    corpus = build_corpus()
    with tempfile.TemporaryDirectory(prefix="versiontrack-demo-") as tmp:
        db_path = keep if keep is not None else Path(tmp) / "demo.db"
        if db_path.exists():
            db_path.unlink()
        with CorpusServer(corpus) as server:
            settings = settings_from_dict(
                {
                    "database": {"url": f"sqlite:///{db_path}"},
                    # The demo talks only to its own server on loopback, which the SSRF guard
                    # would refuse, and politeness gaps there would only make it slow.
                    "fetch": {"allow_private": True, "per_host_delay": 0},
                    "server": demo_server(os.environ),
                    "sources": [
                        {"name": s.name, "feed": server.feed_url(s.name)} for s in corpus.sources
                    ],
                }
            )
            console.print(
                f"Serving {len(corpus.articles)} articles from {len(corpus.sources)} sites on "
                f"{server.base_url}; replaying {len(corpus.steps)} steps, two hours apart "
                f"(simulated clock), into {db_path}\n"
            )
            with database.open_database(settings) as db:
                for step in corpus.steps:
                    server.set_step(step.index)
                    now = START + step.index * STEP
                    report = commands.check(settings, db, clock=lambda now=now: now)
                    console.print(
                        Text(f"step {step.index} ({step.note}): ", style="bold")
                        + Text(_describe(report))
                    )
                console.print()
                for info in reads.list_articles(db):
                    _print_history(console, db, info.id)
                xml = feeds.feed(settings, db, feeds.FeedQuery(limit=50))
                hits = research.search(db, DEMO_SEARCH, limit=5)
        _print_feed(console, xml)
        _print_search(console, hits)
        if keep is not None:
            console.print(
                f"\nThe database is kept at {db_path}: try `versiontrack --db "
                f"sqlite:///{db_path} diff 1`."
            )
        if serve:
            serve_demo(console, settings)


def _describe(report: PassReport) -> str:
    parts = [f"{report.count(k)} {k}" for k in ("new", "changed", "removed") if report.count(k)]
    unchanged = report.count("unchanged") + report.count("not_modified")
    parts.append(f"{unchanged} unchanged")
    if report.count("failed"):
        parts.append(f"{report.count('failed')} failed")
    return ", ".join(parts)


def _print_history(console: Console, db: Database, article_id: int) -> None:
    info, versions = reads.history(db, str(article_id))
    console.print(Text(f"[{info.id}] {info.title}", style="bold"))
    console.print(Text(f"    {info.url}  ({info.status})", style="dim"))
    for v in versions:
        console.print(Text(f"    v{v.number}  {v.fetched_at:%Y-%m-%d %H:%M}  ") + Text(v.summary))


def _print_feed(console: Console, xml: bytes) -> None:
    parsed = feedparser.parse(xml)
    console.print(Text(f"\nChange feed ({parsed.feed.get('title')}), newest first:", style="bold"))
    for entry in parsed.entries:
        console.print(Text(f"  • {entry.title}"))
        console.print(Text(f"    {entry.link}", style="dim"))


def demo_server(env: Mapping[str, str]) -> dict[str, str | int]:
    """The demo web app's address: ``VERSIONTRACK_SERVER_HOST``/``_PORT`` if set (default
    127.0.0.1:8080), and links in the feed pointing at it unless ``_PUBLIC_URL`` says else."""
    host = env.get("VERSIONTRACK_SERVER_HOST", "127.0.0.1")
    port = env.get("VERSIONTRACK_SERVER_PORT", "8080")
    shown = f"[{host}]" if ":" in host else host
    public = env.get("VERSIONTRACK_SERVER_PUBLIC_URL", f"http://{shown}:{port}")
    return {"host": host, "port": port, "public_url": public}


def serve_demo(console: Console, settings: Settings) -> None:
    """``demo --serve``: the web app on the demo database until SIGTERM/SIGINT."""
    root = settings.server.public_url.rstrip("/")
    console.print(
        f"\nServing the web app on {root}/ (changes: {root}/, feed: {root}/feed.xml, health: "
        f"{root}/healthz); stop with Ctrl-C."
    )
    with database.open_database(settings) as db:
        daemon.run_web(settings, db)


def _print_search(console: Console, hits: list[research.Hit]) -> None:
    from versiontrack.cli import safe  # article text reaches the terminal through it

    console.print(
        Text(f"\nversiontrack search '{DEMO_SEARCH}' (every version, newest first):", style="bold")
    )
    for hit in hits:
        gone = f", removed in v{hit.removed_in}" if hit.removed_in is not None else ""
        label = "" if hit.field == "body" else f"{hit.field}: "
        line = f"  [{hit.article_id}] v{hit.version}{gone}  {label}{safe(hit.sentence)}"
        console.print(Text(line))
