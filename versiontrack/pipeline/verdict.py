"""What a check found, decided from texts and history facts alone: pure, no session, no I/O.

``compare`` puts the new text next to the latest version: ``new`` (no version yet),
``changed``, ``unchanged``, ``collapsed`` (the body shrank too far to be believed),
``byline_held`` (a byline-only change waits for a second sighting) or ``shuffled`` (a rotating
list inside the article box). ``judge_change`` gives a change its flags and level from facts
about the history read beforehand: a ``revert`` back to an earlier version, a ``headline_test``
flipping between headlines. ``record`` reads the facts, asks here, and writes the answer.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from versiontrack import significance, template
from versiontrack.domain import ArticleText, CheckOutcomeKind, Diff

Found = Literal["new", "changed", "unchanged", "collapsed", "byline_held", "shuffled"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The new text next to the latest version."""

    found: Found
    #: the article was marked removed and answers again
    restored: bool
    #: what the article's ``pending_hash`` becomes (a byline-only change seen once)
    pending_hash: str | None

    @property
    def stores_version(self) -> bool:
        return self.found in ("new", "changed")

    @property
    def outcome(self) -> CheckOutcomeKind:
        if self.found in ("new", "changed"):
            return "new" if self.found == "new" else "changed"
        if self.found == "collapsed":
            return "failed"
        return "restored" if self.restored else "unchanged"


def compare(
    previous: ArticleText | None,
    text: ArticleText,
    *,
    removed: bool,
    pending_hash: str | None,
    collapse_ratio: float,
) -> Comparison:
    """What ``text`` is next to ``previous`` (the latest version; None before the first)."""
    if previous is None:
        return Comparison("new", removed, pending_hash)
    held, pending_hash = byline_held_back(previous, text, pending_hash)
    if held:
        return Comparison("byline_held", removed, pending_hash)
    if shuffled(previous, text):
        return Comparison("shuffled", removed, pending_hash)
    if previous.content_hash == text.content_hash:
        return Comparison("unchanged", removed, pending_hash)
    if len(text.body) < collapse_ratio * len(previous.body):
        return Comparison("collapsed", removed, pending_hash)
    return Comparison("changed", removed, pending_hash)


def byline_held_back(
    previous: ArticleText, text: ArticleText, pending_hash: str | None
) -> tuple[bool, str | None]:
    """Whether ``text`` differs from ``previous`` in its byline alone and must wait, and the
    article's pending hash after this sighting.

    A byline is evidence, not gospel: metadata shuffles author lists and slips stamps in. The
    same names in another order are no change at all; other byline-only changes become a
    version when the next check sees them again (``articles.pending_hash``).
    """
    byline_only = text.content_hash != previous.content_hash and (
        text.headline,
        text.standfirst,
        text.paragraphs,
    ) == (previous.headline, previous.standfirst, previous.paragraphs)
    if not byline_only:
        return False, None
    if _names(text.byline) == _names(previous.byline):
        return True, pending_hash
    if pending_hash == text.content_hash:
        return False, None
    return True, text.content_hash


def shuffled(previous: ArticleText, text: ArticleText) -> bool:
    """Whether ``text`` is ``previous`` with short lines in another order and nothing else.

    Sites rotate lists ("most read", slideshow captions) inside the article box. An editor who
    moves prose (longer than ``template.SHORT``) or one short line still makes a change.
    """
    if (text.headline, text.standfirst, text.byline) != (
        previous.headline,
        previous.standfirst,
        previous.byline,
    ):
        return False
    old = [" ".join(p) for p in previous.paragraphs]
    new = [" ".join(p) for p in text.paragraphs]
    if old == new or sorted(old) != sorted(new):
        return False
    if not all(len(a) <= template.SHORT for a, b in zip(old, new, strict=True) if a != b):
        return False
    # one line (or one block) taken elsewhere is an editor's move, which is news; a list
    # shuffled needs more than one line moved to explain it
    return len(new) - _kept_in_order(old, new) > 1


def _kept_in_order(old: list[str], new: list[str]) -> int:
    """How many lines keep their order from ``old`` to ``new`` (a longest increasing run of
    their old positions)."""
    positions: dict[str, list[int]] = {}
    for i, line in enumerate(old):
        positions.setdefault(line, []).append(i)
    order = [positions[line].pop(0) for line in new]
    tails: list[int] = []
    for position in order:
        at = bisect.bisect_left(tails, position)
        tails[at : at + 1] = [position]
    return len(tails)


def _names(byline: str) -> frozenset[str]:
    return frozenset(n.strip().casefold() for n in byline.split(";") if n.strip())


@dataclass(frozen=True, slots=True)
class History:
    """What a change's flags depend on in the stored history, read before it is stored."""

    #: the number and content hash of the version the new one replaces
    latest: int
    latest_hash: str
    #: the newest version before ``latest`` that has the new text's hash
    earlier_with_hash: int | None
    #: headlines of the versions before ``latest``
    older_headlines: frozenset[str]
    #: whether a stored change already reported a headline test
    headline_test_seen: bool


@dataclass(frozen=True, slots=True)
class Judgement:
    """A change's flags (ranked, most significant first), the level they reach, the version
    it goes back to, and whether the article's headline-only changes leave the feeds."""

    flags: tuple[str, ...]
    level: int
    reverts_to: int | None = None
    hide_headline_changes: bool = False


def graded(flags: Iterable[str], reverts_to: int | None = None) -> Judgement:
    """``flags`` ranked, with their level."""
    ranked = tuple(significance.rank(flags))
    return Judgement(ranked, significance.level(ranked), reverts_to)


def judge_change(
    diff: Diff, text: ArticleText, history: History, watched: frozenset[str] = frozenset()
) -> Judgement:
    """The flags of a new version's change; ``watched`` (the ``terms`` flag when the change
    touches a watched term) joins them unless the change is boring.

    A change of nothing but the headline, back to a headline an older version had, is a
    headline A/B test flipping: it is reported once (``headline_test``), the headline change
    that began it is folded into that report, and later flips are stored as bare reverts,
    which feeds leave out.
    """
    back_to = (
        history.latest if history.latest_hash == text.content_hash else history.earlier_with_hash
    )
    flags = set(significance.classify(diff))
    if back_to is not None:
        flags.add("revert")  # back to an earlier, not the latest, version
    headline_only = not diff.ops and [f.field for f in diff.fields] == ["headline"]
    if headline_only and text.headline in history.older_headlines:
        if history.headline_test_seen:
            return graded({"revert"}, back_to)
        # The headline change that started the test is now known to be one of its flips.
        judgement = graded({"headline_test", "revert"}, back_to)
        return Judgement(judgement.flags, judgement.level, back_to, hide_headline_changes=True)
    judgement = graded(flags, back_to)
    if judgement.level and watched:  # a boring change stays boring
        return graded(flags | watched, back_to)
    return judgement


def rereading_reverts_to(texts: Sequence[ArticleText], number: int) -> int | None:
    """After re-extraction: the newest version before the one version ``number`` replaced
    that reads the same as it (``texts`` in version order)."""
    return next(
        (
            n
            for n in range(number - 2, 0, -1)
            if texts[n - 1].content_hash == texts[number - 1].content_hash
        ),
        None,
    )
