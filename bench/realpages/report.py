"""Judging the runs against the truth, and the printed table.

Per set, side by side: false versions in the churn steps (a new version where only churn
changed), edits caught (a new version at the edit step whose ``diff --json`` ops hold the
expected sentence op), exact diffs (that op and nothing else: no other op, no field change),
extraction precision/recall/F1 of versiontrack's stored first version and of trafilatura alone
(precision and default modes), then CPU per check and crashed processes over all runs, and
the worst pages: what leaked into each false version, why each edit was missed, lowest F1.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench.realpages import churn, score
from bench.realpages.pages import Page
from bench.realpages.run import RunResult
from versiontrack.text import split_sentences

TEXT_CLIP = 160
ALONE = ("trafilatura_precision", "trafilatura_default")


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= TEXT_CLIP:
        return text
    return text[: TEXT_CLIP - 1] + "…"


def _ops(diff: dict[str, Any]) -> list[dict[str, Any]]:
    leaked = [{"op": o["op"], "old": _clip(o["old"]), "new": _clip(o["new"])} for o in diff["ops"]]
    leaked += [{"op": "field", "old": f.get("field"), "new": None} for f in diff["fields"]]
    return leaked


def _extracted(run: RunResult, page: Page, edit: churn.Edit) -> bool:
    """Whether the stored first version holds the sentence the edit changes (for an appended
    one: the paragraph's last sentence)."""
    sentence = score.words(edit.old or split_sentences(page.truth[edit.paragraph])[-1])
    return score.inside(sentence, score.words(run.v1_body.get(page.key)))


def judge_page(page: Page, steps: Sequence[churn.Step], run: RunResult) -> dict[str, Any]:
    """One page in one run: false versions per churn step, and the edit's fate."""
    versions = run.versions[page.key]
    outcomes = run.outcomes[page.key]
    false_versions = [
        {"step": s, "ad": steps[s].ad_place, "ops": _ops(run.diffs[page.key][s])}
        for s in churn.CHURN_STEPS
        if versions[s] > versions[s - 1] and s in run.diffs[page.key]
    ]
    edit = steps[churn.EDIT_STEP].edit
    judged: dict[str, Any] = {
        "page": page.key,
        "stored": versions[0] > 0,
        "outcomes": outcomes,
        "false_versions": false_versions,
        "edit": edit.to_dict() if edit else None,
        "caught": False,
        "exact": False,
        "why": None,
    }
    if edit is None:
        judged["why"] = "no edit possible: no prose truth paragraph found in the page"
        return judged
    if versions[0] == 0:
        judged["why"] = f"no first version (step 0: {outcomes[0]})"
        return judged
    last = churn.EDIT_STEP
    diff = run.diffs[page.key].get(last)
    if diff is None:
        judged["why"] = f"no new version at step {last} (outcome: {outcomes[last]})" + (
            "" if _extracted(run, page, edit) else ": the edited sentence was not extracted"
        )
        return judged
    found = score.edit_found(diff["ops"], edit.op, edit.old, edit.new) or score.field_found(
        diff["fields"], edit.old, edit.new
    )
    judged["caught"] = found
    judged["exact"] = found and len(diff["ops"]) + len(diff["fields"]) == 1
    judged["ops"] = _ops(diff)
    if not found:
        judged["why"] = "new version, but its ops do not hold the expected sentence" + (
            "" if _extracted(run, page, edit) else " (the edited sentence was not extracted)"
        )
    elif not judged["exact"]:
        judged["why"] = "caught, with other ops beside it"
    return judged


def evaluate(
    pages: Sequence[Page],
    rendered: dict[str, list[churn.Step]],
    runs: Sequence[RunResult],
    trafilatura: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Everything the table shows, as one JSON-able document (run 1 judged in detail)."""
    sets = sorted({p.set for p in pages}, key=["fundus", "readability"].index)
    per_run = [[judge_page(p, rendered[p.key], run) for p in pages] for run in runs]
    first = per_run[0]
    by_key = {j["page"]: j for j in first}
    extraction: dict[str, dict[str, score.Match]] = {}
    for page in pages:
        truth = "\n".join(page.truth)
        extraction[page.key] = {
            "versiontrack": score.match(runs[0].v1_body.get(page.key, ""), truth),
            **{mode: score.match(text, truth) for mode, text in trafilatura[page.key].items()},
        }
    table: dict[str, Any] = {}
    for name in sets:
        keys = [p.key for p in pages if p.set == name]
        table[name] = _set_figures(keys, by_key, per_run, extraction)
    checks = sum(len(pages) for _run in runs for _step in range(churn.STEPS))
    cpu = sum(p.cpu_s for run in runs for p in run.passes)
    crashes = [
        {"run": i + 1, "step": p.step, "lines": p.crashes}
        for i, run in enumerate(runs)
        for p in run.passes
        if p.crashes
    ]
    return {
        "sets": table,
        "cpu_per_check_ms": 1000 * cpu / checks if checks else 0.0,
        "cpu_per_pass_s": [[round(p.cpu_s, 2) for p in run.passes] for run in runs],
        "runs": len(runs),
        "crashed_passes": len(crashes),
        "crashes": crashes,
        "pages": [
            {
                **by_key[p.key],
                "extraction": {k: m.to_dict() for k, m in extraction[p.key].items()},
                "steps": [
                    {"step": s.step, "ad": s.ad_place, "stamps_in_box": s.stamps_in_box}
                    | ({"notes": s.notes} if s.notes else {})
                    for s in rendered[p.key]
                ],
            }
            for p in pages
        ],
        "passes": [[p.to_dict() for p in run.passes] for run in runs],
    }


def _set_figures(
    keys: list[str],
    by_key: dict[str, dict[str, Any]],
    per_run: list[list[dict[str, Any]]],
    extraction: dict[str, dict[str, score.Match]],
) -> dict[str, Any]:
    judged = [by_key[k] for k in keys]
    churn_checks = len(keys) * len(churn.CHURN_STEPS)
    per_step = {
        s: sum(1 for j in judged for fv in j["false_versions"] if fv["step"] == s)
        for s in churn.CHURN_STEPS
    }
    false_total = sum(per_step.values())
    edits = [j for j in judged if j["edit"] is not None]
    wanted = set(keys)
    runs_false = [
        sum(len(j["false_versions"]) for j in run if j["page"] in wanted) for run in per_run
    ]
    runs_caught = [sum(1 for j in run if j["page"] in wanted and j["caught"]) for run in per_run]
    return {
        "pages": len(keys),
        "stored": sum(1 for j in judged if j["stored"]),
        "churn_checks": churn_checks,
        "false_versions": false_total,
        "false_versions_pct": 100 * false_total / churn_checks if churn_checks else 0.0,
        "false_versions_by_step": per_step,
        "false_versions_per_run": runs_false,
        "edits": len(edits),
        "edits_caught": sum(1 for j in edits if j["caught"]),
        "edits_caught_per_run": runs_caught,
        "edits_exact": sum(1 for j in edits if j["exact"]),
        "edit_kinds": {
            kind: [
                sum(1 for j in edits if j["edit"]["kind"] == kind and j["caught"]),
                sum(1 for j in edits if j["edit"]["kind"] == kind),
            ]
            for kind in churn.KINDS
        },
        "extraction": {
            tool: score.summary([extraction[k][tool] for k in keys])
            for tool in ("versiontrack", *ALONE)
        },
    }


# --- the printed table -----------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{100 * value:5.1f}"


def render(results: dict[str, Any], worst: int = 10) -> str:
    sets = results["sets"]
    names = list(sets)
    width = 30
    lines = ["Real pages: churn immunity, edit recall, extraction (python -m bench realpages)", ""]

    def row(label: str, cells: list[str]) -> None:
        # a space before each cell: a cell wider than the column (ten runs' counts) must not
        # run into the one before it
        lines.append(f"  {label:<34}" + "".join(f" {c:>{width - 1}}" for c in cells))

    row("", names)
    row("pages (first version stored)", [f"{s['pages']} ({s['stored']})" for s in sets.values()])
    row(
        "false versions, steps 1-3",
        [
            f"{s['false_versions']}/{s['churn_checks']} ({s['false_versions_pct']:.1f}%)"
            for s in sets.values()
        ],
    )
    for step in churn.CHURN_STEPS:
        row(
            f"  step {step} ({churn.AD_PLACES[step]}{', stamps' if step >= 3 else ''})",
            [str(s["false_versions_by_step"][step]) for s in sets.values()],
        )
    row("edits caught (step 4)", [f"{s['edits_caught']}/{s['edits']}" for s in sets.values()])
    for kind in churn.KINDS:
        row(
            f"  {kind}",
            [f"{s['edit_kinds'][kind][0]}/{s['edit_kinds'][kind][1]}" for s in sets.values()],
        )
    row("exact diffs (only the edit)", [f"{s['edits_exact']}/{s['edits']}" for s in sets.values()])
    if results["runs"] > 1:
        row(
            "false versions per run",
            [" ".join(map(str, s["false_versions_per_run"])) for s in sets.values()],
        )
        row(
            "edits caught per run",
            [" ".join(map(str, s["edits_caught_per_run"])) for s in sets.values()],
        )
    lines.append("")
    row("extraction P / R / F1 (mean)", ["" for _ in names])
    for tool in ("versiontrack", *ALONE):
        cells = []
        for s in sets.values():
            e = s["extraction"][tool]
            cells.append(f"{_pct(e['precision'])} {_pct(e['recall'])} {_pct(e['f1'])}")
        row(f"  {tool}", cells)
    row(
        "  (micro F1: vt / traf-prec / traf-def)",
        [
            " ".join(_pct(s["extraction"][t]["micro"]["f1"]) for t in ("versiontrack", *ALONE))
            for s in sets.values()
        ],
    )
    lines.append("")
    lines.append(
        f"  CPU per check: {results['cpu_per_check_ms']:.1f} ms (check processes and their "
        f"children); per pass (s): {results['cpu_per_pass_s']}"
    )
    lines.append(
        f"  crashed passes over {results['runs']} run(s): {results['crashed_passes']}"
        + "".join(
            f"\n    run {c['run']} step {c['step']}: {line[:200]}"
            for c in results["crashes"]
            for line in c["lines"][:5]
        )
    )
    lines += _worst(results["pages"], worst)
    return "\n".join(lines)


_STAMP_WORDS = re.compile(r"updated \d+ minutes ago|\d[\d,]* comments", re.IGNORECASE)


def leak_kind(op: dict[str, Any]) -> str:
    """What a leaked op is: our ad copy, our in-box stamps, a field, or the page's own text."""
    if op["op"] == "field":
        return f"field {op['old']}"
    text = " ".join(t for t in (op["old"], op["new"]) if t)
    if any(score.inside(score.words(ad), score.words(text)) for ad in churn.AD_COPY):
        return "ad copy"
    if _STAMP_WORDS.search(text):
        return "stamp"
    return "page text"


def _worst(pages: list[dict[str, Any]], k: int) -> list[str]:
    lines = ["", f"Worst pages (up to {k} each)", "", "False versions (what leaked: the diff ops):"]
    kinds = Counter(leak_kind(op) for p in pages for fv in p["false_versions"] for op in fv["ops"])
    lines.append(
        "  leaked ops by kind: "
        + (", ".join(f"{kind} {n}" for kind, n in kinds.most_common()) or "none")
    )
    # pages leaking more than the ad first: those say most about the extractor
    leaky = sorted(
        (p for p in pages if p["false_versions"]),
        key=lambda p: (
            -sum(leak_kind(op) != "ad copy" for fv in p["false_versions"] for op in fv["ops"]),
            -len(p["false_versions"]),
        ),
    )
    for p in leaky[:k]:
        for fv in p["false_versions"]:
            lines.append(f"  {p['page']} step {fv['step']} (ad {fv['ad']}):")
            for op in fv["ops"][:6]:
                text = (
                    op["new"]
                    if op["op"] == "added"
                    else op["old"]
                    if op["op"] == "removed"
                    else f"{op['old']!r} → {op['new']!r}"
                )
                lines.append(f"      {op['op']:<8} {text}")
            if len(fv["ops"]) > 6:
                lines.append(f"      … {len(fv['ops']) - 6} more ops")
    if not leaky:
        lines.append("  none")
    lines.append("")
    lines.append("Missed edits (why):")
    missed = [p for p in pages if p["edit"] is None or not p["caught"]]
    for p in missed[:k]:
        edit = p["edit"]
        lines.append(f"  {p['page']}: {p['why']}")
        if edit:
            lines.append(
                f"      expected {edit['op']} ({edit['kind']}): "
                f"old={_clip(edit['old'])!r} new={_clip(edit['new'])!r}"
            )
            for op in p.get("ops", [])[:4]:
                lines.append(f"      got {op['op']:<8} old={op['old']!r} new={op['new']!r}")
    if not missed:
        lines.append("  none")
    lines.append("")
    lines.append("Lowest versiontrack F1 (P / R / F1; trafilatura precision-mode F1):")
    ranked = sorted(pages, key=lambda p: p["extraction"]["versiontrack"]["f1"])
    for p in ranked[:k]:
        e, t = p["extraction"]["versiontrack"], p["extraction"]["trafilatura_precision"]
        lines.append(
            f"  {p['page']:<40} {_pct(e['precision'])} {_pct(e['recall'])} {_pct(e['f1'])}"
            f"   (trafilatura {_pct(t['f1'])})"
        )
    return lines
