"""Diffs between two versions of an article, as typed ops: the ``diff`` stage of the pipeline.

Owns the comparison of two ``ArticleText`` values: fields (headline, standfirst, byline) are
compared as wholes, the body sentence by sentence, and every change is rendered as escaped HTML
with ``<del>``/``<ins>`` word highlights. Pure: no I/O, no settings, deterministic output.

How the body diff works:

1. Each distinct sentence becomes one opaque character (private-use code points, the way
   diff-match-patch's ``linesToChars`` treats lines) and diff-match-patch diffs those strings.
   The stretches between equal sentences are *replaced runs*.
2. A sentence deleted in one place and inserted verbatim in another is ``moved``.
3. Inside each replaced run, deleted and inserted sentences are paired greedily, most similar
   first (``similarity`` ≥ ``PAIR_THRESHOLD``); each pair is ``edited``.
4. Sentences still unpaired are paired across runs at a stricter ``MOVE_EDIT_THRESHOLD`` (a
   paragraph moved *and* touched up is an edit, not a removal plus an addition).
5. What is left is ``removed`` or ``added``. Ops are sorted into article order.
6. Each edit gets word highlights — unless more than ``FINE_EDITS`` sentences were edited (a
   rewrite): then each edit shows its changed middle as one replacement between the common
   head and tail, which costs a tenth and reads no worse when everything changed.

A rewrite also pairs cheaper in step 3: a run of more than ``FINE_EDITS`` sentences on each
side first pairs the sentences that stayed in place and barely changed (``_in_place``).

``align`` lays the same matching out as rows of a side-by-side view (old column, new column),
the way News Sniffer shows two versions.
"""

from __future__ import annotations

import html
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Literal

from diff_match_patch import diff_match_patch

from versiontrack.domain import FIELDS, ArticleText, ChangeSummary, Diff, FieldChange, SentenceOp

__all__ = [
    "FINE_EDITS",
    "MOVE_EDIT_THRESHOLD",
    "PAIR_THRESHOLD",
    "Row",
    "RowKind",
    "align",
    "diff_sentences",
    "diff_texts",
    "diff_words",
    "diff_words_split",
    "similarity",
    "summarize_rows",
]

RowKind = Literal["equal", "removed", "added", "edited", "moved", "merged", "split"]

#: Minimum ``similarity`` for a deleted and an inserted sentence of the same run to count as one
#: edited sentence. At 0.5 half the words (by Dice) are shared: a rewording, not a new sentence.
PAIR_THRESHOLD = 0.5
#: The same, for sentences in different runs. Stricter, since distance makes a match less likely
#: to be the same sentence; news copy repeats names and phrases across paragraphs.
MOVE_EDIT_THRESHOLD = 0.75

#: Merges and splits: each piece has at least this many distinct words, at least this share of
#: them in the whole sentence, and the pieces' words together reach this Dice coefficient with
#: it. Strict on purpose: a sentence that only borrows a clause from a neighbour stays an edit.
MIN_PIECE_WORDS = 4
PIECE_CONTAINED = 0.8
MERGE_THRESHOLD = 0.6
# How far from a sentence's partner (or the run's diagonal) its pieces are looked for.
_PIECE_REACH = 3

# Past this many posting entries for one word, a word is too common inside a run to find
# candidate pairs cheaply; pairing then also tries the few sentences near the run's diagonal.
_MAX_POSTING = 64
_DIAGONAL_REACH = 2
# Similarity tiers tried before the pairing threshold itself (see ``_pair``).
_TIERS = (0.9, 0.7)
#: Edited sentences up to which every edit gets a word-level diff (see step 6).
FINE_EDITS = 200

_dmp = diff_match_patch()
# Diff_Timeout = 0 means "no deadline". At the 1 s default, diff-match-patch silently gives up
# and returns "delete everything, insert everything" when time runs out, and it also enables
# the half-match shortcut, which can return a non-minimal diff. Either would make the result
# depend on machine load. Both levels diff short strings of tokens (sentences of a body after
# removing those that occur on one side only; words of one sentence or field), so an exact
# diff is affordable and the output is deterministic.
_dmp.Diff_Timeout = 0

_EQUAL = diff_match_patch.DIFF_EQUAL
_DELETE = diff_match_patch.DIFF_DELETE
_INSERT = diff_match_patch.DIFF_INSERT

# Word-diff tokens: a number with its separators ("10,000", "1.5bn") stays one token so a changed
# figure reads as one replacement; words keep inner apostrophes ("didn't"); whitespace runs and
# each other character are tokens of their own. Together the alternatives cover every character.
_WORD_TOKEN = re.compile(r"\d+(?:[.,]\d+)+\w*|\w+(?:['\u2019]\w+)*|\s+|[^\w\s]")
# Similarity looks at words only, so punctuation and quote style do not make sentences differ.
_WORD = re.compile(r"\w+")
# A free-standing figure ("11:05", "10/31/2024", "1,500"), for ``_shape``.
_FIGURE = re.compile(r"(?<!\w)\d+(?:[.,:/]\d+)*(?!\w)")

# Code points handed out to tokens, in order: the BMP private-use area (6,400), then the two
# supplementary private-use planes. Past those (over 137,000 distinct tokens) the rest of the
# non-surrogate code points serve: the characters are opaque to diff-match-patch and never
# mixed with real text.
_CODE_RANGES: tuple[tuple[int, int], ...] = (
    (0xE000, 0xF8FF),
    (0xF0000, 0xFFFFD),
    (0x100000, 0x10FFFD),
    (0x0000, 0xD7FF),
    (0xF900, 0xEFFFF),
)


def _code_point(n: int) -> str:
    """The character for the ``n``-th distinct token."""
    for start, end in _CODE_RANGES:
        size = end - start + 1
        if n < size:
            return chr(start + n)
        n -= size
    raise ValueError("too many distinct tokens to diff")


def _encode(a: Sequence[str], b: Sequence[str]) -> tuple[str, str, dict[str, str]]:
    """Both token sequences as strings of one character per token, and the token → code map."""
    distinct = dict.fromkeys(chain(a, b))  # first-seen order, so codes are deterministic
    codes = {
        token: chr(0xE000 + k) if k < 0x1900 else _code_point(k) for k, token in enumerate(distinct)
    }
    code = codes.__getitem__
    return "".join(map(code, a)), "".join(map(code, b)), codes


def _matches(a: str, b: str) -> list[tuple[int, int]]:
    """Index pairs of the characters diff-match-patch keeps equal between ``a`` and ``b``.

    Characters present on one side only cannot be part of any common subsequence, so they are
    dropped before diffing (GNU diff's "discard confusing lines"): the match is just as long,
    and a body whose every sentence changed costs nothing instead of a quadratic bisect.
    """
    shared = set(a) & set(b)
    if not shared:
        return []
    a_keep = [i for i, c in enumerate(a) if c in shared]
    b_keep = [j for j, c in enumerate(b) if c in shared]
    a_short = "".join(a[i] for i in a_keep)
    b_short = "".join(b[j] for j in b_keep)
    if a_short == b_short:
        return list(zip(a_keep, b_keep, strict=True))
    pairs: list[tuple[int, int]] = []
    i = j = 0
    for op, text in _dmp.diff_main(a_short, b_short, False):
        n = len(text)
        if op == _EQUAL:
            pairs.extend(zip(a_keep[i : i + n], b_keep[j : j + n], strict=True))
            i += n
            j += n
        elif op == _DELETE:
            i += n
        else:
            j += n
    return pairs


def _token_diff(a: str, b: str) -> list[tuple[int, str]]:
    """A diff-match-patch style diff of two token strings, built from ``_matches``."""
    diffs: list[tuple[int, str]] = []
    i = j = 0
    for mi, mj in [*_matches(a, b), (len(a), len(b))]:
        if mi > i:
            diffs.append((_DELETE, a[i:mi]))
        if mj > j:
            diffs.append((_INSERT, b[j:mj]))
        if mi < len(a):
            if diffs and diffs[-1][0] == _EQUAL:
                diffs[-1] = (_EQUAL, diffs[-1][1] + a[mi])
            else:
                diffs.append((_EQUAL, a[mi]))
        i, j = mi + 1, mj + 1
    return diffs


def _common_ends(old: str, new: str) -> tuple[str, str, str, str]:
    """Split off the longest common head and tail that end and start on token boundaries.

    A cut is only made next to a space inside the shared text, where the token split of the
    pieces is the same as that of the whole. Returns ``(head, old_middle, new_middle, tail)``.
    """
    p = _dmp.diff_commonPrefix(old, new)
    k = 0
    if p > 1:
        m = old.rfind(" ", 0, p - 1)
        while m >= 0 and old[m + 1].isspace():
            m = old.rfind(" ", 0, m)
        k = m + 1
    head, old, new = old[:k], old[k:], new[k:]
    s = _dmp.diff_commonSuffix(old, new)
    q = len(old)
    if s > 1:
        m = old.find(" ", len(old) - s + 1)
        while m > 0 and old[m - 1].isspace():
            m = old.find(" ", m + 1)
        if m > 0:
            q = m
    tail = old[q:]
    return head, old[:q], new[: len(new) - len(tail)], tail


def _word_pieces(old: str, new: str) -> list[tuple[int, str]]:
    """The word diff of two strings as diff-match-patch ``(op, text)`` pieces."""
    if old == new:
        return [(_EQUAL, old)]
    head, old_mid, new_mid, tail = _common_ends(old, new)
    old_tokens = _WORD_TOKEN.findall(old_mid)
    new_tokens = _WORD_TOKEN.findall(new_mid)
    if set(old_tokens).isdisjoint(new_tokens):
        # Nothing in common between the middles (a changed word or figure, the usual case):
        # the diff is one replacement, which semantic cleanup would leave as it is.
        return _replacement(head, old_mid, new_mid, tail)
    ends = ([head] if head else [], [tail] if tail else [])
    a, b, codes = _encode([*ends[0], *old_tokens, *ends[1]], [*ends[0], *new_tokens, *ends[1]])
    diffs = _token_diff(a, b)
    _dmp.diff_cleanupSemantic(diffs)
    token = {c: t for t, c in codes.items()}
    return [(op, "".join(map(token.__getitem__, chars))) for op, chars in diffs]


def _replacement(head: str, old_mid: str, new_mid: str, tail: str) -> list[tuple[int, str]]:
    """Pieces that keep ``head`` and ``tail`` and replace one middle by the other."""
    return [(_EQUAL, head), (_DELETE, old_mid), (_INSERT, new_mid), (_EQUAL, tail)]


def _coarse_pieces(old: str, new: str) -> list[tuple[int, str]]:
    """A cheap word diff: the common head and tail kept, the middle as one replacement."""
    return _replacement(*_common_ends(old, new))


def _render_pieces(pieces: Sequence[tuple[int, str]], keep: frozenset[int]) -> str:
    """Escaped HTML of the pieces whose op is in ``keep``: deletions in ``<del>``, insertions
    in ``<ins>``."""
    out = []
    for op, text in pieces:
        if not text or op not in keep:
            continue
        text = html.escape(text)
        if op == _EQUAL:
            out.append(text)
        elif op == _DELETE:
            out.append(f"<del>{text}</del>")
        else:
            out.append(f"<ins>{text}</ins>")
    return "".join(out)


_BOTH = frozenset((_EQUAL, _DELETE, _INSERT))
_OLD_SIDE = frozenset((_EQUAL, _DELETE))
_NEW_SIDE = frozenset((_EQUAL, _INSERT))


def diff_words(old: str, new: str) -> str:
    """Word-level diff of two strings as escaped HTML, changes wrapped in ``<del>``/``<ins>``.

    Text is split into words, numbers, whitespace and single punctuation characters; the
    token diff is tidied with diff-match-patch's semantic cleanup so a reworded phrase reads
    as one replacement rather than a confetti of one-word matches. The unchanged head and tail
    of the strings are kept as one token each: the diff only has to look at the middle.
    """
    if old == new:
        return html.escape(old)
    return _render_pieces(_word_pieces(old, new), _BOTH)


def diff_words_split(old: str, new: str) -> tuple[str, str]:
    """The same word diff as two escaped HTML strings, one per side, for a side-by-side view:
    ``old`` with ``<del>`` around what went, ``new`` with ``<ins>`` around what came."""
    pieces = _word_pieces(old, new)
    return _render_pieces(pieces, _OLD_SIDE), _render_pieces(pieces, _NEW_SIDE)


def _bag(sentence: str) -> frozenset[str]:
    """The sentence's distinct words, casefolded."""
    return frozenset(_WORD.findall(sentence.casefold()))


def _shape(sentence: str) -> frozenset[str]:
    """The sentence's ``_bag`` with every free-standing figure replaced by one placeholder."""
    return _bag(_FIGURE.sub(" 0 ", sentence))


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def similarity(a: str, b: str) -> float:
    """How alike two sentences are, from 0 (no word in common) to 1 (identical).

    The Dice coefficient of the sets of casefolded words (``\\w+``) of the two sentences:
    2·|shared| / (|a| + |b|). It ignores punctuation, quote style, case and word order, which
    is what matters when asking whether an inserted sentence is an edit of a deleted one, and
    it is cheap: one set intersection, which ``_pair`` can prefilter with an index instead of
    scoring every pair (a Levenshtein ratio could not be prefiltered that way). Sentences
    without words are alike only if identical.
    """
    if a == b:
        return 1.0
    return _dice(_bag(a), _bag(b))


def _pair(
    olds: Sequence[int],
    news: Sequence[int],
    bags: dict[tuple[int, int], frozenset[str]],
    threshold: float,
) -> list[tuple[int, int]]:
    """Greedy best-first pairing of old and new sentence indexes with similarity ≥ threshold.

    Ties go to the pair nearest the diagonal, so equally good matches keep article order.
    Scoring every old-new pair would be quadratic, so candidates come from prefix filtering
    (as in set-similarity joins): with words ordered rarest first, two bags whose Dice
    coefficient reaches t share a word among the first ``len - minimum overlap + 1`` words of
    each, so only pairs sharing such a word are scored. Pairs are found in tiers of falling t:
    a high t needs short prefixes of rare words, and lightly edited sentences, the common
    case, are paired before the expensive low tier runs on what is left. Greedy order makes
    the tiers give exactly the pairs of one pass at ``threshold``.
    """
    if len(olds) == 1 and len(news) == 1:
        (i,), (j,) = olds, news
        return [(i, j)] if _dice(bags[0, i], bags[1, j]) >= threshold else []

    old_bags = [bags[0, i] for i in olds]
    new_bags = [bags[1, j] for j in news]
    frequency = Counter(chain.from_iterable(old_bags + new_bags))

    # One total order for every bag, as prefix filtering requires: rarest first, ties broken
    # by the word (a stable sort by frequency of the alphabetically sorted words).
    ordered = sorted(frequency)
    ordered.sort(key=frequency.__getitem__)
    rank = {w: r for r, w in enumerate(ordered)}

    def rarest_first(bag: frozenset[str]) -> list[str]:
        return sorted(bag, key=rank.__getitem__)

    old_words = [rarest_first(bags[0, i]) for i in olds]
    new_words = [rarest_first(bags[1, j]) for j in news]
    free_old = [x for x, words in enumerate(old_words) if words]
    free_new = [y for y, words in enumerate(new_words) if words]
    scale = len(news) / len(olds)
    pairs: list[tuple[int, int]] = []
    for tier in (*(t for t in _TIERS if t > threshold), threshold):
        if not free_old or not free_new:
            break

        def prefix(words: list[str], tier: float = tier) -> list[str]:
            # A pair reaching Dice t overlaps by at least t·|x|/(2-t) words, whatever |y| is.
            need = max(1, math.ceil(tier * len(words) / (2 - tier) - 1e-9))
            return words[: len(words) - need + 1]

        free_set = set(free_new)
        postings: dict[str, list[int]] = {}
        for y in free_new:
            for word in prefix(new_words[y]):
                postings.setdefault(word, []).append(y)
        scored: list[tuple[float, float, int, int]] = []
        for x in free_old:
            candidates: set[int] = set()
            crowded = False
            for word in prefix(old_words[x]):
                posting = postings.get(word, ())
                if len(posting) > _MAX_POSTING:
                    crowded = True
                else:
                    candidates.update(posting)
            if crowded:
                # Too common to index cheaply: settle for the sentences around the diagonal.
                mid = round(x * scale)
                reach = range(mid - _DIAGONAL_REACH, mid + _DIAGONAL_REACH + 1)
                candidates.update(y for y in reach if y in free_set)
            bag = old_bags[x]
            size = len(bag)
            for y in candidates:
                other = new_bags[y]
                total = size + len(other)
                if 2 * min(size, len(other)) < tier * total:
                    continue  # too different in length to reach the tier
                score = 2 * len(bag & other) / total
                if score >= tier:
                    scored.append((-score, abs(x * scale - y), x, y))
        scored.sort()
        used_old: set[int] = set()
        used_new: set[int] = set()
        for _, _, x, y in scored:
            if x not in used_old and y not in used_new:
                used_old.add(x)
                used_new.add(y)
                pairs.append((olds[x], news[y]))
        free_old = [x for x in free_old if x not in used_old]
        free_new = [y for y in free_new if y not in used_new]
    return pairs


def _in_place(
    run_old: Sequence[int], run_new: Sequence[int], bags: dict[tuple[int, int], frozenset[str]]
) -> list[tuple[int, int]]:
    """A rewrite's cheaper path: in a replaced run of more than ``FINE_EDITS`` sentences on
    each side, sentences at the same place in the run whose similarity reaches the first tier
    are paired at once, and ``_pair`` only sees the rest (scoring every candidate of a
    500-sentence run is most of a full rewrite's diff). Smaller runs: no pairs here."""
    if min(len(run_old), len(run_new)) <= FINE_EDITS:
        return []
    return [
        (i, j)
        for i, j in zip(run_old, run_new, strict=False)
        if _dice(bags[0, i], bags[1, j]) >= _TIERS[0]
    ]


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


# --- side by side ----------------------------------------------------------------------------


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


def diff_texts(old: ArticleText, new: ArticleText) -> Diff:
    """Everything that differs between two versions: changed fields, then body sentence ops."""
    fields = []
    for name in FIELDS:
        before, after = old.field(name), new.field(name)
        if before != after:
            fields.append(FieldChange(name, before, after, diff_words(before, after)))
    return Diff(tuple(fields), diff_sentences(old.sentences, new.sentences))


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
