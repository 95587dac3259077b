"""Token sequences as strings of opaque characters, and their exact common subsequence.

Both levels of the diff (sentences of a body, words of a sentence) hand each distinct token one
character and let diff-match-patch diff the strings, the way its ``linesToChars`` treats lines.
This module owns that encoding and the one configured ``diff_match_patch`` instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from diff_match_patch import diff_match_patch

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
