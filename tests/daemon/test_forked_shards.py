"""A one-off pass forks its shards and page readers before it starts (``shards.standby``,
``readers.cpu_pool``), and a pass that needs no shards lets the forked ones go: real
``versiontrack check`` processes, a loopback site."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.service import commands, database, reads

from ..conftest import make_settings
from ..helpers import rss
from .test_kill9 import ARTICLES, SHARDED_CHECK, Site, write_config

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="children are forked on Linux only; reads /proc"
)


def check(config: Path, *args: str, per_shard: int = 5) -> subprocess.CompletedProcess[str]:
    """``versiontrack -v check`` with shards of ``per_shard`` articles or more."""
    script = SHARDED_CHECK.replace("SHARD_MIN_CHECKS = 5", f"SHARD_MIN_CHECKS = {per_shard}")
    return subprocess.run(
        [sys.executable, "-c", script, "--config", str(config), "-v", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def stored(db_url: str) -> dict[str, int]:
    with database.open_database(make_settings(db_url)) as db:
        return {a.url.rsplit("/", 1)[1]: a.versions for a in reads.list_articles(db)}


def running_with(config: Path) -> list[int]:
    """Live processes whose command line names ``config`` (a forked process keeps its
    parent's)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(config) in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_a_sharded_pass_checks_its_shares_in_forked_processes(db_url: str, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        site = Site(server)
        config = write_config(tmp_path, db_url, server)
        first = check(config)
        site.step = 1
        second = check(config, "--force")
    for done in (first, second):
        assert done.returncode == 0, done.stderr
        # workers = 2: this process checks one share, the forked one the other
        assert "forked 1 checking process(es)" in done.stderr
        assert "shard 1: forked process" in done.stderr
        assert "spawned" not in done.stderr
        assert "not needed" not in done.stderr
    assert stored(db_url) == {str(i): 2 for i in range(ARTICLES)}
    assert f"{ARTICLES} changed" in second.stdout
    assert running_with(config) == []


def test_a_sharded_pass_checks_what_it_knows_while_it_polls_and_then_what_the_poll_added(
    db_url: str, tmp_path: Path
) -> None:
    more = 6
    with LoopbackServer() as server:
        site = Site(server)
        config = write_config(tmp_path, db_url, server)
        first = check(config)
        links = [server.url(f"/a/{i}") for i in range(ARTICLES + more)]
        server.route("/feed.xml", Response(200, rss(*links)))
        for i in range(ARTICLES, ARTICLES + more):
            server.route(f"/a/{i}", lambda _r, i=i: Response(200, site.page(i)))
        site.step = 1
        second = check(config, "--force")
    assert first.returncode == second.returncode == 0, second.stderr
    # nothing was known before the first poll: the pass waited for it
    assert "while the sources are polled" not in first.stderr
    assert f"checking {ARTICLES} known articles while the sources are polled" in second.stderr
    assert "shard 1: forked process" in second.stderr
    assert f"{ARTICLES} changed" in second.stdout
    assert f"{more} new" in second.stdout
    assert stored(db_url) == {str(i): 2 if i < ARTICLES else 1 for i in range(ARTICLES + more)}
    assert running_with(config) == []


def test_a_pass_too_small_to_shard_lets_its_forked_process_go(db_url: str, tmp_path: Path) -> None:
    with LoopbackServer() as server:
        Site(server)
        config = write_config(tmp_path, db_url, server)
        # 12 articles, shards of 50: the forked process is not needed and exits
        tiny = check(config, per_shard=50)
        # two articles named: never enough for shards, so nothing is forked
        named = check(config, "--force", "1", "2")
    assert tiny.returncode == 0, tiny.stderr
    assert "forked 1 checking process(es)" in tiny.stderr
    assert "not needed: it exits" in tiny.stderr
    assert "shard 1" not in tiny.stderr
    assert "forked 1 page reader(s)" in tiny.stderr  # the pass's pool, forked too
    assert named.returncode == 0, named.stderr
    assert "checking process(es)" not in named.stderr
    assert "shard 1" not in named.stderr
    assert stored(db_url) == {str(i): 1 for i in range(ARTICLES)}
    assert running_with(config) == []


def test_a_pass_sets_the_heap_it_found_aside_from_the_collector_and_gives_it_back(
    db_url: str,
) -> None:
    frozen: list[int] = []
    with LoopbackServer() as server:
        Site(server)
        settings = make_settings(
            db_url, [Source("site", server.url("/feed.xml"))], check={"workers": 1}
        )
        before = gc.get_freeze_count()
        with database.open_database(settings) as db:
            report = commands.check(
                settings, db, on_progress=lambda _outcome: frozen.append(gc.get_freeze_count())
            )
    assert report.count("new") == ARTICLES
    # during the pass, the heap it started with sits out of the collector's reach
    assert len(frozen) == ARTICLES and min(frozen) > 1000
    assert gc.get_freeze_count() == before == 0
