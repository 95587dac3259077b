"""The sentence matching of two bodies, and the body's sentence ops (``diff_sentences``).

Steps 1–6 of the package docstring: equal sentences, verbatim moves, edits paired by
similarity inside and across replaced runs, merges and splits, then removals and additions in
article order. ``align`` lays out the same matching (``_match``) side by side.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from versiontrack.diff.codes import _encode, _matches
from versiontrack.diff.pairing import (
    _TIERS,
    FINE_EDITS,
    MOVE_EDIT_THRESHOLD,
    PAIR_THRESHOLD,
    _bag,
    _dice,
    _in_place,
    _pair,
    _shape,
)
from versiontrack.diff.words import _BOTH, _coarse_pieces, _render_pieces, _word_pieces
from versiontrack.domain import SentenceOp

__all__ = ["diff_sentences"]

#: Merges and splits: each piece has at least this many distinct words, at least this share of
#: them in the whole sentence, and the pieces' words together reach this Dice coefficient with
#: it. Strict on purpose: a sentence that only borrows a clause from a neighbour stays an edit.
MIN_PIECE_WORDS = 4
PIECE_CONTAINED = 0.8
MERGE_THRESHOLD = 0.6
# How far from a sentence's partner (or the run's diagonal) its pieces are looked for.
_PIECE_REACH = 3


@dataclass(frozen=True, slots=True)
class _Matching:
    """How the sentences of two bodies correspond: the shared core of ``diff_sentences`` and
    ``align``. Every index not named here is removed (old) or added (new)."""

    equal: list[tuple[int, int]]  # old → new, in order (the diff-match-patch common subsequence)
    runs: list[tuple[range, range]]  # the replaced runs between consecutive equal sentences
    moved: dict[int, int]  # old → new, verbatim moves
    edited: dict[int, int]  # old → new, paired by similarity
    anchored: dict[int, int]  # old → new, equal and edited-in-run: where removals are placed
    merged: dict[int, tuple[int, ...]] = field(default_factory=dict)  # new → its old pieces
    split: dict[int, tuple[int, ...]] = field(default_factory=dict)  # old → its new pieces


def _match(old: tuple[str, ...], new: tuple[str, ...]) -> _Matching:
    """Match the sentences of ``old`` and ``new`` (steps 1–4 of the module docstring)."""
    a, b, _ = _encode(old, new)
    equal = _matches(a, b)

    # Replaced runs: the old and new index ranges between consecutive equal sentences.
    runs: list[tuple[range, range]] = []
    prev_i = prev_j = -1
    for i, j in [*equal, (len(old), len(new))]:
        if i > prev_i + 1 or j > prev_j + 1:
            runs.append((range(prev_i + 1, i), range(prev_j + 1, j)))
        prev_i, prev_j = i, j

    # Verbatim moves, before pairing by similarity so an identical sentence is never "edited".
    # (They span runs: the same sentence on both sides of one run would extend the match.)
    # Duplicates pair up in order.
    moved: dict[int, int] = {}
    deleted_at: dict[str, list[int]] = {}
    for olds, _ in runs:
        for i in olds:
            deleted_at.setdefault(old[i], []).append(i)
    for i_list in deleted_at.values():
        i_list.reverse()
    for _, news in runs:
        for j in news:
            i_list = deleted_at.get(new[j])
            if i_list:
                moved[i_list.pop()] = j
    moved_to = set(moved.values())

    bags: dict[tuple[int, int], frozenset[str]] = {}
    edited: dict[int, int] = {}
    anchored: dict[int, int] = dict(equal)  # old index → new index, for placing removals
    left_old: list[int] = []
    left_new: list[int] = []
    for olds, news in runs:
        run_old = [i for i in olds if i not in moved]
        run_new = [j for j in news if j not in moved_to]
        if run_old and run_new:
            for i in run_old:
                bags[0, i] = _bag(old[i])
            for j in run_new:
                bags[1, j] = _bag(new[j])
            pairs = _in_place(run_old, run_new, bags)
            paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
            rest_old = [i for i in run_old if i not in paired_old]
            rest_new = [j for j in run_new if j not in paired_new]
            if rest_old and rest_new:
                pairs += _pair(rest_old, rest_new, bags, PAIR_THRESHOLD)
            if not pairs and len(olds) == len(news) == 1:
                # One sentence replaced in place by one whose words are the same once figures
                # are masked (a dateline, a score, a running total): an edit, even when every
                # figure changed and too few words are left in common to reach the threshold.
                (i,), (j,) = olds, news
                if _dice(_shape(old[i]), _shape(new[j])) >= PAIR_THRESHOLD:
                    pairs = [(i, j)]
            edited.update(pairs)
            anchored.update(pairs)
            paired_new = {j for _, j in pairs}
            run_old = [i for i in run_old if i not in edited]
            run_new = [j for j in run_new if j not in paired_new]
        left_old += run_old
        left_new += run_new

    if len(runs) > 1 and left_old and left_new:
        for i in left_old:
            if (0, i) not in bags:
                bags[0, i] = _bag(old[i])
        for j in left_new:
            if (1, j) not in bags:
                bags[1, j] = _bag(new[j])
        edited.update(_pair(left_old, left_new, bags, MOVE_EDIT_THRESHOLD))
        _pair_beside_moves(left_old, left_new, bags, moved, edited)
    merged, split = _merges_and_splits(old, new, runs, moved, edited, bags)
    for j, pieces in merged.items():
        anchored.update((i, j) for i in pieces)
    for i, pieces in split.items():
        anchored[i] = pieces[-1]
    return _Matching(equal, runs, moved, edited, anchored, merged, split)


def _pieces(
    whole: frozenset[str],
    candidates: Sequence[int],
    bag_of: Callable[[int], frozenset[str]],
    must: int | None,
) -> tuple[int, ...]:
    """The best run of two or more consecutive sentence indexes among ``candidates`` that
    together read as ``whole``: each piece has ``MIN_PIECE_WORDS`` words or more, nearly all of
    them (``PIECE_CONTAINED``) in ``whole``, and their words together reach ``MERGE_THRESHOLD``
    against it. ``must``, when given, has to be one of the pieces. Empty when none does."""
    fit = []
    for k in candidates:
        words = bag_of(k)
        if len(words) >= MIN_PIECE_WORDS and len(words & whole) >= PIECE_CONTAINED * len(words):
            fit.append(k)
    best: tuple[float, tuple[int, ...]] = (0.0, ())
    start = 0
    while start < len(fit):
        end = start
        while end + 1 < len(fit) and fit[end + 1] == fit[end] + 1:
            end += 1
        stretch = tuple(fit[start : end + 1])
        if len(stretch) >= 2 and (must is None or must in stretch):
            score = _dice(frozenset().union(*(bag_of(k) for k in stretch)), whole)
            if score >= MERGE_THRESHOLD and score > best[0]:
                best = (score, stretch)
        start = end + 1
    return best[1]


def _merges_and_splits(
    old: tuple[str, ...],
    new: tuple[str, ...],
    runs: Sequence[tuple[range, range]],
    moved: dict[int, int],
    edited: dict[int, int],
    bags: dict[tuple[int, int], frozenset[str]],
) -> tuple[dict[int, tuple[int, ...]], dict[int, tuple[int, ...]]]:
    """Merges (consecutive old sentences that became one new sentence) and splits (one old
    sentence that became consecutive new ones) inside each replaced run. A sentence already
    paired as edited may become part of one when the pieces together match its partner better
    than it alone; those edits are taken out of ``edited`` (updated in place).

    Pieces are looked for within ``_PIECE_REACH`` sentences of the whole's partner (or of the
    run's diagonal), so a rewrite of hundreds of sentences costs a few comparisons each."""
    merged: dict[int, tuple[int, ...]] = {}
    split: dict[int, tuple[int, ...]] = {}
    moved_to = set(moved.values())

    def bag(side: int, k: int) -> frozenset[str]:
        found = bags.get((side, k))
        if found is None:
            found = bags[side, k] = _bag(old[k] if side == 0 else new[k])
        return found

    for olds, news in runs:
        if len(olds) + len(news) < 3:
            continue
        old_at = [i for i in olds if i not in moved]
        new_at = [j for j in news if j not in moved_to]
        if not old_at or not new_at:
            continue
        in_old, in_new = set(old_at), set(new_at)
        old_pos = {i: x for x, i in enumerate(old_at)}
        new_pos = {j: y for y, j in enumerate(new_at)}
        edited_from = {j: i for i, j in edited.items() if i in in_old and j in in_new}
        cross = {i for i, j in edited.items() if i in in_old and j not in in_new}
        cross_to = {j for i, j in edited.items() if j in in_new and i not in in_old}
        scale = len(old_at) / len(new_at)
        used_old: set[int] = set()
        used_new: set[int] = set()
        for y, j in enumerate(new_at):
            if j in cross_to:
                continue
            partner = edited_from.get(j)
            if partner is not None and _dice(bag(0, partner), bag(1, j)) >= _TIERS[0]:
                continue  # a light edit of one sentence is no merge
            mid = old_pos[partner] if partner is not None else round(y * scale)
            window = old_at[max(0, mid - _PIECE_REACH) : mid + _PIECE_REACH + 1]
            free = [
                i for i in window if i not in cross and i not in used_old and edited.get(i, j) == j
            ]
            pieces = _pieces(bag(1, j), free, lambda i: bag(0, i), partner)
            if not pieces:
                continue
            if partner is not None and _dice(bag(0, partner), bag(1, j)) >= _dice(
                frozenset().union(*(bag(0, i) for i in pieces)), bag(1, j)
            ):
                continue
            merged[j] = pieces
            used_old.update(pieces)
            used_new.add(j)
        for x, i in enumerate(old_at):
            if i in cross or i in used_old:
                continue
            partner = edited.get(i)
            if partner in new_pos and _dice(bag(0, i), bag(1, partner)) >= _TIERS[0]:
                continue  # nor a split
            mid = new_pos[partner] if partner in new_pos else round(x / scale)
            window = new_at[max(0, mid - _PIECE_REACH) : mid + _PIECE_REACH + 1]
            free = [
                j
                for j in window
                if j not in cross_to and j not in used_new and edited_from.get(j, i) == i
            ]
            pieces = _pieces(bag(0, i), free, lambda j: bag(1, j), partner)
            if not pieces:
                continue
            if partner is not None and _dice(bag(0, i), bag(1, partner)) >= _dice(
                bag(0, i), frozenset().union(*(bag(1, j) for j in pieces))
            ):
                continue
            split[i] = pieces
            used_old.add(i)
            used_new.update(pieces)
    for pieces in merged.values():
        for i in pieces:
            edited.pop(i, None)
    for i in split:
        edited.pop(i, None)
    return merged, split


def _pair_beside_moves(
    left_old: Sequence[int],
    left_new: Sequence[int],
    bags: dict[tuple[int, int], frozenset[str]],
    moved: dict[int, int],
    edited: dict[int, int],
) -> None:
    """Pair sentences that moved with a neighbour at the in-run ``PAIR_THRESHOLD``.

    A paragraph moved and touched up keeps its sentences side by side: when old ``i - 1``
    went to new ``j - 1`` (or ``i + 1`` to ``j + 1``), old ``i`` and new ``j`` are as likely
    the same sentence as if they had stayed in one run, so the stricter
    ``MOVE_EDIT_THRESHOLD`` is not needed. Repeats until no pair is added, so a chain of
    reworded sentences follows one verbatim neighbour. Updates ``edited`` in place.
    """
    partner = {**moved, **edited}
    free_old = [i for i in left_old if i not in partner]
    free_new = set(left_new) - set(partner.values())
    added = True
    while added and free_old and free_new:
        added = False
        for i in free_old:
            beside = [partner[i - 1] + 1] if i - 1 in partner else []
            if i + 1 in partner:
                beside.append(partner[i + 1] - 1)
            for j in beside:
                if j in free_new and _dice(bags[0, i], bags[1, j]) >= PAIR_THRESHOLD:
                    partner[i] = edited[i] = j
                    free_new.discard(j)
                    added = True
                    break
        free_old = [i for i in free_old if i not in partner]


def diff_sentences(old: Sequence[str], new: Sequence[str]) -> tuple[SentenceOp, ...]:
    """Sentence ops turning ``old`` into ``new``, in article order (see the module docstring)."""
    old = tuple(old)
    new = tuple(new)
    if old == new:
        return ()
    m = _match(old, new)
    moved, edited, anchored = m.moved, m.edited, m.anchored
    moved_to = set(moved.values())
    merged_old = {i for pieces in m.merged.values() for i in pieces}
    split_new = {j for pieces in m.split.values() for j in pieces}

    # Article order: ops that exist in the new text sit at their new index; a removal sits
    # just after the new position of the last old sentence before it that stayed in place.
    keyed: list[tuple[tuple[int, int, int], SentenceOp]] = []
    edited_to = set(edited.values())
    last = -1
    for i in range(len(old)):
        if i in anchored:
            last = max(last, anchored[i])
        elif i not in moved and i not in edited and i not in merged_old and i not in m.split:
            text = old[i]
            op = SentenceOp("removed", text, None, i, None, f"<del>{html.escape(text)}</del>")
            keyed.append(((last, 1, i), op))
    for i, j in moved.items():
        op = SentenceOp("moved", old[i], new[j], i, j, html.escape(new[j]))
        keyed.append(((j, 0, 0), op))
    pieces = _word_pieces if len(edited) <= FINE_EDITS else _coarse_pieces
    for i, j in edited.items():
        words = _render_pieces(pieces(old[i], new[j]), _BOTH)
        keyed.append(((j, 0, 0), SentenceOp("edited", old[i], new[j], i, j, words)))
    for j, olds in m.merged.items():
        joined = " ".join(old[i] for i in olds)
        words = _render_pieces(pieces(joined, new[j]), _BOTH)
        op = SentenceOp("merged", joined, new[j], olds[0], j, words, olds)
        keyed.append(((j, 0, 0), op))
    for i, news in m.split.items():
        joined = " ".join(new[j] for j in news)
        words = _render_pieces(pieces(old[i], joined), _BOTH)
        op = SentenceOp("split", old[i], joined, i, news[0], words, news)
        keyed.append(((news[0], 0, 0), op))
    for _, news in m.runs:
        for j in news:
            taken = j in moved_to or j in edited_to or j in m.merged or j in split_new
            if not taken:
                text = new[j]
                op = SentenceOp("added", None, text, None, j, f"<ins>{html.escape(text)}</ins>")
                keyed.append(((j, 0, 0), op))
    keyed.sort(key=lambda item: item[0])
    return tuple(op for _, op in keyed)
