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
from collections.abc import Callable, Sequence

from lxml import etree
from lxml.html import HtmlElement

from versiontrack.domain import Extracted
from versiontrack.extract.unread import _hidden, _is_ad_slot
from versiontrack.text import squeeze

__all__ = ["LD_JSON", "META", "article_elements", "path_of", "resolve"]

META = etree.XPath("//meta[@content]")
LD_JSON = etree.XPath("//script[@type='application/ld+json']")
_ANCHOR = 40  # characters of a paragraph's start that find the element holding it
_MIN_ANCHOR = _ANCHOR // 2  # a shorter text node never opens a paragraph by itself
_CODE = frozenset({"script", "style", "template"})
_STEP = re.compile(r"([A-Za-z][\w.-]*):(\d+)")


def article_elements(tree: HtmlElement, extracted: Extracted) -> list[HtmlElement] | None:
    """The elements holding what ``extracted`` read from ``tree``; None when only the whole
    page holds it (every churn would change it, so a fingerprint could never help)."""
    keys = [k for k in (squeeze(p) for p in extracted.paragraphs) if k]
    texts = _texts(tree)  # walked once: the body, standfirst and byline searches share it
    body = _smallest_holding(texts, keys, _Openers(keys))
    if body is None or body.tag in ("html", "body"):
        return None
    elements = [body]
    standfirst = squeeze(extracted.standfirst)
    if standfirst and not _holds(body, [standfirst]):
        # extraction reads the standfirst from the element that shows it (an edit there
        # shows before the metadata does), so that element is part of what it read
        shown = _smallest_holding(texts, [standfirst], _Openers([standfirst]))
        if shown is not None and shown.tag not in ("html", "body"):
            elements.append(shown)
        elif not _in_metadata(tree, [standfirst]):
            return None
    names = [k for k in (squeeze(n) for n in extracted.byline.split(";")) if k]  # "A; B"
    if names and not _holds(body, names) and not _in_metadata(tree, names):
        # a "By …" line in the page: only its own element, not the share counts beside it
        line = _smallest_holding(texts, names, lambda t: any(n in t for n in names))
        if line is None or line.tag in ("html", "body"):
            return None
        elements.append(line)
    return elements


def _in_metadata(tree: HtmlElement, names: Sequence[str]) -> bool:
    """Whether the page's ``<meta>`` contents and JSON-LD hold every name (squeezed)."""
    in_metadata = [m.get("content") or "" for m in META(tree)]
    in_metadata += [s.text_content() for s in LD_JSON(tree)]
    meta_text = squeeze(" ".join(in_metadata))
    return all(n in meta_text for n in names)


class _Openers:
    """Whether a squeezed text node opens one of the paragraphs: it starts with a
    paragraph's first ``_ANCHOR`` characters, or is itself (``_MIN_ANCHOR`` or more
    characters long) the start of one. Set look-ups, not a scan of every paragraph."""

    def __init__(self, keys: Sequence[str]) -> None:
        starts = {k[:_ANCHOR] for k in keys}
        # (a text opening with a start of the full ``_ANCHOR`` is found in ``_prefixes``:
        # only the starts of short paragraphs need a look-up of their own length)
        self._by_length: dict[int, set[str]] = {}
        for s in starts:
            if len(s) < _ANCHOR:
                self._by_length.setdefault(len(s), set()).add(s)
        self._prefixes = {s[:n] for s in starts for n in range(_MIN_ANCHOR, len(s) + 1)}

    def __call__(self, text: str) -> bool:
        if len(text) >= _MIN_ANCHOR and text[:_ANCHOR] in self._prefixes:
            return True
        return any(text[:n] in starts for n, starts in self._by_length.items())


def path_of(element: HtmlElement) -> str | None:
    """``element``'s place in its page: each step a tag and its number among the siblings of
    that tag extraction reads (``resolve`` finds it again); None inside a hidden element or
    an ad slot."""
    steps: list[str] = []
    node: HtmlElement | None = element
    while node is not None:
        parent = node.getparent()
        if parent is None:
            steps.append(f"{node.tag}:0")
            break
        if not _counted(node):
            return None
        number = sum(
            1 for c in node.itersiblings(preceding=True) if c.tag == node.tag and _counted(c)
        )
        steps.append(f"{node.tag}:{number}")
        node = parent
    return "/" + "/".join(reversed(steps))


def resolve(tree: HtmlElement, path: str) -> HtmlElement | None:
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


def _counted(el: HtmlElement) -> bool:
    return not (_hidden(el) or _is_ad_slot(el))


def _texts(tree: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """Every text node of the page that is not blank, squeezed, with the element it opens:
    its element for an element's own text, the enclosing element for the text after one."""
    texts = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        text, tail = el.text, el.tail
        if el.tag in _CODE:
            text = None  # code, never read as text (a state blob can be 100 KB of JSON)
        if text and not text.isspace():
            texts.append((el, squeeze(text)))
        if tail and not tail.isspace():
            parent = el.getparent()
            if parent is not None:
                texts.append((parent, squeeze(tail)))
    return texts


def _common_ancestor(elements: Sequence[HtmlElement]) -> HtmlElement | None:
    chain = [*reversed(list(elements[0].iterancestors())), elements[0]]
    for el in elements[1:]:
        mine = {el, *el.iterancestors()}
        while chain and chain[-1] not in mine:
            chain.pop()
    return chain[-1] if chain else None


def _holds(element: HtmlElement, keys: Sequence[str]) -> bool:
    content = squeeze(element.text_content())
    return all(k in content for k in keys)


def _smallest_holding(
    texts: Sequence[tuple[HtmlElement, str]], keys: Sequence[str], match: Callable[[str], bool]
) -> HtmlElement | None:
    """The smallest element holding every key, searched upwards from the elements of the
    texts (``_texts``) ``match`` accepts: keys whose anchor we missed (a nested inline tag)
    must still be inside."""
    found = [el for el, text in texts if match(text)]
    element = _common_ancestor(found) if found else None
    while element is not None and not _holds(element, keys):
        element = element.getparent()
    return element
