"""Locating the article: its quick searches say what their definitions say, on any text.

The text nodes opening paragraphs (``locate._Openers`` squeezes only a text's start and turns
most away by their first characters), and whether an element holds the paragraphs (one pass
over its text for paragraphs in order)."""

from __future__ import annotations

import lxml.html
from hypothesis import given
from hypothesis import strategies as st

from versiontrack.locate import _ANCHOR, _MIN_ANCHOR, _SCAN, _Openers, _Page, _texts
from versiontrack.text import squeeze

# Few letters, so that texts share starts with the paragraphs; whitespace of every kind
# (runs of it push a text's start past what is squeezed first), and letters that fold to two
# ("ß" to "ss", "ŉ" to "ʼn"), fold differently from lowering ("ſ", "K") or cased three ways.
_CHARS = st.sampled_from("abAB \n\t\u00a0\u3000ßŉſKΣσς")
_TEXT = st.text(_CHARS, min_size=1, max_size=2 * _SCAN)
# paragraphs shorter than a start and longer
_PARAGRAPH = st.one_of(
    st.text(_CHARS, min_size=1, max_size=_ANCHOR), st.text(_CHARS, min_size=2 * _ANCHOR)
)


def _opens(text: str, keys: list[str]) -> bool:
    """The definition: squeezed, the text starts with a paragraph's start, or is (at least
    ``_MIN_ANCHOR`` characters long) the start of one."""
    squeezed = squeeze(text)
    return any(
        squeezed.startswith(k[:_ANCHOR])
        or (len(squeezed) >= _MIN_ANCHOR and k[:_ANCHOR].startswith(squeezed[:_ANCHOR]))
        for k in keys
    )


@given(_TEXT, st.lists(_PARAGRAPH, min_size=1, max_size=6), st.data())
def test_openers_match_their_definition(
    text: str, paragraphs: list[str], data: st.DataObject
) -> None:
    keys = [k for k in (squeeze(p) for p in paragraphs) if k]
    how = data.draw(st.sampled_from(("any", "opens", "starts")))
    if keys and how != "any":
        # a text opening a paragraph, or the start of one, spaced apart differently (and
        # far enough apart that its first characters squeeze to less than its start)
        key = data.draw(st.sampled_from(keys))
        if how == "starts":
            key = key[: data.draw(st.integers(1, _ANCHOR))]
        spaced = data.draw(st.sampled_from(("", " ", "\n\t  "))).join(key)
        text = spaced + data.draw(st.sampled_from((text, "")))
    if text.isspace():
        return  # blank text nodes are never looked at
    node = lxml.html.Element("p")
    node.text = text
    assert bool(_Openers(keys).elements(_texts(node))) == _opens(text, keys)


@given(_TEXT, st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), max_size=6), _TEXT)
def test_an_element_holds_the_paragraphs_its_text_holds(
    text: str, spans: list[tuple[int, int]], other: str
) -> None:
    # paragraphs cut from the text in any order (and one from elsewhere, found or not)
    squeezed = squeeze(text)
    keys = [k for k in (squeezed[i : i + n] for i, n in spans) if k]
    keys.insert(len(keys) // 2, squeeze(other))
    node = lxml.html.Element("div")
    node.text = text
    assert _Page(node).holds(node, keys) == all(k in squeezed for k in keys)
