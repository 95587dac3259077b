"""The peers: one function per output type that sends a ``Message`` or raises ``OutputError``.

- webhook: one POST, JSON body, ``X-Versiontrack-Delivery`` and (with a ``secret``)
  ``X-Versiontrack-Signature: sha256=<hex HMAC-SHA256 of the body>``.
- apprise: Apprise's own plugins (email, Slack, Matrix, ntfy, Telegram, ``json://``…), the card
  attached where the service takes attachments.
- mastodon: ``POST /api/v2/media`` (the card, with its alt text), then ``POST /api/v1/statuses``
  with ``media_ids``, ``in_reply_to_id`` (the article's first post) and an ``Idempotency-Key``
  (the delivery id, so a retry does not post twice).
- bluesky: ``com.atproto.server.createSession``, ``com.atproto.repo.uploadBlob`` and
  ``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` with an image embed, a link
  facet and ``reply`` refs (root and parent: the article's first post).

Plain httpx against the documented endpoints: no SDK. Every error is one line.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from versiontrack.errors import OutputError
from versiontrack.outputs.config import Output
from versiontrack.outputs.payload import Message

log = logging.getLogger(__name__)

MASTODON_LIMIT = 500
BLUESKY_LIMIT = 300
MEDIA_WAIT = 10.0  # seconds to wait for Mastodon to process an uploaded card


@dataclass(frozen=True, slots=True)
class Thread:
    """The article's first post on a social output."""

    post_id: str
    post_cid: str | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """What a social output answered: the new post (its id or URI, and CID on Bluesky)."""

    post_id: str | None = None
    post_cid: str | None = None


Sender = Callable[[Output, Message, httpx.Client, Thread | None, dict[str, Any]], Posted]


def send(
    output: Output,
    message: Message,
    client: httpx.Client,
    thread: Thread | None = None,
    cache: dict[str, Any] | None = None,
) -> Posted:
    """Send ``message`` to ``output``; raises ``OutputError`` on any failure."""
    sender = SENDERS[output.type]
    try:
        return sender(output, message, client, thread, {} if cache is None else cache)
    except httpx.HTTPError as exc:
        raise OutputError(f"{type(exc).__name__}: {exc}".splitlines()[0]) from exc
    except (ValueError, KeyError, TypeError) as exc:  # an answer we cannot read
        raise OutputError(f"unexpected answer: {type(exc).__name__}: {exc}") from exc


def signature(secret: str, body: bytes) -> str:
    """The ``X-Versiontrack-Signature`` value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _check(response: httpx.Response, what: str) -> httpx.Response:
    if not response.is_success:
        snippet = " ".join(response.text.split())[:200]
        raise OutputError(
            f"{what}: HTTP {response.status_code}" + (f": {snippet}" if snippet else "")
        )
    return response


def send_webhook(
    output: Output, message: Message, client: httpx.Client, _t: Thread | None, _c: dict[str, Any]
) -> Posted:
    assert output.url is not None
    body = json.dumps(message.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "X-Versiontrack-Delivery": message.delivery_id,
    }
    if output.secret:
        headers["X-Versiontrack-Signature"] = signature(output.secret, body)
    _check(client.post(output.url, content=body, headers=headers), "webhook")
    return Posted()


def send_apprise(
    output: Output, message: Message, client: httpx.Client, _t: Thread | None, _c: dict[str, Any]
) -> Posted:
    # Apprise imports modules Python deprecates (imghdr, on attachments): its business
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return _send_apprise(output, message)


def _send_apprise(output: Output, message: Message) -> Posted:
    import apprise  # only this output type needs it

    notifier = apprise.Apprise()
    for url in output.urls:
        if not notifier.add(url):
            raise OutputError(f"not a usable Apprise URL: {url.split('://', 1)[0]}://…")
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="versiontrack-card-") as folder:
        attach = None
        card = message.card
        if card is not None:
            path = Path(folder) / "versiontrack-diff.png"
            path.write_bytes(card)
            attach = apprise.AppriseAttachment(str(path))
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = notifier.notify(
                body=message.text,
                title=message.title,
                attach=attach,
                body_format=apprise.NotifyFormat.TEXT,  # article text is text, never markup
            )
            errors = [line for line in captured.getvalue().splitlines() if line.strip()]
    if not ok:
        last = errors[-1].split(" - ", 2)[-1] if errors else "notification failed"
        raise OutputError(f"apprise: {last}")
    return Posted()


def send_mastodon(
    output: Output,
    message: Message,
    client: httpx.Client,
    thread: Thread | None,
    _c: dict[str, Any],
) -> Posted:
    assert output.instance is not None
    base = output.instance.rstrip("/")
    auth = {"Authorization": f"Bearer {output.token}"}
    # "@name" in an article's text must not mention (and notify) anyone
    mentions = message.title.count("@") + message.link.count("@")
    text = _post_text(message, MASTODON_LIMIT - mentions).replace("@", "@\u200b")
    status: dict[str, Any] = {"status": text}
    card = message.card
    if card is not None:
        media = _check(
            client.post(
                f"{base}/api/v2/media",
                headers=auth,
                files={"file": ("versiontrack-diff.png", card, "image/png")},
                data={"description": message.alt},
            ),
            "mastodon media upload",
        )
        media_id = str(media.json()["id"])
        if media.status_code == 202:  # still processing: wait until it can be attached
            _wait_for_media(client, f"{base}/api/v1/media/{media_id}", auth)
        status["media_ids"] = [media_id]
    if thread is not None:
        status["in_reply_to_id"] = thread.post_id
    posted = _check(
        client.post(
            f"{base}/api/v1/statuses",
            headers={**auth, "Idempotency-Key": message.delivery_id},
            json=status,
        ),
        "mastodon status",
    ).json()
    return Posted(str(posted["id"]))


def _wait_for_media(client: httpx.Client, url: str, auth: dict[str, str]) -> None:
    deadline = time.monotonic() + MEDIA_WAIT
    while time.monotonic() < deadline:
        answer = client.get(url, headers=auth)
        if answer.status_code == 200:
            return
        if answer.status_code != 206:
            _check(answer, "mastodon media")
        time.sleep(0.5)
    raise OutputError("mastodon media: still processing after 10 s")


#: Bluesky sessions by output, kept across drains: logging in is rate-limited (30 in 5 min).
_BLUESKY_SESSIONS: dict[str, dict[str, Any]] = {}


def send_bluesky(
    output: Output,
    message: Message,
    client: httpx.Client,
    thread: Thread | None,
    cache: dict[str, Any],
) -> Posted:
    try:
        return _post_bluesky(output, message, client, thread)
    except _SessionExpired:
        _BLUESKY_SESSIONS.pop(_session_key(output), None)  # log in again, once
        return _post_bluesky(output, message, client, thread)


class _SessionExpired(Exception):
    pass


def _session_key(output: Output) -> str:
    return f"{output.name}\n{output.service}\n{output.handle}"


def _bluesky_call(response: httpx.Response, what: str) -> httpx.Response:
    if response.status_code in (400, 401) and any(
        code in response.text for code in ("ExpiredToken", "InvalidToken", "AuthMissing")
    ):
        raise _SessionExpired(what)
    return _check(response, what)


def _post_bluesky(
    output: Output, message: Message, client: httpx.Client, thread: Thread | None
) -> Posted:
    base = output.service.rstrip("/")
    session = _BLUESKY_SESSIONS.get(_session_key(output))
    if session is None:
        session = _check(
            client.post(
                f"{base}/xrpc/com.atproto.server.createSession",
                json={"identifier": output.handle, "password": output.app_password},
            ),
            "bluesky login",
        ).json()
        _BLUESKY_SESSIONS[_session_key(output)] = session
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}
    text = _post_text(message, BLUESKY_LIMIT)
    record: dict[str, Any] = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    if message.link and message.link in text:
        start = len(text[: text.index(message.link)].encode("utf-8"))
        record["facets"] = [
            {
                "index": {"byteStart": start, "byteEnd": start + len(message.link.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": message.link}],
            }
        ]
    card = message.card
    if card is not None:
        blob = _bluesky_call(
            client.post(
                f"{base}/xrpc/com.atproto.repo.uploadBlob",
                headers={**auth, "Content-Type": "image/png"},
                content=card,
            ),
            "bluesky upload",
        ).json()["blob"]
        with Image.open(io.BytesIO(card)) as image:
            width, height = image.size
        record["embed"] = {
            "$type": "app.bsky.embed.images",
            "images": [
                {
                    "alt": message.alt,
                    "image": blob,
                    "aspectRatio": {"width": width, "height": height},
                }
            ],
        }
    if thread is not None:
        ref = {"uri": thread.post_id, "cid": thread.post_cid}
        record["reply"] = {"root": ref, "parent": ref}
    answer = client.post(
        f"{base}/xrpc/com.atproto.repo.createRecord",
        headers=auth,
        json={"repo": session["did"], "collection": "app.bsky.feed.post", "record": record},
    )
    posted = _bluesky_call(answer, "bluesky post").json()
    return Posted(str(posted["uri"]), str(posted["cid"]))


def _post_text(message: Message, limit: int) -> str:
    """The title, shortened to fit, then the link on its own line."""
    room = limit - len(message.link) - 2
    title = message.title if len(message.title) <= room else message.title[: room - 1] + "…"
    return f"{title}\n\n{message.link}" if message.link else title[:limit]


SENDERS: dict[str, Sender] = {
    "webhook": send_webhook,
    "apprise": send_apprise,
    "mastodon": send_mastodon,
    "bluesky": send_bluesky,
}
