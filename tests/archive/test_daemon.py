"""The daemon drains the Save Page Now queue on its own schedule."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.corpus.wayback import WaybackStandIn
from versiontrack.store.engine import make_engine

from ..daemon.test_daemon import start, vt, wait_for
from .helpers import page


def test_the_daemon_saves_new_versions(tmp_path: Path) -> None:
    with LoopbackServer() as site, WaybackStandIn() as archive:
        url = site.url("/story")
        site.route("/story", Response.html(page(0).decode()))
        archive.save_answers.append(Response(503, b"busy"))
        feed = f"<rss version='2.0'><channel><title>s</title><item><link>{url}</link></item>"
        site.route("/feed.xml", Response(200, (feed + "</channel></rss>").encode()))
        config = tmp_path / "c.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "s.db"}"\n'
            "[fetch]\nallow_private = true\nper_host_delay = 0\ntimeout = 5\n"
            "[daemon]\ntick = 0.2\n"
            f'[archive]\nsave = true\nwayback_url = "{archive.base_url}"\n'
            "save_delay = 0.2\nretry_backoff = 0.1\n"
            f'[[sources]]\nname = "s"\nfeed = "{site.url("/feed.xml")}"\n'
        )
        process = start(config, "--no-web")
        try:

            def archived() -> list[str | None]:
                engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
                try:
                    with engine.connect() as connection:
                        return list(
                            connection.execute(text("SELECT archive_url FROM versions")).scalars()
                        )
                except OperationalError:  # not migrated yet
                    return []
                finally:
                    engine.dispose()

            wait_for(
                lambda: any(archived()),
                60,
                "the version archived",
                lambda: str(archive.requests) + "".join(process.lines[-30:]),
            )
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=20)
        assert process.returncode == 0, output
        assert [r.path for r in archive.requests] == [f"/save/{url}", f"/save/{url}"]
        history = json.loads(vt(config, "history", "1", "--json").stdout)
        assert history[0]["archive_url"].startswith(f"{archive.base_url}/web/")
