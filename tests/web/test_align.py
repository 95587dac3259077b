"""Tests for the side-by-side layout of a diff: ``diff.align``, ``diff_words_split`` and
``summarize_rows``. The rows must read as the old text down the left and the new text down the
right, and agree with ``diff_sentences`` on every count."""

from __future__ import annotations

import random

import pytest

from versiontrack.diff.align import align, summarize_rows
from versiontrack.diff.sentences import diff_sentences
from versiontrack.diff.words import diff_words, diff_words_split
from versiontrack.domain import Diff

A = "North Korean troops are moving to the Russian region of Kursk, near Ukraine."
B = "The US and South Korean defence chiefs have called for North Korea to withdraw."
C = "Austin was speaking at a press conference at the Pentagon with Kim Yong-hyun."
D = "Washington says 10,000 North Korean troops have been deployed for possible action."
E = "Russia’s ambassador to the United Nations denied that the troops were present."
F = "The White House said the troops would become legitimate targets in Ukraine."
NEW = "Wood bluntly warned that the forces entering Ukraine “will surely return in body bags”."
POOL = [A, B, C, D, E, F, NEW]


def columns(rows: tuple) -> tuple[list[str], list[str]]:
    return [r.old for r in rows if r.old is not None], [r.new for r in rows if r.new is not None]


def test_identical_texts_are_all_equal_rows() -> None:
    rows = align([A, B], [A, B])
    assert [(r.kind, r.old, r.new, r.old_index, r.new_index) for r in rows] == [
        ("equal", A, A, 0, 0),
        ("equal", B, B, 1, 1),
    ]
    assert align([], []) == ()


def test_added_and_removed_sentences_fill_one_side() -> None:
    rows = align([A, B, C], [A, NEW, C])
    assert [(r.kind, r.old, r.new) for r in rows] == [
        ("equal", A, A),
        ("removed", B, None),
        ("added", None, NEW),
        ("equal", C, C),
    ]
    removed, added = rows[1], rows[2]
    assert removed.html_old == f"<del>{B}</del>" and removed.html_new == ""
    assert added.html_new == f"<ins>{NEW}</ins>" and added.html_old == ""
    assert removed.html == removed.html_old and added.html == added.html_new


def test_edited_sentence_shares_a_row_with_word_highlights_per_side() -> None:
    old = D
    new = D.replace("10,000", "11,000")
    (_, row, _) = align([A, old, B], [A, new, B])
    assert (row.kind, row.old, row.new, row.old_index, row.new_index) == ("edited", old, new, 1, 1)
    assert row.html_old == "Washington says <del>10,000</del> North Korean troops have been" + (
        " deployed for possible action."
    )
    assert row.html_new == "Washington says <ins>11,000</ins> North Korean troops have been" + (
        " deployed for possible action."
    )
    assert row.html == diff_words(old, new)
    assert row.partner is None


def test_moved_sentence_appears_where_it_was_and_where_it_went() -> None:
    rows = align([A, B, C, D, E], [A, D, B, C, E])
    assert [(r.kind, r.old_index, r.new_index, r.partner) for r in rows] == [
        ("equal", 0, 0, None),
        ("moved", None, 1, 3),  # D arrives here from old sentence 3 …
        ("equal", 1, 2, None),
        ("equal", 2, 3, None),
        ("moved", 3, None, 1),  # … and left from here for new sentence 1
        ("equal", 4, 4, None),
    ]
    moved = [r for r in rows if r.kind == "moved"]
    assert [(r.html_old, r.html_new, r.html) for r in moved] == [("", D, D), (D, "", D)]


def test_crossing_edits_keep_both_columns_in_order() -> None:
    # Two sentences swap places and are both touched up: the pairs cross, so at most one
    # can share a row; the other is shown on each side at its own place, naming its partner.
    b2 = B.replace("called", "asked")
    c2 = C.replace("speaking", "talking")
    rows = align([A, B, C, F], [A, c2, b2, F])
    assert columns(rows) == ([A, B, C, F], [A, c2, b2, F])
    edited = [r for r in rows if r.kind == "edited"]
    assert len([r for r in edited if r.old is not None and r.new is not None]) == 1
    split = [r for r in edited if r.old is None or r.new is None]
    assert len(split) == 2
    (left,) = [r for r in split if r.old is not None]
    (right,) = [r for r in split if r.new is not None]
    assert left.partner == right.new_index and right.partner == left.old_index
    assert "<del>" in left.html_old and "<ins>" in right.html_new
    assert summarize_rows(rows).edited == 2


def test_html_is_escaped_on_both_sides() -> None:
    hostile = "He wrote <script>alert(1)</script> & left."
    rows = align([hostile, A], [hostile.replace("left", "went"), A, "<img src=x onerror=y>"])
    for row in rows:
        for cell in (row.html_old, row.html_new, row.html):
            assert "<script" not in cell and "<img" not in cell
    escaped = "He wrote &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
    assert rows[0].html_old == escaped + "<del>left</del>."
    assert rows[-1].html_new == "<ins>&lt;img src=x onerror=y&gt;</ins>"


def test_diff_words_split_is_the_word_diff_seen_from_each_side() -> None:
    old, new = "as many as 11,000 troops", "as many as 12,000 troops"
    assert diff_words_split(old, new) == (
        "as many as <del>11,000</del> troops",
        "as many as <ins>12,000</ins> troops",
    )
    assert diff_words_split("same & same", "same & same") == ("same &amp; same",) * 2
    assert diff_words_split("", "new") == ("", "<ins>new</ins>")


@pytest.mark.parametrize("seed", range(60))
def test_columns_read_as_the_two_versions_and_counts_match_the_ops(seed: int) -> None:
    rng = random.Random(seed)
    old = rng.choices(POOL, k=rng.randint(0, 10))
    new = list(old)
    for _ in range(rng.randint(1, 5)):
        roll = rng.random()
        if roll < 0.3 or not new:
            new.insert(rng.randint(0, len(new)), rng.choice(POOL))
        elif roll < 0.5:
            del new[rng.randrange(len(new))]
        elif roll < 0.75:
            k = rng.randrange(len(new))
            new[k] = new[k].replace("the", "a", 1) + " Officials declined to comment."
        else:
            new.insert(rng.randint(0, len(new) - 1), new.pop(rng.randrange(len(new))))
    rows = align(old, new)
    assert columns(rows) == (old, new)
    assert [r.old_index for r in rows if r.old is not None] == list(range(len(old)))
    assert [r.new_index for r in rows if r.new is not None] == list(range(len(new)))
    for row in rows:
        assert (row.old is None) == (row.old_index is None)
        assert (row.new is None) == (row.new_index is None)
        if row.kind == "equal":
            assert row.old == row.new
    assert summarize_rows(rows) == Diff((), diff_sentences(old, new)).summary
