"""The ``sources`` commands of the ``versiontrack`` command line: the source list with its
health, and OPML import and export (``versiontrack.catalog``). Registered on ``cli.app`` by
``cli``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from versiontrack import catalog
from versiontrack.cli import JsonOutput, _database, _json, _table, app, out, safe

sources_app = typer.Typer()
app.add_typer(sources_app, name="sources")


@sources_app.callback(invoke_without_command=True)
def sources(
    ctx: typer.Context,
    json_: JsonOutput = False,
) -> None:
    """List sources with article counts, health, last poll and last error; or import and
    export them as OPML (`sources import FILE.opml`, `sources export`).

    Example: versiontrack sources
    """
    if ctx.invoked_subcommand is not None:
        return
    with _database() as (settings, db):
        stats = catalog.list_sources(settings, db)
    if json_:
        _json(stats)
        return
    _table(
        ("source", "articles", "health", "last poll", "last error", "feed"),
        [
            (
                s["name"],
                str(s["articles"]),
                s["health"] if s["health"] == "ok" else f"{s['health']}: {s['health_reason']}",
                s["last_polled_at"][:16].replace("T", " ") if s["last_polled_at"] else "never",
                s["last_error"] or "",
                s["feed"],
            )
            for s in stats
        ],
    )


@sources_app.command("import")
def sources_import(
    file: Annotated[Path, typer.Argument(help="An OPML file (from a feed reader).")],
) -> None:
    """Add the OPML file's feeds as sources, kept in the database across restarts.

    Config-file sources win on a name clash. Example: versiontrack sources import feeds.opml
    """
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror or exc}") from exc
    with _database(imported=False) as (settings, db):
        report = catalog.import_opml(settings, db, data)
    for verb, names in (("added", report.added), ("updated", report.updated)):
        for name in names:
            out.print(Text(f"{verb:9} {safe(name)}"))
    for why in report.skipped:
        out.print(Text(f"skipped   {safe(why)}"))
    out.print(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped"
    )


@sources_app.command("export")
def sources_export() -> None:
    """Print every source that has a feed (config and imported) as OPML 2.0.

    Example: versiontrack sources export > feeds.opml
    """
    with _database(imported=False) as (settings, db):
        xml = catalog.export_opml(settings, db)
    sys.stdout.buffer.write(xml)
    sys.stdout.buffer.flush()
