"""The word-level diff of two strings, as escaped HTML with ``<del>``/``<ins>`` highlights.

Used for edited sentences and changed fields (``diff_words``) and for the two cells of a
side-by-side row (``diff_words_split``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from versiontrack.diff.codes import _DELETE, _EQUAL, _INSERT, _dmp, _encode, _matches

__all__ = ["diff_words", "diff_words_split"]

# Word-diff tokens: a number with its separators ("10,000", "1.5bn") stays one token so a changed
# figure reads as one replacement; words keep inner apostrophes ("didn't"); whitespace runs and
# each other character are tokens of their own. Together the alternatives cover every character.
_WORD_TOKEN = re.compile(r"\d+(?:[.,]\d+)+\w*|\w+(?:['\u2019]\w+)*|\s+|[^\w\s]")


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
