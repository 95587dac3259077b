"""The real-pages scorer on any text a page can carry: bounded, symmetric where it should be."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench.realpages import score

_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)


@given(_TEXT, _TEXT)
def test_scores_are_fractions_and_swap_precision_and_recall(a: str, b: str) -> None:
    m = score.match(a, b)
    assert 0 <= m.common <= min(m.extracted, m.truth)
    assert all(0.0 <= v <= 1.0 for v in m.to_dict().values())
    swapped = score.match(b, a)
    if m.extracted and m.truth:
        assert (swapped.precision, swapped.recall) == (m.recall, m.precision)


@given(_TEXT)
def test_a_text_scores_perfectly_against_itself(a: str) -> None:
    assert score.match(a, a).to_dict() == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert score.edit_found([{"op": "added", "old": None, "new": a}], "added", None, a) == bool(
        score.words(a)
    )
