"""Where the article sits in its page: the elements the fingerprint reads (``fingerprint``).

Given a page's tree and what extraction read from it, ``article_elements`` finds the smallest
element holding every extracted paragraph (plus the byline's own element when the byline is
not in the page's metadata), searched upwards from the text nodes that open a paragraph.
``path_of`` and ``resolve`` name an element by its place among the elements extraction reads:
hidden elements and ad slots are not counted, so an ad slot that comes and goes before the
article (a common churn) does not move it.

Pure: trees in, elements and strings out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Protocol

from lxml import etree

from versiontrack.domain import Extracted
from versiontrack.extract.unread import _hidden, _is_ad_slot
from versiontrack.text import squeeze

__all__ = ["MARKED", "Squeezed", "article_elements", "path_of", "resolve", "text_of"]

_ANCHOR = 40  # characters of a paragraph's start that find the element holding it
_MIN_ANCHOR = _ANCHOR // 2  # a shorter text node never opens a paragraph by itself
_SCAN = 3 * _ANCHOR  # characters of a text node squeezed to find its squeezed start
_PEEK = _ANCHOR  # characters of a text node squeezed first: most open no paragraph's head
_CODE = frozenset({"script", "style", "template"})
#: The tags of the elements ``article_elements`` reads apart from the page's text: code, whose
#: text it never reads, and the metadata (``<meta>``, JSON-LD's ``<script>``).
MARKED = (*sorted(_CODE), "meta")
_STEP = re.compile(r"([A-Za-z][\w.-]*):(\d+)")
# a text node that is not blank: the element it opens (``_texts``), its text, and the first
# character of its squeezed text
_Text = tuple[etree._Element, str, str]


def article_elements(
    tree: etree._Element,
    extracted: Extracted,
    paragraphs: Sequence[str],
    squeezed: Squeezed | None = None,
    marked: Sequence[etree._Element] | None = None,
) -> list[etree._Element] | None:
    """The elements holding what ``extracted`` read from ``tree``; None when only the whole
    page holds it (every churn would change it, so a fingerprint could never help).
    ``paragraphs``: ``extracted``'s paragraphs squeezed (its caller needs them too), by
    ``squeezed`` when given (an element's text is mostly one of them). ``marked``: the page's
    elements of the ``MARKED`` tags (others may be among them), in document order, when its
    caller found them in a walk of its own (each walk of a whole page costs)."""
    keys = [k for k in paragraphs if k]
    page = _Page(tree, squeezed, marked)
    body = page.smallest_holding(keys, _Openers(keys))
    if body is None or body.tag in ("html", "body"):
        return None
    elements = [body]
    standfirst = squeeze(extracted.standfirst)
    if standfirst and not page.holds(body, [standfirst]):
        # extraction reads the standfirst from the element that shows it (an edit there
        # shows before the metadata does), so that element is part of what it read
        shown = page.smallest_holding([standfirst], _Openers([standfirst]))
        if shown is not None and shown.tag not in ("html", "body"):
            elements.append(shown)
        elif not page.in_metadata([standfirst]):
            return None
    names = [k for k in (squeeze(n) for n in extracted.byline.split(";")) if k]  # "A; B"
    if names and not page.holds(body, names) and not page.in_metadata(names):
        # a "By …" line in the page: only its own element, not the share counts beside it
        line = page.smallest_holding(names, _Mentions(names))
        if line is None or line.tag in ("html", "body"):
            return None
        elements.append(line)
    return elements


class _Page:
    """One page's text as the searches read it, each part read once: its text nodes, the
    squeezed text of the elements tested, its metadata."""

    def __init__(
        self,
        tree: etree._Element,
        squeezed: Squeezed | None = None,
        marked: Sequence[etree._Element] | None = None,
    ) -> None:
        self._marked = list(tree.iter(*MARKED)) if marked is None else marked
        # one walk: the body, standfirst and byline searches share it
        self._texts = _texts(tree, {el for el in self._marked if el.tag in _CODE})
        self._held: dict[etree._Element, str] = {}
        self._squeezed = Squeezed() if squeezed is None else squeezed
        self._metadata: str | None = None

    def smallest_holding(self, keys: Sequence[str], search: _Search) -> etree._Element | None:
        """The smallest element holding every key, searched upwards from the elements of the
        text nodes ``search`` finds: keys whose anchor we missed (a nested inline tag) must
        still be inside."""
        found = search.elements(self._texts)
        element = _common_ancestor(found) if found else None
        while element is not None and not self.holds(element, keys):
            element = element.getparent()
        return element

    def holds(self, element: etree._Element, keys: Sequence[str]) -> bool:
        content = self._held.get(element)
        if content is None:
            content = self._held[element] = self._content(element)
        # the paragraphs come in the page's order: each is looked for after the one before
        # (one pass over the text, not one per paragraph), before it only when not found
        start = 0
        for key in keys:
            found = content.find(key, start)
            if found >= 0:
                start = found + len(key)
            elif key not in content:
                return False
        return True

    def _content(self, element: etree._Element) -> str:
        """``element``'s text squeezed, a child at a time: squeezing goes character by
        character, so the pieces join to the whole, and most children's texts are
        paragraphs squeezed already. Text outside elements (a processing instruction's) is
        squeezed whole (its children's texts would not add up to it)."""
        children = list(element)
        if not all(isinstance(c.tag, str) for c in children):
            return squeeze(text_of(element))
        pieces = [squeeze(element.text or "")]
        for child in children:
            pieces.append(self._squeezed(text_of(child)))
            pieces.append(squeeze(child.tail or ""))
        return "".join(pieces)

    def in_metadata(self, names: Sequence[str]) -> bool:
        """Whether the page's ``<meta>`` contents and JSON-LD hold every name (squeezed)."""
        if self._metadata is None:
            contents, blocks = [], []
            for el in self._marked:
                tag = el.tag
                if tag == "meta":
                    if (content := el.get("content")) is not None:
                        contents.append(content)
                elif tag == "script" and el.get("type") == "application/ld+json":
                    blocks.append(text_of(el))
            self._metadata = squeeze(" ".join(contents + blocks))
        return all(n in self._metadata for n in names)


class _Search(Protocol):
    """A search of the page's text nodes (``_Openers``, ``_Mentions``)."""

    def elements(self, texts: Sequence[_Text]) -> list[etree._Element]:
        """The elements of the text nodes found."""
        ...


class _Openers:
    """Finds the text nodes opening one of the paragraphs: squeezed, each starts with a
    paragraph's first ``_ANCHOR`` characters, or is itself (``_MIN_ANCHOR`` or more
    characters long) the start of one. Most text nodes open none: their first character
    turns them away before they are squeezed, a dict look-up of their first characters then
    (squeezing a string's start gives the start of the squeezed string: whitespace goes and
    case folds character by character)."""

    def __init__(self, keys: Sequence[str]) -> None:
        starts = {k[:_ANCHOR] for k in keys}
        self._firsts = {s[0] for s in starts}
        # every start is at least this long, so a text opening with one shares its first
        # ``_head`` characters, and so does a text that is the start of one
        self._head = min([_MIN_ANCHOR, *map(len, starts)])
        by_head: dict[str, list[str]] = {}
        for s in starts:
            by_head.setdefault(s[: self._head], []).append(s)
        self._by_head = {h: tuple(group) for h, group in by_head.items()}

    def elements(self, texts: Sequence[_Text]) -> list[etree._Element]:
        firsts, head = self._firsts, self._head
        # an ASCII text shorter than a start's head opens none (most labels and links); a
        # text with other letters may grow when folded ("ß" folds to "ss"), so it is tried
        return [
            el
            for el, text, first in texts
            if first in firsts and (len(text) >= head or not text.isascii()) and self(text)
        ]

    def __call__(self, text: str) -> bool:
        peek = squeeze(text[:_PEEK])
        if len(peek) >= self._head and peek[: self._head] not in self._by_head:
            return False  # (its squeezed start begins so too: no need to squeeze more)
        start = squeeze(text[:_SCAN])
        if len(start) < _ANCHOR and len(text) > _SCAN:
            start = squeeze(text)  # mostly whitespace at its start
        starts = self._by_head.get(start[: self._head])
        if starts is None:
            return False
        start = start[:_ANCHOR]
        return start.startswith(starts) or (
            len(start) >= _MIN_ANCHOR and any(s.startswith(start) for s in starts)
        )


class _Mentions:
    """Finds the text nodes holding one of the names (squeezed)."""

    def __init__(self, names: Sequence[str]) -> None:
        self._names = names

    def elements(self, texts: Sequence[_Text]) -> list[etree._Element]:
        return [el for el, text, _ in texts if any(n in squeeze(text) for n in self._names)]


class Squeezed:
    """``squeeze``, each text squeezed once: the locate reads the article's text three times
    (extraction's paragraphs, the search's elements, the unread lines' elements), mostly
    as the same strings, and squeezing it costs as much as finding it."""

    def __init__(self) -> None:
        self._known: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        squeezed = self._known.get(text)
        if squeezed is None:
            squeezed = self._known[text] = squeeze(text)
        return squeezed


def path_of(element: etree._Element) -> str | None:
    """``element``'s place in its page: each step a tag and its number among the siblings of
    that tag extraction reads (``resolve`` finds it again); None inside a hidden element or
    an ad slot."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        if parent is None:
            steps.append(f"{node.tag}:0")
            break
        if not _counted(node):
            return None
        # (the tag filter runs in C: no proxy for the other siblings)
        number = sum(1 for c in node.itersiblings(node.tag, preceding=True) if _counted(c))
        steps.append(f"{node.tag}:{number}")
        node = parent
    return "/" + "/".join(reversed(steps))


def resolve(tree: etree._Element, path: str) -> etree._Element | None:
    """The element ``path_of`` named in ``tree``; None when it is gone (or not a path)."""
    steps = path.split("/")[1:]
    if not steps or not all(_STEP.fullmatch(s) for s in steps):
        return None
    tag, _, number = steps[0].partition(":")
    if tree.tag != tag or number != "0":
        return None
    node = tree
    for step in steps[1:]:
        tag, _, number = step.partition(":")
        wanted = int(number)
        for child in node.iterchildren(tag):
            if _counted(child):
                if wanted == 0:
                    node = child
                    break
                wanted -= 1
        else:
            return None
    return node


def text_of(element: etree._Element) -> str:
    """``element.text_content()``, at a third of its cost (no XPath evaluation per call)."""
    if not len(element):
        # (no child but text: its text is all of it, without a serializer's set-up)
        return element.text or ""
    return etree.tostring(element, method="text", encoding=str, with_tail=False)


def _counted(el: etree._Element) -> bool:
    return not (_hidden(el) or _is_ad_slot(el))


def _texts(tree: etree._Element, code: AbstractSet[etree._Element]) -> list[_Text]:
    """Every text node of the page that is not blank, with the element it opens: its element
    for an element's own text, the enclosing element for the text after one. ``code``: the
    page's code elements (found in C, few: a set of their proxies)."""
    # Code is never read as text, nor even fetched: a state blob can be 100 KB of JSON, and
    # code is more than half of many pages' bytes.
    texts: list[_Text] = []
    add = texts.append  # (every element of the page passes here: no lookup spared is small)
    for el in tree.iter(etree.Element):
        if el not in code:
            text = el.text
            if text and not text.isspace():
                add((el, text, text.lstrip()[0].casefold()[0]))
        tail = el.tail
        if tail and not tail.isspace():
            parent = el.getparent()
            if parent is not None:
                add((parent, tail, tail.lstrip()[0].casefold()[0]))
    return texts


def _common_ancestor(elements: Sequence[etree._Element]) -> etree._Element | None:
    chain = [*reversed(list(elements[0].iterancestors())), elements[0]]
    for el in elements[1:]:
        mine = {el, *el.iterancestors()}
        while chain and chain[-1] not in mine:
            chain.pop()
    return chain[-1] if chain else None
