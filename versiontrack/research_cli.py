"""The research commands of the command line: ``search``, ``export`` and ``db reindex``.

Thin like the rest of ``cli``: parse, call one function of ``research`` or ``export``, format.
Registered on the ``versiontrack`` app by ``cli`` (``register``); article text goes through
``cli.safe`` before it reaches the terminal.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from versiontrack import cli, research
from versiontrack.export import export as export_versions
from versiontrack.pipeline.context import utcnow
from versiontrack.service.reads import parse_since


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    newsedits = "newsedits"


def search(
    query: Annotated[str, typer.Argument(help='Words and "quoted phrases", all must match.')],
    removed: Annotated[
        bool, typer.Option("--removed", help="Only sentences a later version removed.")
    ] = False,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only versions fetched since: 24h, 7d, or a date."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=research.MAX_LIMIT, help="At most N results.")
    ] = research.DEFAULT_LIMIT,
    json_: cli.JsonOutput = False,
) -> None:
    """Search every stored version (headline, standfirst, byline, body), removed sentences
    included.

    Example: versiontrack search '"body bags"' --removed
    """
    with cli._database() as (_settings, db):
        hits = research.search(db, query, removed=removed, source=source, since=since, limit=limit)
    if json_:
        cli._json([research.hit_json(hit) for hit in hits])
        return
    if not hits:
        cli.out.print("no match")
        return
    for hit in hits:
        gone = f", removed in v{hit.removed_in}" if hit.removed_in is not None else ""
        cli.out.print(
            Text(f"[{hit.article_id}] v{hit.version}{gone}  ", style="bold")
            + Text(f"{hit.fetched_at:%Y-%m-%d %H:%M}  {cli.safe(hit.title or hit.url)}")
        )
        label = "" if hit.field == "body" else f"{hit.field}: "
        cli.out.print(Text(f"    {label}{cli.safe(hit.sentence)}"))


def export(
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="File to write.")],
    format_: Annotated[
        ExportFormat, typer.Option("--format", help="jsonl or newsedits.")
    ] = ExportFormat.jsonl,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only versions fetched since: 24h, 7d, or a date."),
    ] = None,
) -> None:
    """Export every stored version: JSON lines, or an SQLite file in the NewsEdits layout.

    Example: versiontrack export --format newsedits --source guardian guardian.db
    """
    when = parse_since(since, utcnow()) if since else None
    if not out_path.parent.is_dir():
        raise typer.BadParameter(f"no such folder: {out_path.parent}", param_hint="OUT")
    with cli._database() as (_settings, db):
        if cli.out.is_terminal:
            with Progress(
                TextColumn("exporting"),
                BarColumn(),
                MofNCompleteColumn(),
                console=cli.out,
                transient=True,
            ) as progress:
                task = progress.add_task("export", total=None)
                done = export_versions(
                    db,
                    format_.value,
                    out_path,
                    source=source,
                    since=when,
                    on_total=lambda n: progress.update(task, total=n),
                    on_version=lambda: progress.advance(task),
                )
        else:
            done = export_versions(db, format_.value, out_path, source=source, since=when)
    cli.out.print(
        Text(f"exported {done.versions} versions of {done.articles} articles to {out_path}")
    )


def reindex() -> None:
    """Rebuild the search index from every stored version (e.g. after upgrading).

    Example: versiontrack db reindex
    """
    with cli._database() as (_settings, db):
        if cli.out.is_terminal:
            with Progress(
                TextColumn("indexing"),
                BarColumn(),
                MofNCompleteColumn(),
                console=cli.out,
                transient=True,
            ) as progress:
                task = progress.add_task("reindex", total=research.total_versions(db))
                articles, rows = research.reindex(
                    db, on_article=lambda n: progress.advance(task, n)
                )
        else:
            articles, rows = research.reindex(db)
    cli.out.print(f"search index rebuilt: {rows} sentences of {articles} articles")


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    """Add the research commands to the ``versiontrack`` app."""
    app.command()(search)
    app.command()(export)
    db_app.command("reindex")(reindex)
