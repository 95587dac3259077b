"""Locating the article: its quick searches say what their definitions say, on any text.

The text nodes opening paragraphs (``locate._Openers`` squeezes only a text's start and turns
most away by their first characters), and whether an element holds the paragraphs (one pass
over its text for paragraphs in order)."""

from __future__ import annotations

import itertools

import lxml.html
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from versiontrack.locate import (
    _ANCHOR,
    _MIN_ANCHOR,
    _SCAN,
    Squeezed,
    _Openers,
    _Page,
    _texts,
    text_of,
)
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
    # a lone <p>: the page has no code elements
    assert bool(_Openers(keys).elements(_texts(node, set()))) == _opens(text, keys)


@given(
    _TEXT,
    st.lists(st.tuples(st.integers(0, 200), st.integers(1, 60)), max_size=6),
    _TEXT,
    st.lists(st.integers(0, 2 * _SCAN), max_size=6),
    st.booleans(),
)
def test_an_element_holds_the_paragraphs_its_text_holds(
    text: str, spans: list[tuple[int, int]], other: str, cuts: list[int], instruction: bool
) -> None:
    # paragraphs cut from the text in any order (and one from elsewhere, found or not)
    squeezed = squeeze(text)
    keys = [k for k in (squeezed[i : i + n] for i, n in spans) if k]
    keys.insert(len(keys) // 2, squeeze(other))
    node = _spread(text, cuts, instruction)
    assert text_of(node) == text
    # (the page's squeezed texts already hold some of the pieces: the search reuses them)
    known = Squeezed()
    for piece in node.itertext():
        known(piece)
    assert _Page(node, known)._content(node) == squeezed
    assert _Page(node, known).holds(node, keys) == all(k in squeezed for k in keys)
    assert _Page(node).holds(node, keys) == all(k in squeezed for k in keys)


def _spread(text: str, cuts: list[int], instruction: bool) -> lxml.html.HtmlElement:
    """An element whose text is ``text``, cut at ``cuts`` into its own text, its children's
    (nested ones) and their tails; with a processing instruction first (its content is no
    text) when ``instruction``."""
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    node = lxml.html.Element("div")
    node.text = pieces[0] if pieces else ""
    for n, piece in enumerate(pieces[1:]):
        if n % 2:
            node[-1].tail = piece
        else:
            inner = etree.SubElement(etree.SubElement(node, "span"), "b")
            inner.text = piece
    if instruction:
        node.insert(0, etree.ProcessingInstruction("php", "echo 1"))
        node[0].tail, node.text = node.text, ""
    return node
