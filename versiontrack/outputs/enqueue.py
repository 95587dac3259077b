"""Which outputs want a change or a notice, written to the outbox in the caller's transaction.

``enqueue_changes`` runs just before a check's transaction commits
(``pipeline.context.unit_of_work``): the changes that transaction stored get one outbox row
per output whose filters they pass, so a change and its deliveries commit together or not at
all. Nothing here does I/O; a failing output can never slow or fail a check.

``enqueue_notice`` is for messages that are not changes (source health): they go to outputs
whose ``flags`` name the notice's kind (``flags = ["health"]``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from versiontrack import significance, watch
from versiontrack.domain import Diff
from versiontrack.outputs.config import Output
from versiontrack.settings import Settings
from versiontrack.store import outbox
from versiontrack.store.schema import ChangeRow


def delivery_id(change_id: int, output: str) -> str:
    """The id a receiver de-duplicates by: one per change and output, the same on every retry."""
    tag = hashlib.blake2b(output.encode("utf-8"), digest_size=4).hexdigest()
    return f"vt-{change_id}-{tag}"


def wants(
    output: Output, *, level: int, flags: Iterable[str], source: str | None, diff: Diff
) -> bool:
    """Whether a change passes ``output``'s filters (``min``, ``flags``, ``sources``, ``terms``)."""
    if level < significance.level_number(output.min):
        return False
    if output.flags and not set(output.flags) & set(flags):
        return False
    if output.sources and source not in output.sources:
        return False
    return not output.terms or bool(watch.matched_terms(diff, output.terms))


def enqueue_changes(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Queue the changes stored in this transaction for every output that wants them."""
    rows = outbox.take_new_changes(session)
    if not rows or not settings.outputs:
        return 0
    now = now or datetime.now(UTC)
    queued = 0
    for row in rows:
        queued += _enqueue_change(session, settings.outputs, row, now)
    return queued


def _enqueue_change(
    session: Session, outputs: Iterable[Output], row: ChangeRow, now: datetime
) -> int:
    source = outbox.source_name(session, row.article_id)
    flags = [f for f in row.flags.split(",") if f]
    diff = Diff.from_dict(row.diff)
    queued = 0
    for output in outputs:
        if wants(output, level=row.level, flags=flags, source=source, diff=diff):
            outbox.add_delivery(
                session,
                output=output.name,
                delivery_id=delivery_id(row.id, output.name),
                now=now,
                change_id=row.id,
                article_id=row.article_id,
            )
            queued += 1
    return queued


def enqueue_notice(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    title: str,
    body: str,
    source: str | None = None,
    now: datetime | None = None,
) -> int:
    """Queue a notice (e.g. ``kind="health"``) for outputs whose ``flags`` include ``kind``.

    An output with ``sources`` gets only notices about those sources. Returns how many outputs
    it was queued for. Commits nothing: call it inside the transaction that records the event.
    """
    now = now or datetime.now(UTC)
    queued = 0
    for output in settings.outputs:
        if kind not in output.flags:
            continue
        if output.sources and source not in output.sources:
            continue
        outbox.add_delivery(
            session,
            output=output.name,
            delivery_id=f"vt-n-{secrets.token_hex(8)}",
            now=now,
            payload={
                "kind": kind,
                "title": title,
                "body": body,
                "source": source,
                "detected_at": now.isoformat(),
            },
        )
        queued += 1
    return queued
