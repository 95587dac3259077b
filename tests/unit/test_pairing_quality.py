"""How well ``diff_sentences`` pairs old sentences with new ones, against hand-checked answers.

Each ``tests/data/pairing/*.json`` is one version pair built from the seed articles and edited
the way newsrooms edit: typo fixes, changed figures and quotations, reworded clauses, new leads,
deleted and moved paragraphs, splits, merges, near-duplicate sentences, long articles with one
change. Its fields:

- ``about``: what changed and why the expected answer is what it is;
- ``old``, ``new``: the two sentence lists;
- ``edited``: ``[old_index, new_index]`` pairs of a sentence and its changed version (for a
  split, the new sentence that carries most of the old one; the rest is added; for a merge, the
  old sentence that the new one carries most of; the rest is removed);
- ``moved``: pairs of a sentence that moved verbatim (the fewest sentences that explain a
  reorder, so the answer is unique);
- ``added``, ``removed``: new and old indexes with no partner.

Every sentence not named is unchanged and in place. The fixtures are the ground truth, written
as a careful reader would pair the sentences, not as the code happens to.

Scores are micro-averaged over all cases: precision and recall of the ``(old_index,
new_index)`` pairs of the ``edited`` and ``moved`` ops, both at least ``BAR``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from versiontrack.diff.pairing import similarity
from versiontrack.diff.sentences import diff_sentences

PAIRING = Path(__file__).resolve().parent.parent / "data" / "pairing"
CASES = sorted(PAIRING.glob("*.json"))
BAR = 0.95

#: Cases today's diff pairs wrongly, and the diff.py change that would fix each. They still
#: count in the scores; only their per-case check is expected to fail, strictly, so the entry
#: has to go once the diff gets the case right.
KNOWN_MISSES: dict[str, str] = {}

Pair = tuple[int, int]


def per_case(paths: list[Path]) -> list[object]:
    """The cases as test parameters, known misses marked as strict expected failures."""
    return [
        pytest.param(
            path,
            id=path.stem,
            marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[path.stem])
            if path.stem in KNOWN_MISSES
            else (),
        )
        for path in paths
    ]


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def expected_pairs(case: dict[str, Any]) -> set[Pair]:
    return {(i, j) for i, j in case["edited"] + case["moved"]}


def found(case: dict[str, Any]) -> tuple[set[Pair], int, int]:
    """The diff's edited and moved pairs, and its added and removed counts, for one case.

    A ``split`` or ``merged`` op is scored in the fixtures' terms: the piece most like the
    whole is the edit, the other pieces are added (split) or removed (merged)."""
    old, new = case["old"], case["new"]
    ops = diff_sentences(old, new)
    pairs = {
        (op.old_index, op.new_index)
        for op in ops
        if op.op in ("edited", "moved") and op.old_index is not None and op.new_index is not None
    }
    added = sum(op.op == "added" for op in ops)
    removed = sum(op.op == "removed" for op in ops)
    for op in ops:
        if op.op == "split" and op.old_index is not None:
            i = op.old_index
            pairs.add((i, max(op.parts, key=lambda j: similarity(old[i], new[j]))))
            added += len(op.parts) - 1
        elif op.op == "merged" and op.new_index is not None:
            j = op.new_index
            pairs.add((max(op.parts, key=lambda i: similarity(old[i], new[j])), j))
            removed += len(op.parts) - 1
    return pairs, added, removed


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_fixture_is_consistent(path: Path) -> None:
    """A hand-written answer that cannot be right (an index twice, an "unchanged" sentence that
    changed) would make the scores meaningless, so check every fixture first."""
    case = load(path)
    assert set(case) == {"about", "old", "new", "edited", "moved", "added", "removed"}
    old, new = case["old"], case["new"]
    pairs = case["edited"] + case["moved"]
    old_named = [i for i, _ in pairs] + case["removed"]
    new_named = [j for _, j in pairs] + case["added"]
    assert len(set(old_named)) == len(old_named), "an old sentence is named twice"
    assert len(set(new_named)) == len(new_named), "a new sentence is named twice"
    assert all(0 <= i < len(old) for i in old_named)
    assert all(0 <= j < len(new) for j in new_named)
    for i, j in case["moved"]:
        assert old[i] == new[j], f"moved {i}→{j} is not verbatim"
    for i, j in case["edited"]:
        assert old[i] != new[j], f"edited {i}→{j} did not change"
    unchanged_old = [s for i, s in enumerate(old) if i not in old_named]
    unchanged_new = [s for j, s in enumerate(new) if j not in new_named]
    assert unchanged_old == unchanged_new, "the sentences not named must be equal, in order"


@pytest.mark.parametrize("path", per_case(CASES))
def test_added_and_removed_counts(path: Path) -> None:
    case = load(path)
    _, added, removed = found(case)
    assert (added, removed) == (len(case["added"]), len(case["removed"]))


def test_known_misses_are_cases() -> None:
    assert KNOWN_MISSES.keys() <= {path.stem for path in CASES}


def test_pairing_precision_and_recall() -> None:
    true_positives = predicted = expected = 0
    misses: list[str] = []
    for path in CASES:
        case = load(path)
        want = expected_pairs(case)
        got, _, _ = found(case)
        true_positives += len(want & got)
        predicted += len(got)
        expected += len(want)
        if want != got:
            misses.append(
                f"{path.stem}: missing {sorted(want - got)}, unexpected {sorted(got - want)}"
            )
    precision = true_positives / predicted if predicted else 1.0
    recall = true_positives / expected if expected else 1.0
    print(
        f"\nsentence pairing over {len(CASES)} cases, {expected} expected pairs: "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    for miss in misses:
        print(f"  {miss}")
    report = "\n".join(misses)
    assert precision >= BAR, f"precision {precision:.3f} < {BAR}\n{report}"
    assert recall >= BAR, f"recall {recall:.3f} < {BAR}\n{report}"
