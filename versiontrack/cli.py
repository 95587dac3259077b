"""The ``versiontrack`` command line: parse, call one service function, format.

Errors a user can act on (config, database, unknown article) print one line and exit 1.
Article text is untrusted: it is printed through ``rich.text.Text`` (never as markup) after
control characters are removed and bidirectional controls are shown as escapes (``\\u202e``),
so a page can neither drive the terminal nor reorder what it shows.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from versiontrack import __version__, catalog, logs
from versiontrack.pipeline.context import CheckOutcome, PassReport
from versiontrack.service import commands, database
from versiontrack.settings import Settings, load_settings

app = typer.Typer(
    help="Track how news articles change: versions, sentence diffs and a feed of changes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database schema commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the LRM, RLM and ALM
# marks: invisible, yet they reorder the rest of the line ("Trojan Source"), so they are shown.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


#: ``--json``, declared once for every command that can print JSON (as sqlite-utils'
#: ``output_options``): the rows are the service's read models, printed with their ``to_json``.
JsonOutput = Annotated[bool, typer.Option("--json", help="JSON output.")]


class State:
    config: Path | None = None
    db: str | None = None
    verbose: int = 0


state = State()


def version_callback(value: bool) -> None:
    if value:
        out.print(f"versiontrack {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Config file (default ./versiontrack.toml if present; env VERSIONTRACK_CONFIG).",
        ),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL; overrides the config.")
    ] = None,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More logs.")] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True)
    ] = False,
) -> None:
    """Global options."""
    state.config, state.db, state.verbose = config, db, verbose
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logs.configure(level)


def _settings() -> Settings:
    settings = load_settings(state.config)
    return settings.with_database(state.db) if state.db else settings


@contextmanager
def _database(
    ensure: bool = True, imported: bool = True
) -> Iterator[tuple[Settings, database.Database]]:
    settings = _settings()
    with database.open_database(settings, ensure=ensure) as db:
        # the feeds `sources import` kept join the config's (versiontrack.catalog)
        yield (catalog.with_imported(settings, db) if ensure and imported else settings), db


def safe(value: object) -> str:
    """Untrusted text for the terminal: control characters (ESC included) removed, bidi
    controls made visible as escapes (``\\u202e``)."""
    text = _CONTROL.sub("", "" if value is None else str(value))
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


# --- commands ------------------------------------------------------------------------------


@app.command()
def check(
    articles: Annotated[list[str] | None, typer.Argument(help="Article ids or URLs.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Check every article now.")] = False,
) -> None:
    """Run one pass: poll feeds, check due articles, store new versions.

    Example: versiontrack check --force
    """
    with _database() as (settings, db):
        if out.is_terminal:
            report = _check_with_progress(settings, db, force, articles or [])
        else:
            report = commands.check(
                settings, db, force=force, refs=articles or [], on_progress=_print_outcome
            )
        delivered = service_outputs.drain_after_pass(settings, db)  # what it found, pushed out
    cli_outputs.print_drain(delivered)
    _print_report(report)  # the summary stays the last line


def _check_with_progress(
    settings: Settings, db: database.Database, force: bool, refs: list[str]
) -> PassReport:
    with Progress(
        TextColumn("checking"), BarColumn(), MofNCompleteColumn(), console=out, transient=True
    ) as progress:
        task = progress.add_task("check", total=None)
        return commands.check(
            settings,
            db,
            force=force,
            refs=refs,
            on_total=lambda n: progress.update(task, total=n),
            on_progress=lambda _o: progress.advance(task),
        )


def _print_outcome(outcome: CheckOutcome) -> None:
    line = Text(f"{outcome.outcome:<12} {safe(outcome.url)}")
    if outcome.summary is not None:
        line.append(f"  v{outcome.version}: {outcome.summary.describe()}")
    elif outcome.outcome == "new":
        line.append(f"  v{outcome.version}")
    out.print(line)


def _print_report(report: PassReport) -> None:
    for poll in report.feed_failures:
        out.print(Text(f"feed failed  {safe(poll.source)}: {safe(poll.error)}", style="red"))
    for failure in report.failures:
        out.print(Text(f"failed       {safe(failure.url)}: {safe(failure.error)}", style="red"))
    new_articles = sum(p.new_articles for p in report.polls)
    out.print(
        f"{len(report.polls)} feeds polled ({len(report.feed_failures)} failed), "
        f"{new_articles} new articles; {len(report.checks)} checked: "
        f"{report.count('new')} new, {report.count('changed')} changed, "
        f"{report.count('unchanged') + report.count('not_modified')} unchanged, "
        f"{report.count('removed')} removed, {report.count('failed')} failed"
        + (
            f", {report.count('disallowed')} disallowed by robots.txt"
            if report.count("disallowed")
            else ""
        )
        + (f", {report.held} held by another worker" if report.held else "")
    )


@app.command()
def add(
    url: Annotated[str, typer.Argument(help="The article URL.")],
    source: Annotated[str | None, typer.Option("--source", help="Configured source name.")] = None,
) -> None:
    """Track one article without a feed; it is checked on the next pass.

    Example: versiontrack add https://example.org/news/story --source example
    """
    with _database() as (settings, db):
        info, created = commands.add_article(settings, db, url, source)
    verb = "tracking" if created else "already tracked"
    out.print(Text(f"{verb} article {info.id}: {safe(info.url)}"))


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A rich table on a terminal; tab-separated lines (never wrapped) for pipes and files."""
    if out.is_terminal:
        table = Table(*headers)
        for row in rows:
            table.add_row(*(Text(safe(cell)) for cell in row))
        out.print(table)
        return
    for row in (headers, *rows):
        out.print(Text("\t".join(safe(cell).replace("\t", " ") for cell in row)), crop=False)


@app.command()
def demo(
    keep: Annotated[
        Path | None, typer.Option("--keep", help="Keep the demo database at this path.")
    ] = None,
    serve: Annotated[
        bool,
        typer.Option("--serve", help="Then serve the web app on the demo database (Ctrl-C)."),
    ] = False,
) -> None:
    """Replay the bundled seeds corpus on loopback through the real pipeline.

    Example: versiontrack demo --serve
    """
    from versiontrack.demo import run_demo  # the corpus is only needed here

    run_demo(out, keep, serve=serve)


@app.command()
def reextract(
    articles: Annotated[
        list[str] | None, typer.Argument(help="Article ids or URLs (default: all).")
    ] = None,
) -> None:
    """Re-run extraction over every kept page, e.g. after upgrading versiontrack.

    No version is added or removed: texts, diffs and flags are recomputed, and differences
    that only the extractor made are no longer reported as article changes.
    Example: versiontrack reextract 12 14
    """
    with _database() as (settings, db):
        results = commands.reextract(settings, db, articles or [])
    for r in results:
        if not r.kept_pages:
            out.print(Text(f"skipped      {safe(r.url)}: some versions have no kept page"))
        else:
            out.print(
                Text(
                    f"re-extracted {safe(r.url)}: "
                    f"{r.changed} of {r.versions} versions read differently"
                )
            )


@app.command()
def run(
    web: Annotated[bool, typer.Option("--web/--no-web", help="Also serve the web app.")] = True,
) -> None:
    """Run the daemon: poll feeds and check articles on their schedule, serve the web app.

    Stops cleanly on SIGTERM/SIGINT. Several daemons may share one PostgreSQL database.
    Example: versiontrack run --no-web
    """
    from versiontrack.daemon import run_daemon

    with _database() as (settings, db):
        if not state.verbose:
            logging.getLogger().setLevel(settings.daemon.log_level.upper())
        run_daemon(settings, db, web=web)


@app.command()
def serve() -> None:
    """Serve the web app (feeds, history and diff pages) without checking anything.

    Example: versiontrack serve
    """
    from versiontrack.daemon import run_web

    with _database() as (settings, db):
        run_web(settings, db)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to this version.

    Example: versiontrack db upgrade
    """
    with _database(ensure=False) as (_settings, db):
        before, after = commands.upgrade_schema(db)
    out.print(f"database schema: {before or 'empty'} → {after}")
    if before is not None and before < "0008" <= (after or ""):  # the search index came in 0008
        out.print("now run `versiontrack db reindex` to index the stored versions for search")


@db_app.command("current")
def db_current() -> None:
    """Print the database schema revision and the one this code needs.

    Example: versiontrack db current
    """
    with _database(ensure=False) as (_settings, db):
        revision, head = commands.schema_revision(db)
    state_ = "up to date" if revision == head else f"needs {head}"
    out.print(f"{revision or 'empty'} ({state_})")


def main() -> None:
    """Console entry point: map our errors to one line on stderr and exit code 1.

    A database error from any command (the database went away, is locked, is not one) is one
    line too; ``-v`` prints the traceback before it.
    """
    try:
        app()
    except database.USER_ERRORS as exc:
        if state.verbose:
            err.print(Text("".join(traceback.format_exception(exc)).rstrip()))
        err.print(Text(f"error: {safe(database.describe_failure(exc))}"))
        sys.exit(1)


# the other commands register themselves on ``app``: the reads (articles, history, show,
# diff, feed), the source list and OPML, and the archive commands (warc, import, archive)
from versiontrack import cli_archive, cli_outputs, cli_read, cli_sources, service_outputs  # noqa: E402, F401  # noqa: E402  (they use this module)

cli_outputs.register(app)

from versiontrack import research_cli  # noqa: E402  (registers search, export, db reindex)

research_cli.register(app, db_app)
