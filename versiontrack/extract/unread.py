"""What extraction never reads, removed from the markup before anything reads it: elements
hidden by their own markup, machine-only schema.org microdata and ad slots. ``drop_unread``
runs over the whole page (extraction) or inside one element of it (the fingerprint's region,
``within``), judged the same way both times so that both leave out the same things (but
for the blocks only an ad label names, which the region keeps: see ``_labelled``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlMixin

from versiontrack.text import fold

# Elements whose markup may hide them (``_hidden``, Readability's judgement, decides) and
# schema.org microdata, by these attributes (``_drop_unseen`` sorts them): most elements carry
# none of them, so the XPath leaves few for Python to look at.
_MAY_BE_UNSEEN = ("hidden", "aria-hidden", "style", "itemprop")
# schema.org microdata that carries values for machines, not words for readers: an image URL,
# "1200" "676" dimensions, a publisher logo, "2018-10-12 06:43:54" stamps. Sites hide these
# with a stylesheet we never see, so the itemprop alone has to say it (unless the element
# holds paragraphs).
_MACHINE_ITEMPROPS = frozenset(
    (
        "image thumbnailUrl logo width height datePublished dateModified dateCreated uploadDate "
        "interactionCount interactionStatistic commentCount wordCount"
    ).split()
)
# a "url" itemprop is often the link around an author's name: only a bare address goes
_URL_ITEMPROPS = frozenset({"url", "contentUrl"})
# an itemprop is a list of names apart by XML's whitespace (XPath's normalize-space), not
# by every character Python's str.split takes for a space
_XML_SPACE = re.compile(r"[ \t\r\n]+")
_BARE_ADDRESS = re.compile(r"\S*[/.]\S*")


# Ad slots by the names the web gives them: "ad", "ad-slot", "inline-ad", "adsbygoogle",
# "advertisement", "sponsored", outbrain/taboola widgets, DFP/GPT slots. One line of ad copy
# in such a slot, next to the article box or inside it, reads like a sentence to trafilatura
# (60% of the churn steps on the real-pages bench made a version that way).
_AD_NAME = re.compile(
    r"(?:advert|adsbygoogle|adslot|dfp|gpt-ad|google-?ad|sponsor|promoted|outbrain|taboola|"
    r"teads)[\w-]*",
    re.IGNORECASE,
)
_AD_SEGMENT = re.compile(r"[-_]")
# Every ad name holds one of these stems (case aside): a substring test turns most named
# elements away before their names are split and matched.
_AD_STEMS = ("ad", "sponsor", "promoted", "outbrain", "taboola", "teads", "dfp")
_AD_WORDS = 60  # more than an ad's copy: a slot this big holding half the page is its article
# The label a native ad prints above its copy. Ad networks (and sites dodging blockers) hash
# their class names ("css-1x2y3z"), so the label is all that names the block an ad: a block
# that opens with one and holds one line of copy more is the ad. Menu links saying
# "Advertising" (advertise with us) are not labels.
_AD_LABELS = frozenset(
    (
        "Advertisement",
        "ADVERTISEMENT",
        "Advertising",
        "ADVERTISING",
        "Sponsored",
        "SPONSORED",
        "Anzeige",
        "ANZEIGE",
        "Werbung",
        "Publicité",
        "PUBLICITÉ",
        "Publicidad",
        "Pubblicità",
    )
)
#: the page and the article's box: never a block of chrome to drop, whatever it opens with
PAGE_BOXES = frozenset({"html", "body", "article", "main"})
_LONGEST_LABEL = 40  # characters of an element's own text, spaces around the label included
_AD_COPY_WORDS = 30  # one line of ad copy under the label; more is not an ad's
_AD_ATTRIBUTES = frozenset({"data-ad-slot", "data-ad-unit", "data-adunit", "data-ad-client"})
_AD_CANDIDATES = ("class", "id", *sorted(_AD_ATTRIBUTES))
# lxml.html's, called as functions: they read only what every element has, and the
# fingerprint's trees are of plain elements (``fingerprint._parse``: cheaper to hand out)
_drop_tree = HtmlMixin.drop_tree
_text_content = HtmlMixin.text_content


@dataclass(frozen=True)
class _Unread:
    """The XPaths that find what extraction never reads, over the page's body or inside one
    element of it (the fingerprint's region: ``drop_unread(tree, within=…)``)."""

    unseen: etree.XPath
    ads: etree.XPath

    @classmethod
    def compile(cls, prefix: str) -> _Unread:
        def holding(attributes: tuple[str, ...]) -> etree.XPath:
            # the elements below ``prefix`` holding one of them, in document order, found by
            # way of the attributes: libxml2 takes a third of the time it takes asking every
            # element in turn (``prefix//*[@a or @b]``), which selects the same elements
            return etree.XPath(" | ".join(f"{prefix}//*/@{name}/.." for name in attributes))

        return cls(holding(_MAY_BE_UNSEEN), holding(_AD_CANDIDATES))


_ON_PAGE = _Unread.compile("//body")
_WITHIN = _Unread.compile(".")


# the stems as one search of the lower-cased names (one call instead of one per stem)
_AD_STEM = re.compile("|".join(_AD_STEMS))


def _is_ad_slot(el: etree._Element) -> bool:
    # the attributes' names in one C call and a set test, not four lookups of each element
    if not _AD_ATTRIBUTES.isdisjoint(el.keys()):
        return True
    get = el.get
    joined = f"{get('class') or ''} {get('id') or ''}"
    if not _AD_STEM.search(joined.lower()):
        return False  # most named elements end here
    names = joined.split()
    # "ad", "ad-slot", "inline-ad-3", "mid_ads": a segment of its own, never "head" or "load"
    return any(
        _AD_NAME.fullmatch(name)
        or any(part.lower() in ("ad", "ads") for part in _AD_SEGMENT.split(name))
        for name in names
    )


def _drop_ad_slots(tree: etree._Element, within: etree._Element | None = None) -> None:
    """Remove ad slots; never one holding a headline or half the page's words beyond an ad's
    length (a site that names its article wrapper "ad-…" keeps its article)."""
    candidates = _ON_PAGE.ads(tree) if within is None else _WITHIN.ads(within)
    slots = [el for el in candidates if el.tag not in ("html", "body") and _is_ad_slot(el)]
    if within is None:
        # (a named slot may also open with a label: each is judged and dropped once)
        slots = list(dict.fromkeys((*slots, *_labelled(tree))))
    # Judged first, dropped after: the page's words are then counted only for a slot longer
    # than an ad, and before any drop. (A slot's own words do not depend on the drops
    # before it: those are of its ancestors or of slots beside it, in document order.)
    words = 0
    dropped = []
    for el in slots:
        if el.getparent() is None or next(el.iter("h1"), None) is not None:
            continue
        inside = len(_text_content(el).split())
        if inside > _AD_WORDS:
            if not words:
                body = tree.find("body")
                words = len(_text_content(body if body is not None else tree).split()) or 1
            if inside * 2 > words:
                continue
        dropped.append(el)
    for el in dropped:
        _drop_tree(el)


def _labelled(tree: etree._Element) -> list[etree._Element]:
    """The ad blocks that ad labels open: the label's own element when it holds the copy too
    (``<div>Advertisement<p>…</p></div>``), else its parent, when that opens with the label
    and holds at most one line of copy (one element of it) beside it.

    Extraction's alone: the fingerprint's region keeps them, so that their churn there sends
    a check the long way, which reads the text as extraction does (safe, and rare: the
    labels stand beside the article box, seldom in it). A walk in Python over the page, for
    its elements' own first text: cheaper than libxml2 testing each text node (0.16 against
    0.5 ms on a bench page).
    """
    blocks = []
    for label in tree.iter(etree.Element):  # (not comments: their text is no label)
        text = label.text
        if text is None or len(text) > _LONGEST_LABEL:
            continue
        name = text.strip()
        if name not in _AD_LABELS or label.tag == "a" or label.getparent() is None:
            continue
        block = label if len(label) else label.getparent()
        # (one holding a headline, or the page's root, is kept by ``_drop_ad_slots``)
        if block.tag in PAGE_BOXES or len(block) > 2:
            continue
        words = _first_words(block, _AD_COPY_WORDS + 1)
        if words and words[0] == name:
            blocks.append(block)
    return blocks


def _first_words(block: etree._Element, most: int) -> list[str] | None:
    """The words of ``block`` (each text node's apart: the label's ``<span>`` ends a word),
    None past ``most``: read no further than that, whatever the block holds."""
    words: list[str] = []
    for piece in block.itertext():
        words += piece.split()
        if len(words) > most:
            return None
    return words


def _drop_unseen(scope: etree._Element, xpaths: _Unread) -> None:
    """Remove what a reader never sees: elements hidden by their markup (they leaked hidden
    schema.org values and collapsed teasers into bodies, and trafilatura's default mode reads
    them) and machine-only microdata. ``aria-hidden`` icons and screen-reader duplicates go
    too, as in Readability (Firefox's reader view). All are judged before any goes."""
    hidden: list[etree._Element] = []
    machine: list[etree._Element] = []
    bare_urls: list[etree._Element] = []
    for el in xpaths.unseen(scope):
        if _hidden(el):
            hidden.append(el)
        props = el.get("itemprop")
        if props is None:
            continue
        names = _XML_SPACE.split(props)
        if not _MACHINE_ITEMPROPS.isdisjoint(names) and next(el.iterdescendants("p"), None) is None:
            machine.append(el)
        if (
            not _URL_ITEMPROPS.isdisjoint(names)
            and next(el.iterchildren(etree.Element), None) is None
            and _BARE_ADDRESS.fullmatch(fold(_text_content(el)))
        ):
            bare_urls.append(el)
    for el in [*hidden, *machine, *bare_urls]:
        if el.getparent() is not None and el.tag not in ("html", "body"):
            _drop_tree(el)


def drop_unread(tree: etree._Element, within: etree._Element | None = None) -> None:
    """Remove what extraction never reads: hidden markup, machine microdata and ad slots (the
    fingerprint leaves them out too, so their churn does not send a check the long way).
    ``within``: only inside that element of ``tree`` (the fingerprint's region), judged as
    on the whole page (an ad slot's size is weighed against the page's words), except the
    blocks only an ad label names (``_labelled``), which the region keeps."""
    _drop_unseen(tree if within is None else within, _ON_PAGE if within is None else _WITHIN)
    _drop_ad_slots(tree, within)


def _hidden(el: etree._Element) -> bool:
    """Hidden from readers by the markup itself (not by a stylesheet, which we never see)."""
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )
