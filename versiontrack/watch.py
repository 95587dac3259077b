"""Watch terms: does a change add, remove or edit a sentence that names a watched term?

A term matches whole words, ignoring case (``Kursk`` matches "kursk's" but ``Kim`` does not
match "Kimberley"); a term may be a phrase. The sentences a change touches are its added,
removed and edited sentences (both sides of an edit) and both sides of a changed headline,
standfirst or byline; a sentence that only moved is not touched. Pure functions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from versiontrack.domain import ChangeEntry, Diff, Source
from versiontrack.errors import InvalidArgument

FLAG = "terms"
#: How many of the newest changes a feed filtered by ``?terms=`` looks through.
SCAN = 2000
#: The most terms, and the longest term, one ``?terms=`` may ask for.
MAX_TERMS = 20
MAX_TERM_LENGTH = 100


@functools.lru_cache(maxsize=256)
def _pattern(term: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def touched_texts(diff: Diff) -> list[str]:
    """Every text a change adds, removes or edits (old and new sides)."""
    texts: list[str] = []
    for change in diff.fields:
        texts += [change.old, change.new]
    for op in diff.ops:
        if op.op != "moved":
            texts += [t for t in (op.old, op.new) if t]
    return texts


def matched_terms(diff: Diff, terms: Sequence[str]) -> list[str]:
    """The terms (as configured) that a sentence touched by ``diff`` contains."""
    if not terms:
        return []
    texts = touched_texts(diff)
    return [t for t in dict.fromkeys(terms) if any(_pattern(t).search(x) for x in texts)]


def terms_for(watch_terms: Iterable[str], source: Source | None) -> tuple[str, ...]:
    """The terms watched for one source: ``[watch] terms`` plus the source's own."""
    own = source.terms if source is not None else ()
    return tuple(dict.fromkeys((*watch_terms, *own)))


def flags(diff: Diff, watch_terms: Iterable[str], source: Source | None) -> set[str]:
    """``{"terms"}`` when the change touches a watched term of its source, else empty."""
    return {FLAG} if matched_terms(diff, terms_for(watch_terms, source)) else set()


def parse_terms(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Terms from a ``?terms=a,b`` parameter (or a list of them): trimmed, empty ones dropped."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    terms = tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
    if len(terms) > MAX_TERMS or any(len(t) > MAX_TERM_LENGTH for t in terms):
        raise InvalidArgument(
            f"at most {MAX_TERMS} terms of at most {MAX_TERM_LENGTH} characters each"
        )
    return terms


def matching(entries: Sequence[ChangeEntry], terms: Sequence[str]) -> list[ChangeEntry]:
    """The changes touching one of ``terms`` (all of them when no term is given)."""
    if not terms:
        return list(entries)
    return [e for e in entries if matched_terms(e.diff, terms)]
