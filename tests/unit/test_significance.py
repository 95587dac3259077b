"""Tests for versiontrack.significance: content flags, boring changes, rank and feed levels.

The sentences are the seed articles' (tests/../seeds), edited the way the corpus shows them
changing: a figure revised, a typo fixed, a quotation reworded, curly quotes swapped in.
"""

from __future__ import annotations

import pytest

from versiontrack.diff.sentences import diff_sentences
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText, Diff, FieldChange, SentenceOp
from versiontrack.flag_rules import FLAGS, LEVELS
from versiontrack.significance import classify, is_boring, meets, rank

TROOPS = (
    "Washington says 10,000 North Korean troops have been deployed for possible action against "
    "Ukrainian forces."
)
TERMS = (
    "But nothing has been disclosed in terms details of precisely where DPRK soldiers might be "
    "operating."
)
HINTED = (
    "The Russian and North Korean governments have still not overtly or definitively confirmed the "
    "large deployment – especially not inside Ukraine – but have have strongly hinted at it."
)
ZELENSKY = (
    "In an interview with the Korean Broadcasting System, Zelensky said: “So far, North Korean "
    "troops have not participated in battles. They are preparing to participate in battles (in "
    "Kursk).”"
)
ADVISE = (
    "“I would advise Chairman Kim [Jong-un] to think twice about engaging in such reckless and "
    "dangerous behaviour,” Wood added."
)
RUMOURS = (
    'In response, communist North Korea has dismissed this involvement as "baseless rumours," '
    "while Kyiv is calling for the surrender of any North Korean fighters found on its territory."
)
OFFICIAL = (
    "A Ukrainian official told the Associated Press that North Korean troops are now stationed 30 "
    "miles (50km) away from the Ukrainian border with Russia."
)
ANONYMITY = (
    "The official was not authorised to disclose the information publicly and spoke on condition "
    "of anonymity."
)
PUTIN = (
    "Russia’s president, Vladimir Putin, has not denied the deployment of North Korean troops to "
    "his country but has also refused to confirm it."
)
KURSK = "Russia has had to shift some resources to Kursk to respond to Ukraine’s offensive there."


def edited(old: str, new: str, i: int = 0, j: int | None = None) -> SentenceOp:
    return SentenceOp("edited", old, new, i, i if j is None else j, "")


def added(new: str, j: int) -> SentenceOp:
    return SentenceOp("added", None, new, None, j, "")


def removed(old: str, i: int) -> SentenceOp:
    return SentenceOp("removed", old, None, i, None, "")


def moved(text: str, i: int, j: int) -> SentenceOp:
    return SentenceOp("moved", text, text, i, j, "")


def body(*ops: SentenceOp) -> Diff:
    return Diff(ops=ops)


def edit(old: str, new: str) -> Diff:
    """One sentence edited in place."""
    return body(edited(old, new))


def field(name: str, old: str, new: str) -> Diff:
    return Diff(fields=(FieldChange(name, old, new, ""),))


# -- the corpus-like changes ---------------------------------------------------------------------


def test_number_change_is_numbers_and_substantive() -> None:
    assert classify(edit(TROOPS, TROOPS.replace("10,000", "11,000"))) == {"numbers", "substantive"}


def test_number_change_through_the_real_diff() -> None:
    old = [OFFICIAL, ANONYMITY, TROOPS, KURSK]
    new = [OFFICIAL, ANONYMITY, TROOPS.replace("10,000", "11,000"), KURSK]
    assert classify(Diff(ops=diff_sentences(old, new))) == {"numbers", "substantive"}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (TERMS, TERMS.replace("in terms details", "in terms of details")),  # missing word
        (HINTED, HINTED.replace("have have", "have")),  # doubled word
        (ADVISE, ADVISE.replace("behaviour", "behavior")),  # spelling, inside a quotation
        (OFFICIAL, OFFICIAL.replace("Ukrainian official", "Ukranian official")),  # one letter
        (KURSK, KURSK.replace("shift some", "shfit some")),  # two letters swapped
        (KURSK, KURSK.replace("Kursk", "kursk")),  # case
        (ANONYMITY, ANONYMITY.replace("publicly", "public ly")),  # spacing
        (ANONYMITY, ANONYMITY.replace("on condition", "in condition")),  # function word swap
    ],
    ids=["of", "have-have", "behavior", "letter", "swap", "case", "spacing", "in-on"],
)
def test_typo_fixes_are_minor(old: str, new: str) -> None:
    assert classify(edit(old, new)) == {"minor"}
    assert classify(edit(new, old)) == {"minor"}  # making the typo is as small as fixing it
    assert not is_boring(edit(old, new))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (PUTIN, PUTIN.replace("has not denied", "has denied")),  # a negation went
        (PUTIN, PUTIN.replace("has not denied", "has now denied")),  # one letter, meaning flips
        (ANONYMITY, ANONYMITY.replace("was not", "was")),
        (KURSK, KURSK.replace("Kursk", "Kharkiv")),
        (RUMOURS, RUMOURS.replace("found", "fired")),
        (TROOPS, TROOPS.replace("Washington says", "Washington said")),
        (TERMS, "But nothing has been disclosed about where the soldiers are."),
    ],
    ids=["not-removed", "not-now", "was-not", "place", "word", "tense", "rewrite"],
)
def test_edits_past_typo_level_are_substantive(old: str, new: str) -> None:
    assert classify(edit(old, new)) == {"substantive"}


def test_many_typo_fixes_in_one_sentence_are_substantive() -> None:
    # Five one-letter fixes change ten tokens, past MAX_TYPO_TOKENS: a sentence that needed
    # that much work was rewritten as far as a reader can tell.
    typos = "Teh oficial was nto authorised too disclose teh information publicly."
    fixed = "The official was not authorised to disclose the information publicly."
    assert classify(edit(typos, fixed)) == {"substantive"}


def test_quotation_altered_is_quotes_and_substantive() -> None:
    new = ZELENSKY.replace("have not participated", "have not yet participated")
    assert classify(edit(ZELENSKY, new)) == {"quotes", "substantive"}


def test_words_outside_the_quotation_are_not_quotes() -> None:
    assert classify(edit(ADVISE, ADVISE.replace("Wood added", "Wood said"))) == {"substantive"}


def test_sentence_with_quotation_added_or_removed() -> None:
    assert classify(body(added(ZELENSKY, 3))) == {"quotes", "substantive"}
    assert classify(body(removed(ADVISE, 3))) == {"quotes", "substantive"}
    assert classify(body(added(KURSK, 3))) == {"substantive"}


def test_quotation_marks_put_around_existing_words_are_quotes() -> None:
    old = "Kim said there was a high possibility that Pyongyang would ask for technology."
    new = "Kim said there was a “high possibility” that Pyongyang would ask for technology."
    assert classify(edit(old, new)) == {"quotes", "substantive"}


def test_single_quotes_and_apostrophes() -> None:
    old = "It upgraded what it called the ‘world’s most powerful strategic weapon,’ said Seoul."
    assert classify(edit(old, old.replace("most powerful", "strongest"))) == {
        "quotes",
        "substantive",
    }
    # "soldiers’" closes nothing: no quotation there, so no quotes flag.
    plain = "Russia urged the public to ask about the soldiers’ whereabouts."
    assert classify(edit(plain, plain.replace("whereabouts", "location"))) == {"substantive"}


def test_quotation_running_over_a_sentence_split() -> None:
    # The second sentence of Zelensky's quotation has only its closing mark; changing it is
    # still a change inside the quotation.
    tail = "They are preparing to participate in battles (in Kursk).”"
    assert classify(edit(tail, tail.replace("participate in", "join"))) == {
        "quotes",
        "substantive",
    }


def test_headline_change() -> None:
    old = "North Korean troops in Russian uniforms heading to Kursk, says US"
    new = "North Korean troops fighting for Russia will ‘surely return in body bags’, US envoy says"
    flags = classify(field("headline", old, new))
    assert "headline" in flags
    assert flags == {"headline", "quotes"}
    assert rank(flags)[0] == "headline"


def test_field_flags_and_their_numbers() -> None:
    assert classify(field("standfirst", "Some 10,000 troops", "Some 11,000 troops")) == {
        "standfirst",
        "numbers",
    }
    # Bylines carry update times; a new time is a byline change, not a new figure.
    assert classify(field("byline", "Tyler Durden, 10:05", "Tyler Durden, 11:05")) == {"byline"}
    # A field touched only by quote style is as boring as a sentence would be.
    assert is_boring(
        field("headline", "Troops ‘will return in body bags’", "Troops 'will return in body bags'")
    )


def test_headline_typo_is_headline_only() -> None:
    assert classify(
        field("headline", "Zelensky urges Westren action", "Zelensky urges Western action")
    ) == {"headline"}


# -- boring changes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (RUMOURS, RUMOURS.replace('"', "“", 1).replace('"', "”", 1)),  # straight → curly
        (PUTIN, PUTIN.replace("’", "'")),  # apostrophe style
        (HINTED, HINTED.replace(" – ", " -- ")),  # dash style
        (OFFICIAL, OFFICIAL.replace("(50km)", "(50 km)")),  # whitespace
        (ZELENSKY, ZELENSKY.replace("“", "« ").replace("”", " »")),  # guillemets
        (TROOPS, TROOPS.replace("10,000", "10000")),  # the same number
        (ANONYMITY, ANONYMITY.replace("publicly and", "publicly, and")),  # punctuation
    ],
    ids=["curly", "apostrophe", "dash", "space", "guillemets", "separator", "comma"],
)
def test_style_only_changes_are_boring(old: str, new: str) -> None:
    diff = edit(old, new)
    assert is_boring(diff)
    assert classify(diff) == frozenset()
    assert not meets(classify(diff), "minor")


def test_missing_space_after_full_stop_fixed_is_boring() -> None:
    # Like the Guardian's "anonymity.A Ukrainian": one sentence while the space is missing, two
    # once it is there.
    old = [PUTIN, f"{ANONYMITY}{KURSK}", TROOPS]
    new = [PUTIN, ANONYMITY, KURSK, TROOPS]
    diff = Diff(ops=diff_sentences(old, new))
    assert diff.summary.split == 1  # the diff sees a change (one sentence now two) …
    assert is_boring(diff)  # … that a reader does not


def test_boring_follows_the_diffs_matching_of_duplicates() -> None:
    # With the second half duplicated elsewhere, the diff matches the glued sentence to the
    # copy above it: an edit that moved, which is minor however small the edit.
    glued = f"{ANONYMITY}{OFFICIAL}"
    diff = Diff(
        ops=diff_sentences([OFFICIAL, glued, KURSK], [OFFICIAL, ANONYMITY, OFFICIAL, KURSK])
    )
    assert classify(diff) == {"minor"}


def test_full_stop_for_a_comma_is_minor() -> None:
    old = "Kim said he doubted it would trigger war, but it could increase security threats."
    new = "Kim said he doubted it would trigger war. But it could increase security threats."
    ops = diff_sentences([KURSK, old, PUTIN], [KURSK, *new.split(". "), PUTIN])
    assert classify(Diff(ops=ops)) == {"minor"}  # only "but" → "But" and a full stop


def test_empty_diff_is_boring() -> None:
    assert classify(Diff()) == frozenset()
    assert is_boring(Diff())


def test_boring_part_does_not_hide_a_real_change() -> None:
    diff = body(
        edited(RUMOURS, RUMOURS.replace('"', "“", 1).replace('"', "”", 1), 0),
        edited(TROOPS, TROOPS.replace("10,000", "12,000"), 4),
    )
    assert classify(diff) == {"numbers", "substantive"}


# -- moves, additions, removals ------------------------------------------------------------------


def test_paragraph_moved_is_minor_not_substantive() -> None:
    old = [OFFICIAL, ANONYMITY, KURSK, PUTIN, TROOPS]
    new = [KURSK, PUTIN, TROOPS, OFFICIAL, ANONYMITY]
    diff = Diff(ops=diff_sentences(old, new))
    assert {op.op for op in diff.ops} == {"moved"}
    assert classify(diff) == {"minor"}
    assert not is_boring(diff)
    assert meets(classify(diff), "minor")
    assert not meets(classify(diff), "substantive")


def test_moved_with_a_style_fix_is_still_minor() -> None:
    # Edited in one place and landed in another: the quote-style change alone would be boring.
    curly = RUMOURS.replace('"', "“", 1).replace('"', "”", 1)
    diff = body(edited(RUMOURS, curly, 0, 3))
    assert classify(diff) == {"minor"}


def test_move_with_a_real_edit_elsewhere() -> None:
    diff = body(moved(KURSK, 0, 3), edited(TROOPS, TROOPS.replace("10,000", "12,000"), 5))
    assert classify(diff) == {"numbers", "substantive"}


def test_added_and_removed_sentences_are_substantive() -> None:
    assert classify(body(added(KURSK, 2))) == {"substantive"}
    assert classify(body(removed(PUTIN, 2))) == {"substantive"}
    assert classify(body(added(TROOPS, 0))) == {"numbers", "substantive"}


def test_split_carrying_its_number_along_is_not_a_number_change() -> None:
    old = "Some 10,000 troops are in Russia, having arrived at the port of Vladivostok."
    first, second = "Some 10,000 troops are in Russia.", "They arrived at the port of Vladivostok."
    diff = body(edited(old, first, 3, 3), added(second, 4))
    assert classify(diff) == {"substantive"}


def test_number_moved_to_another_paragraph_is_a_number_change() -> None:
    # Removed in one place and added in another: two units, each with a figure changed.
    diff = body(removed(TROOPS, 1), added(TROOPS, 6))
    assert classify(diff) == {"numbers", "substantive"}


def test_whole_article_rewritten_is_cheap_and_substantive() -> None:
    old = [f"Sentence {i} of the first version says something about troops." for i in range(2000)]
    new = [f"Line {i} of the rewrite reports a different thing entirely." for i in range(2000)]
    diff = body(
        *(removed(s, i) for i, s in enumerate(old)), *(added(s, j) for j, s in enumerate(new))
    )
    # Every old figure (0 … 1999) is back in the new text: no number changed, as a whole.
    assert classify(diff) == {"substantive"}


def test_real_update_of_the_guardian_lead() -> None:
    def text(headline: str, paragraphs: tuple[tuple[str, ...], ...]) -> ArticleText:
        return ArticleText(headline, "", "Justin McCurry", paragraphs, content_hash=headline)

    old = text("North Korean troops heading to Kursk, says US", ((OFFICIAL, ANONYMITY), (KURSK,)))
    new = text(
        "North Korean troops will ‘surely return in body bags’, US envoy says",
        ((OFFICIAL.replace("30 miles (50km)", "25 miles (40km)"), ANONYMITY), (KURSK,)),
    )
    flags = classify(diff_texts(old, new))
    assert flags == {"headline", "quotes", "numbers", "substantive"}
    assert rank(flags) == ["headline", "numbers", "quotes", "substantive"]


def test_is_boring_is_no_flags() -> None:
    diffs = [
        Diff(),
        edit(TROOPS, TROOPS.replace("10,000", "10000")),
        edit(TROOPS, TROOPS.replace("10,000", "11,000")),
        edit(TERMS, TERMS.replace("in terms details", "in terms of details")),
        body(moved(KURSK, 0, 3)),
        field("byline", "Justin McCurry", "Justin McCurry and agencies"),
    ]
    for diff in diffs:
        assert is_boring(diff) == (not classify(diff))


# -- rank and meets ------------------------------------------------------------------------------


def test_rank_orders_every_flag() -> None:
    assert rank(FLAGS) == [
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
    ]


def test_a_headline_test_is_headline_level_and_a_bare_revert_is_not_news() -> None:
    assert meets({"headline_test", "revert"}, "headline")
    assert not meets({"revert"}, "minor")


def test_rank_dedupes_and_rejects_unknown_flags() -> None:
    assert rank(["minor", "numbers", "numbers", "substantive"]) == [
        "numbers",
        "substantive",
        "minor",
    ]
    assert rank([]) == []
    with pytest.raises(ValueError, match="bogus"):
        rank(["headline", "bogus"])


@pytest.mark.parametrize(
    ("flags", "minor", "substantive", "headline"),
    [
        (set(), False, False, False),  # boring
        ({"minor"}, True, False, False),
        ({"revert"}, False, False, False),  # a revert of a boring change is boring
        ({"revert", "minor"}, True, False, False),
        ({"substantive"}, True, True, False),
        ({"numbers", "substantive"}, True, True, False),
        ({"quotes", "substantive"}, True, True, False),
        ({"standfirst"}, True, True, False),
        ({"byline"}, True, True, False),
        ({"url"}, True, True, False),  # a slug tidy-up is not front-page news
        ({"headline"}, True, True, True),
        ({"removed"}, True, True, True),
        ({"restored"}, True, True, True),
    ],
)
def test_meets(flags: set[str], minor: bool, substantive: bool, headline: bool) -> None:
    assert meets(flags, "minor") is minor
    assert meets(flags, "substantive") is substantive
    assert meets(flags, "headline") is headline


def test_meets_rejects_unknown_levels() -> None:
    assert LEVELS == ("minor", "substantive", "headline")
    with pytest.raises(ValueError, match="major"):
        meets({"headline"}, "major")
