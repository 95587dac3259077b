"""The sentence diff: both sides of the side-by-side rows reconstruct the two versions."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from versiontrack.diff.align import align
from versiontrack.diff.words import diff_words_split

_WORDS = st.sampled_from(["Troops", "said", "on", "Monday", "that", "the", "envoy", "<b>", "&"])
sentences = st.lists(st.lists(_WORDS, min_size=1, max_size=8).map(" ".join), max_size=8)
_TAG = re.compile(r"</?(?:del|ins)>")


@given(sentences, sentences)
def test_both_columns_reconstruct_the_versions(old: list[str], new: list[str]) -> None:
    rows = align(old, new)
    assert [r.old for r in rows if r.old is not None] == old
    assert [r.new for r in rows if r.new is not None] == new


@given(st.lists(_WORDS, max_size=12).map(" ".join), st.lists(_WORDS, max_size=12).map(" ".join))
def test_word_highlights_reconstruct_both_sentences(old: str, new: str) -> None:
    left, right = diff_words_split(old, new)
    assert html.unescape(_TAG.sub("", left)) == old
    assert html.unescape(_TAG.sub("", right)) == new
