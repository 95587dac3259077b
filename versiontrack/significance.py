"""How significant a change is: content flags from a ``Diff``, their rank, and feed levels.

This module applies the rules that :mod:`versiontrack.flag_rules` holds as data (the flag
vocabulary ``FLAGS``, their ``RANK``, the ``LEVELS``, the typo rule's word lists): what a
``Diff`` says about the kind of change (``classify``), which changes are too trivial to publish
(``is_boring``), the order in which flags lead a feed title (``rank``) and the feed filter
levels (``meets``, ``level``, ``?min=``). Pure: no I/O, no settings, deterministic.

How ``classify`` reads a diff:

1. Text is compared as *tokens* (read by :mod:`versiontrack.wording`): words (case kept,
   ``’`` folded to ``'`` inside a word), numbers by value (``1,500`` is ``1500``; ``05`` is
   ``5``) and quotation marks, all kinds folded into one. Whitespace, dashes and other
   punctuation are not tokens, so a change that leaves the tokens alone only touched
   whitespace, punctuation or quote style: it is *boring*.
2. The body ops are grouped into *units*: the changed sentences between two unchanged ones
   (the k-th unchanged old sentence is the k-th unchanged new one, so the indexes of the ops
   say where the units are). An edit whose two sentences sit in different units joins them.
   A unit is compared as a whole, old sentences joined against new ones, so a sentence split
   or merged by a full stop, or split because a space was added after one, is just as boring
   as it reads. A unit whose sentences only come back in another order or cut differently
   (the diff can match repeated text that way) is a move.
3. In a unit that is not boring: ``numbers`` if the multiset of numbers differs (a year or a
   percentage is a number too); ``quotes`` if the multiset of quotations differs beyond
   typo-level fixes inside them; then ``minor`` if the word change is *typo-level* and no
   number or quotation changed, else ``substantive``. An added or removed sentence brings or
   takes whole words, so it is substantive unless they were only re-split from a neighbour.
4. A changed headline, standfirst or byline flags its own name unless boring; numbers and
   quotations in the headline and standfirst count too (bylines carry dates and times that
   change on every update, so not there).
5. A moved sentence (verbatim, or edited across units) is a real but minor change: alone it
   gives ``minor``, never ``substantive``, so a reshuffle reaches a ``?min=minor`` feed only.
6. ``minor`` means "nothing more than minor": it is dropped when any other flag is set. A
   boring diff has no flags at all, so ``is_boring(d) == (not classify(d))``.

Typo-level (all must hold): at most ``MAX_TYPO_TOKENS`` word tokens change, counted on both
sides; and each changed stretch of the word-level diff (``difflib``) is one of: the same letters
spaced differently ("for ever" → "forever"); the same number of words, each pair *close*; or a
single inserted or deleted word that is a short function word ("in terms details" → "in terms
of details") or repeats its neighbour ("have have" → "have"). Two words are close if they differ
only in case, or keep their first letter and are one edit apart (adjacent swap included) with
at least four letters, or two edits apart with at least eight ("Ukranian" → "Ukrainian",
"recieve" → "receive", "behavior" → "behaviour"); two function words one edit apart ("a" →
"an", "in" → "on") are close too. Numbers and negations ("not", "never", …) are never close.

``url``, ``removed``, ``restored`` and ``revert`` are set by the pipeline, not by ``classify``,
but belong to the vocabulary and the rank.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher

from versiontrack import wording
from versiontrack.domain import Diff, SentenceOp
from versiontrack.flag_rules import (
    FUNCTION_WORDS,
    LEVEL_FLAGS,
    LEVELS,
    MAX_TYPO_TOKENS,
    NEGATIONS,
    RANK,
)

__all__ = ["classify", "is_boring", "level", "level_number", "meets", "rank"]

_POSITION = {flag: n for n, flag in enumerate(RANK)}


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance where swapping two adjacent letters counts as one edit (OSA)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def _close(a: str, b: str) -> bool:
    """Whether replacing word ``a`` by ``b`` (both casefolded) is a spelling fix."""
    if a == b:
        return True
    if (
        a.startswith(wording.NUMBER)
        or b.startswith(wording.NUMBER)
        or a in NEGATIONS
        or b in NEGATIONS
    ):
        return False
    distance = _edit_distance(a, b)
    if a in FUNCTION_WORDS and b in FUNCTION_WORDS:
        return distance <= 1
    # Typos keep the first letter; a new first letter is usually a new word (fired/hired).
    shorter = min(len(a), len(b))
    return a[0] == b[0] and ((distance <= 1 and shorter >= 4) or (distance <= 2 and shorter >= 8))


def _typo_level(old: Sequence[str], new: Sequence[str]) -> bool:
    """Whether the casefolded words ``old`` became ``new`` by typo-level fixes only."""
    a, b = Counter(old), Counter(new)
    if (a - b).total() + (b - a).total() > MAX_TYPO_TOKENS:
        return False
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        gone, came = old[i1:i2], new[j1:j2]
        if "".join(gone) == "".join(came):
            continue  # respaced: "for ever" → "forever", "U S" → "US"
        if len(gone) == len(came):
            if all(_close(x, y) for x, y in zip(gone, came, strict=True)):
                continue
            return False
        if len(gone) + len(came) != 1:
            return False
        word, side, start, stop = (came[0], new, j1, j2) if came else (gone[0], old, i1, i2)
        neighbours = side[start - 1 : start] + side[stop : stop + 1]
        if word not in FUNCTION_WORDS and word not in neighbours:
            return False
    return True


def _quotes_changed(old: str, new: str) -> bool:
    """Whether a quotation was added, removed or altered beyond typo-level fixes."""
    before, after = Counter(wording.quotations(old)), Counter(wording.quotations(new))
    if before == after:
        return False
    gone = list((before - after).elements())
    came = list((after - before).elements())
    if len(gone) != len(came):
        return True
    for span in gone:
        match = next((c for c in came if _typo_level(span, c)), None)
        if match is None:
            return True
        came.remove(match)
    return False


def _text_flags(old: str, new: str, fixed: str | None) -> set[str]:
    """Flags for one compared piece of text; ``fixed`` names a field (flagged whenever it
    changed), None means body text (``minor`` or ``substantive`` by its words)."""
    if wording.tokens(old) == wording.tokens(new):
        return set()
    if fixed is None and wording.pieces(old) == wording.pieces(new):
        # The same sentences, cut or ordered differently: the diff matched repeated text
        # another way round (a glued "anonymity.A Ukrainian" next to its own duplicate). As
        # far as the words go, sentences moved.
        return {"minor"}
    flags = set()
    if fixed != "byline":
        if wording.numbers(old) != wording.numbers(new):
            flags.add("numbers")
        if _quotes_changed(old, new):
            flags.add("quotes")
    if fixed is not None:
        flags.add(fixed)
    elif flags or not _typo_level(wording.words(old), wording.words(new)):
        # A changed figure or quotation is never a typo, however few letters it takes.
        flags.add("substantive")
    else:
        flags.add("minor")
    return flags


def _units(ops: Sequence[SentenceOp]) -> tuple[list[tuple[str, str]], bool]:
    """The body ops as units of old and new text (module docstring, step 2), and whether
    anything moved."""
    # a merge covers all its old sentences, a split all its new ones
    changed_old = sorted(
        i
        for op in ops
        for i in (op.parts if op.op == "merged" else (op.old_index,))
        if i is not None
    )
    changed_new = sorted(
        j
        for op in ops
        for j in (op.parts if op.op == "split" else (op.new_index,))
        if j is not None
    )

    # Unit of a sentence: how many unchanged sentences come before it on its side.
    def unit_old(i: int) -> int:
        return i - bisect_left(changed_old, i)

    def unit_new(j: int) -> int:
        return j - bisect_left(changed_new, j)

    parent: dict[int, int] = {}

    def root(u: int) -> int:
        while parent.setdefault(u, u) != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    moved = False
    for op in ops:
        if op.op == "moved":
            moved = True
        elif op.old_index is not None and op.new_index is not None:
            a, b = root(unit_old(op.old_index)), root(unit_new(op.new_index))
            if a != b:
                moved = True  # edited in one place, landed in another
                parent[max(a, b)] = min(a, b)
    olds: dict[int, list[tuple[int, str]]] = {}
    news: dict[int, list[tuple[int, str]]] = {}
    for op in ops:
        if op.op == "moved":
            continue  # verbatim: the same text leaves one place and arrives at another
        if op.old_index is not None and op.old is not None:
            olds.setdefault(root(unit_old(op.old_index)), []).append((op.old_index, op.old))
        if op.new_index is not None and op.new is not None:
            news.setdefault(root(unit_new(op.new_index)), []).append((op.new_index, op.new))
    units = [
        (
            " ".join(text for _, text in sorted(olds.get(u, ()))),
            " ".join(text for _, text in sorted(news.get(u, ()))),
        )
        for u in sorted(olds.keys() | news.keys())
    ]
    return units, moved


def classify(diff: Diff) -> frozenset[str]:
    """The content flags of a change (see the module docstring); empty when it is boring."""
    flags: set[str] = set()
    for change in diff.fields:
        flags |= _text_flags(change.old, change.new, change.field)
    units, moved = _units(diff.ops)
    for old, new in units:
        flags |= _text_flags(old, new, None)
    if moved:
        flags.add("minor")
    if len(flags) > 1:
        flags.discard("minor")
    return frozenset(flags)


def is_boring(diff: Diff) -> bool:
    """Whether the change only touched whitespace, punctuation or quote style (or nothing).

    Boring changes are stored like any other but left out of feeds by default.
    """
    return not classify(diff)


def rank(flags: Iterable[str]) -> list[str]:
    """The distinct flags, most significant first; raises ``ValueError`` for an unknown flag."""
    distinct = set(flags)
    if unknown := distinct - _POSITION.keys():
        raise ValueError(f"unknown change flags: {', '.join(sorted(unknown))}")
    return sorted(distinct, key=_POSITION.__getitem__)


def meets(flags: Iterable[str], minimum: str) -> bool:
    """Whether a change with ``flags`` belongs in a feed filtered at level ``minimum``.

    ``minor``: any change that is not boring. ``substantive``: body rewrites, any field,
    number or quotation change, and the pipeline's ``removed``/``restored``/``url``.
    ``headline``: a new headline, or the article removed or restored (see ``LEVEL_FLAGS``).
    Raises ``ValueError`` for a level not in ``LEVELS``.
    """
    try:
        wanted = LEVEL_FLAGS[minimum]
    except KeyError:
        raise ValueError(f"unknown level {minimum!r}; expected one of {LEVELS}") from None
    return not wanted.isdisjoint(flags)


def level(flags: Iterable[str]) -> int:
    """The highest level ``flags`` meet: 0 boring, then 1.. for each of ``LEVELS`` in order.

    Stored with each change so that feeds filter with ``level >= n`` in the database.
    """
    flags = frozenset(flags)
    return max((n for n, name in enumerate(LEVELS, 1) if meets(flags, name)), default=0)


def level_number(minimum: str) -> int:
    """The stored level a ``?min=`` name stands for (``all`` includes boring changes);
    ValueError for an unknown name."""
    if minimum == "all":
        return 0
    if minimum not in LEVELS:
        raise ValueError(f"unknown level {minimum!r}; expected all or one of {', '.join(LEVELS)}")
    return LEVELS.index(minimum) + 1
