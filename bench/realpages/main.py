"""The ``python -m bench realpages`` command: options, the runs, the table and the JSON.

Example:

    python -m bench realpages                         # both sets, one run
    python -m bench realpages --set fundus --limit 5  # 5 pages per set, fundus only
    python -m bench realpages --runs 3 --worst 20 --json /tmp/realpages.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from bench.realpages import report
from bench.realpages.pages import SETS, Page, default_root, load_sets
from bench.realpages.run import CHECK_TIMEOUT, run_once, write_steps
from bench.server import StaticServer

DEFAULT_JSON = Path(__file__).resolve().parents[1] / "realpages-results.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench realpages",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--set", choices=(*SETS, "all"), default="all", help="which set")
    parser.add_argument("--limit", type=int, help="at most N pages per set")
    parser.add_argument("--runs", type=int, default=1, help="full runs (crashes summed)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file")
    parser.add_argument("--worst", type=int, default=10, help="worst pages listed per kind")
    parser.add_argument(
        "--realpages",
        type=Path,
        default=None,
        help="the sets' folder (default ../shared/realpages; env VERSIONTRACK_REALPAGES)",
    )
    parser.add_argument(
        "--server", choices=("auto", "nginx", "python"), default="auto", help="static server"
    )
    parser.add_argument(
        "--check-timeout",
        type=float,
        default=CHECK_TIMEOUT,
        help=f"seconds before a check pass counts as hung and is killed ({CHECK_TIMEOUT:.0f})",
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="NAME",
        help="only pages whose set/name holds NAME (repeatable), e.g. --page salon-1",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def extract_alone(pages: list[Page], html: dict[str, str]) -> dict[str, dict[str, str]]:
    """Plain trafilatura on the step-0 page, in precision and in default mode."""
    return {
        page.key: {
            f"trafilatura_{mode}": trafilatura.extract(
                html[page.key],
                favor_precision=mode == "precision",
                include_comments=False,
                include_tables=False,
            )
            or ""
            for mode in ("precision", "default")
        }
        for page in pages
    }


def measure(
    pages: list[Page],
    runs: int,
    server_kind: str = "auto",
    log: Any = None,
    *,
    alone: bool = True,
    check_timeout: float = CHECK_TIMEOUT,
) -> dict[str, Any]:
    """Render, serve, run ``runs`` times and judge: the results document (``alone``: also
    score trafilatura by itself, else its figures are left empty)."""
    say = log or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="bench-realpages-served-") as tmp:
        served = Path(tmp)
        started = time.perf_counter()
        rendered = write_steps(pages, served)
        say(f"{len(pages)} pages rendered in 5 steps ({time.perf_counter() - started:.1f} s)")
        with StaticServer(served, kind=server_kind) as server:
            results = []
            for i in range(runs):
                say(f"run {i + 1}/{runs}")
                results.append(run_once(pages, served, server, say, check_timeout))
    started = time.perf_counter()
    baseline = (
        extract_alone(pages, {k: steps[0].html for k, steps in rendered.items()})
        if alone
        else {p.key: {mode: "" for mode in report.ALONE} for p in pages}
    )
    say(f"trafilatura alone: {time.perf_counter() - started:.1f} s")
    return report.evaluate(pages, rendered, results, baseline)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = args.realpages or default_root()
    names = SETS if args.set == "all" else (args.set,)
    pages = load_sets(root, names, args.limit)
    if args.page:
        pages = [p for p in pages if any(name in p.key for name in args.page)]
    if not pages:
        print(f"no real pages under {root} (sets: {', '.join(names)}): nothing to measure")
        return 0
    log = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    started = time.perf_counter()
    results = measure(pages, args.runs, args.server, log, check_timeout=args.check_timeout)
    results["meta"] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "realpages": str(root),
        "sets": list(names),
        "limit": args.limit,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    print(report.render(results, args.worst))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    if log:
        log(f"results written to {args.json}")
    return 0
