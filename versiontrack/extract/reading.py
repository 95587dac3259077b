"""trafilatura's reading of a page and its output tree flattened to paragraphs: precision mode
first (without trafilatura's fallback comparison where that cannot change it:
``_fallback_inert``), and the fuller default reading when precision mode's body looks thin
beside the page's own paragraphs or the JSON-LD ``articleBody`` (``_thin``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.external import SANITIZED_XPATH
from trafilatura.settings import DEFAULT_CONFIG
from trafilatura.utils import trim

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
#: articleBody, is suspect (``_thin``)
_SUSPECT = 0.5
#: a paragraph only the default reading holds counts as dropped article text from this length:
#: a menu's or a list of links' items, which the default reading takes too, are shorter
_PROSE = 40


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


def _fuller(found: Sequence[str], more: Sequence[str]) -> bool:
    """Whether the default reading ``more`` holds more dropped prose than precision mode's
    ``found`` holds in all. Short lines do not count: on a page whose article is one long
    paragraph among a menu's items, a one-sentence edit swung the choice between the two
    readings and the menu came and went as a change."""
    kept = set(found)
    dropped = sum(len(p) for p in more if len(p) >= _PROSE and p not in kept)
    return dropped > _chars(found)


def _merged(found: Sequence[str], more: Sequence[str]) -> list[str]:
    """The default reading ``more`` with the paragraphs of precision mode's ``found`` that it
    lacks, each after the last paragraph before it that both hold: the two readings choose
    their blocks apart, and the fuller one has dropped article paragraphs the other kept."""
    places: dict[str, list[int]] = {}
    for i, paragraph in enumerate(more):
        places.setdefault(paragraph, []).append(i)
    merged: list[str] = []
    done = 0  # ``more`` up to here is in ``merged``
    for paragraph in found:
        at = places.get(paragraph, ())
        k = bisect.bisect_left(at, done)
        if k < len(at):
            merged += more[done : at[k] + 1]
            done = at[k] + 1
        else:
            merged.append(paragraph)
    return merged + list(more[done:])


def _reading(tree: HtmlElement, url: str | None, *, precise: bool) -> list[str]:
    """trafilatura's reading of the body of ``tree`` (which it copies, so ours stays intact),
    as paragraphs; [] when it finds none. Its metadata is read apart
    (``metadata._trafilatura_metadata``), once for both readings.

    Precision mode is read without trafilatura's fallback comparison first (``fast``): where
    the comparison cannot change that reading (``_fallback_inert``), it is the reading, and
    the comparison (readability and jusText over the whole page again, about a fifth of an
    extraction) is saved; elsewhere the page is read again with it.
    """
    if precise:
        document = _bare(tree, url, precise=True, fast=True)
        if document is None or not _fallback_inert(document, tree):
            document = _bare(tree, url, precise=True, fast=False)
    else:
        document = _bare(tree, url, precise=False, fast=False)
    return _paragraphs(document.body) if document is not None else []


def _bare(tree: HtmlElement, url: str | None, *, precise: bool, fast: bool) -> Any:
    return trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
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


# trafilatura's own thresholds and tests (trafilatura.external.compare_extraction)
_MIN_EXTRACTED = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")
_UNCLEAN = etree.XPath(SANITIZED_XPATH)
_P_TEXT = etree.XPath("boolean(.//p//text())")
# what fast mode reads that precision mode drops: teaser blocks, by their id or class
_TEASER = "easer"
# every id and every class on the page, gathered in C: searched joined, a line each, they
# answer for all the page's elements at once
_PAGE_IDS = etree.XPath("//@id", smart_strings=False)
_PAGE_CLASSES = etree.XPath("//@class", smart_strings=False)
# (``descendant::``, not ``//``: after our markup repairs, libxml2 took 0.7 s merging the
# node sets ``//text()`` makes on a page of 4,000 wrapped paragraphs, and twice the time on
# real pages)
_READABLE_TEXT = etree.XPath(
    "descendant::text()[not(parent::script or parent::style)]", smart_strings=False
)
_IFRAMES = etree.XPath("count(//iframe)")
_VIDEO = len(" VIDEO")  # readability's text for a video <iframe>


def _fallback_inert(document: Any, tree: HtmlElement) -> bool:
    """Whether trafilatura's fallback comparison, in precision mode, would keep its own
    reading ``document`` (read in fast mode) as it is.

    In precision mode, fast mode differs from the full one in two ways: it keeps teaser
    blocks (so a page holding one is read in full) and skips ``compare_extraction``. That
    keeps the reading when jusText is not asked (the body holds none of its "unclean"
    elements and is not short) and readability cannot win: its text is at most the page's
    (without the scripts and styles it drops, plus "VIDEO" per ``<iframe>``), so a reading
    at least half as long as the page's whole text is never "much shorter" than
    readability's, and a body with paragraph text and no more tables than paragraphs is not
    "structurally deficient". Tied to trafilatura's rules (its version is part of
    ``EXTRACTOR_VERSION``); ``tests/unit/test_extract_reading.py`` compares both readings on
    real pages.
    """
    body = document.body
    have = len(document.raw_text or "")  # the text compared, as output_format "txt" keeps it
    if have < _MIN_EXTRACTED or _UNCLEAN(body) or _teaser(tree):
        return False
    if not _P_TEXT(body) or len(body.findall(".//table")) > len(body.findall(".//p")):
        return False
    # the page's text as readability reads it: without scripts and styles (whose text the
    # HTML parser keeps as their only child), with its "VIDEO" for each <iframe>
    page = len(trim("".join(_READABLE_TEXT(tree)))) + _VIDEO * int(_IFRAMES(tree))
    return page <= 2 * have


def _teaser(tree: HtmlElement) -> bool:
    """Whether an id or a class on the page holds ``_TEASER``, as trafilatura's XPath
    ``//*[contains(@id, 'easer') or contains(@class, 'easer')]`` asks: the values are
    gathered in C and searched at once, where that XPath's test of every element cost
    a quarter of a millisecond a page."""
    return any(_TEASER in "\n".join(values(tree)) for values in (_PAGE_IDS, _PAGE_CLASSES))
