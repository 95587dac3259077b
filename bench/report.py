"""Results: medians across runs, the targets from the issue, a text table and the JSON file."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any


def median_of(results: list[Any]) -> Any:
    """The element-wise median of several results of the same shape (dicts, lists, numbers).

    Numbers (not booleans) take the median; anything else is taken from the first result.
    """
    first = results[0]
    if isinstance(first, dict):
        return {
            key: median_of([r[key] for r in results if isinstance(r, dict) and key in r])
            for key in first
        }
    if isinstance(first, list) and all(
        isinstance(r, list) and len(r) == len(first) for r in results
    ):
        if all(isinstance(x, int | float) and not isinstance(x, bool) for x in first):
            return [median_of([r[i] for r in results]) for i in range(len(first))]
        return first
    if isinstance(first, int | float) and not isinstance(first, bool):
        values = [r for r in results if isinstance(r, int | float) and r is not None]
        return statistics.median(values) if values else None
    return first


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


#: (label, path in the results, comparison, target, unit, note)
TARGETS: tuple[tuple[str, str, str, float, str, str], ...] = (
    (
        "CPU per unchanged check (churn pass)",
        "passes.churn.median.cpu_ms_per_check",
        "<=",
        3,
        "ms",
        "100 KB pages; whole process",
    ),
    (
        "reading an unchanged page (fingerprint)",
        "micro.extraction.median.fast_path.cpu_ms_per_page",
        "<=",
        3,
        "ms",
        "the check minus HTTP and DB",
    ),
    (
        "churn-only pass, end to end",
        "passes.churn.median.checks_per_s",
        ">=",
        150,
        "checks/s",
        "target is for --n 2000",
    ),
    (
        "extraction CPU per page",
        "micro.extraction.median.cpu_ms_per_page.median",
        "<=",
        20,
        "ms",
        "",
    ),
    (
        "extraction throughput, both cores",
        "micro.extraction.median.two_process_pages_per_s",
        ">=",
        100,
        "pages/s",
        "20 ms/page on 2 cores",
    ),
    (
        "storage per version (58 KB, 20 versions)",
        "micro.storage.median.bytes_per_version",
        "<=",
        1300,
        "B",
        "",
    ),
    ("read any version back (slowest)", "micro.storage.median.read_ms.max", "<=", 5, "ms", ""),
    (
        "sentence diff, 5% changed",
        "micro.sentence_diff.median.changed_5pct.cpu_ms.median",
        "<=",
        2,
        "ms",
        "500 sentences",
    ),
    (
        "sentence diff, 100% changed",
        "micro.sentence_diff.median.changed_100pct.cpu_ms.median",
        "<=",
        20,
        "ms",
        "every sentence edited",
    ),
    (
        "feed endpoint, 304",
        "micro.feed.median.not_modified.requests_per_s",
        ">=",
        1000,
        "req/s",
        "50-item feed",
    ),
    (
        "feed endpoint, full",
        "micro.feed.median.full.requests_per_s",
        ">=",
        300,
        "req/s",
        "50-item feed",
    ),
    (
        "claim 20 due, PostgreSQL 1M",
        "micro.claim.median.postgresql/1000000.claim_ms.median",
        "<=",
        10,
        "ms",
        "partial index ix_articles_due",
    ),
    (
        "claim 20 due, SQLite 1M",
        "micro.claim.median.sqlite/1000000.claim_ms.median",
        "<=",
        10,
        "ms",
        "no target given; same bar",
    ),
    # issue 10: on pages as messy as news sites, beside urlwatch (--peers)
    (
        "10%-edited pass vs urlwatch, wall",
        "peers.side_by_side.edited.speed_ratio",
        ">=",
        3,
        "x faster",
        "same pass, same machine, side by side",
    ),
    (
        "CPU per check, text unchanged (churn pass)",
        "passes.churn.median.cpu_ms_per_check",
        "<=",
        5,
        "ms",
        "metadata and chrome churn; all processes",
    ),
    (
        "CPU per check, full path (first pass)",
        "passes.first.median.cpu_ms_per_check",
        "<=",
        20,
        "ms",
        "extract, locate, store a new version",
    ),
    (
        "first pass (all new), CPU per article",
        "passes.first.median.cpu_ms_per_check",
        "<=",
        25,
        "ms",
        "process start-up included",
    ),
    ("peak RSS of a pass", "passes.max_peak_rss_mb", "<", 300, "MB", "any pass"),
    (
        "peak RSS of a child process",
        "passes.max_peak_rss_children_mb",
        "<",
        300,
        "MB",
        "page readers, shards",
    ),
)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for label, path, op, target, unit, note in TARGETS:
        value = _get(results, path)
        ok = None
        if isinstance(value, int | float):
            ok = (
                value <= target if op == "<=" else value >= target if op == ">=" else value < target
            )
        out.append(
            {
                "target": label,
                "value": value,
                "goal": f"{op} {target:g} {unit}",
                "ok": ok,
                "note": note,
            }
        )
    return out


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])


def _children_ms_per_check(p: dict[str, Any]) -> float | None:
    """The part of a pass's CPU per check spent in its shard and page-reader processes
    (each pays about a second of start-up): where a surprise in the total shows first."""
    children = (p.get("measurement") or {}).get("cpu_children_s")
    checks = p.get("checks")
    return 1000 * children / checks if children is not None and checks else None


def _bytes_per_version(p: dict[str, Any]) -> str:
    """Stored bytes per new version: text blob, plus the kept page when there is one."""
    text, raw = p.get("text_blob_bytes_per_version"), p.get("raw_blob_bytes_per_version")
    if text is None:
        return _fmt(p.get("db_bytes_per_version"), 0)
    return f"{text:,.0f} + page {raw:,.0f}" if raw else f"{text:,.0f}"


def _correctness(name: str, p: dict[str, Any]) -> str:
    n = p.get("articles")
    fails = len(p.get("failures") or [])
    fail = f", {fails} failed" if fails else ""
    if name == "first":
        match = p.get("text_matches_truth") or {}
        return f"{p.get('as_expected')}/{n} new, body = truth {match.get('body')}/{n}{fail}"
    if name == "churn":
        fps = len(p.get("false_positives") or [])
        return f"false positives {fps}, unchanged {p.get('as_expected')}/{n}{fail}"
    if name == "edited":
        return (
            f"edits found {p.get('edits_found')}/{p.get('edits_truth')}, false positives "
            f"{len(p.get('false_positives') or [])}, diff as expected "
            f"{p.get('diff_as_expected')}/{p.get('edits_found')}{fail}"
        )
    return f"304 {p.get('as_expected')}/{n}{fail}"


def _micro_rows(micro: dict[str, Any]) -> list[list[str]]:
    """Rows of the micro-benchmark table: the medians worth reading, one per line."""
    rows: list[list[str]] = []

    def add(bench: str, measure: str, value: Any, digits: int = 2) -> None:
        rows.append([bench, measure, _fmt(value, digits)])

    ex = (micro.get("extraction") or {}).get("median")
    if ex:
        add("extraction", "page KB (median)", ex["page_kb"]["median"], 1)
        add("extraction", "extract + normalise, CPU ms/page", ex["cpu_ms_per_page"]["median"])
        add("extraction", "  of which extract (trafilatura + rules)", ex["extract_ms"]["median"])
        add("extraction", "  of which normalise (sentencex + hash)", ex["normalise_ms"]["median"])
        add("extraction", "lxml parse alone, ms/page", ex["lxml_parse_ms"]["median"])
        add("extraction", "blake2b of raw bytes, ms/page", ex["blake2b_raw_ms"]["median"], 3)
        add("extraction", "pages/s, 1 process", ex["one_process_pages_per_s"], 1)
        add("extraction", "pages/s, 2 processes", ex["two_process_pages_per_s"], 1)
        for key, label in (("fast_path", "fast path"), ("fast_path_lean", "fast path, lean pages")):
            fp = ex.get(key)
            if not fp:
                continue
            add("extraction", f"{label}: fingerprint, CPU ms/page", fp["cpu_ms_per_page"], 3)
            add("extraction", f"{label}: locate after extraction, ms", fp["locate_ms_per_page"], 3)
            add(
                "extraction",
                f"{label}: unchanged under churn",
                f"{fp['stable_under_churn']}/{fp['pages']}",
            )
            add("extraction", f"{label}: edits it flags", f"{fp['edits_detected']}/{fp['edits']}")
            add("extraction", f"{label}: text changed, fingerprint not (must be 0)", fp["missed"])
    diff = (micro.get("sentence_diff") or {}).get("median")
    if diff:
        for case in ("changed_5pct", "changed_100pct", "rewritten_100pct"):
            add("sentence diff", f"{case}, CPU ms", diff[case]["cpu_ms"]["median"])
        add("sentence diff", "normalise 500 sentences, CPU ms", diff["normalise_500_ms"]["median"])
    st = (micro.get("storage") or {}).get("median")
    if st:
        add("storage", "text bytes of version 1", st["text_bytes"], 0)
        add("storage", "bytes/version (20 versions)", st["bytes_per_version"], 0)
        add("storage", "keyframe bytes", ", ".join(str(round(b)) for b in st["keyframe_bytes"]))
        add("storage", "delta bytes (median)", st["delta_bytes_median"], 0)
        read = st["read_ms"]
        add("storage", "read a version, ms (median / max)", f"{read['median']} / {read['max']}")
        for label, value in st["what_if_bytes_per_version"].items():
            add("storage", f"what if: {label}", value, 0)
        raw = st.get("raw_pages")
        if raw:
            add("storage", "kept page (raw): page bytes", raw["page_bytes"], 0)
            add("storage", "kept page compressed alone (now), bytes", raw["alone_bytes"], 0)
            add("storage", "kept page chained on the previous, bytes", raw["chained_bytes"], 0)
            ms = f"{raw['alone_cpu_ms']} / {raw['chained_cpu_ms']}"
            add("storage", "kept page compress CPU ms (alone / chained)", ms)
    fd = (micro.get("feed") or {}).get("median")
    if fd and "full" in fd:
        for case in ("full", "not_modified"):
            c = fd[case]
            add("feed", f"{case}: req/s", c["requests_per_s"], 0)
            add("feed", f"{case}: server CPU ms/request", c.get("server_cpu_ms_per_request"))
            add("feed", f"{case}: latency p50 / p99 ms", f"{c['p50_ms']} / {c['p99_ms']}")
    for key, c in ((micro.get("claim") or {}).get("median") or {}).items():
        if "skipped" in c:
            add("claim", key, c["skipped"])
            continue
        add("claim", f"{key}: claim 20, ms", c["claim_ms"]["median"], 3)
        add("claim", f"{key}: due_backlog count, ms", c["due_backlog_ms"], 3)
    return rows


def render(results: dict[str, Any]) -> str:
    parts: list[str] = []
    meta = results.get("meta", {})
    parts.append(
        f"versiontrack bench: n={meta.get('n')}, steps={meta.get('steps')}, "
        f"runs={meta.get('runs')} (medians), server: {meta.get('server')}, "
        f"{meta.get('cpus')} CPUs, Python {meta.get('python')}, commit "
        f"{(meta.get('git') or {}).get('commit')}"
        f"{' + uncommitted edits' if (meta.get('git') or {}).get('versiontrack_dirty') else ''}"
    )
    passes = results.get("passes") or {}
    if any(k in passes for k in ("first", "churn", "edited", "conditional")):
        rows = []
        for name in ("first", "churn", "edited", "conditional"):
            if name not in passes:
                continue
            p = passes[name]["median"]
            worst = passes[name]["worst"]
            rows.append(
                [
                    name,
                    _fmt(p.get("checks")),
                    _fmt(p.get("checks_per_s")),
                    _fmt(p.get("cpu_ms_per_check"), 2),
                    _fmt(_children_ms_per_check(p), 2),
                    _fmt((p.get("measurement") or {}).get("peak_rss_mb")),
                    _fmt((p.get("measurement") or {}).get("peak_rss_children_mb")),
                    _bytes_per_version(p),
                    _correctness(name, worst),
                ]
            )
        parts.append(
            "\nEnd-to-end passes (real pipeline, SQLite, loopback HTTP)\n"
            + _table(
                [
                    "pass",
                    "checks",
                    "checks/s",
                    "CPU ms/check",
                    "of it in child processes",
                    "peak RSS MB",
                    "child peak RSS MB",
                    "DB B/version (text + page)",
                    "correctness (worst run)",
                ],
                rows,
            )
        )
    peers = results.get("peers")
    if peers and "passes" in peers:
        rows = [
            [
                name,
                _fmt(p.get("checks")),
                _fmt(p.get("checks_per_s")),
                _fmt(p.get("cpu_ms_per_check"), 2),
                _fmt(p.get("peak_rss_mb")),
                _fmt(p.get("reported_changed")),
                _fmt(p.get("note")),
            ]
            for name, p in peers["passes"].items()
        ]
        parts.append(
            f"\nPeer: {peers.get('tool')} (same corpus, same server)\n"
            + _table(
                [
                    "pass",
                    "checks",
                    "checks/s",
                    "CPU ms/check",
                    "peak RSS MB",
                    "reported changed",
                    "note",
                ],
                rows,
            )
        )
    elif peers:
        parts.append(f"\nPeer: {peers.get('skipped') or peers}")
    side = (peers or {}).get("side_by_side")
    if side:
        rows = [
            [
                name,
                _fmt(p.get("speed_ratio"), 2),
                f"{_fmt(p.get('versiontrack_checks_per_s'))} / "
                f"{_fmt(p.get('urlwatch_checks_per_s'))}",
                f"{_fmt(p.get('versiontrack_cpu_ms_per_check'), 2)} / "
                f"{_fmt(p.get('urlwatch_cpu_ms_per_check'), 2)}",
                f"{_fmt(p.get('versiontrack_edits_found'))} / {_fmt(p.get('urlwatch_edits_found'))}"
                f" of {_fmt(p.get('edits'))}",
                f"{_fmt(p.get('versiontrack_false_positives'))} / "
                f"{_fmt(p.get('urlwatch_false_positives'))}",
            ]
            for name, p in side.items()
        ]
        parts.append(
            "\nSide by side, versiontrack / urlwatch (each run back to back; medians; ratio = "
            "urlwatch wall / versiontrack wall)\n"
            + _table(
                ["pass", "ratio", "checks/s", "CPU ms/check", "edits found", "false positives"],
                rows,
            )
        )
    details = _micro_rows(results.get("micro") or {})
    if details:
        table = _table(["benchmark", "measure", "value"], details)
        parts.append(f"\nMicro-benchmarks (medians)\n{table}")
    rows = [
        [
            t["target"],
            _fmt(t["value"], 2),
            t["goal"],
            "ok" if t["ok"] else "MISS" if t["ok"] is False else "—",
            t["note"],
        ]
        for t in results.get("targets", [])
    ]
    parts.append("\nTargets\n" + _table(["measure", "median", "target", "", "note"], rows))
    skipped = {k: v["skipped"] for k, v in (results.get("micro") or {}).items() if "skipped" in v}
    for name, why in skipped.items():
        parts.append(f"skipped {name}: {why}")
    return "\n".join(parts) + "\n"


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
