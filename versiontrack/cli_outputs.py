"""``versiontrack card``, ``versiontrack outputs`` and ``outputs test``: parse, call, format.

Registered on the main app by ``cli.py``. Output names, targets and errors are shown through
``cli.safe`` (they can hold text a peer sent back).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from versiontrack import cli, service_outputs
from versiontrack.errors import InvalidArgument
from versiontrack.outputs.deliver import DrainReport

outputs_app = typer.Typer(
    help="Push outputs (webhook, Apprise, Mastodon, Bluesky): backlog and last error.",
    invoke_without_command=True,
)


def card(
    article: Annotated[str, typer.Argument(help="Article id or URL.")],
    out_path: Annotated[Path, typer.Argument(metavar="OUT.png", help="Where to write the PNG.")],
    from_: Annotated[
        int | None, typer.Option("--from", help="Old version (default: to - 1).")
    ] = None,
    to: Annotated[
        int | None, typer.Option("--to", help="New version (default: the latest).")
    ] = None,
) -> None:
    """Render a change as a PNG diff card (headline old → new, changed sentences).

    Example: versiontrack card 1 --from 2 --to 3 guardian.png
    """
    if out_path.suffix.lower() != ".png":
        raise InvalidArgument(f"the card is a PNG: give a file name ending in .png, not {out_path}")
    with cli._database() as (_settings, db):
        png = service_outputs.card_png(db, article, from_, to)
    try:
        out_path.write_bytes(png)
    except OSError as exc:
        raise InvalidArgument(f"cannot write {out_path}: {exc.strerror}") from exc
    cli.out.print(Text(f"wrote {cli.safe(out_path)} ({len(png):,} bytes)"))


@outputs_app.callback()
def outputs(
    ctx: typer.Context,
    json_: cli.JsonOutput = False,
) -> None:
    """List outputs with their backlog (undelivered messages) and last error.

    Example: versiontrack outputs --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with cli._database() as (settings, db):
        rows = service_outputs.outputs_status(settings, db)
    if json_:
        cli._json(rows)
        return
    if not rows:
        cli.out.print(Text("no outputs configured ([[outputs]] in the config)"))
        return
    cli._table(
        ("name", "type", "target", "backlog", "retrying", "delivered", "last error"),
        [
            (
                cli.safe(r["name"]),
                r["type"],
                cli.safe(r["target"]),
                str(r["backlog"]),
                str(r["retrying"]),
                str(r["delivered"]),
                cli.safe(f"{r['last_error_at'][:19]} {r['last_error']}" if r["last_error"] else ""),
            )
            for r in rows
        ],
    )


@outputs_app.command("test")
def outputs_test(name: Annotated[str, typer.Argument(help="The output's name.")]) -> None:
    """Send a test message to one output now and say whether it arrived.

    Example: versiontrack outputs test newsroom-hook
    """
    with cli._database() as (settings, db):
        output = service_outputs.test_output(settings, db, name)
    cli.out.print(Text(f"sent a test message to {cli.safe(output.name)} ({output.type})"))


def print_drain(report: DrainReport) -> None:
    """The end-of-pass line about outputs, when anything was due."""
    if report.delivered or report.failed:
        line = f"outputs: {report.delivered} delivered, {report.failed} failed (retried later)"
        cli.out.print(Text(line))
    if report.errors:
        for error in report.errors[:5]:
            cli.out.print(Text(f"output failed {cli.safe(error)}", style="red"))


def register(app: typer.Typer) -> None:
    app.command()(card)
    app.add_typer(outputs_app, name="outputs")
