"""``kill -9`` at random moments: real processes, a real loopback site, a real database.

A killed ``versiontrack check`` (its pass split across shard processes) or ``versiontrack run``
(with page-reading processes) must leave no process behind, and the next pass must check every
article, with no version lost or half-written. ``VERSIONTRACK_CRASH_ITERATIONS`` sets how many
kills the crash test makes (2 by default: one pass, one daemon).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.service import database, reads

from ..conftest import make_settings
from ..helpers import STORY, article_html, rss
from .test_daemon import wait_for

ARTICLES = 12
ITERATIONS = int(os.environ.get("VERSIONTRACK_CRASH_ITERATIONS", "2"))
#: ``versiontrack check`` with passes of 5 articles or more split across shard processes.
SHARDED_CHECK = (
    "import sys\n"
    "from versiontrack import shards\n"
    "shards.SHARD_MIN_CHECKS = 5\n"
    "from versiontrack.cli import main\n"
    "sys.argv = ['versiontrack', *sys.argv[1:]]\n"
    "main()\n"
)


class Site:
    """A feed of ``ARTICLES`` stories; every story is revised when ``step`` moves on."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.step = 0
        links = [server.url(f"/a/{i}") for i in range(ARTICLES)]
        server.route("/feed.xml", Response(200, rss(*links)))
        for i in range(ARTICLES):
            server.route(f"/a/{i}", lambda _r, i=i: Response(200, self.page(i), delay=0.02))

    def page(self, i: int) -> bytes:
        return article_html(f"Story {i}", [f"Story {i} revision {self.step}.", *STORY])

    def page_requests(self) -> int:
        return sum(1 for r in self.server.requests if r.route_path.startswith("/a/"))


def write_config(folder: Path, db_url: str, server: LoopbackServer) -> Path:
    config = folder / "versiontrack.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        "[fetch]\nallow_private = true\nper_host_delay = 0\ntimeout = 10\n"
        "[check]\nworkers = 2\ninterval = 1\nbackoff = 1.0\nmax_interval = 1\n"
        "[daemon]\nfeed_interval = 1\nfeed_jitter = 0\ntick = 0.2\nlease = 600\n"
        f'[[sources]]\nname = "site"\nfeed = "{server.url("/feed.xml")}"\n'
    )
    return config


def versiontrack(config: Path, *args: str, sharded: bool = False) -> subprocess.Popen[bytes]:
    command = ["-c", SHARDED_CHECK] if sharded else ["-m", "versiontrack"]
    return subprocess.Popen(
        [sys.executable, *command, "--config", str(config), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _processes() -> dict[int, int]:
    """Every live process: pid → parent pid (zombies are dead already)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # it just ended
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            parents[int(entry)] = int(ppid)
    return parents


def descendants(pid: int) -> set[int]:
    parents = _processes()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    return pids & set(_processes())


@pytest.fixture
def leftovers() -> Iterator[set[int]]:
    """Processes a test saw spawned; any still alive at the end are killed (after the test
    has failed on them)."""
    seen: set[int] = set()
    yield seen
    for pid in alive(seen):
        os.kill(pid, signal.SIGKILL)


def kill_and_expect_no_orphans(process: subprocess.Popen[bytes], seen: set[int]) -> None:
    children = descendants(process.pid)
    seen |= children
    process.kill()
    process.wait()
    # the kernel (PR_SET_PDEATHSIG) or the children's watchdog end them; the bound is generous
    wait_for(lambda: not alive(children), 30, "the killed process's children to end")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("command", ["run", "check"])
def test_children_die_with_a_killed_parent(
    command: str, db_url: str, tmp_path: Path, leftovers: set[int]
) -> None:
    with LoopbackServer() as server:
        site = Site(server)
        config = write_config(tmp_path, db_url, server)
        if command == "run":  # page readers (and multiprocessing's resource tracker)
            process = versiontrack(config, "run", "--no-web")
        else:  # the shards of a pass; slow pages keep them busy
            for i in range(ARTICLES):
                server.route(f"/a/{i}", Response(200, site.page(i), delay=30))
            process = versiontrack(config, "check", sharded=True)
        try:
            wait_for(lambda: len(descendants(process.pid)) >= 2, 60, "the spawned processes")
            wait_for(lambda: site.page_requests() >= 2, 60, "checks under way")
        finally:
            kill_and_expect_no_orphans(process, leftovers)


def revisions(db_url: str) -> dict[int, list[int]]:
    """Per article, the revision each stored version holds, read back whole."""
    settings = make_settings(db_url)
    found: dict[int, list[int]] = {}
    with database.open_database(settings) as db:
        for article in reads.list_articles(db):
            info, history = reads.history(db, str(article.id))
            assert [v.number for v in history] == list(range(1, info.versions + 1))
            story = []
            for v in history:
                text = reads.show_version(db, str(article.id), v.number).text
                first = text.paragraphs[0][0]
                match = re.fullmatch(r"Story (\d+) revision (\d+)\.", first)
                assert match, first
                assert text.headline == f"Story {match[1]}"
                assert len(text.paragraphs) == 1 + len(STORY)
                story.append(int(match[2]))
            found[int(article.url.rsplit("/", 1)[1])] = story
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill9_at_random_moments_loses_nothing(
    any_db_url: str, tmp_path: Path, leftovers: set[int]
) -> None:
    rng = random.Random(int(os.environ.get("VERSIONTRACK_CRASH_SEED", "9")))
    with LoopbackServer() as server:
        site = Site(server)
        config = write_config(tmp_path, any_db_url, server)
        for iteration in range(ITERATIONS):
            site.step = iteration
            base = site.page_requests()
            kill_after = rng.randrange(ARTICLES)  # page requests seen before the kill
            if iteration % 2:
                process = versiontrack(config, "run", "--no-web")
            else:
                process = versiontrack(config, "check", "--force", sharded=True)
            try:
                wait_for(
                    lambda p=process, b=base, k=kill_after: (
                        site.page_requests() - b >= k or p.poll() is not None
                    ),
                    60,
                    f"{kill_after} page requests",
                )
            finally:
                kill_and_expect_no_orphans(process, leftovers)
            # the next pass reclaims what the dead one held and checks every article
            result = subprocess.run(
                [sys.executable, "-m", "versiontrack", "--config", str(config), "check", "--force"],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            summary = result.stdout.splitlines()[-1]
            assert f"; {ARTICLES} checked: " in summary, summary
            assert summary.endswith(", 0 failed"), summary  # and nothing held by anyone
            stored = revisions(any_db_url)
            assert sorted(stored) == list(range(ARTICLES))
            for story in stored.values():
                # each version a whole revision, in order, the last one the page as it is now
                assert story == sorted(set(story)) and story[-1] == iteration, stored
