"""Optional (``--peers``): urlwatch on the same corpus and server, numbers beside ours.

urlwatch runs from a virtualenv of its own (``$BENCH_PEERS_VENV``, default
``~/.cache/versiontrack-bench/urlwatch-venv``, made with ``pip install urlwatch html2text`` on
first use), one job per article as its users watch an article: ``css: article`` then
``html2text`` (method ``pyhtml2text``: the Python html2text module), with its 10 threads, over
the same steps as our passes. The orchestrator runs it right after each of our runs
(``run_steps``, a fresh cache each time), so both tools meet the same load and each figure is
a median of as many runs. Each urlwatch run is a child process; its CPU and peak RSS come from
``wait4``. urlwatch reports NEW/CHANGED per job; a CHANGED on the churn step, or on an edit
step for an article not edited, is a false positive.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

from bench import corpus

_LINE = re.compile(r"^\d+\.\s+(NEW|CHANGED|ERROR|UNCHANGED):\s+(\S+)", re.MULTILINE)


def venv_dir() -> Path:
    default = Path.home() / ".cache" / "versiontrack-bench" / "urlwatch-venv"
    return Path(os.environ.get("BENCH_PEERS_VENV", default))


def ensure_urlwatch() -> Path | str:
    """The urlwatch executable, installing it on first use; or why it cannot be had."""
    where = venv_dir()
    exe = where / "bin" / "urlwatch"
    if exe.exists():
        return exe
    try:
        venv.create(where, with_pip=True)
        subprocess.run(
            [str(where / "bin" / "pip"), "install", "-q", "urlwatch", "html2text"],
            check=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot install urlwatch into {where}: {exc}"
    return exe


def _config() -> dict[str, Any]:
    return {
        "display": {"new": True, "error": True, "unchanged": False, "empty-diff": False},
        "report": {
            "text": {"details": False, "footer": False, "minimal": False, "line_length": 200},
            "stdout": {"enabled": True, "color": False},
        },
    }


def _run_once(exe: Path, work: Path) -> tuple[str, dict[str, float]]:
    start = time.perf_counter()
    process = subprocess.Popen(
        [
            str(exe),
            "--urls",
            str(work / "urls.yaml"),
            "--config",
            str(work / "urlwatch.yaml"),
            "--hooks",
            str(work / "hooks.py"),
            "--cache",
            str(work / "cache.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=work,
    )
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace")
    _, _status, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    wall = time.perf_counter() - start
    return output, {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
    }


TOOL = "css: article + html2text (method pyhtml2text), 10 threads"


def version(exe: Path) -> str:
    done = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    return f"{done.stdout.strip()}, {TOOL}"


def run(root: Path, base_url: str, bc: corpus.BenchCorpus, steps: int) -> dict[str, Any]:
    """One urlwatch run over every step (see ``run_steps``), with its tool line."""
    exe = ensure_urlwatch()
    if isinstance(exe, str):
        return {"skipped": exe}
    return {"tool": version(exe), "passes": run_steps(exe, root, base_url, bc, steps)}


def run_steps(
    exe: Path, root: Path, base_url: str, bc: corpus.BenchCorpus, steps: int
) -> dict[str, Any]:
    """urlwatch over the steps our passes see (first, churn, edits, the last again), from an
    empty cache: per pass, its wall time, CPU, what it reported and how that compares with
    the corpus's truth."""
    slug_of = {corpus.page_url(base_url, a): a.slug for a in bc.articles}
    plan = [
        ("first", 0),
        ("churn", 1),
        *(("edited", s) for s in range(2, steps)),
        ("conditional", steps - 1),
    ]
    passes: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-urlwatch-") as tmp:
        work = Path(tmp)
        jobs = [
            {
                "name": a.slug,
                "url": corpus.page_url(base_url, a),
                "filter": [{"css": "article"}, {"html2text": {"method": "pyhtml2text"}}],
            }
            for a in bc.articles
        ]
        (work / "urls.yaml").write_text("\n---\n".join(json.dumps(j) for j in jobs) + "\n")
        (work / "urlwatch.yaml").write_text(json.dumps(_config()))
        (work / "hooks.py").write_text("")
        for name, step in plan:
            corpus.activate(root, step)
            output, m = _run_once(exe, work)
            verbs: dict[str, set[str]] = {}
            for verb, url in _LINE.findall(output):
                verbs.setdefault(verb, set()).add(slug_of.get(url, url))
            changed = verbs.get("CHANGED", set())
            truth = bc.edited_at(step) if name == "edited" else set()
            result = {
                "checks": len(jobs),
                "wall_s": m["wall_s"],
                "cpu_s": m["cpu_s"],
                "edits_truth": len(truth),
                "edits_found": len(changed & truth),
                "false_positives": len(changed - truth),
                "checks_per_s": len(jobs) / m["wall_s"],
                "cpu_ms_per_check": 1000 * m["cpu_s"] / len(jobs),
                "peak_rss_mb": m["peak_rss_mb"],
                "reported_new": len(verbs.get("NEW", ())),
                "reported_changed": len(changed),
                "errors": len(verbs.get("ERROR", ())),
            }
            if name == "edited":
                result["note"] = (
                    f"edits found {len(changed & truth)}/{len(truth)}, "
                    f"false positives {len(changed - truth)}"
                )
            elif name == "churn":
                result["note"] = f"false positives {len(changed)}"
            elif name == "first":
                result["note"] = f"{result['reported_new']} reported new"
            else:
                result["note"] = f"{len(changed)} reported changed"
            key = name if name not in passes else f"{name}@{step}"
            passes[key] = result
    return passes
