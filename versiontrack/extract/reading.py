"""trafilatura's reading of a page and its output tree flattened to paragraphs: precision mode
first, and the fuller default reading when precision mode's body looks thin beside the page's
own paragraphs or the JSON-LD ``articleBody`` (``_thin``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from versiontrack.text import fold

# trafilatura's inline output elements; every other element (p, head, item, quote, cell, …)
# is a block, and each block becomes its own paragraph.
_INLINE_OUTPUT = frozenset({"hi", "ref", "del"})


def _paragraphs(
    body: etree._Element,
    inline: frozenset[str] = _INLINE_OUTPUT,
    struck_tags: frozenset[str] = frozenset({"del"}),
) -> list[str]:
    """Flatten a tree: one string per block element, in document order.

    Made for trafilatura's body tree, where every ``<lb/>`` ends a paragraph too, as in
    trafilatura's own text output: it collapses ``<br><br>`` to one ``<lb/>``, so a double break
    (the paragraph separator of older sites) cannot be told from a single one. Struck-through
    text (``<del>``: ``<s>``, ``<strike>``, ``<del>`` in the page) is left out, since it is not
    what the article now says. ``inline`` and ``struck_tags`` adapt it to page HTML (the
    selector path), where ``<br>`` then plays the part of ``<lb/>``.
    """
    paragraphs: list[str] = []
    buffer: list[str] = []
    struck = 0

    def flush() -> None:
        if text := fold("".join(buffer)):
            paragraphs.append(text)
        buffer.clear()

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        # a word of code inside a sentence is read as part of it
        block = tag not in inline and not (tag == "code" and _in_line(el))
        if event == "start":
            if tag in struck_tags:
                struck += 1
            elif block:
                flush()
            if el.text and not struck:
                buffer.append(el.text)
        else:
            if tag in struck_tags:
                struck -= 1
            elif block:
                flush()
            if el.tail and not struck and el is not body:
                buffer.append(el.tail)
    flush()
    return paragraphs


# trafilatura's text blocks: a <code> inside one is a word of code in the text (inline),
# while a code block stands on its own among them
_TEXT_BLOCKS = frozenset({"p", "item", "head", "cell", "quote", "hi", "ref"})


def _in_line(el: etree._Element) -> bool:
    parent = el.getparent()
    return parent is not None and parent.tag in _TEXT_BLOCKS


_PAGE_PROSE = etree.XPath("//body//p")
_LD_BODY = re.compile(r'"articleBody"\s*:\s*"((?:[^"\\]|\\.)*)"')
#: precision mode's body shorter than this share of the page's <p> text, or of the JSON-LD
#: articleBody, is suspect; it is replaced when shorter than _FULLER of the default reading
_SUSPECT = 0.5
_FULLER = 0.5


def _chars(paragraphs: Sequence[str]) -> int:
    return sum(len(p) for p in paragraphs)


def _thin(found: Sequence[str], tree: HtmlElement) -> bool:
    """Whether precision mode may have dropped part of the article: its body is short beside
    the page's paragraph text or the article body the page declares in JSON-LD. Cheap on
    purpose: the second reading this triggers costs as much as the first."""
    have = _chars(found)
    prose = sum(len(fold(p.text_content())) for p in _PAGE_PROSE(tree))
    if have < _SUSPECT * prose:
        return True
    declared = max(
        (
            len(m.group(1))
            for script in tree.iter("script")
            if script.get("type") == "application/ld+json" and script.text
            for m in _LD_BODY.finditer(script.text)
        ),
        default=0,
    )
    return have < _SUSPECT * declared


def _reading(tree: HtmlElement, url: str | None, *, precise: bool) -> list[str]:
    """trafilatura's reading of the body of ``tree`` (which it copies, so ours stays intact),
    as paragraphs; [] when it finds none. Its metadata is read apart
    (``metadata._trafilatura_metadata``), once for both readings."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=precise,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        # never True: trafilatura's cache is process-wide and eats repeated
        # paragraphs when the same page is extracted again
        deduplicate=False,
        with_metadata=False,
        # not "python", which also renders the body as text: only the tree is read here
        output_format="txt",
    )
    return _paragraphs(document.body) if document is not None else []
