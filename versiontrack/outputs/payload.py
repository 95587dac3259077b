"""A change (or a notice) → what outputs send: the webhook JSON, a title and text, the card.

The webhook body has exactly the keys of the contract: ``id, article, url, source, title, from,
to, detected_at, flags, summary, ops, diff_url, card_url`` (a notice has the same keys, with
``kind`` and ``body`` added and nulls where a change would have versions). Plain-text bodies
(Apprise, social posts) carry untrusted article text as text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from versiontrack.domain import ChangeEntry, Diff
from versiontrack.publish.card import CardData, alt_text, card_path, render_card
from versiontrack.publish.feed import entry_link, entry_title

#: Changed sentences an Apprise message lists before "… and N more".
MAX_LINES = 8


@dataclass
class Message:
    """One delivery, ready to send. ``card`` renders lazily (only image-bearing outputs ask)."""

    delivery_id: str
    title: str
    text: str  # plain text: what changed, for Apprise
    link: str  # the page that shows the change
    body: dict[str, Any]  # the webhook JSON body
    article_id: int | None = None
    card_data: CardData | None = None
    _card: bytes | None = field(default=None, repr=False)

    @property
    def card(self) -> bytes | None:
        if self._card is None and self.card_data is not None:
            self._card = render_card(self.card_data)
        return self._card

    @property
    def alt(self) -> str:
        return alt_text(self.card_data) if self.card_data is not None else self.title


def card_url(entry: ChangeEntry, public_url: str) -> str | None:
    path = card_path(entry)
    return None if path is None else public_url.rstrip("/") + path


def change_message(entry: ChangeEntry, delivery_id: str, public_url: str) -> Message:
    link = entry_link(entry, public_url)
    body = {
        "id": entry.id,
        "article": entry.article_id,
        "url": entry.article_url,
        "source": entry.source,
        "title": entry.headline,
        "from": entry.from_version,
        "to": entry.to_version,
        "detected_at": _iso(entry.detected_at),
        "flags": list(entry.flags),
        "summary": entry.summary.to_dict(),
        "ops": [op.to_dict() for op in entry.diff.ops],
        "diff_url": link,
        "card_url": card_url(entry, public_url),
    }
    data = None
    if card_path(entry) is not None:
        data = CardData(
            entry.headline,
            entry.diff,
            entry.article_url,
            entry.source,
            entry.from_version,
            entry.to_version,
            entry.detected_at,
        )
    return Message(
        delivery_id=delivery_id,
        title=entry_title(entry),
        text=change_text(entry, link),
        link=link,
        body=body,
        article_id=entry.article_id,
        card_data=data,
    )


def change_text(entry: ChangeEntry, link: str) -> str:
    """The change in plain text: old → new headline, then the changed sentences."""
    lines: list[str] = []
    headline = entry.diff.field_change("headline")
    if headline is not None:
        lines += [f"Headline was: {headline.old}", f"Headline now: {headline.new}", ""]
    else:
        lines += [entry.headline, ""]
    if entry.kind == "removed":
        lines.append("The article was removed.")
    elif entry.kind == "restored":
        lines.append("The article is back.")
    elif entry.kind == "url":
        moved = entry.diff.field_change("url")
        if moved is not None:
            lines.append(f"Moved from {moved.old} to {moved.new}")
    else:
        lines.append(entry.summary.describe())
        lines += _changed_sentences(entry.diff)
    lines += ["", link]
    return "\n".join(lines)


def _changed_sentences(diff: Diff) -> list[str]:
    lines: list[str] = []
    for change in diff.fields:
        if change.field != "headline":
            lines.append(f"{change.field.capitalize()} was: {change.old}")
            lines.append(f"{change.field.capitalize()} now: {change.new}")
    ops = [op for op in diff.ops if op.op != "moved"]
    for op in ops[:MAX_LINES]:
        if op.op in ("removed", "edited") and op.old:
            lines.append(f"− {op.old}")
        if op.op in ("added", "edited") and op.new:
            lines.append(f"+ {op.new}")
    if len(ops) > MAX_LINES:
        lines.append(f"… and {len(ops) - MAX_LINES} more")
    return lines


def notice_message(payload: dict[str, Any], delivery_id: str, public_url: str) -> Message:
    """A notice (source health…): its title and body as given."""
    title = str(payload.get("title", ""))
    text = str(payload.get("body", ""))
    flags = [str(payload.get("kind", "notice"))]
    body = {
        "id": delivery_id,
        "article": None,
        "url": None,
        "source": payload.get("source"),
        "title": title,
        "from": None,
        "to": None,
        "detected_at": payload.get("detected_at"),
        "flags": flags,
        "summary": None,
        "ops": [],
        "diff_url": None,
        "card_url": None,
        "kind": payload.get("kind"),
        "body": text,
    }
    return Message(delivery_id, title, text, public_url.rstrip("/") + "/", body)


def probe_message(output: str, public_url: str, now: datetime) -> Message:
    """What ``versiontrack outputs test NAME`` sends."""
    return notice_message(
        {
            "kind": "test",
            "title": f"versiontrack test message for output {output!r}",
            "body": "If you can read this, versiontrack can reach this output.",
            "source": None,
            "detected_at": _iso(now),
        },
        f"vt-test-{int(now.timestamp())}",
        public_url,
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
