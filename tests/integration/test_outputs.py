"""Outputs against real peers on loopback: a signature-checking webhook receiver, an Apprise
``json://`` target, and Mastodon and Bluesky stand-ins speaking the endpoints we use.

Changes come from the real pipeline over a loopback news site (``commands.check``), go
through the outbox in the database, and are delivered by the real drainer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.corpus.server import RecordedRequest
from versiontrack.outputs import deliver
from versiontrack.outputs.enqueue import delivery_id, enqueue_notice
from versiontrack.service import commands, database
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.store.schema import ChangeRow, OutboxRow

from ..conftest import TEST_FETCH
from .test_bad_inputs import STORY, Clock, article_html, rss

PUBLIC = "https://vt.example"
SECRET = "s3cret-key"
OLD_HEADLINE = "North Korean troops in Russian uniforms heading to Kursk, says US"
NEW_HEADLINE = "North Korean troops fighting for Russia will surely return in body bags"
WEBHOOK_KEYS = {
    "id",
    "article",
    "url",
    "source",
    "title",
    "from",
    "to",
    "detected_at",
    "flags",
    "summary",
    "ops",
    "diff_url",
    "card_url",
}


class NewsSite:
    """``ARTICLES`` stories in one feed. Step 1 edits a number in each (no watch term);
    step 2 rewrites article 0's headline (which names Kursk)."""

    def __init__(self, server: LoopbackServer, articles: int = 1) -> None:
        self.server, self.step, self.articles = server, 0, articles
        server.route(
            "/feed.xml", Response(200, rss(*(server.url(f"/a/{i}") for i in range(articles))))
        )
        for i in range(articles):
            server.route(f"/a/{i}", lambda _r, i=i: Response.html(self.page(i).decode()))

    def page(self, i: int) -> bytes:
        story = list(STORY)
        if self.step >= 1:
            story[3] = story[3].replace("10,000", f"{11_000 + i:,}")
        headline = NEW_HEADLINE if self.step >= 2 and i == 0 else OLD_HEADLINE
        return article_html(f"{headline}" if i == 0 else f"Story {i}", story)


class Peer(LoopbackServer):
    """A receiver recording what each path was sent; answers with ``answer[path]``."""

    def __init__(self) -> None:
        super().__init__()
        self.status: dict[str, int] = {}

    def sink(self, path: str, reply: Any = None) -> str:
        def handle(request: RecordedRequest) -> Response:
            body = reply(request) if callable(reply) else (reply or {"ok": True})
            status = self.status.get(path, 200)  # after the reply, which may set it
            return Response(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

        self.route(path, handle)
        return self.url(path)

    def posts(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.route_path == path and r.method == "POST"]


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with LoopbackServer() as server:
        yield NewsSite(server)


@pytest.fixture
def peer() -> Iterator[Peer]:
    with Peer() as p:
        yield p


def make(db_url: str, site: NewsSite, outputs: list[dict[str, Any]], **extra: Any) -> Settings:
    return settings_from_dict(
        {
            "database": {"url": db_url},
            "fetch": {"timeout": 5, **TEST_FETCH},
            "server": {"public_url": PUBLIC},
            "check": {"workers": 0},
            "sources": [{"name": "wire", "feed": site.server.url("/feed.xml")}],
            "outputs": outputs,
            **extra,
        }
    )


def step(settings: Settings, site: NewsSite, clock: Clock, n: int) -> None:
    site.step = n
    with database.open_database(settings) as db:
        commands.check(settings, db, force=True, clock=clock)
    clock.tick()


def drain(settings: Settings, **kwargs: Any) -> deliver.DrainReport:
    with database.open_database(settings) as db:
        return deliver.drain(settings, db.sessions, **kwargs)


def stored_changes(settings: Settings) -> list[ChangeRow]:
    with database.open_database(settings) as db, db.sessions() as session:
        return list(session.scalars(select(ChangeRow).order_by(ChangeRow.id)))


def status(settings: Settings) -> dict[str, dict[str, Any]]:
    from versiontrack import service_outputs

    with database.open_database(settings) as db:
        return {s["name"]: s for s in service_outputs.outputs_status(settings, db)}


def test_webhooks_get_each_change_once_signed_and_filtered(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    hook = {"type": "webhook", "secret": SECRET}
    plain = {"type": "webhook"}
    settings = make(
        db_url,
        site,
        [
            {"name": "all", "url": peer.sink("/all"), **hook},
            {"name": "headlines", "url": peer.sink("/headlines"), "min": "headline", **hook},
            {"name": "kursk", "url": peer.sink("/kursk"), "terms": ["kursk"], "type": "webhook"},
            {"name": "numbers", "url": peer.sink("/numbers"), "flags": ["numbers"], **plain},
            {"name": "elsewhere", "url": peer.sink("/elsewhere"), "sources": ["other"], **plain},
        ],
        watch={"terms": ["Kursk"]},
    )
    clock = Clock()
    for n in range(3):
        step(settings, site, clock, n)
        drain(settings)
    assert drain(settings).delivered == 0  # nothing twice

    changes = stored_changes(settings)
    assert [(c.from_version, c.to_version) for c in changes] == [(1, 2), (2, 3)]
    number_change, headline_change = changes
    assert "terms" not in number_change.flags and ",terms," in headline_change.flags

    posts = peer.posts("/all")
    assert len(posts) == 2
    bodies = []
    for request, change in zip(posts, changes, strict=True):
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Versiontrack-Signature"] == f"sha256={expected}"
        assert request.headers["X-Versiontrack-Delivery"] == delivery_id(change.id, "all")
        assert request.headers["Content-Type"] == "application/json"
        body = json.loads(request.body)
        assert set(body) == WEBHOOK_KEYS
        bodies.append(body)
    first, second = bodies
    assert first["id"] == number_change.id and first["article"] == 1
    assert (first["from"], first["to"], first["source"]) == (1, 2, "wire")
    assert first["url"] == site.server.url("/a/0")
    assert first["diff_url"] == f"{PUBLIC}/articles/1/diff/1/2"
    assert first["card_url"] == f"{PUBLIC}/articles/1/diff/1/2.png"
    assert first["flags"] == ["numbers", "substantive"]
    assert first["summary"] == {"fields": [], "added": 0, "removed": 0, "edited": 1, "moved": 0}
    assert [op["op"] for op in first["ops"]] == ["edited"]
    assert "11,000" in first["ops"][0]["new"] and "10,000" in first["ops"][0]["old"]
    assert second["title"] == NEW_HEADLINE
    assert second["flags"][:2] == ["headline", "terms"]
    assert second["detected_at"] == headline_change.detected_at.isoformat()

    # filters: min, terms (the headline names Kursk, the number edit does not), flags, sources
    assert [json.loads(r.body)["id"] for r in peer.posts("/headlines")] == [headline_change.id]
    assert [json.loads(r.body)["id"] for r in peer.posts("/kursk")] == [headline_change.id]
    assert [json.loads(r.body)["id"] for r in peer.posts("/numbers")] == [number_change.id]
    assert peer.posts("/elsewhere") == []
    assert "X-Versiontrack-Signature" not in peer.posts("/kursk")[0].headers  # no secret
    assert status(settings)["all"]["delivered"] == 2
    assert status(settings)["all"]["backlog"] == 0


def test_a_failing_output_is_retried_with_backoff_and_never_fails_a_check(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    url = peer.sink("/hook")
    dead = LoopbackServer().start()
    dead_url = dead.url("/gone")
    dead.close()  # nothing listens there any more
    settings = make(
        db_url,
        site,
        [
            {"name": "hook", "type": "webhook", "url": url},
            {"name": "dead", "type": "webhook", "url": dead_url},
        ],
    )
    clock = Clock()
    step(settings, site, clock, 0)
    peer.status["/hook"] = 500
    site.step = 1
    with database.open_database(settings) as db:
        report = commands.check(settings, db, force=True, clock=clock)
    assert [c.outcome for c in report.checks] == ["changed"]  # the check is not held up

    t0 = datetime.now(UTC)
    report = drain(settings, clock=lambda: t0)
    assert (report.delivered, report.failed) == (0, 2)
    seen = status(settings)
    assert seen["hook"]["backlog"] == 1 and seen["hook"]["retrying"] == 1
    assert seen["hook"]["last_error"].startswith("webhook: HTTP 500")
    assert seen["dead"]["last_error"].startswith("ConnectError")
    # not due again before the backoff (30 s) has passed
    assert drain(settings, clock=lambda: t0 + timedelta(seconds=20)).failed == 0
    assert len(peer.posts("/hook")) == 1

    peer.status["/hook"] = 200
    report = drain(settings, clock=lambda: t0 + timedelta(seconds=31))
    assert (report.delivered, report.failed) == (1, 1)  # "dead" fails again
    first, retry = peer.posts("/hook")
    assert first.headers["X-Versiontrack-Delivery"] == retry.headers["X-Versiontrack-Delivery"]
    assert status(settings)["hook"]["backlog"] == 0
    assert status(settings)["hook"]["last_success"] is not None
    with database.open_database(settings) as db, db.sessions() as session:
        dead_row = session.scalars(select(OutboxRow).where(OutboxRow.output == "dead")).one()
    # backoff doubles: 30 s after the first failure, 60 s after the second
    assert dead_row.attempts == 2
    assert dead_row.next_attempt_at == t0 + timedelta(seconds=31 + 60)


def test_per_minute_caps_deliveries_across_drains(db_url: str, peer: Peer) -> None:
    with LoopbackServer() as server:
        site = NewsSite(server, articles=5)
        settings = make(
            db_url,
            site,
            [{"name": "hook", "type": "webhook", "url": peer.sink("/hook"), "per_minute": 2}],
        )
        clock = Clock()
        step(settings, site, clock, 0)
        step(settings, site, clock, 1)
    assert len(stored_changes(settings)) == 5
    t0 = datetime.now(UTC)
    assert drain(settings, clock=lambda: t0).delivered == 2
    assert drain(settings, clock=lambda: t0 + timedelta(seconds=10)).delivered == 0
    assert drain(settings, clock=lambda: t0 + timedelta(seconds=61)).delivered == 2
    assert drain(settings, clock=lambda: t0 + timedelta(seconds=122)).delivered == 1
    ids = [r.headers["X-Versiontrack-Delivery"] for r in peer.posts("/hook")]
    assert len(ids) == len(set(ids)) == 5


def test_apprise_json_target_gets_title_body_and_card(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    target = peer.sink("/apprise").replace("http://", "json://")
    settings = make(db_url, site, [{"name": "chat", "type": "apprise", "urls": [target]}])
    clock = Clock()
    for n in range(3):
        step(settings, site, clock, n)
    assert drain(settings).delivered == 2
    first, second = (json.loads(r.body) for r in peer.posts("/apprise"))
    assert first["title"].startswith("[numbers] ")
    assert "− More than 10,000 North Korean soldiers" in first["message"]
    assert "+ More than 11,000 North Korean soldiers" in first["message"]
    assert first["message"].endswith(f"{PUBLIC}/articles/1/diff/1/2")
    assert second["title"] == f"Headline: “{OLD_HEADLINE}” → “{NEW_HEADLINE}”"
    assert f"Headline was: {OLD_HEADLINE}\nHeadline now: {NEW_HEADLINE}" in second["message"]
    (card,) = second["attachments"]
    assert base64.b64decode(card["base64"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_apprise_failure_is_recorded(db_url: str, site: NewsSite, peer: Peer) -> None:
    target = peer.sink("/apprise").replace("http://", "json://")
    peer.status["/apprise"] = 503
    settings = make(db_url, site, [{"name": "chat", "type": "apprise", "urls": [target]}])
    clock = Clock()
    step(settings, site, clock, 0)
    step(settings, site, clock, 1)
    assert drain(settings).failed == 1
    assert status(settings)["chat"]["last_error"].startswith("apprise: ")


def test_mastodon_thread_per_article_with_the_card_and_alt_text(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    statuses = iter(range(100, 200))
    peer.sink("/api/v2/media", {"id": "m1", "type": "image", "url": None})
    peer.status["/api/v2/media"] = 202  # still processing: we ask until it is ready
    processing = iter([206, 200, 206, 200])
    peer.route("/api/v1/media/m1", lambda _r: Response(next(processing), b'{"id": "m1"}'))
    peer.sink("/api/v1/statuses", lambda _r: {"id": str(next(statuses))})
    settings = make(
        db_url,
        site,
        [{"name": "toot", "type": "mastodon", "instance": peer.url(""), "token": "tok"}],
    )
    clock = Clock()
    for n in range(3):
        step(settings, site, clock, n)
        drain(settings)
    uploads, posts = peer.posts("/api/v2/media"), peer.posts("/api/v1/statuses")
    assert len(uploads) == len(posts) == 2
    polls = [r.method for r in peer.requests if r.route_path == "/api/v1/media/m1"]
    assert polls == ["GET"] * 4
    for upload in uploads:
        assert upload.headers["Authorization"] == "Bearer tok"
        assert upload.headers["Content-Type"].startswith("multipart/form-data")
        assert b'name="file"; filename="versiontrack-diff.png"' in upload.body
        assert b"\x89PNG\r\n\x1a\n" in upload.body
        assert b'name="description"' in upload.body
    assert (
        "Headline changed (wire) from “North Korean troops in Russian".encode() in uploads[1].body
    )
    first, reply = (json.loads(p.body) for p in posts)
    assert "in_reply_to_id" not in first and first["media_ids"] == ["m1"]
    assert reply["in_reply_to_id"] == "100"  # the article's first post
    assert first["status"].endswith(f"\n\n{PUBLIC}/articles/1/diff/1/2")
    assert reply["status"].startswith("Headline: “")
    changes = stored_changes(settings)
    assert [p.headers["Idempotency-Key"] for p in posts] == [
        delivery_id(c.id, "toot") for c in changes
    ]


def test_bluesky_thread_with_reply_refs_image_and_link_facet(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    records = iter(range(1, 100))
    did = "did:plc:versiontrack"
    peer.sink("/xrpc/com.atproto.server.createSession", {"accessJwt": "jwt", "did": did})
    blob = {"$type": "blob", "ref": {"$link": "bafkrei"}, "mimeType": "image/png", "size": 9}
    peer.sink("/xrpc/com.atproto.repo.uploadBlob", {"blob": blob})

    def created(_request: RecordedRequest) -> dict[str, str]:
        n = next(records)
        return {"uri": f"at://{did}/app.bsky.feed.post/{n}", "cid": f"bafyrei{n}"}

    peer.sink("/xrpc/com.atproto.repo.createRecord", created)
    settings = make(
        db_url,
        site,
        [
            {
                "name": "sky",
                "type": "bluesky",
                "handle": "vt.example",
                "app_password": "app-pass",
                "service": peer.url(""),
            }
        ],
    )
    clock = Clock()
    for n in range(3):
        step(settings, site, clock, n)
        drain(settings)
    (login, *_) = peer.posts("/xrpc/com.atproto.server.createSession")
    assert json.loads(login.body) == {"identifier": "vt.example", "password": "app-pass"}
    uploads = peer.posts("/xrpc/com.atproto.repo.uploadBlob")
    assert [u.body[:8] for u in uploads] == [b"\x89PNG\r\n\x1a\n"] * 2
    assert all(u.headers["Authorization"] == "Bearer jwt" for u in uploads)
    first, reply = (json.loads(r.body) for r in peer.posts("/xrpc/com.atproto.repo.createRecord"))
    assert first["repo"] == did and first["collection"] == "app.bsky.feed.post"
    record = first["record"]
    assert record["$type"] == "app.bsky.feed.post" and "reply" not in record
    (image,) = record["embed"]["images"]
    assert image["image"] == blob and image["alt"].startswith("Changes to the article")
    assert image["aspectRatio"]["width"] == 1200
    link = f"{PUBLIC}/articles/1/diff/1/2"
    (facet,) = record["facets"]
    start = facet["index"]["byteStart"]
    assert record["text"].encode()[start : facet["index"]["byteEnd"]].decode() == link
    assert len(record["text"]) <= 300
    root = {"uri": f"at://{did}/app.bsky.feed.post/1", "cid": "bafyrei1"}
    assert reply["record"]["reply"] == {"root": root, "parent": root}


def test_notices_go_to_outputs_asking_for_their_kind(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    settings = make(
        db_url,
        site,
        [
            {"name": "health", "type": "webhook", "url": peer.sink("/health"), "flags": ["health"]},
            {"name": "changes", "type": "webhook", "url": peer.sink("/changes")},
            {
                "name": "other",
                "type": "webhook",
                "url": peer.sink("/other"),
                "flags": ["health"],
                "sources": ["elsewhere"],
            },
        ],
    )
    with database.open_database(settings) as db, db.sessions() as session, session.begin():
        queued = enqueue_notice(
            session,
            settings,
            kind="health",
            title="wire is degraded",
            body="extractions came back empty 3 times",
            source="wire",
        )
    assert queued == 1
    assert drain(settings).delivered == 1
    (request,) = peer.posts("/health")
    body = json.loads(request.body)
    assert set(body) == WEBHOOK_KEYS | {"kind", "body"}
    assert (body["kind"], body["title"], body["source"]) == ("health", "wire is degraded", "wire")
    assert body["flags"] == ["health"] and body["card_url"] is None
    assert peer.posts("/changes") == [] and peer.posts("/other") == []


def test_outputs_test_sends_now_and_records_the_outcome(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    from versiontrack import service_outputs
    from versiontrack.errors import NotFound, OutputError

    settings = make(db_url, site, [{"name": "hook", "type": "webhook", "url": peer.sink("/hook")}])
    with database.open_database(settings) as db:
        service_outputs.test_output(settings, db, "hook")
        body = json.loads(peer.posts("/hook")[0].body)
        assert body["kind"] == "test" and "hook" in body["title"]
        peer.status["/hook"] = 404
        with pytest.raises(OutputError, match="output 'hook': webhook: HTTP 404"):
            service_outputs.test_output(settings, db, "hook")
        with pytest.raises(NotFound, match="no output named 'nope'"):
            service_outputs.test_output(settings, db, "nope")
    seen = status(settings)["hook"]
    assert seen["last_success"] is not None and seen["last_error"].startswith("webhook: HTTP 404")
    assert seen["backlog"] == 0  # a test message never enters the outbox


def test_bluesky_logs_in_again_when_its_session_expires(
    db_url: str, site: NewsSite, peer: Peer
) -> None:
    tokens = iter(["old-jwt", "new-jwt"])
    peer.sink(
        "/xrpc/com.atproto.server.createSession",
        lambda _r: {"accessJwt": next(tokens), "did": "did:plc:x"},
    )
    peer.sink("/xrpc/com.atproto.repo.uploadBlob", {"blob": {"$type": "blob", "size": 1}})

    def created(request: RecordedRequest) -> dict[str, str]:
        if request.headers["Authorization"] == "Bearer old-jwt":
            peer.status["/xrpc/com.atproto.repo.createRecord"] = 400
            return {"error": "ExpiredToken", "message": "Token has expired"}
        peer.status["/xrpc/com.atproto.repo.createRecord"] = 200
        return {"uri": "at://did:plc:x/app.bsky.feed.post/1", "cid": "c1"}

    peer.sink("/xrpc/com.atproto.repo.createRecord", created)
    sky = {"type": "bluesky", "handle": "h.example", "app_password": "p", "service": peer.url("")}
    settings = make(db_url, site, [{"name": "sky-expiring", **sky}])
    clock = Clock()
    step(settings, site, clock, 0)
    step(settings, site, clock, 1)
    assert drain(settings).delivered == 1
    assert len(peer.posts("/xrpc/com.atproto.server.createSession")) == 2
    assert [
        r.headers["Authorization"] for r in peer.posts("/xrpc/com.atproto.repo.createRecord")
    ] == [
        "Bearer old-jwt",
        "Bearer new-jwt",
    ]


def test_two_drainers_at_once_send_each_delivery_once(
    any_db_url: str, peer: Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two drainers (two processes' worth: own owners, no shared lock) racing over one outbox
    on SQLite and PostgreSQL: the lease is taken in one statement, so no row goes twice."""
    monkeypatch.setattr(deliver, "BATCH", 2)  # each drain leases two: both get some
    peer.route("/hook", Response(200, b"{}", delay=0.05))
    with LoopbackServer() as server:
        site = NewsSite(server, articles=6)
        settings = make(
            any_db_url,
            site,
            [{"name": "hook", "type": "webhook", "url": peer.url("/hook"), "per_minute": 100}],
        )
        clock = Clock()
        step(settings, site, clock, 0)
        step(settings, site, clock, 1)
    with database.open_database(settings) as db:
        barrier = threading.Barrier(2)
        reports: list[deliver.DrainReport] = []

        def drainer(owner: str) -> None:
            barrier.wait()
            reports.append(deliver.drain(settings, db.sessions, owner=owner))

        threads = [threading.Thread(target=drainer, args=(f"test:{n}",)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(r.delivered for r in reports) == [2, 2]
        assert drain(settings).delivered == 2  # the rest
    ids = [r.headers["X-Versiontrack-Delivery"] for r in peer.posts("/hook")]
    assert len(ids) == len(set(ids)) == 6


def test_posts_are_plain_text_that_mentions_no_one(peer: Peer) -> None:
    """Article text reaching Mastodon cannot mention (notify) anyone; posts fit the limits."""
    from versiontrack.outputs.config import Output
    from versiontrack.outputs.payload import Message
    from versiontrack.outputs.senders import send

    peer.sink("/api/v1/statuses", {"id": "1"})
    title = "Ping @alice@example.social and @bob " + "x" * 600
    message = Message("vt-1-abc", title, "text", f"{PUBLIC}/articles/1/diff/1/2", {})
    toot = Output("toot", "mastodon", instance=peer.url(""), token="t")
    with deliver.client(make_settings_plain()) as http:
        send(toot, message, http)
    status = json.loads(peer.posts("/api/v1/statuses")[0].body)["status"]
    assert "@\u200balice@\u200bexample.social" in status and "@bob" not in status
    assert len(status) <= 500 and status.endswith(f"\n\n{PUBLIC}/articles/1/diff/1/2")


def make_settings_plain() -> Settings:
    return settings_from_dict({})
