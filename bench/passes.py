"""The end-to-end passes, run through the real pipeline in a process of their own.

One run: a fresh SQLite database, then ``commands.check(settings, db, force=True)`` once per
pass over the served corpus:

``first``        step 0, every article new;
``churn``        step 1, every page re-rendered, no text changed;
``edited``       each edit step, a known 10% edited (with churn everywhere);
``conditional``  the last step again, unchanged files: the server answers 304.

Each pass is measured (wall, CPU user+sys, peak RSS) and judged against the corpus truth:
outcomes per article, real edits found, churn false positives, whether each edit's change
summary is the expected one, whether the stored text equals the truth, and storage bytes.
The orchestrator runs this module once per run (``python -m bench.passes …``), so each run
starts cold and its memory is its own; it prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from bench import corpus
from bench.measure import measured, rss_mb
from versiontrack.domain import Extracted
from versiontrack.pipeline.context import CheckOutcome, PassReport
from versiontrack.service import commands, database
from versiontrack.settings import Settings, settings_from_dict
from versiontrack.store import versions
from versiontrack.store.engine import Database
from versiontrack.text import normalise

PASS_NAMES = ("first", "churn", "edited", "conditional")


def pass_plan(edit_steps: int) -> list[tuple[str, int]]:
    """(pass name, corpus step) in the order they run."""
    last = 1 + edit_steps
    return [
        ("first", 0),
        ("churn", 1),
        *(("edited", step) for step in range(2, last + 1)),
        ("conditional", last),
    ]


def bench_settings(
    bc: corpus.BenchCorpus, db_url: str, base_url: str, concurrency: int
) -> Settings:
    return settings_from_dict(
        {
            "database": {"url": db_url},
            "fetch": {
                "allow_private": True,
                "per_host_delay": 0,
                "concurrency": concurrency,
                "per_host_concurrency": concurrency,
                "robots": True,  # the corpus serves a robots.txt: one request per pass
                "timeout": 30,
            },
            "sources": [
                {"name": name, "feed": url} for name, url in corpus.feed_urls(bc, base_url)
            ],
        }
    )


def _storage(db: Database, db_path: Path | None) -> dict[str, int]:
    columns = {c["name"] for c in inspect(db.engine).get_columns("versions")}
    raw = "coalesce(sum(length(raw)), 0)" if "raw" in columns else "0"  # the kept page, if any
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT count(*), coalesce(sum(length(body)), 0), coalesce(sum(text_size), 0), "
                f"{raw} FROM versions"
            )
        ).one()
        size = 0
        if db.engine.dialect.name == "sqlite" and db_path is not None:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = db_path.stat().st_size
        elif db.engine.dialect.name == "postgresql":
            size = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar())
    return {
        "versions": rows[0],
        "body_bytes": rows[1],
        "text_bytes": rows[2],
        "raw_bytes": rows[3],
        "file_bytes": size,
    }


def _truth_text(bc: corpus.BenchCorpus, slug: str, step: int) -> Any:
    v = bc.corpus.version(slug, step)
    assert v is not None
    return normalise(Extracted(v.headline, v.standfirst, v.byline, v.paragraphs))


def _text_matches(
    db: Database, bc: corpus.BenchCorpus, step: int, ids: dict[str, int]
) -> dict[str, int]:
    """How many articles' latest stored text equals the corpus truth at ``step``."""
    counts = Counter[str]()
    with db.sessions() as session:
        for slug, article_id in ids.items():
            latest = versions.latest_version(session, article_id)
            if latest is None:
                counts["missing"] += 1
                continue
            stored = versions.version_text(session, article_id, latest.number)
            truth = _truth_text(bc, slug, step)
            assert stored is not None
            counts["headline"] += stored.headline == truth.headline
            counts["standfirst"] += stored.standfirst == truth.standfirst
            counts["byline"] += stored.byline == truth.byline
            counts["body"] += stored.paragraphs == truth.paragraphs
    return dict(counts)


def judge(
    name: str, step: int, report: PassReport, bc: corpus.BenchCorpus, slug_of: dict[str, str]
) -> dict[str, Any]:
    """Compare a pass's outcomes with what the corpus says should have happened."""
    outcomes = Counter(c.outcome for c in report.checks)
    by_slug: dict[str, CheckOutcome] = {}
    unknown = 0
    for c in report.checks:
        slug = slug_of.get(c.url)
        if slug is None:
            unknown += 1
        else:
            by_slug[slug] = c
    changed = {s for s, c in by_slug.items() if c.outcome == "changed"}
    truth = bc.edited_at(step) if name == "edited" else set()
    expected_outcome = {
        "first": "new",
        "churn": "unchanged",
        "edited": "unchanged",
        "conditional": "not_modified",
    }[name]
    edits = bc.edits_at(step)
    as_expected = sum(
        1
        for slug in changed & truth
        if by_slug[slug].summary is not None
        and by_slug[slug].summary.to_dict() == edits[slug].expect  # type: ignore[union-attr]
    )
    mismatched = [
        {
            "slug": slug,
            "kind": edits[slug].kind,
            "expected": edits[slug].expect,
            "got": by_slug[slug].summary.to_dict(),  # type: ignore[union-attr]
        }
        for slug in sorted(changed & truth)
        if by_slug[slug].summary is not None
        and by_slug[slug].summary.to_dict() != edits[slug].expect  # type: ignore[union-attr]
    ]
    others = [s for s, c in by_slug.items() if s not in truth and c.outcome != expected_outcome]
    return {
        "checks": len(report.checks),
        "articles": len(bc.articles),
        "outcomes": dict(outcomes),
        "feeds": dict(Counter(p.outcome for p in report.polls)),
        "expected_outcome": expected_outcome,
        "as_expected": sum(1 for s, c in by_slug.items() if s not in truth) - len(others),
        "edits_truth": len(truth),
        "edits_found": len(changed & truth),
        "edits_missed": sorted(truth - changed),
        "false_positives": sorted(changed - truth),
        "diff_as_expected": as_expected,
        "diff_mismatches": mismatched[:10],
        "unexpected": sorted(others)[:20],
        "unknown_urls": unknown,
        "failures": [f"{c.url}: {c.error}" for c in report.failures][:10],
    }


def run(
    root: Path,
    base_url: str,
    n: int,
    edit_steps: int,
    *,
    db_url: str | None = None,
    concurrency: int = 8,
    seed: int = 1,
    profile_dir: Path | None = None,
    realism: str = "news",
) -> dict[str, Any]:
    bc = corpus.build(n, edit_steps, seed, realism)
    slug_of = {corpus.page_url(base_url, a): a.slug for a in bc.articles}
    workdir = Path(tempfile.mkdtemp(prefix="bench-passes-"))
    db_path = workdir / "versiontrack.db" if db_url is None else None
    settings = bench_settings(bc, db_url or f"sqlite:///{db_path}", base_url, concurrency)
    results: list[dict[str, Any]] = []
    try:
        with database.open_database(settings) as db:
            before = _storage(db, db_path)
            ids: dict[str, int] = {}
            for name, step in pass_plan(edit_steps):
                corpus.activate(root, step)
                offset = timedelta(minutes=50 if name == "conditional" else 30)
                clock = corpus.FixedClock(corpus.step_time(step) + offset)
                profiler = _profiler(profile_dir)
                with measured() as box:
                    if profiler is not None:
                        profiler.start()
                    report = commands.check(settings, db, force=True, clock=clock)
                    if profiler is not None:
                        profiler.stop()
                m = box.measurement
                if profiler is not None and profile_dir is not None:
                    _save_profile(profiler, profile_dir, f"{name}-step{step}")
                result = judge(name, step, report, bc, slug_of)
                if not ids:
                    ids = {slug_of[c.url]: c.article_id for c in report.checks if c.url in slug_of}
                after = _storage(db, db_path)
                stored = after["versions"] - before["versions"]
                result.update(
                    name=name,
                    step=step,
                    measurement=m.to_dict(),
                    checks_per_s=len(report.checks) / m.wall_s if m.wall_s else None,
                    cpu_ms_per_check=1000 * m.cpu_total_s / max(1, len(report.checks)),
                    rss_after_mb=round(rss_mb(), 1),
                    versions_stored=stored,
                    db_bytes_per_version=(
                        after["body_bytes"]
                        + after["raw_bytes"]
                        - before["body_bytes"]
                        - before["raw_bytes"]
                    )
                    / stored
                    if stored
                    else None,
                    text_blob_bytes_per_version=(after["body_bytes"] - before["body_bytes"])
                    / stored
                    if stored
                    else None,
                    raw_blob_bytes_per_version=(after["raw_bytes"] - before["raw_bytes"]) / stored
                    if stored
                    else None,
                    text_bytes_per_version=(after["text_bytes"] - before["text_bytes"]) / stored
                    if stored
                    else None,
                    db_file_bytes_per_version=after["file_bytes"] / after["versions"]
                    if after["versions"]
                    else None,
                    storage=after,
                )
                if stored:
                    result["text_matches_truth"] = _text_matches(db, bc, step, ids)
                before = after
                results.append(result)
    finally:
        for path in workdir.glob("*"):
            path.unlink()
        workdir.rmdir()
    return {"n": n, "edit_steps": edit_steps, "concurrency": concurrency, "passes": results}


def _profiler(profile_dir: Path | None) -> Any:
    if profile_dir is None:
        return None
    try:
        from pyinstrument import Profiler  # optional: pip install pyinstrument
    except ImportError:
        print("pyinstrument is not installed: --profile ignored", file=sys.stderr)
        return None
    return Profiler(interval=0.0005, async_mode="disabled")


def _save_profile(profiler: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_text(
        profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8"
    )
    (folder / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.passes", description=__doc__)
    parser.add_argument("--root", type=Path, required=True, help="the served corpus folder")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--edit-steps", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--db-url", help="default: a fresh SQLite file")
    parser.add_argument("--profile", type=Path, help="write pyinstrument profiles here")
    parser.add_argument("--out", type=Path, help="JSON result file (default: stdout)")
    parser.add_argument("--realism", choices=sorted(corpus.LEVELS), default="news")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = run(
        args.root,
        args.base_url,
        args.n,
        args.edit_steps,
        db_url=args.db_url,
        concurrency=args.concurrency,
        seed=args.seed,
        profile_dir=args.profile,
        realism=args.realism,
    )
    data = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data + "\n")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
