"""A webhook receiver sees each change exactly once across a daemon ``kill -9`` and restart.

Delivery is at least once: a daemon killed after a peer accepted a delivery but before it was
marked delivered sends it again on restart, with the same ``X-Versiontrack-Delivery`` id, so
the receiver, de-duplicating by that id, sees every change once. Real processes, a real
loopback site and receiver, SQLite and (when available) PostgreSQL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.corpus.server import RecordedRequest
from versiontrack.outputs.enqueue import delivery_id
from versiontrack.service import database
from versiontrack.store.schema import ChangeRow

from ..conftest import make_settings
from .test_daemon import wait_for
from .test_kill9 import (  # noqa: F401  (leftovers: a fixture)
    ARTICLES,
    Site,
    kill_and_expect_no_orphans,
    leftovers,
    versiontrack,
    write_config,
)

SECRET = "kill9-secret"


class Receiver:
    """Records every delivery; a delivery is valid when its signature matches its body."""

    def __init__(self, server: LoopbackServer) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[str, int, bool]] = []  # (delivery id, change id, signed right)
        server.route("/hook", self.handle)
        self.url = server.url("/hook")

    def handle(self, request: RecordedRequest) -> Response:
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        signed = request.headers.get("X-Versiontrack-Signature") == f"sha256={expected}"
        body = json.loads(request.body)
        with self.lock:
            self.seen.append((request.headers["X-Versiontrack-Delivery"], body["id"], signed))
        return Response(200, b"{}", {"Content-Type": "application/json"}, delay=0.05)

    def distinct(self) -> dict[str, int]:
        with self.lock:
            return {delivery: change for delivery, change, _ in self.seen}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_each_change_reaches_the_webhook_once_across_kill9(
    any_db_url: str,
    tmp_path: Path,
    leftovers: set[int],  # noqa: F811  (the fixture imported above)
) -> None:
    with LoopbackServer() as server, LoopbackServer() as peer:
        site = Site(server)
        receiver = Receiver(peer)
        config = write_config(tmp_path, any_db_url, server)
        with config.open("a") as f:
            f.write(
                f'[[outputs]]\nname = "hook"\ntype = "webhook"\nurl = "{receiver.url}"\n'
                f'secret = "{SECRET}"\nper_minute = 1000\n'
            )
        first = subprocess.run(
            [sys.executable, "-m", "versiontrack", "--config", str(config), "check", "--force"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert first.returncode == 0, first.stderr[-3000:]
        assert receiver.seen == []  # first versions are not changes

        site.step = 1  # every story is revised: one change each
        daemon = versiontrack(config, "run", "--no-web")
        try:
            wait_for(lambda: len(receiver.seen) >= 3, 90, "the first deliveries")
        finally:
            kill_and_expect_no_orphans(daemon, leftovers)
        restarted = versiontrack(config, "run", "--no-web")
        try:
            wait_for(
                lambda: len(receiver.distinct()) >= ARTICLES,
                120,
                "every change delivered",
                lambda: f"{len(receiver.distinct())} of {ARTICLES}",
            )
        finally:
            restarted.send_signal(signal.SIGTERM)
            assert restarted.wait(timeout=60) == 0

    with database.open_database(make_settings(any_db_url)) as db, db.sessions() as session:
        changes = list(session.scalars(select(ChangeRow).where(ChangeRow.kind == "edited")))
    assert len(changes) == ARTICLES
    expected = {delivery_id(c.id, "hook"): c.id for c in changes}
    assert receiver.distinct() == expected  # each change once, under its own delivery id
    assert all(signed for _, _, signed in receiver.seen)
    # at least once: only a delivery in flight at the kill may arrive twice
    assert len(receiver.seen) - len(expected) <= 1
