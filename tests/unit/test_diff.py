"""Tests for versiontrack.diff: field and sentence diffs, word highlights, escaping, ordering.

Sentences come from a Guardian article (tests/../seeds/001) whose versions added the "body bags"
warning, so the cases look like the edits the tool meets in practice.
"""

# Typographic quotes and dashes are the point of several cases here.

from __future__ import annotations

import json
import random

import pytest

from versiontrack.diff import codes, pairing
from versiontrack.diff.pairing import similarity
from versiontrack.diff.sentences import diff_sentences
from versiontrack.diff.texts import diff_texts
from versiontrack.diff.words import diff_words
from versiontrack.domain import ArticleText, ChangeSummary, Diff, FieldChange, SentenceOp

HEADLINE_V2 = "North Korean troops in Russian uniforms heading to Kursk, says US"
HEADLINE_V3 = (
    "North Korean troops fighting for Russia in Ukraine will ‘surely return in body bags’, "
    "US envoy says"
)
STANDFIRST_V2 = (
    "Lloyd Austin says deployment near Ukraine border is a dangerous and destabilising development"
)
STANDFIRST_V3 = (
    "Envoy to UN Robert Wood gives warning ahead of security council meeting, as US and South "
    "Korea defence chiefs urge North Korea to withdraw"
)
BYLINE = "Justin McCurry and agencies"

S1 = (
    "North Korean troops wearing Russian uniforms and carrying Russian equipment are moving to "
    "the Russian region of Kursk, near Ukraine, according to the US defence secretary, Lloyd "
    "Austin, who described the deployment as a dangerous and destabilising development."
)
S2 = (
    "The US and South Korean defence chiefs have called for North Korea to withdraw its troops "
    "from Russia."
)
S2_LONGER = (
    "The US and South Korean defence chiefs have called for North Korea to withdraw its troops "
    "from Russia, as the US envoy to the UN, Robert Wood, bluntly warned that Pyongyang’s forces "
    "entering Ukraine “will surely return in body bags”."
)
S2_TAIL = (
    "The US envoy to the UN, Robert Wood, bluntly warned that Pyongyang’s forces entering "
    "Ukraine “will surely return in body bags”."
)
S3 = (
    "Austin was speaking at a press conference at the Pentagon with the South Korean defence "
    "minister, Kim Yong-hyun, as concerns grow about Pyongyang’s deployment of as many as 11,000 "
    "troops to Russia."
)
S4 = (
    "Washington says 10,000 North Korean troops have been deployed for possible action against "
    "Ukrainian forces."
)
S5 = (
    "Austin said “the likelihood is pretty high” that Russia will use the North Korean troops "
    "in combat."
)
S6 = (
    "He added that officials were discussing what to do about the deployment, which he said had "
    "the potential to broaden or lengthen the conflict in Ukraine."
)
S7 = (
    "Russia’s ambassador to the United Nations denied that North Korean troops were present on "
    "its frontlines, and accused Washington and its allies of “disinformation”."
)
S8 = (
    "The White House has said that Pyongyang’s forces would become “legitimate military "
    "targets” if they fight against Ukraine, and Austin echoed that stance on Wednesday."
)
BODY_BAGS = (
    "Speaking before the UN security council, Wood gave an even more explicit warning, saying if "
    "Pyongyang’s forces “enter Ukraine in support of Russia, they will surely return in body "
    "bags.”"
)

PARAGRAPHS = ((S1, S2), (S3, S4), (S5, S6), (S7, S8))


def article(
    paragraphs: tuple[tuple[str, ...], ...] = PARAGRAPHS,
    headline: str = HEADLINE_V2,
    standfirst: str = STANDFIRST_V2,
    byline: str = BYLINE,
) -> ArticleText:
    return ArticleText(headline, standfirst, byline, paragraphs, content_hash="test")


def body(*sentences: str) -> ArticleText:
    return article(paragraphs=(sentences,))


def kinds(ops: tuple[SentenceOp, ...]) -> list[tuple[str, int | None, int | None]]:
    return [(op.op, op.old_index, op.new_index) for op in ops]


# -- whole texts ---------------------------------------------------------------------------------


def test_identical_texts_have_no_diff() -> None:
    result = diff_texts(article(), article())
    assert result == Diff()
    assert result.is_empty
    assert result.summary == ChangeSummary()


def test_same_text_with_another_hash_has_no_diff() -> None:
    other = ArticleText(HEADLINE_V2, STANDFIRST_V2, BYLINE, PARAGRAPHS, content_hash="other")
    assert diff_texts(article(), other) == Diff()


def test_first_version_is_all_added() -> None:
    empty = ArticleText("", "", "", (), content_hash="")
    result = diff_texts(empty, article())
    assert result.fields == (
        FieldChange("headline", "", HEADLINE_V2, f"<ins>{HEADLINE_V2}</ins>"),
        FieldChange("standfirst", "", STANDFIRST_V2, f"<ins>{STANDFIRST_V2}</ins>"),
        FieldChange("byline", "", BYLINE, f"<ins>{BYLINE}</ins>"),
    )
    sentences = [S1, S2, S3, S4, S5, S6, S7, S8]
    assert result.ops == tuple(
        SentenceOp("added", None, s, None, j, f"<ins>{s}</ins>") for j, s in enumerate(sentences)
    )


def test_headline_change_is_a_word_diff() -> None:
    result = diff_texts(article(), article(headline=HEADLINE_V3))
    assert result.ops == ()
    assert result.fields == (
        FieldChange(
            "headline",
            HEADLINE_V2,
            HEADLINE_V3,
            "North Korean troops <del>in Russian uniforms heading to Kursk, says US</del>"
            "<ins>fighting for Russia in Ukraine will ‘surely return in body bags’, US envoy "
            "says</ins>",
        ),
    )
    assert result.summary.describe() == "headline changed"


def test_standfirst_change_is_a_word_diff() -> None:
    result = diff_texts(article(), article(standfirst=STANDFIRST_V3))
    assert result.ops == ()
    assert result.field_change("headline") is None
    change = result.field_change("standfirst")
    assert change == FieldChange(
        "standfirst",
        STANDFIRST_V2,
        STANDFIRST_V3,
        f"<del>{STANDFIRST_V2}</del><ins>{STANDFIRST_V3}</ins>",
    )
    assert result.summary.describe() == "standfirst changed"


def test_byline_change() -> None:
    result = diff_texts(article(), article(byline="Justin McCurry in Tokyo and agencies"))
    assert result.fields == (
        FieldChange(
            "byline",
            BYLINE,
            "Justin McCurry in Tokyo and agencies",
            "Justin McCurry <ins>in Tokyo </ins>and agencies",
        ),
    )


# -- sentence ops --------------------------------------------------------------------------------


def test_sentence_edited_with_word_highlights() -> None:
    new = article(paragraphs=((S1, S2_LONGER), (S3, S4), (S5, S6), (S7, S8)))
    result = diff_texts(article(), new)
    assert result.fields == ()
    assert result.ops == (
        SentenceOp(
            "edited",
            S2,
            S2_LONGER,
            1,
            1,
            "The US and South Korean defence chiefs have called for North Korea to withdraw its "
            "troops from Russia<ins>, as the US envoy to the UN, Robert Wood, bluntly warned that "
            "Pyongyang’s forces entering Ukraine “will surely return in body bags”</ins>.",
        ),
    )


def test_sentence_added_as_new_paragraph() -> None:
    new = article(paragraphs=(*PARAGRAPHS, (BODY_BAGS,)))
    assert diff_texts(article(), new).ops == (
        SentenceOp("added", None, BODY_BAGS, None, 8, f"<ins>{BODY_BAGS}</ins>"),
    )


def test_sentence_added_mid_paragraph() -> None:
    new = article(paragraphs=((S1, S2), (S3, BODY_BAGS, S4), (S5, S6), (S7, S8)))
    assert kinds(diff_texts(article(), new).ops) == [("added", None, 3)]


def test_sentence_removed() -> None:
    new = article(paragraphs=((S1, S2), (S3,), (S5, S6), (S7, S8)))
    assert diff_texts(article(), new).ops == (
        SentenceOp("removed", S4, None, 3, None, f"<del>{S4}</del>"),
    )


def test_moved_paragraph_is_moved_not_removed_and_added() -> None:
    new = article(paragraphs=((S7, S8), (S1, S2), (S3, S4), (S5, S6)))
    ops = diff_texts(article(), new).ops
    assert ops == (
        SentenceOp("moved", S7, S7, 6, 0, S7),
        SentenceOp("moved", S8, S8, 7, 1, S8),
    )
    assert not [op for op in ops if op.op in ("added", "removed")]


def test_moved_and_touched_up_sentence_is_an_edit_across_the_article() -> None:
    s7_edited = S7.replace("“disinformation”", "“disinformation and lies”")
    new = article(paragraphs=((s7_edited, S8), (S1, S2), (S3, S4), (S5, S6)))
    assert diff_texts(article(), new).ops == (
        SentenceOp(
            "edited",
            S7,
            s7_edited,
            6,
            0,
            "Russia’s ambassador to the United Nations denied that North Korean troops were "
            "present on its frontlines, and accused Washington and its allies of "
            "“disinformation<ins> and lies</ins>”.",
        ),
        SentenceOp("moved", S8, S8, 7, 1, S8),
    )


def test_number_change() -> None:
    s4_new = S4.replace("10,000", "11,000")
    ops = diff_texts(article(), article(paragraphs=((S1, S2), (S3, s4_new), (S5, S6), (S7, S8))))
    assert ops.ops == (
        SentenceOp(
            "edited",
            S4,
            s4_new,
            3,
            3,
            "Washington says <del>10,000</del><ins>11,000</ins> North Korean troops have been "
            "deployed for possible action against Ukrainian forces.",
        ),
    )


def test_quote_style_change_pairs_and_escapes() -> None:
    s5_straight = S5.replace("“", '"').replace("”", '"')
    ops = diff_sentences([S4, S5, S6], [S4, s5_straight, S6])
    assert ops == (
        SentenceOp(
            "edited",
            S5,
            s5_straight,
            1,
            1,
            "Austin said <del>“</del><ins>&quot;</ins>the likelihood is pretty high<del>”</del>"
            "<ins>&quot;</ins> that Russia will use the North Korean troops in combat.",
        ),
    )


def test_sentence_split_in_two() -> None:
    ops = diff_sentences([S1, S2_LONGER, S3], [S1, S2, S2_TAIL, S3])
    # one op of its own: the old sentence and the two it became (it was "added" + "edited")
    assert kinds(ops) == [("split", 1, 1)]
    assert ops[0].old == S2_LONGER
    assert ops[0].new == f"{S2} {S2_TAIL}"
    assert ops[0].parts == (1, 2)
    assert ops[0].to_dict()["new_indexes"] == [1, 2]
    assert ops[0].html == (
        "The US and South Korean defence chiefs have called for North Korea to withdraw its "
        "troops from Russia<del>, as the</del><ins>. The</ins> US envoy to the UN, Robert "
        "Wood, bluntly warned that Pyongyang’s forces entering Ukraine “will surely return in "
        "body bags”."
    )


def test_two_sentences_merged_into_one() -> None:
    ops = diff_sentences([S1, S2, S2_TAIL, S3], [S1, S2_LONGER, S3])
    # one op of its own (it was "removed" + "edited")
    assert kinds(ops) == [("merged", 1, 1)]
    assert ops[0].old == f"{S2} {S2_TAIL}"
    assert ops[0].new == S2_LONGER
    assert ops[0].parts == (1, 2)
    assert ops[0].to_dict()["old_indexes"] == [1, 2]
    assert Diff((), ops).summary.merged == 1
    assert Diff((), ops).summary.describe() == "1 sentence merged"


def test_unrelated_replacement_is_removed_and_added() -> None:
    assert kinds(diff_sentences([S1, S4, S3], [S1, BODY_BAGS, S3])) == [
        ("removed", 1, None),
        ("added", None, 1),
    ]


def test_duplicated_sentence_one_copy_removed() -> None:
    ops = diff_sentences([S1, S4, S2, S4, S3], [S1, S4, S2, S3])
    assert ops == (SentenceOp("removed", S4, None, 3, None, f"<del>{S4}</del>"),)


def test_duplicated_sentence_second_copy_added() -> None:
    ops = diff_sentences([S1, S4, S2], [S1, S4, S2, S4])
    assert ops == (SentenceOp("added", None, S4, None, 3, f"<ins>{S4}</ins>"),)


def test_duplicated_sentences_moved_pair_up_in_order() -> None:
    ops = diff_sentences([S4, S1, S4, S2, S3, S5], [S1, S2, S3, S5, S4, S4])
    assert kinds(ops) == [("moved", 0, 4), ("moved", 2, 5)]


def test_ops_come_out_in_article_order() -> None:
    old = [S1, S2, S3, S4, S5, S6, S7]
    s2_edited = S2.replace("called for", "urged")
    new = [s2_edited, S1, S3, BODY_BAGS, S5, S7]  # S2 edited and moved up, S4 replaced, S6 gone
    ops = diff_sentences(old, new)
    assert kinds(ops) == [
        ("edited", 1, 0),
        ("removed", 3, None),
        ("added", None, 3),
        ("removed", 5, None),
    ]


def test_removals_sit_between_the_edits_around_them() -> None:
    s1_edited = S1.replace("dangerous", "perilous")
    s3_edited = S3.replace("11,000", "12,000")
    ops = diff_sentences([S8, S1, S2, S3, S8], [S8, s1_edited, s3_edited, S8])
    assert kinds(ops) == [("edited", 1, 1), ("removed", 2, None), ("edited", 3, 2)]


def test_html_is_escaped_in_every_op_kind() -> None:
    evil = "Officials said <script>alert('x')</script> & more."
    evil_edit = "Officials said <script>alert('y')</script> & more."
    escaped = "Officials said &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more."
    added = diff_sentences([S1], [S1, evil])
    assert added[0].html == f"<ins>{escaped}</ins>"
    removed = diff_sentences([S1, evil], [S1])
    assert removed[0].html == f"<del>{escaped}</del>"
    moved = diff_sentences([evil, S1, S2, S3], [S1, S2, S3, evil])
    assert moved[0] == SentenceOp("moved", evil, evil, 0, 3, escaped)
    edited = diff_sentences([S1, evil], [S1, evil_edit])
    assert edited[0].html == (
        "Officials said &lt;script&gt;alert(&#x27;<del>x</del><ins>y</ins>&#x27;)"
        "&lt;/script&gt; &amp; more."
    )
    field = diff_texts(article(), article(headline="<b>Breaking</b>")).fields[0]
    assert field.html == f"<del>{HEADLINE_V2}</del><ins>&lt;b&gt;Breaking&lt;/b&gt;</ins>"


def test_more_than_6400_distinct_sentences() -> None:
    old = [f"Paragraph {i} reports casualty figure number {i}." for i in range(7000)]
    moved = old[6500]  # mapped beyond the BMP private-use area
    new = [moved, *old[:6500], *old[6501:6999], "Paragraph 6999 reports a revised casualty figure."]
    ops = diff_sentences(old, new)
    assert kinds(ops) == [("moved", 6500, 0), ("edited", 6999, 6999)]
    assert ops[1].html == (
        "Paragraph 6999 reports <del>casualty figure number 6999</del>"
        "<ins>a revised casualty figure</ins>."
    )


def test_sentences_past_6400_do_not_share_codes_with_earlier_ones() -> None:
    # Sentence i and i + 6400 would collide if codes wrapped around the BMP private-use area.
    sentences = [f"Report{i} filed{i}." for i in range(7000)]
    new = sentences[:6400] + sentences[:600]
    ops = diff_sentences(sentences, new)
    assert kinds(ops) == [("removed", i, None) for i in range(6400, 7000)] + [
        ("added", None, j) for j in range(6400, 7000)
    ]


def test_token_code_points_are_distinct_and_never_surrogates() -> None:
    code_point = codes._code_point
    assert code_point(0) == "\ue000"
    assert code_point(6399) == "\uf8ff"
    assert code_point(6400) == "\U000f0000"
    assert code_point(6400 + 65534) == "\U00100000"
    samples = [code_point(n) for n in range(0, 1_100_000, 997)]
    assert len(set(samples)) == len(samples)
    assert not [c for c in samples if 0xD800 <= ord(c) <= 0xDFFF]
    with pytest.raises(ValueError):
        code_point(2_000_000)


def test_word_diff_with_more_than_6400_distinct_words() -> None:
    old = " ".join(f"w{i}" for i in range(7000))
    new = old.replace("w6999", "changed").replace("w3", "x3", 1)
    assert diff_words(old, new).count("<del>") == 2


@pytest.mark.parametrize("seed", range(40))
def test_ops_account_for_every_sentence_exactly_once(seed: int) -> None:
    rng = random.Random(seed)
    pool = [S1, S2, S2_LONGER, S2_TAIL, S3, S4, S5, S6, S7, S8, BODY_BAGS]
    old = rng.choices(pool, k=rng.randint(0, 12))
    new = list(old)
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.3 or not new:
            new.insert(rng.randint(0, len(new)), rng.choice(pool))
        elif roll < 0.5:
            del new[rng.randrange(len(new))]
        elif roll < 0.75:
            k = rng.randrange(len(new))
            new[k] = new[k].replace("the", "a", 1) + " Officials declined to comment."
        else:
            new.insert(rng.randint(0, len(new) - 1), new.pop(rng.randrange(len(new))))
    ops = diff_sentences(old, new)

    old_seen = [op.old_index for op in ops if op.old_index is not None]
    new_seen = [op.new_index for op in ops if op.new_index is not None]
    assert len(set(old_seen)) == len(old_seen)
    assert len(set(new_seen)) == len(new_seen)
    for op in ops:
        assert op.old == (old[op.old_index] if op.old_index is not None else None)
        assert op.new == (new[op.new_index] if op.new_index is not None else None)
        assert (op.op == "moved") == (op.old is not None and op.old == op.new)
    # What no op touches is the unchanged text, in the same order on both sides.
    assert [s for i, s in enumerate(old) if i not in old_seen] == [
        s for j, s in enumerate(new) if j not in new_seen
    ]
    positions = [op.new_index for op in ops if op.new_index is not None]
    assert positions == sorted(positions)


# -- word diff and similarity --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("same & same", "same & same", "same &amp; same"),
        ("", "", ""),
        ("", "new", "<ins>new</ins>"),
        ("old", "", "<del>old</del>"),
        (
            "as many as 11,000 troops",
            "as many as 12,000 troops",
            "as many as <del>11,000</del><ins>12,000</ins> troops",
        ),
        ("a cost of $1.5bn", "a cost of $2bn", "a cost of $<del>1.5bn</del><ins>2bn</ins>"),
        ("he didn’t say", "he did not say", "he <del>didn’t</del><ins>did not</ins> say"),
        ("Kim said.", "Kim said on Tuesday.", "Kim said<ins> on Tuesday</ins>."),
    ],
)
def test_diff_words(old: str, new: str, expected: str) -> None:
    assert diff_words(old, new) == expected


def test_similarity_bounds_and_symmetry() -> None:
    assert similarity(S1, S1) == 1.0
    assert similarity("—", "—") == 1.0
    assert similarity("—", "–") == 0.0
    assert similarity(S4, "Nothing else happened today.") == 0.0
    assert similarity(S5, S5.replace("“", '"').replace("”", '"')) == 1.0
    s4_new = S4.replace("10,000", "11,000")
    assert 0.9 < similarity(S4, s4_new) < 1.0
    assert similarity(S2, S2_LONGER) == similarity(S2_LONGER, S2)
    assert similarity(S2, S2_LONGER) >= pairing.PAIR_THRESHOLD
    assert similarity(S4, BODY_BAGS) < pairing.PAIR_THRESHOLD


# -- summary and serialisation -------------------------------------------------------------------


def combined_change() -> Diff:
    new = article(
        paragraphs=((S7, S8), (S1, S2_LONGER), (S3,), (S5, S6), (BODY_BAGS,)),
        headline=HEADLINE_V3,
        standfirst=STANDFIRST_V3,
    )
    return diff_texts(article(), new)


def test_summary_counts_every_kind() -> None:
    result = combined_change()
    assert kinds(result.ops) == [
        ("moved", 6, 0),
        ("moved", 7, 1),
        ("edited", 1, 3),
        ("removed", 3, None),
        ("added", None, 7),
    ]
    assert result.summary == ChangeSummary(
        ("headline", "standfirst"), added=1, removed=1, edited=1, moved=2
    )
    assert result.summary.describe() == (
        "standfirst changed, 1 sentence added, 1 removed, 1 edited, 2 moved"
    )


def test_diff_round_trips_through_json() -> None:
    result = combined_change()
    assert Diff.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_a_rewrite_of_every_sentence_shows_each_changed_middle_as_one_replacement() -> None:
    from versiontrack.diff.pairing import FINE_EDITS

    count = FINE_EDITS + 1
    old = [
        f"Sentence {i} says the old council met on Monday in the town hall." for i in range(count)
    ]
    new = [
        f"Sentence {i} says the new council met on Tuesday in the town hall." for i in range(count)
    ]
    ops = diff_sentences(old, new)
    assert [op.op for op in ops] == ["edited"] * count
    # coarse: one replacement from the first to the last changed word, not two highlights
    assert ops[0].html == (
        "Sentence 0 says <del>the old council met on Monday</del>"
        "<ins>the new council met on Tuesday</ins> in the town hall."
    )
    # one edit fewer and every edit gets its word diff
    fine = diff_sentences(old[:FINE_EDITS], new[:FINE_EDITS])
    assert fine[0].html == (
        "Sentence 0 says the <del>old</del><ins>new</ins> council met on "
        "<del>Monday</del><ins>Tuesday</ins> in the town hall."
    )


def test_a_long_rewrite_in_place_pairs_each_sentence_with_its_own_new_version() -> None:
    from versiontrack.diff.pairing import FINE_EDITS

    count = FINE_EDITS + 50
    words = "council budget school harbour ferry library road bridge clinic market".split()
    old = [
        f"Item {i} the {words[i % 10]} plan for {words[(i * 3) % 10]} was {words[(i * 7) % 10]} "
        f"approved by members on Monday after a long debate about costs."
        for i in range(count)
    ]
    new = [sentence.replace("Monday", "Tuesday") for sentence in old]
    ops = diff_sentences(old, new)
    assert [(op.op, op.old_index, op.new_index) for op in ops] == [
        ("edited", i, i) for i in range(count)
    ]
