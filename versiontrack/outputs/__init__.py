"""Push outputs: webhooks, Apprise, Mastodon and Bluesky, fed by a durable outbox.

``config`` reads ``[[outputs]]``; ``enqueue`` writes outbox rows in the transaction that stores
a change (and ``enqueue_notice`` for source-health messages); ``payload`` turns a change into
what each output sends; ``senders`` talk to the peers; ``deliver`` drains the outbox with
leases, backoff and per-output rate limits; ``status`` reports backlogs and last errors.
"""

from __future__ import annotations

from typing import Any

__all__ = ["enqueue_notice"]


def __getattr__(name: str) -> Any:
    # ``outputs.enqueue_notice`` without importing it here: settings imports ``config`` from
    # this package, and ``enqueue`` imports settings
    if name == "enqueue_notice":
        from versiontrack.outputs.enqueue import enqueue_notice

        return enqueue_notice
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
