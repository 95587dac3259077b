"""The rules of significance as data: the flag vocabulary, its rank, the feed levels and the
word lists of the typo rule.

Kept apart from the code that applies them (:mod:`versiontrack.significance`), the way
trafilatura keeps its XPath expressions in ``xpaths.py``: what counts as headline-level, which
flag leads a feed title or which short words a typo fix may touch is changed here, and read
here, without reading how a diff is tokenised.
"""

from __future__ import annotations

__all__ = [
    "FLAGS",
    "FUNCTION_WORDS",
    "LEVELS",
    "LEVEL_FLAGS",
    "MAX_TYPO_TOKENS",
    "NEGATIONS",
    "RANK",
]

#: Every flag a stored change can carry.
FLAGS: tuple[str, ...] = (
    "headline",
    "standfirst",
    "byline",
    "numbers",
    "quotes",
    "substantive",
    "minor",
    "url",
    "removed",
    "restored",
    "revert",
    "headline_test",
    "terms",
)

#: The flags in order of significance, most significant first (the feed title leads with it).
RANK: tuple[str, ...] = (
    "removed",
    "restored",
    "headline_test",
    "headline",
    "url",
    "terms",
    "numbers",
    "quotes",
    "standfirst",
    "substantive",
    "byline",
    "revert",
    "minor",
)

#: Feed filter levels for ``meets``, least demanding first.
LEVELS: tuple[str, ...] = ("minor", "substantive", "headline")
LEVEL_FLAGS: dict[str, frozenset[str]] = {
    # Any change that is not boring. ``revert`` only annotates a change whose content flags
    # decide; a revert of a boring change is still boring.
    "minor": frozenset(FLAGS) - {"revert"},
    # More than a typo or a reshuffle: any field, number, quotation, body rewrite, or the
    # article vanishing, coming back or changing address.
    "substantive": frozenset(
        {
            "substantive",
            "headline",
            "standfirst",
            "byline",
            "numbers",
            "quotes",
            "url",
            "removed",
            "restored",
            "headline_test",
        }
    ),
    # The front-page level: flags ranked at or above ``headline``. The article disappearing or
    # coming back is at least as loud as a new headline. ``url`` is left out: a URL change alone
    # is usually a slug or canonical tidy-up, and a re-slug that follows a new headline already
    # carries ``headline``.
    # A headline A/B test is reported once, as a headline-level event.
    "headline": frozenset({"headline", "headline_test", "removed", "restored"}),
}

#: The most word tokens (old and new side counted together) an edit may change and still be
#: typo-level: four one-word fixes. Past it a unit is substantive whatever the words are,
#: which also keeps the word diff of a rewritten article from costing anything.
MAX_TYPO_TOKENS = 8

# Short words whose insertion, removal or swap for a neighbour by one letter is grammar, not
# meaning. Deliberately only articles, prepositions and "and"/"or"/"that": dropping an
# auxiliary ("was killed" → "killed") or a negation changes what the sentence says.
FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for from with as and or that into onto".split()
)
NEGATIONS = frozenset("not no never nor none nothing nobody neither without cannot".split())
