"""The archive commands through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.corpus.wayback import WaybackStandIn

from ..cli.test_cli import Runner, vt  # noqa: F401
from .helpers import T1, T2, T3, crawler_warc, page


def _config(folder: Path, wayback: str, save: bool = False) -> Path:
    config = folder / "vt.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{folder / "vt.db"}"\n'
        f'[archive]\nwayback_url = "{wayback}"\nsave = {str(save).lower()}\n'
        "delay = 0\nsave_delay = 0\nretry_backoff = 0\n"
    )
    return config


def test_warc_import_export_and_history_json(vt: Runner, tmp_path: Path) -> None:  # noqa: F811
    url = "https://news.example.org/story"
    crawler_warc(tmp_path / "in.warc.gz", [(url, T2, page(1)), (url, T1, page(0))])
    config = _config(tmp_path, "http://127.0.0.1:9")
    result = vt("--config", str(config), "warc", "import", str(tmp_path / "in.warc.gz"))
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"new        2024-10-30 08:00:00  {url}  v1",
        f"changed    2024-10-30 09:30:00  {url}  v2",
        "2 captures, 1 articles: 1 new, 1 changed, 0 unchanged",
    ]
    history = json.loads(vt("--config", str(config), "history", "1", "--json").out)
    assert [(v["version"], v["origin"], v["archive_url"]) for v in history] == [
        (1, "warc", None),
        (2, "warc", None),
    ]
    result = vt("--config", str(config), "warc", "export", str(tmp_path / "out.warc.gz"))
    assert result.out == f"wrote 2 versions (7 records) to {tmp_path / 'out.warc.gz'}\n"
    result = vt("--config", str(config), "warc", "import", str(tmp_path / "missing.warc"))
    assert (result.code, result.err) == (
        1,
        f"error: cannot read {tmp_path / 'missing.warc'}: No such file or directory\n",
    )


def test_import_wayback_and_archive(vt: Runner, tmp_path: Path) -> None:  # noqa: F811
    with WaybackStandIn() as archive, LoopbackServer() as site:
        url = site.url("/story")
        archive.capture(url, T1, page(0))
        archive.capture(url, T3, page(1))
        config = _config(tmp_path, archive.base_url, save=True)
        result = vt("--config", str(config), "import", "wayback", url, "--to", "2024-10-30T10:00")
        assert result.out.splitlines() == [
            f"new        2024-10-30 08:00:00  {url}  v1",
            "1 captures, 1 articles: 1 new, 0 changed, 0 unchanged",
        ]
        site.route("/story", Response.html(page(2).decode()))
        archive.route(f"/save/{url}", Response(503, b""))
        assert vt("--config", str(config), "check").code == 0  # SPN down: the check is fine
        result = vt("--config", str(config), "archive", "--status")
        assert result.out == "queue: 0 pending (0 due), 0 saved, 1 given up\n"
        bad = vt("--config", str(config), "import", "wayback", url, "--from", "last week")
        assert bad.code == 1
        assert bad.err.startswith("error: cannot read 'last week' as a date")


def test_archive_sends_what_the_pass_left(vt: Runner, tmp_path: Path) -> None:  # noqa: F811
    with WaybackStandIn() as archive, LoopbackServer() as site:
        url = site.url("/story")
        site.route("/story", Response.html(page(0).decode()))
        config = _config(tmp_path, archive.base_url, save=True)
        config.write_text(config.read_text() + "drain_time = 0\n")
        vt("--config", str(config), "add", url)
        assert vt("--config", str(config), "check").code == 0
        status = vt("--config", str(config), "archive", "--status")
        assert status.out == "queue: 1 pending (1 due), 0 saved, 0 given up\n"
        result = vt("--config", str(config), "archive")
        saved, queue = result.out.splitlines()
        assert saved.startswith(f"saved      {url}  {archive.base_url}/web/")
        assert queue == "queue: 0 pending (0 due), 1 saved, 0 given up"
