"""How alike two sentences are, and the pairing of deleted with inserted sentences by it.

``similarity`` is the Dice coefficient of the sentences' word sets; ``_pair`` pairs greedily,
most similar first, with prefix filtering so a long run costs far less than scoring every pair.
The thresholds here decide when a changed sentence counts as an edit of an old one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain

__all__ = ["FINE_EDITS", "MOVE_EDIT_THRESHOLD", "PAIR_THRESHOLD", "similarity"]

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
#: Edited sentences up to which every edit gets a word-level diff (see step 6).
FINE_EDITS = 200

# Similarity looks at words only, so punctuation and quote style do not make sentences differ.
_WORD = re.compile(r"\w+")
# A free-standing figure ("11:05", "10/31/2024", "1,500"), for ``_shape``.
_FIGURE = re.compile(r"(?<!\w)\d+(?:[.,:/]\d+)*(?!\w)")


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
