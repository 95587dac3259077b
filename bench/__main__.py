"""``python -m bench``: build the corpus, serve it, run the scenarios, print and save results.

Example:

    python -m bench                          # N=500, 3 runs, every scenario
    python -m bench --n 2000 --only churn    # the churn-only pass at 2,000 articles
    python -m bench --quick                  # a smaller, faster look (N=100, 1 run)
    python -m bench --only claim --claim-sizes 100000 1000000
    python -m bench realpages                # real news pages (python -m bench realpages -h)
    python -m bench search                   # search and export at 100k versions

Scenarios: first, churn, edited, conditional (end-to-end passes); extraction, diff, storage,
feed, claim (micro-benchmarks). Results go to ``bench/results.json`` (``--json PATH``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.passes import PASS_NAMES
from bench.scenarios import ALL, MICRO_KEYS, MICRO_NAMES, Config, run_micro, run_passes
from versiontrack import __version__

REPO = Path(__file__).resolve().parent.parent
DEFAULT_JSON = REPO / "bench" / "results.json"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, help="articles in the corpus (default 500)")
    parser.add_argument(
        "--steps",
        type=int,
        default=3,
        help="corpus steps: 0 first, 1 churn only, 2… 10%% edited (default 3, minimum 3)",
    )
    parser.add_argument("--runs", type=int, help="runs per scenario; medians reported (3)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=ALL,
        metavar="SCENARIO",
        help=f"run only these: {', '.join(ALL)}",
    )
    parser.add_argument(
        "--quick", action="store_true", help="N=100, 1 run, claim at 100k rows only, 2 s feed load"
    )
    parser.add_argument("--peers", action="store_true", help="also run urlwatch on the corpus")
    parser.add_argument(
        "--realism",
        choices=("news", "lean", "messy"),
        default="news",
        help="pass corpus pages: news (volatile metadata, ad copy, in-article counters, as "
        "real sites), lean (site chrome only) or messy (news plus what extraction still "
        "stores: expect false positives)",
    )
    parser.add_argument(
        "--server",
        choices=("auto", "nginx", "python"),
        default="auto",
        help="the corpus server (auto: nginx when installed)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="fetch.concurrency (and per host) for the passes"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("VERSIONTRACK_TEST_POSTGRES_URL", DEFAULT_PG),
        help="PostgreSQL server for the claim (a throwaway database is created on it and dropped)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="claim on SQLite only")
    parser.add_argument("--no-sqlite-claim", action="store_true", help="claim on PostgreSQL only")
    parser.add_argument("--claim-sizes", type=int, nargs="+", help="rows (100000 1000000)")
    parser.add_argument("--feed-seconds", type=float, help="load time per feed case (5)")
    parser.add_argument("--extraction-pages", type=int, help="pages for extraction (100)")
    parser.add_argument(
        "--profile", type=Path, help="write pyinstrument profiles of each pass here"
    )
    parser.add_argument("--keep", type=Path, help="copy the served corpus here")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the table")
    args = parser.parse_args(argv)
    if args.steps < 3:
        parser.error("--steps must be at least 3 (first, churn, one edit step)")
    return args


def make_config(args: argparse.Namespace) -> Config:
    quick = args.quick
    return Config(
        n=args.n or (100 if quick else 500),
        steps=args.steps,
        runs=args.runs or (1 if quick else 3),
        only=tuple(args.only or ALL),
        server=args.server,
        concurrency=args.concurrency,
        pg_url=None if args.no_postgres else args.pg_url,
        claim_sizes=args.claim_sizes or ([100_000] if quick else [100_000, 1_000_000]),
        claim_sqlite=not args.no_sqlite_claim,
        feed_seconds=args.feed_seconds or (2.0 if quick else 5.0),
        extraction_pages=args.extraction_pages or (40 if quick else 100),
        peers=args.peers,
        profile=args.profile,
        keep=args.keep,
        log=None if args.quiet else sys.stderr,
        realism=args.realism,
    )


def git_state() -> dict[str, Any]:
    """The commit measured, and whether ``versiontrack/`` had uncommitted edits (read only)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "versiontrack")
    return {"commit": git("rev-parse", "--short", "HEAD"), "versiontrack_dirty": bool(dirty)}


def run(config: Config) -> dict[str, Any]:
    results: dict[str, Any] = {
        "meta": {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "versiontrack": __version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "n": config.n,
            "steps": config.steps,
            "runs": config.runs,
            "only": list(config.only),
            "git": git_state(),
        },
        "passes": {},
        "micro": {},
    }
    started = time.perf_counter()
    if any(name in config.only for name in PASS_NAMES):
        passes, info, peer = run_passes(config)
        results["passes"] = passes
        results["meta"].update(info)
        if peer is not None:
            results["peers"] = peer
    for name in MICRO_NAMES:
        if name in config.only:
            config.say(f"{name}: running")
            results["micro"][MICRO_KEYS.get(name, name)] = run_micro(name, config)
    results["meta"]["elapsed_s"] = round(time.perf_counter() - started, 1)
    results["targets"] = report.targets(results)
    return results


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["search"]:
        from bench.research import main as search

        return search(argv[1:])
    if argv[:1] == ["realpages"]:
        from bench.realpages.main import main as realpages

        return realpages(argv[1:])
    args = parse_args(argv)
    config = make_config(args)
    results = run(config)
    print(report.render(results))
    report.write_json(results, args.json)
    config.say(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
