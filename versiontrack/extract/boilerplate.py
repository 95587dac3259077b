"""Applying the boilerplate rules (``rules.BOILERPLATE``) and a source's ``ignore`` patterns to
the body's paragraphs: ``is_boilerplate`` for one line, ``_drop_boilerplate`` for a body.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from versiontrack.extract.rules import BOILERPLATE
from versiontrack.text import normalise_line


def _is_label(paragraph: str) -> bool:
    return (
        len(paragraph) <= 40
        and paragraph.upper() == paragraph
        and any(c.isalpha() for c in paragraph)
        and not any(c in ".!?" for c in paragraph)
    )


def _drop_boilerplate(paragraphs: list[str], ignore: Sequence[re.Pattern[str]] = ()) -> list[str]:
    """Drop boilerplate paragraphs, and an upper-case label left over at the end of the body.

    The label ("INVESTING BOOKS" over a newsletter form) is the title of a block whose other
    lines were all boilerplate; only at the very end, since mid-article an all-caps line can
    be a real subheading that just happens to sit above an ad slot. A source's ``ignore``
    patterns are its own boilerplate: a paragraph one of them finds (``re.search``, on the
    paragraph as ``text`` will store it) is dropped like one of ours.
    """
    kept: list[str] = []
    dropped_since_kept = False
    for paragraph in paragraphs:
        if is_boilerplate(paragraph) or _ignored(paragraph, ignore):
            dropped_since_kept = bool(kept)
        else:
            kept.append(paragraph)
            dropped_since_kept = False
    while dropped_since_kept and len(kept) > 1 and _is_label(kept[-1]):
        kept.pop()
    return kept


def _ignored(paragraph: str, ignore: Sequence[re.Pattern[str]]) -> bool:
    if not ignore:
        return False
    # the stored form: a user's "^Updated" must not miss because of a zero-width space or a
    # control character, nor "ago$" because of a decomposed accent before it
    line = normalise_line(paragraph)
    return any(pattern.search(line) for pattern in ignore)


def is_boilerplate(paragraph: str) -> bool:
    """True when a whole (whitespace-folded) paragraph is one of our boilerplate lines: one
    search of the rules whose limit its length is within (``_by_size``), none for a paragraph
    longer than every limit (most of an article's)."""
    rules = _by_size(BOILERPLATE)
    length = len(paragraph)
    return length < len(rules) and rules[length].fullmatch(paragraph) is not None


def _table(rules: Sequence[tuple[re.Pattern[str], int]]) -> tuple[re.Pattern[str], ...]:
    """For each length up to the longest limit, the rules a line of that length may match
    as one pattern: their alternation, matched whole, is any of them matched whole (the
    rules are case-blind and capture nothing; ``tests/unit/test_fingerprint.py`` holds
    them to it), in one search instead of one per rule."""
    alternations = {
        limit: re.compile(
            "|".join(f"(?:{p.pattern})" for p, most in rules if most >= limit), re.IGNORECASE
        )
        for _, limit in rules
    }
    longest = max(alternations, default=-1)
    return tuple(
        alternations[min(limit for limit in alternations if limit >= size)]
        for size in range(longest + 1)
    )


# built at import (about 50 ms), so that forked processes have it, with the rules it is of
_built: tuple[object, tuple[re.Pattern[str], ...]] = (BOILERPLATE, _table(BOILERPLATE))


def _by_size(rules: Sequence[tuple[re.Pattern[str], int]]) -> tuple[re.Pattern[str], ...]:
    """``_table(rules)``, built again only when ``rules`` is another table (a test turns the
    rules off)."""
    global _built
    if _built[0] is not rules:
        _built = (rules, _table(rules))
    return _built[1]
