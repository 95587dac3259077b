"""``pipeline.verdict``: what a check found, from texts and history facts alone (table-tested).

Each case is the latest version, the new text and the facts a check reads, and the verdict
expected: no session, no page, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText, Extracted
from versiontrack.pipeline import verdict
from versiontrack.text import normalise

BODY = (
    "Troops were seen moving north of the depot on Tuesday, residents said.",
    "The ministry declined to comment on the reports.",
    "Local officials said the roads would stay closed until Friday.",
)
SHORT_LINES = ("Most read: one", "Most read: two", "Most read: three", "Most read: four")


def page(
    headline: str = "Depot convoy sighted",
    byline: str = "Ann Lee; Bo Chan",
    body: tuple[str, ...] = BODY,
    standfirst: str = "A convoy near the depot",
) -> ArticleText:
    return normalise(Extracted(headline, standfirst, byline, body))


BASE = page()


@dataclass(frozen=True)
class CompareCase:
    name: str
    previous: ArticleText | None
    text: ArticleText
    found: verdict.Found
    outcome: str
    removed: bool = False
    pending_hash: str | None = None
    pending_after: str | None = None


HELD = page(byline="Ann Lee; Bo Chan; Cy Dow")
COMPARE_CASES = [
    CompareCase("first version", None, BASE, "new", "new"),
    CompareCase("same text", BASE, page(), "unchanged", "unchanged"),
    CompareCase("a sentence added", BASE, page(body=(*BODY, "More soon.")), "changed", "changed"),
    CompareCase("headline edited", BASE, page(headline="Convoy seen"), "changed", "changed"),
    CompareCase(
        "body collapsed to a stub", BASE, page(body=("Subscribe.",)), "collapsed", "failed"
    ),
    CompareCase(
        "same names in another byline order",
        BASE,
        page(byline="Bo Chan; Ann Lee"),
        "byline_held",
        "unchanged",
    ),
    CompareCase(
        "a new byline seen once waits", BASE, HELD, "byline_held", "unchanged",
        pending_after=HELD.content_hash,
    ),
    CompareCase(
        "a new byline seen twice is a change", BASE, HELD, "changed", "changed",
        pending_hash=HELD.content_hash,
    ),
    CompareCase(
        "a pending byline is forgotten when the text changes otherwise",
        BASE, page(headline="Convoy seen"), "changed", "changed", pending_hash=HELD.content_hash,
    ),
    CompareCase(
        "a rotating list of short lines",
        page(body=(*BODY, *SHORT_LINES)),
        page(body=(*BODY, *reversed(SHORT_LINES))),
        "shuffled",
        "unchanged",
    ),
    CompareCase(
        "one short line moved is an editor's move",
        page(body=(*BODY, *SHORT_LINES)),
        page(body=(*BODY, SHORT_LINES[1], SHORT_LINES[0], *SHORT_LINES[2:])),
        "changed",
        "changed",
    ),
    CompareCase("back after removal, same text", BASE, page(), "unchanged", "restored", True),
    CompareCase(
        "back after removal, edited", BASE, page(headline="Convoy seen"), "changed", "changed",
        True,
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", COMPARE_CASES, ids=lambda c: c.name)
def test_compare(case: CompareCase) -> None:
    got = verdict.compare(
        case.previous,
        case.text,
        removed=case.removed,
        pending_hash=case.pending_hash,
        collapse_ratio=0.5,
    )
    assert (got.found, got.outcome, got.restored) == (case.found, case.outcome, case.removed)
    assert got.pending_hash == case.pending_after
    assert got.stores_version == (case.found in ("new", "changed"))


@dataclass(frozen=True)
class ChangeCase:
    name: str
    previous: ArticleText
    text: ArticleText
    history: verdict.History
    flags: tuple[str, ...]
    level: int
    reverts_to: int | None = None
    hide_headline_changes: bool = False


def history(
    latest: int = 3,
    latest_hash: str = BASE.content_hash,
    earlier: int | None = None,
    headlines: frozenset[str] = frozenset(),
    headline_test_seen: bool = False,
) -> verdict.History:
    return verdict.History(latest, latest_hash, earlier, headlines, headline_test_seen)


FLIPPED = page(headline="Convoy seen near depot")
CHANGE_CASES = [
    ChangeCase(
        "a new headline", BASE, FLIPPED, history(), ("headline",), 3
    ),
    ChangeCase(
        "punctuation only is boring",
        BASE,
        page(body=(BODY[0].replace(",", ";"), *BODY[1:])),
        history(),
        (),
        0,
    ),
    ChangeCase(
        "back to version 1", BASE, FLIPPED, history(earlier=1),
        ("headline", "revert"), 3, reverts_to=1,
    ),
    ChangeCase(
        "the same text as the latest stored version",
        BASE, FLIPPED, history(latest_hash=FLIPPED.content_hash, earlier=1),
        ("headline", "revert"), 3, reverts_to=3,
    ),
    ChangeCase(
        "a headline test starts: reported once, the first flip hidden",
        BASE, FLIPPED, history(earlier=1, headlines=frozenset({FLIPPED.headline})),
        ("headline_test", "revert"), 3, reverts_to=1, hide_headline_changes=True,
    ),
    ChangeCase(
        "later flips of a headline test are bare reverts",
        BASE, FLIPPED,
        history(earlier=1, headlines=frozenset({FLIPPED.headline}), headline_test_seen=True),
        ("revert",), 0, reverts_to=1,
    ),
    ChangeCase(
        "an old headline with a body edit is no headline test",
        BASE,
        page(headline=FLIPPED.headline, body=(*BODY, "Officials confirmed 40 vehicles.")),
        history(headlines=frozenset({FLIPPED.headline})),
        ("headline", "numbers", "substantive"),
        3,
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", CHANGE_CASES, ids=lambda c: c.name)
def test_judge_change(case: ChangeCase) -> None:
    got = verdict.judge_change(diff_texts(case.previous, case.text), case.text, case.history)
    assert got == verdict.Judgement(
        case.flags, case.level, case.reverts_to, case.hide_headline_changes
    )


def test_graded_ranks_flags_and_gives_their_level() -> None:
    assert verdict.graded({"removed"}) == verdict.Judgement(("removed",), 3)
    assert verdict.graded(set()) == verdict.Judgement((), 0)


def test_rereading_reverts_to_the_newest_earlier_same_text() -> None:
    a, b, c = BASE, FLIPPED, page(headline="Third")
    assert verdict.rereading_reverts_to([a, b, a], 3) == 1
    assert verdict.rereading_reverts_to([a, b, c], 3) is None
    assert verdict.rereading_reverts_to([a, b, a, b], 4) == 2
    assert verdict.rereading_reverts_to([a, a], 2) is None  # only versions before the one replaced
