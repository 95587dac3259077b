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
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain

from diff_match_patch import diff_match_patch

from versiontrack.domain import FIELDS, ArticleText, Diff, FieldChange, SentenceOp

__all__ = [
    "MOVE_EDIT_THRESHOLD",
    "PAIR_THRESHOLD",
    "diff_sentences",
    "diff_texts",
    "diff_words",
    "similarity",
]

#: Minimum ``similarity`` for a deleted and an inserted sentence of the same run to count as one
#: edited sentence. At 0.5 half the words (by Dice) are shared: a rewording, not a new sentence.
PAIR_THRESHOLD = 0.5
#: The same, for sentences in different runs. Stricter, since distance makes a match less likely
#: to be the same sentence; news copy repeats names and phrases across paragraphs.
MOVE_EDIT_THRESHOLD = 0.75

# Past this many posting entries for one word, a word is too common inside a run to find
# candidate pairs cheaply; pairing then also tries the few sentences near the run's diagonal.
_MAX_POSTING = 64
_DIAGONAL_REACH = 2
# Similarity tiers tried before the pairing threshold itself (see ``_pair``).
_TIERS = (0.9, 0.7)

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


def diff_words(old: str, new: str) -> str:
    """Word-level diff of two strings as escaped HTML, changes wrapped in ``<del>``/``<ins>``.

    Text is split into words, numbers, whitespace and single punctuation characters; the
    token diff is tidied with diff-match-patch's semantic cleanup so a reworded phrase reads
    as one replacement rather than a confetti of one-word matches. The unchanged head and tail
    of the strings are kept as one token each: the diff only has to look at the middle.
    """
    if old == new:
        return html.escape(old)
    head, old_mid, new_mid, tail = _common_ends(old, new)
    old_tokens = _WORD_TOKEN.findall(old_mid)
    new_tokens = _WORD_TOKEN.findall(new_mid)
    pieces: list[tuple[int, str]]
    if set(old_tokens).isdisjoint(new_tokens):
        # Nothing in common between the middles (a changed word or figure, the usual case):
        # the diff is one replacement, which semantic cleanup would leave as it is.
        pieces = [(_EQUAL, head), (_DELETE, old_mid), (_INSERT, new_mid), (_EQUAL, tail)]
    else:
        ends = ([head] if head else [], [tail] if tail else [])
        a, b, codes = _encode([*ends[0], *old_tokens, *ends[1]], [*ends[0], *new_tokens, *ends[1]])
        diffs = _token_diff(a, b)
        _dmp.diff_cleanupSemantic(diffs)
        token = {c: t for t, c in codes.items()}
        pieces = [(op, "".join(map(token.__getitem__, chars))) for op, chars in diffs]
    out = []
    for op, text in pieces:
        if not text:
            continue
        text = html.escape(text)
        if op == _EQUAL:
            out.append(text)
        elif op == _DELETE:
            out.append(f"<del>{text}</del>")
        else:
            out.append(f"<ins>{text}</ins>")
    return "".join(out)


def _bag(sentence: str) -> frozenset[str]:
    """The sentence's distinct words, casefolded."""
    return frozenset(_WORD.findall(sentence.casefold()))


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


def diff_sentences(old: Sequence[str], new: Sequence[str]) -> tuple[SentenceOp, ...]:
    """Sentence ops turning ``old`` into ``new``, in article order (see the module docstring)."""
    old = tuple(old)
    new = tuple(new)
    if old == new:
        return ()
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
            pairs = _pair(run_old, run_new, bags, PAIR_THRESHOLD)
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

    # Article order: ops that exist in the new text sit at their new index; a removal sits
    # just after the new position of the last old sentence before it that stayed in place.
    keyed: list[tuple[tuple[int, int, int], SentenceOp]] = []
    edited_to = set(edited.values())
    last = -1
    for i in range(len(old)):
        if i in anchored:
            last = max(last, anchored[i])
        elif i not in moved and i not in edited:
            text = old[i]
            op = SentenceOp("removed", text, None, i, None, f"<del>{html.escape(text)}</del>")
            keyed.append(((last, 1, i), op))
    for i, j in moved.items():
        op = SentenceOp("moved", old[i], new[j], i, j, html.escape(new[j]))
        keyed.append(((j, 0, 0), op))
    for i, j in edited.items():
        op = SentenceOp("edited", old[i], new[j], i, j, diff_words(old[i], new[j]))
        keyed.append(((j, 0, 0), op))
    for _, news in runs:
        for j in news:
            if j not in moved_to and j not in edited_to:
                text = new[j]
                op = SentenceOp("added", None, text, None, j, f"<ins>{html.escape(text)}</ins>")
                keyed.append(((j, 0, 0), op))
    keyed.sort(key=lambda item: item[0])
    return tuple(op for _, op in keyed)


def diff_texts(old: ArticleText, new: ArticleText) -> Diff:
    """Everything that differs between two versions: changed fields, then body sentence ops."""
    fields = []
    for name in FIELDS:
        before, after = old.field(name), new.field(name)
        if before != after:
            fields.append(FieldChange(name, before, after, diff_words(before, after)))
    return Diff(tuple(fields), diff_sentences(old.sentences, new.sentences))
