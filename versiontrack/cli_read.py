"""The read commands of the ``versiontrack`` command line: ``articles``, ``history``,
``show``, ``diff`` and ``feed``. Parse, call one read use case (``service.reads``,
``service.feeds``), format: a table or text on a terminal, the read model's ``to_json`` with
``--json``. Registered on ``cli.app`` by ``cli``."""

from __future__ import annotations

import html
import re
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.text import Text

from versiontrack.cli import JsonOutput, _database, _json, _table, app, out, safe
from versiontrack.service import feeds, reads


class Format(StrEnum):
    rss = "rss"
    atom = "atom"


def _minute(moment: datetime | None) -> str:
    """``2024-10-30 08:00``: a stored time to the minute, for tables ("" when unset)."""
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M}"


@app.command()
def articles(
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    changed_since: Annotated[
        str | None,
        typer.Option("--changed-since", help="Only articles changed since: 24h, 7d, or a date."),
    ] = None,
    flag: Annotated[
        str | None, typer.Option("--flag", help="Only articles with a change flagged so.")
    ] = None,
    json_: JsonOutput = False,
) -> None:
    """List tracked articles.

    Example: versiontrack articles --changed-since 24h --flag headline --json
    """
    with _database() as (_settings, db):
        rows = reads.list_articles(db, source, changed_since=changed_since, flag=flag)
    if json_:
        _json([r.to_json() for r in rows])
        return
    _table(
        ("id", "versions", "status", "last changed", "title", "url"),
        [
            (str(r.id), str(r.versions), r.status, _minute(r.last_changed), r.title or "", r.url)
            for r in rows
        ],
    )


@app.command()
def history(
    article: Annotated[str, typer.Argument(help="Article id or URL.")],
    json_: JsonOutput = False,
) -> None:
    """List an article's versions and what changed in each.

    Example: versiontrack history 1
    """
    with _database() as (_settings, db):
        info, versions = reads.history(db, article)
    if json_:
        _json([v.to_json() for v in versions])
        return
    out.print(Text(f"{safe(info.title)}\n{safe(info.url)}", style="bold"))
    next_check = (
        "retired (no longer checked)"
        if info.retired
        else f"next check {_minute(info.next_check_at)} UTC"
    )
    out.print(Text(f"status: {info.status}, {next_check}"))
    for v in versions:
        out.print(
            Text(f"v{v.number}  {v.fetched_at:%Y-%m-%d %H:%M:%S}  ")
            + Text(safe(v.summary))
            + Text(f"  {safe(v.headline)}", style="dim")
        )


@app.command()
def show(
    article: Annotated[str, typer.Argument(help="Article id or URL.")],
    version: Annotated[int | None, typer.Option("--version", help="Version number.")] = None,
    json_: JsonOutput = False,
) -> None:
    """Print one version's text: headline, standfirst, byline, body.

    Example: versiontrack show 1 --version 2 --json
    """
    if json_:
        with _database() as (_settings, db):
            _json(reads.show_version(db, article, version).to_json())
        return
    with _database() as (_settings, db):
        shown = reads.show_version(db, article, version)
    t = shown.text
    out.print(Text(f"v{shown.version.number} of {safe(shown.article.url)}", style="dim"))
    out.print(Text(safe(t.headline), style="bold"))
    if t.standfirst:
        out.print(Text(safe(t.standfirst), style="italic"))
    if t.byline:
        out.print(Text(safe(t.byline), style="dim"))
    out.print()
    for paragraph in t.paragraphs:
        out.print(Text(safe(" ".join(paragraph))))
        out.print()


@app.command()
def diff(
    article: Annotated[str, typer.Argument(help="Article id or URL.")],
    from_: Annotated[int | None, typer.Option("--from", help="Old version.")] = None,
    to: Annotated[int | None, typer.Option("--to", help="New version (default latest).")] = None,
    json_: JsonOutput = False,
) -> None:
    """Show the sentence diff between two versions (default: the latest change).

    Example: versiontrack diff 1 --from 2 --to 3
    """
    with _database() as (_settings, db):
        result = reads.diff_versions(db, article, from_, to)
    if json_:
        _json(result.to_json())
        return
    out.print(
        Text(
            f"{safe(result.article.url)}  v{result.from_version} → v{result.to_version}: "
            f"{result.diff.summary.describe()}",
            style="bold",
        )
    )
    for f in result.diff.fields:
        out.print(Text(f"{f.field}: ", style="bold") + _render_marked(f.html))
    labels = {
        "added": "+",
        "removed": "-",
        "edited": "~",
        "moved": ">",
        "merged": "&",
        "split": "|",
    }
    for op in result.diff.ops:
        out.print(Text(f"{labels[op.op]} ", style="bold") + _render_marked(op.html))


_MARK = re.compile(r"(</?del>|</?ins>)")


def _render_marked(fragment: str) -> Text:
    """Turn our diff HTML (escaped text with <del>/<ins>) into coloured terminal text."""
    text, style = Text(), ""
    for part in _MARK.split(fragment):
        if part in ("<del>", "<ins>"):
            style = "red strike" if part == "<del>" else "green"
        elif part in ("</del>", "</ins>"):
            style = ""
        elif part:
            text.append(safe(html.unescape(part)), style=style)
    return text


@app.command()
def feed(
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    article: Annotated[str | None, typer.Option("--article", help="Only this article.")] = None,
    format_: Annotated[Format, typer.Option("--format", help="rss or atom.")] = Format.rss,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most recent N changes.")] = 50,
    min_: Annotated[
        str | None,
        typer.Option("--min", help="all, minor, substantive or headline (default: config)."),
    ] = None,
    flag: Annotated[
        list[str] | None, typer.Option("--flag", help="Only changes with this flag (repeat).")
    ] = None,
    term: Annotated[
        list[str] | None,
        typer.Option("--term", help="Only changes touching a sentence with this word (repeat)."),
    ] = None,
) -> None:
    """Print the change feed (RSS or Atom) to stdout.

    Example: versiontrack feed --source guardian --format atom --min substantive
    """
    with _database() as (settings, db):
        query = feeds.FeedQuery(
            source, article, format_.value, limit, min_, tuple(flag or ()), tuple(term or ())
        )
        xml = feeds.feed(settings, db, query)
    sys.stdout.buffer.write(xml)
    sys.stdout.buffer.flush()
