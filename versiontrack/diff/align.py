"""A side-by-side diff: the sentence matching laid out as rows (old column, new column).

The diff page shows two versions the way News Sniffer does; ``summarize_rows`` counts the rows
the way ``Diff.summary`` counts ops.
"""

from __future__ import annotations

import html
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from versiontrack.diff.sentences import _match
from versiontrack.diff.words import (
    _BOTH,
    _NEW_SIDE,
    _OLD_SIDE,
    _render_pieces,
    _word_pieces,
    diff_words_split,
)
from versiontrack.domain import ChangeSummary

__all__ = ["Row", "RowKind", "align", "summarize_rows"]

RowKind = Literal["equal", "removed", "added", "edited", "moved", "merged", "split"]


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a side-by-side diff: an old sentence (left), a new one (right), or both.

    ``equal`` and ``edited`` rows usually fill both sides; ``removed`` only the left, ``added``
    only the right. A sentence that ``moved`` (or was edited *and* moved out of order) fills one
    side on two rows, where it was and where it went, each naming the other's index in
    ``partner``; so the left column read top to bottom is the old body and the right column the
    new one. ``html_old``/``html_new`` are the cells (escaped; ``<del>`` around what went,
    ``<ins>`` around what came) and ``html`` the row as one column, for an inline view.
    """

    kind: RowKind
    old: str | None
    new: str | None
    old_index: int | None
    new_index: int | None
    html_old: str
    html_new: str
    html: str
    partner: int | None = None


def align(old: Sequence[str], new: Sequence[str]) -> tuple[Row, ...]:
    """Rows of a side-by-side diff of two sentence lists, from the ``diff_sentences`` matching.

    Equal sentences share a row. Inside a replaced run, edited pairs share a row when they
    keep their order (the longest such chain of pairs); everything else in the run gets rows
    of its own, the old sentences first.
    """
    old = tuple(old)
    new = tuple(new)
    if old == new:
        return tuple(_equal_row(i, i, s) for i, s in enumerate(old))
    m = _match(old, new)
    moved_from = {j: i for i, j in m.moved.items()}
    edited_from = {j: i for i, j in m.edited.items()}
    merged_into = {i: j for j, pieces in m.merged.items() for i in pieces}
    split_from = {j: i for i, pieces in m.split.items() for j in pieces}

    def old_only(i: int) -> Row:
        text = old[i]
        if i in merged_into or i in m.split:
            escaped = html.escape(text)
            kind: RowKind = "merged" if i in merged_into else "split"
            return Row(kind, text, None, i, None, escaped, "", escaped)
        if i in m.moved:
            escaped = html.escape(text)
            return Row("moved", text, None, i, None, escaped, "", escaped, m.moved[i])
        if i in m.edited:
            j = m.edited[i]
            left, _ = diff_words_split(text, new[j])
            return Row("edited", text, None, i, None, left, "", left, j)
        deleted = f"<del>{html.escape(text)}</del>"
        return Row("removed", text, None, i, None, deleted, "", deleted)

    def new_only(j: int) -> Row:
        text = new[j]
        if j in m.merged or j in split_from:
            escaped = html.escape(text)
            kind: RowKind = "merged" if j in m.merged else "split"
            return Row(kind, None, text, None, j, "", escaped, escaped)
        if j in moved_from:
            escaped = html.escape(text)
            return Row("moved", None, text, None, j, "", escaped, escaped, moved_from[j])
        if j in edited_from:
            i = edited_from[j]
            _, right = diff_words_split(old[i], text)
            return Row("edited", None, text, None, j, "", right, right, i)
        inserted = f"<ins>{html.escape(text)}</ins>"
        return Row("added", None, text, None, j, "", inserted, inserted)

    rows: list[Row] = []
    runs = iter(m.runs)
    prev_i = prev_j = -1
    for i, j in [*m.equal, (len(old), len(new))]:
        if i > prev_i + 1 or j > prev_j + 1:
            olds, news = next(runs)
            inside = [(a, m.edited[a]) for a in olds if m.edited.get(a, -1) in news]
            at_i, at_j = olds.start, news.start
            for a, b in _ordered_chain(inside):
                rows.extend(old_only(x) for x in range(at_i, a))
                rows.extend(new_only(y) for y in range(at_j, b))
                rows.append(_edited_row(a, b, old[a], new[b]))
                at_i, at_j = a + 1, b + 1
            rows.extend(old_only(x) for x in range(at_i, olds.stop))
            rows.extend(new_only(y) for y in range(at_j, news.stop))
        if i < len(old):
            rows.append(_equal_row(i, j, old[i]))
        prev_i, prev_j = i, j
    return tuple(rows)


def _equal_row(i: int, j: int, text: str) -> Row:
    escaped = html.escape(text)
    return Row("equal", text, text, i, j, escaped, escaped, escaped)


def _edited_row(i: int, j: int, old: str, new: str) -> Row:
    pieces = _word_pieces(old, new)
    return Row(
        "edited",
        old,
        new,
        i,
        j,
        _render_pieces(pieces, _OLD_SIDE),
        _render_pieces(pieces, _NEW_SIDE),
        _render_pieces(pieces, _BOTH),
    )


def _ordered_chain(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by old index) whose new indexes also increase.

    Similarity pairing may cross (old 3 → new 5, old 4 → new 2); only a chain that keeps both
    orders can share rows. Patience sorting, O(n log n).
    """
    tails: list[int] = []  # tails[k]: the pair ending the best chain of length k + 1 so far
    ends: list[int] = []  # ends[k]: that pair's new index (increasing, for bisect)
    back: list[int] = []
    for n, (_, j) in enumerate(pairs):
        k = bisect_left(ends, j)
        back.append(tails[k - 1] if k else -1)
        if k == len(tails):
            tails.append(n)
            ends.append(j)
        else:
            tails[k] = n
            ends[k] = j
    chain_: list[tuple[int, int]] = []
    n = tails[-1] if tails else -1
    while n >= 0:
        chain_.append(pairs[n])
        n = back[n]
    return chain_[::-1]


def summarize_rows(rows: Sequence[Row], fields: Sequence[str] = ()) -> ChangeSummary:
    """The ``ChangeSummary`` of an ``align`` result (the same counts ``Diff.summary`` gives)."""
    # one count per sentence of the old side, but a merge counts on its new side
    counts = Counter(
        row.kind
        for row in rows
        if (row.old is not None and row.kind != "merged")
        or row.kind == "added"
        or (row.kind == "merged" and row.new is not None)
    )
    return ChangeSummary(
        tuple(fields),
        counts["added"],
        counts["removed"],
        counts["edited"],
        counts["moved"],
        counts["merged"],
        counts["split"],
    )
