"""One real-pages run, driven like a user: serve the steps, ``versiontrack check`` each, judge.

The steps of every page (``churn.render_steps``) are written to a folder that ``bench.server``
serves on loopback, each page at its own URL. A temporary directory gets a
``versiontrack.toml`` (private addresses allowed, robots off, no per-host delay, high per-host
concurrency, default ``check.workers`` so that shards and the page-reader pool run) and an
SQLite file; every page is added as ``versiontrack add`` adds it, then ``versiontrack check
--force`` runs as a subprocess once per step. After each step the versions per article are
read as ``versiontrack articles --json`` reads them, and every new version's diff as ``diff
--json`` shows it (the same service functions, in this process, to save 200 process starts).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from bench import corpus
from bench.realpages import churn
from bench.realpages.pages import Page
from bench.server import StaticServer
from versiontrack.service import commands, database, reads
from versiontrack.settings import load_settings

CONFIG = """\
[database]
url = "sqlite:///{db}"

[fetch]
allow_private = true
robots = false
per_host_delay = 0
concurrency = 16
per_host_concurrency = 16
retries = 0
# generous: the bench shares its cores with the check's processes, and a slow answer is not
# what is measured
timeout = 120

[check]
collapse_ratio = 0.2
"""
# what a check's stderr says when one of its processes died (shards.py and Python itself)
CRASH_MARKS = ("died", "crashed", "Traceback", "Killed")
# seconds before a check pass counts as hung (a pass here takes a minute or two)
CHECK_TIMEOUT = 900.0


def page_path(page: Page) -> str:
    return f"/{page.set}/{page.name}.html"


def write_steps(pages: list[Page], root: Path) -> dict[str, list[churn.Step]]:
    """Render every page's steps into ``root/step-N/<set>/<name>.html``."""
    rendered: dict[str, list[churn.Step]] = {}
    # parsing and churning a page is pure CPU work: one process per core
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        all_steps = list(pool.map(churn.render_steps, pages, chunksize=4))
    for page, steps in zip(pages, all_steps, strict=True):
        rendered[page.key] = steps
        for step in steps:
            file = root / f"step-{step.step}" / page_path(page).lstrip("/")
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(step.html, encoding="utf-8")
            # the server's ETag is mtime and size: without a time of its own, an edit that
            # keeps the size would be answered 304 Not Modified
            stamp = corpus.step_time(step.step).timestamp()
            os.utime(file, (stamp, stamp))
    for dirpath, _dirs, _files in os.walk(root):
        os.chmod(dirpath, 0o755)  # nginx's workers need to read them
    return rendered


def write_feeds(pages: list[Page], root: Path, base_url: str) -> dict[str, str]:
    """One RSS feed per site listing its pages, in every step: pages are tracked the way a
    user tracks them, one source per publisher, so what versiontrack learns of a site's
    template (``versiontrack.template``) is learned from that site's pages alone."""
    by_site: dict[str, list[Page]] = {}
    for page in pages:
        by_site.setdefault(page.site, []).append(page)
    feeds: dict[str, str] = {}
    for site, members in by_site.items():
        items = "".join(
            f"<item><title>{escape(p.name)}</title><link>{escape(base_url + page_path(p))}</link>"
            f"<guid>{escape(base_url + page_path(p))}</guid></item>"
            for p in members
        )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(site)}</title><link>{escape(base_url)}/</link>"
            f"<description>bench</description>{items}</channel></rss>"
        )
        for step in range(churn.STEPS):
            file = root / f"step-{step}" / "feeds" / f"{site}.xml"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(rss, encoding="utf-8")
            os.chmod(file.parent, 0o755)
        feeds[site] = f"{base_url}/feeds/{site}.xml"
    return feeds


@dataclass
class CheckPass:
    step: int
    returncode: int
    cpu_s: float
    wall_s: float
    outcomes: dict[str, str]  # url → outcome word ("new", "changed", "unchanged", "failed"…)
    failures: dict[str, str]  # url → error
    crashes: list[str] = field(default_factory=list)
    stderr_tail: str = ""  # the end of what the check logged, to see why a process died

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "returncode": self.returncode,
            "cpu_s": round(self.cpu_s, 3),
            "wall_s": round(self.wall_s, 3),
            "crashes": self.crashes,
            "failures": self.failures,
            "stderr_tail": self.stderr_tail,
        }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_check(workdir: Path, step: int, timeout: float = CHECK_TIMEOUT) -> CheckPass:
    """``versiontrack check --force`` in ``workdir``; its CPU counts its own children too. A
    check still running after ``timeout`` seconds has hung: its process group is killed and
    the hang counted as a crash."""
    cpu, wall = _children_cpu(), time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "versiontrack", "check", "--force"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a hang is killed with its children
    )
    hung = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
    cpu, wall = _children_cpu() - cpu, time.perf_counter() - wall
    outcomes: dict[str, str] = {}
    failures: dict[str, str] = {}
    for line in stdout.splitlines():
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word == "failed" and ": " in rest:
            url, _, error = rest.partition(": ")
            failures[url] = error
            outcomes[url] = "failed"
        elif word in ("new", "changed", "unchanged", "not_modified", "removed", "disallowed"):
            outcomes[rest.split()[0]] = word
    crashes = [line.strip() for line in stderr.splitlines() if any(m in line for m in CRASH_MARKS)]
    lost = sum("shard lost" in line for line in stdout.splitlines() if line.startswith("failed"))
    if lost:
        crashes.append(f"{lost} checks failed as 'shard lost'")
    if hung:
        crashes.append(f"hung: killed after {timeout:.0f} s")
    elif process.returncode != 0:
        crashes.append(f"exit {process.returncode}: {stderr.strip()[-500:]}")
    return CheckPass(
        step, process.returncode, cpu, wall, outcomes, failures, crashes, stderr[-4000:]
    )


@dataclass
class RunResult:
    """What one run saw: per page and step, the version count and any new version's diff."""

    passes: list[CheckPass]
    versions: dict[str, list[int]]  # page key → version count after each step
    diffs: dict[str, dict[int, dict[str, Any]]]  # page key → step → diff --json
    v1_body: dict[str, str]  # page key → the stored first version's body
    outcomes: dict[str, list[str]]  # page key → outcome per step


def run_once(
    pages: list[Page],
    served: Path,
    server: StaticServer,
    log: Any,
    check_timeout: float = CHECK_TIMEOUT,
) -> RunResult:
    urls = {page.key: server.base_url + page_path(page) for page in pages}
    sites = write_feeds(pages, served, server.base_url)
    with tempfile.TemporaryDirectory(prefix="bench-realpages-") as tmp:
        workdir = Path(tmp)
        (workdir / "versiontrack.toml").write_text(
            CONFIG.format(db=workdir / "vt.db")
            + "".join(
                f'\n[[sources]]\nname = "{site}"\nfeed = "{feed}"\n' for site, feed in sites.items()
            )
        )
        settings = load_settings(workdir / "versiontrack.toml")
        with database.open_database(settings) as db:
            ids = {
                page.key: commands.add_article(settings, db, urls[page.key], source=page.site)[0].id
                for page in pages
            }
        result = RunResult([], {k: [] for k in urls}, {k: {} for k in urls}, {}, {})
        for step in range(churn.STEPS):
            corpus.activate(served, step)
            check = run_check(workdir, step, check_timeout)
            result.passes.append(check)
            log(
                f"step {step}: check exit {check.returncode}, {check.wall_s:.1f} s, "
                f"{len(check.failures)} failed, {len(check.crashes)} crash lines"
            )
            with database.open_database(settings, ensure=False) as db:
                counts = {row.id: row.versions for row in reads.list_articles(db)}
                for key, article_id in ids.items():
                    count = counts.get(article_id, 0)
                    before = result.versions[key][-1] if result.versions[key] else 0
                    result.versions[key].append(count)
                    result.outcomes.setdefault(key, []).append(
                        check.outcomes.get(urls[key], "missing")
                    )
                    if step > 0 and count > before and before > 0:
                        result.diffs[key][step] = reads.diff_versions(db, str(article_id)).to_json()
        with database.open_database(settings, ensure=False) as db:
            for key, article_id in ids.items():
                if result.versions[key] and result.versions[key][-1] > 0:
                    text = reads.show_version(db, str(article_id), 1).text
                    result.v1_body[key] = "\n".join(" ".join(p) for p in text.paragraphs)
    return result
