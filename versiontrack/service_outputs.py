"""Use cases of outputs and cards behind the CLI, the web app and the daemon.

``card_png`` renders the diff card of any two versions (as ``versiontrack diff`` compares them);
``drain`` delivers what the outbox holds; ``outputs_status`` and ``test_output`` back
``versiontrack outputs``. Each opens its own sessions; nothing here prints or parses.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from versiontrack.outputs import deliver
from versiontrack.outputs.config import Output
from versiontrack.publish.card import CardData, render_card
from versiontrack.service import reads
from versiontrack.service.models import iso
from versiontrack.settings import Settings
from versiontrack.store import changes, outbox
from versiontrack.store.engine import Database, describe_error


def card_data(db: Database, ref: str, from_version: int | None, to_version: int | None) -> CardData:
    """What the card of ``ref``'s change ``from_version`` → ``to_version`` shows (default: the
    latest change). The change's detection time is shown when the two are one stored change."""
    found = reads.diff_versions(db, ref, from_version, to_version)
    info = found.article
    detected = None
    with db.sessions() as session:
        stored = changes.changes_by_version(session, info.id).get(found.to_version)
        if stored is not None and stored.from_version == found.from_version:
            detected = stored.detected_at
    return CardData(
        headline=info.title or info.url,
        diff=found.diff,
        url=info.url,
        source=info.source,
        from_version=found.from_version,
        to_version=found.to_version,
        detected_at=detected,
    )


def card_png(
    db: Database, ref: str, from_version: int | None = None, to_version: int | None = None
) -> bytes:
    """The diff card as PNG bytes."""
    return render_card(card_data(db, ref, from_version, to_version))


def drain(
    settings: Settings,
    db: Database,
    *,
    budget: float = 30.0,
    owner: str | None = None,
    writes: AbstractContextManager[Any] | None = None,
) -> deliver.DrainReport:
    """Deliver what is due now (at most about ``budget`` seconds)."""
    return deliver.drain(settings, db.sessions, budget=budget, owner=owner, writes=writes)


def drain_after_pass(settings: Settings, db: Database) -> deliver.DrainReport:
    """``versiontrack check``'s drain: a database problem here is reported, never raised (the
    pass it follows has already succeeded, and the outbox keeps what was not sent)."""
    try:
        return drain(settings, db)
    except SQLAlchemyError as exc:
        return deliver.DrainReport(errors=[f"outbox: {describe_error(exc)}"])


def outputs_status(settings: Settings, db: Database) -> list[dict[str, Any]]:
    """Every configured output with its backlog and last outcome, as JSON-ready dicts."""
    by_name = {o.name: o for o in settings.outputs}
    return [_status_json(by_name[s.output], s) for s in deliver.status(settings, db.sessions)]


def test_output(settings: Settings, db: Database, name: str) -> Output:
    """Send a test message to output ``name`` now (``OutputError`` when it fails)."""
    return deliver.send_test(settings, db.sessions, name)


test_output.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _status_json(output: Output, s: outbox.OutputStatus) -> dict[str, Any]:
    return {
        "name": output.name,
        "type": output.type,
        "target": output.target,
        "backlog": s.backlog,
        "retrying": s.retrying,
        "delivered": s.delivered,
        "oldest_pending": iso(s.oldest_pending),
        "last_success": iso(s.last_success_at),
        "last_error": s.last_error,
        "last_error_at": iso(s.last_error_at),
    }
