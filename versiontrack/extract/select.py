"""A source's own overrides of the reading: the article body named by a CSS selector and read
directly instead of trafilatura's guess, and the ``ignore`` patterns compiled once per source.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED

from versiontrack.extract.markup import INLINE_HTML, _prepare
from versiontrack.extract.reading import _paragraphs
from versiontrack.extract.unread import _hidden

_Select = Callable[[etree._Element], list[HtmlElement]]


# What trafilatura's own cleaning deletes (scripts, forms, buttons, figures, asides, <time>…)
# and <template>, which is never rendered: so a selector changes which part of the page is
# read, not how it is read. Tables are read, cell by cell, as trafilatura reads them.
_UNREAD = frozenset(MANUALLY_CLEANED) | {"template"}
# Of those, the elements whose content is code, media or form state, never prose: not read
# even when the selector names them, while a selected <aside>, <figure> or <td> is.
_NO_TEXT = frozenset(
    "script style template head svg math iframe object embed canvas audio video picture "
    "select textarea input button".split()
)


# page HTML for _paragraphs: <br> ends a paragraph, as <lb/> does in trafilatura's tree
_INLINE_PAGE = INLINE_HTML - {"br", "del", "s", "strike"}
_STRUCK_PAGE = frozenset({"del", "s", "strike"})


@functools.lru_cache(maxsize=256)
def _selector(css: str) -> _Select:
    """The compiled selector; compiled once per selector string, as every check reuses it."""
    try:
        return CSSSelector(css, translator="html")
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {css!r}: {exc}") from exc


@functools.lru_cache(maxsize=256)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """The compiled ``ignore`` patterns of one source, compiled once per tuple."""
    return tuple(re.compile(pattern) for pattern in patterns)


def _selected_paragraphs(tree: HtmlElement, select: _Select) -> list[str]:
    """The paragraphs of the elements ``select`` finds, in document order; [] when none has text.

    The matched elements are read whole, block by block, without trafilatura's guesses: it
    picks a "main" container inside what it is given and can reorder paragraphs around it,
    while the selector is someone who looked at the site saying where the article is. Copies
    are read, fixed as the whole page is (``_prepare``), without what trafilatura would not
    read either (``_UNREAD``) and without hidden elements. A match inside another match is
    read once, as part of the outer one; a matched element is read whatever its tag (the
    selector chose it) unless it is hidden or cannot hold prose (``_NO_TEXT``).
    """
    matches = select(tree)
    matched = set(matches)
    paragraphs: list[str] = []
    for element in matches:
        if (
            element.tag in _NO_TEXT
            or _hidden(element)
            or any(ancestor in matched for ancestor in element.iterancestors())
        ):
            continue
        root = copy.deepcopy(element)
        root.tail = None
        etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
        _prepare(root)
        unread = [
            el
            for el in root.iterdescendants()
            if isinstance(el.tag, str) and (el.tag in _UNREAD or _hidden(el))
        ]
        for el in unread:
            el.drop_tree()  # keeps its tail: the text after it is still read
        paragraphs += _paragraphs(root, _INLINE_PAGE, _STRUCK_PAGE)
    return paragraphs
