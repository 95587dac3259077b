"""What runs for each scenario name, and how runs are combined.

Pass scenarios (``first``, ``churn``, ``edited``, ``conditional``) share one corpus and one
server: the corpus is written once (every step), the server started once, and each run is a
``python -m bench.passes`` child with its own fresh database. A later pass needs the earlier
ones, so naming any pass runs the sequence; only the named ones are reported. Micro
scenarios (``extraction``, ``diff``, ``storage``, ``feed``, ``claim``) run in this process
(the feed's server and PostgreSQL in their own).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import claim, corpus, feed, micro, peers
from bench.passes import PASS_NAMES
from bench.report import median_of
from bench.server import StaticServer

MICRO_NAMES = ("extraction", "diff", "storage", "feed", "claim")
ALL = (*PASS_NAMES, *MICRO_NAMES)
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Config:
    n: int = 500
    steps: int = 3  # corpus steps: 0 first, 1 churn, 2… edits
    runs: int = 3
    only: tuple[str, ...] = ALL
    server: str = "auto"
    concurrency: int = 8
    pg_url: str | None = None
    claim_sizes: list[int] = field(default_factory=lambda: [100_000, 1_000_000])
    claim_sqlite: bool = True
    feed_seconds: float = 5.0
    extraction_pages: int = 100
    peers: bool = False
    profile: Path | None = None
    keep: Path | None = None
    log: Any = None
    realism: str = "news"  # the pass corpus's level of mess (corpus.LEVELS)

    @property
    def edit_steps(self) -> int:
        return max(1, self.steps - 2)

    def say(self, message: str) -> None:
        if self.log is not None:
            print(message, file=self.log, flush=True)


def _combine_pass(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One run's results of one pass name (several edit steps add up)."""
    if len(results) == 1:
        return results[0]
    out = dict(results[0])
    for key in ("checks", "edits_truth", "edits_found", "diff_as_expected", "versions_stored"):
        out[key] = sum(r.get(key) or 0 for r in results)
    for key in ("false_positives", "edits_missed", "failures", "unexpected", "diff_mismatches"):
        out[key] = [x for r in results for x in r.get(key) or []]
    out["as_expected"] = min(r["as_expected"] for r in results)
    wall = sum(r["measurement"]["wall_s"] for r in results)
    cpu = sum(r["measurement"]["cpu_s"] + r["measurement"]["cpu_children_s"] for r in results)
    out["measurement"] = {
        "wall_s": wall,
        "cpu_s": sum(r["measurement"]["cpu_s"] for r in results),
        "cpu_children_s": sum(r["measurement"]["cpu_children_s"] for r in results),
        "peak_rss_mb": max(r["measurement"]["peak_rss_mb"] for r in results),
    }
    out["checks_per_s"] = out["checks"] / wall if wall else None
    out["cpu_ms_per_check"] = 1000 * cpu / max(1, out["checks"])
    stored = out["versions_stored"]
    out["db_bytes_per_version"] = (
        sum((r.get("db_bytes_per_version") or 0) * r["versions_stored"] for r in results) / stored
        if stored
        else None
    )
    out["steps"] = [r["step"] for r in results]
    return out


def _worst(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the most correctness problems (for the table's correctness column)."""

    def badness(r: dict[str, Any]) -> tuple[int, ...]:
        return (
            len(r.get("false_positives") or []),
            len(r.get("edits_missed") or []),
            len(r.get("failures") or []),
            r.get("articles", 0) - r.get("as_expected", 0),
        )

    return max(runs, key=badness)


def run_passes(config: Config) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Write the corpus, start the server, run the pass children; (passes, info, peers)."""
    root = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    root.chmod(0o755)
    info: dict[str, Any] = {}
    peer_result: dict[str, Any] | None = None
    server = StaticServer(root, config.server)
    try:
        bc = corpus.build(config.n, config.edit_steps, realism=config.realism)
        start = time.perf_counter()
        total = 0
        for step in range(config.steps):
            folder = corpus.write_step(bc, step, root, server.base_url)
            total += sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
        corpus.activate(root, 0)
        pages = [corpus.page_file(root / "step-0", a.path).stat().st_size for a in bc.articles]
        info = {
            "corpus_write_s": round(time.perf_counter() - start, 1),
            "corpus_bytes": total,
            "page_kb_median": round(sorted(pages)[len(pages) // 2] / 1000, 1),
            "page_kb_min": round(min(pages) / 1000, 1),
            "page_kb_max": round(max(pages) / 1000, 1),
            "edits_per_step": len(bc.edits_at(2)),
            "realism": config.realism,
        }
        config.say(
            f"corpus: {config.n} articles × {config.steps} steps written in "
            f"{info['corpus_write_s']} s (pages {info['page_kb_min']}–{info['page_kb_max']} KB)"
        )
        server.start()
        info["server"] = server.description
        runs: list[list[dict[str, Any]]] = []
        peer_runs: list[dict[str, Any]] = []
        exe = peers.ensure_urlwatch() if config.peers else None
        if isinstance(exe, str):
            peer_result = {"skipped": exe}
        for r in range(config.runs):
            corpus.activate(root, 0)
            out = root / f"run-{r}.json"
            command = [
                sys.executable,
                "-m",
                "bench.passes",
                "--root",
                str(root),
                "--base-url",
                server.base_url,
                "--n",
                str(config.n),
                "--edit-steps",
                str(config.edit_steps),
                "--concurrency",
                str(config.concurrency),
                "--out",
                str(out),
                "--realism",
                config.realism,
            ]
            if config.profile is not None:
                command += ["--profile", str(config.profile / f"run-{r}")]
            env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "0"}
            subprocess.run(command, check=True, cwd=REPO, env=env)
            runs.append(json.loads(out.read_text())["passes"])
            out.unlink()
            summary = ", ".join(
                f"{p['name']} {p['checks_per_s']:.0f}/s {p['cpu_ms_per_check']:.1f} ms"
                for p in runs[-1]
            )
            config.say(f"run {r + 1}/{config.runs}: {summary}")
            if isinstance(exe, Path):
                # urlwatch right after our run: the same corpus, server and machine load
                peer_runs.append(peers.run_steps(exe, root, server.base_url, bc, config.steps))
                summary = ", ".join(
                    f"{name} {p['checks_per_s']:.0f}/s {p['cpu_ms_per_check']:.1f} ms"
                    for name, p in peer_runs[-1].items()
                )
                config.say(f"run {r + 1}/{config.runs}, urlwatch: {summary}")
        passes: dict[str, Any] = {}
        for name in PASS_NAMES:
            per_run = [_combine_pass([p for p in run if p["name"] == name]) for run in runs]
            if name in config.only:
                passes[name] = {
                    "median": median_of(per_run),
                    "worst": _worst(per_run),
                    "runs": per_run,
                }
        passes["max_peak_rss_mb"] = max(
            p["measurement"]["peak_rss_mb"] for run in runs for p in run
        )
        passes["max_peak_rss_children_mb"] = max(
            p["measurement"].get("peak_rss_children_mb", 0.0) for run in runs for p in run
        )
        if peer_runs and isinstance(exe, Path):
            peer_result = {
                "tool": peers.version(exe),
                "passes": median_of(peer_runs),
                "runs": peer_runs,
                "side_by_side": side_by_side(runs, peer_runs),
            }
    finally:
        server.stop()
        if config.keep is not None:
            shutil.copytree(root, config.keep, symlinks=True, dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)
    return passes, info, peer_result


def side_by_side(
    runs: list[list[dict[str, Any]]], peer_runs: list[dict[str, Any]]
) -> dict[str, Any]:
    """Per pass, versiontrack beside urlwatch: each figure the median over the runs, and the
    speed ratio (urlwatch's wall time over ours) taken within each run first, where both
    tools met the same load."""
    table: dict[str, Any] = {}
    for name in PASS_NAMES:
        pairs = []
        for ours, theirs in zip(runs, peer_runs, strict=True):
            mine = [p for p in ours if p["name"] == name]
            if not mine or name not in theirs:
                continue
            vt, uw = _combine_pass(mine), theirs[name]
            wall = vt["measurement"]["wall_s"]
            pairs.append(
                {
                    "speed_ratio": uw["wall_s"] / wall if wall else None,
                    "versiontrack_checks_per_s": vt["checks_per_s"],
                    "urlwatch_checks_per_s": uw["checks_per_s"],
                    "versiontrack_cpu_ms_per_check": vt["cpu_ms_per_check"],
                    "urlwatch_cpu_ms_per_check": uw["cpu_ms_per_check"],
                    "versiontrack_edits_found": vt.get("edits_found", 0),
                    "urlwatch_edits_found": uw["edits_found"],
                    "edits": vt.get("edits_truth", 0),
                    "versiontrack_false_positives": len(vt.get("false_positives") or []),
                    "urlwatch_false_positives": uw["false_positives"],
                }
            )
        if pairs:
            table[name] = median_of(pairs)
    return table


def run_micro(name: str, config: Config) -> dict[str, Any]:
    """Run one micro scenario ``config.runs`` times (claim: once, with repeats inside)."""
    if name == "claim":
        result = claim.run(
            config.claim_sizes,
            pg_url=config.pg_url,
            repeats=15,
            sqlite_on=config.claim_sqlite,
        )
        return {"median": result, "runs": 1}
    makers = {
        "extraction": lambda: micro.extraction(
            config.extraction_pages, max(10, 2 * config.extraction_pages)
        ),
        "diff": micro.sentence_diff,
        "storage": micro.storage,
        "feed": lambda: feed.run(config.feed_seconds),
    }
    results = []
    for r in range(config.runs):
        results.append(makers[name]())
        if "skipped" in results[-1]:
            return results[-1]
        config.say(f"{name}: run {r + 1}/{config.runs} done")
    return {"median": median_of(results), "runs": results}


MICRO_KEYS = {"diff": "sentence_diff"}
