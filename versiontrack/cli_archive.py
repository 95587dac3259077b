"""The archive commands of the ``versiontrack`` command line: ``warc export``, ``warc
import``, ``import wayback`` and ``archive``. Parse, call one use case
(``versiontrack.archive.commands``), format; registered on ``cli.app`` by ``cli``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from versiontrack.archive import commands
from versiontrack.archive.captures import BackfillReport
from versiontrack.cli import _database, app, out, safe

warc_app = typer.Typer(help="WARC files: export kept pages, import captures.", no_args_is_help=True)
import_app = typer.Typer(help="Back-fill history from web archives.", no_args_is_help=True)
app.add_typer(warc_app, name="warc")
app.add_typer(import_app, name="import")


@warc_app.command("export")
def warc_export(
    out_file: Annotated[Path, typer.Argument(help="The WARC file to write (.warc.gz).")],
    articles: Annotated[
        list[str] | None, typer.Argument(help="Article ids or URLs (default: all).")
    ] = None,
) -> None:
    """Write every kept page as a WARC/1.1 response (with request and metadata records).

    Example: versiontrack warc export pages.warc.gz 12 14
    """
    with _database() as (settings, db):
        counts = commands.warc_export(settings, db, out_file, articles or [])
    out.print(
        Text(f"wrote {counts.versions} versions ({counts.records} records) to {safe(out_file)}")
    )


@warc_app.command("import")
def warc_import(
    files: Annotated[list[Path], typer.Argument(help="WARC or ARC files (.warc, .warc.gz, .arc).")],
    tracked_only: Annotated[
        bool, typer.Option("--tracked-only", help="Only pages of articles already tracked.")
    ] = False,
) -> None:
    """Back-fill versions from WARC/ARC captures, in capture order, dated at capture time.

    Captures whose article text did not change are skipped; captures older than an article's
    stored history are skipped (history is only appended to).
    Example: versiontrack warc import crawl.warc.gz
    """
    with _database() as (settings, db):
        report = commands.warc_import(settings, db, files, tracked_only=tracked_only)
    _print_backfill(report)


@import_app.command("wayback")
def import_wayback(
    url: Annotated[str, typer.Argument(help="The article URL.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="Earliest capture: 2024-10-30 or a timestamp.")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Latest capture (a date includes its whole day).")
    ] = None,
) -> None:
    """Back-fill an article's earlier versions from the Wayback Machine's captures.

    Example: versiontrack import wayback https://example.org/news/story --from 2024-10-01
    """
    with _database() as (settings, db):
        report = commands.wayback_import(settings, db, url, since=from_, until=to)
    _print_backfill(report)


def _print_backfill(report: BackfillReport) -> None:
    for o in report.outcomes:
        line = Text(f"{o.outcome:<10} {o.captured_at:%Y-%m-%d %H:%M:%S}  {safe(o.url)}")
        if o.version is not None:
            line.append(f"  v{o.version}")
        if o.error:
            line.append(f"  {safe(o.error)}")
        out.print(line)
    counts = ", ".join(
        f"{report.count(k)} {k}"
        for k in ("new", "changed", "unchanged", "older", "failed", "held", "skipped")
        if report.count(k) or k in ("new", "changed", "unchanged")
    )
    out.print(f"{len(report.outcomes)} captures, {len(report.articles)} articles: {counts}")


@app.command("archive")
def archive(
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Send at most N requests.")
    ] = None,
    seconds: Annotated[
        float | None, typer.Option("--time", min=0, help="Stop after this many seconds.")
    ] = None,
    status: Annotated[
        bool, typer.Option("--status", help="Only show the queue, send nothing.")
    ] = False,
) -> None:
    """Send the queued Save Page Now requests now ([archive] save = true fills the queue).

    Example: versiontrack archive --limit 10
    """
    with _database() as (settings, db):
        if not status:
            report = commands.save_queued(settings, db, limit=limit, seconds=seconds)
            for job, url in report.saved:
                out.print(Text(f"saved      {safe(job.url)}  {safe(url)}"))
            for job, error in report.failed:
                out.print(Text(f"retry      {safe(job.url)}  {safe(error)}"))
            for job, error in report.given_up:
                out.print(Text(f"given up   {safe(job.url)}  {safe(error)}"))
        state = commands.queue_status(settings, db)
    c = state.counts
    out.print(
        f"queue: {c.pending} pending ({c.due} due), {c.saved} saved, {c.failed} given up"
        + ("" if state.enabled else "; archive.save is off")
    )
