"""trafilatura's reading set right by the place of each part in the article's box: what it
dropped by its kind put back (subheads, list items, quotes and code blocks among the article's
own paragraphs), and what it read from the page's chrome inside the box left out.

trafilatura decides by element kind as much as by place: precision mode drops a heading it
finds link-dense or trailing, and lists and quotes inside the article are judged as blocks of
their own. A reader sees them as part of the article, and an edit there (a reworded subhead, a
corrected list item) is an edit of the article. ``_restore`` finds, in the page, the elements
holding the paragraphs trafilatura read (its anchors) and the deepest element holding nearly
all of them (the article's box), and puts back the elements of those kinds that sit inside
the box between its first and last anchor, beside an anchor (not in a block of their own),
in document order, unless they are link lists or sit in a block named as page chrome
(related, share, newsletter, comments…). Of the paragraphs trafilatura skipped, only those
playing the part of one it read come back (the same class in the same blocks, between them,
not under a heading that links to another page): filling in every skipped paragraph of the
box took in promos and teasers. Two kinds of block outside the box are read too: a
key-points list set just before it, beside it (``_key_points``), and a live blog's posts
when trafilatura read its summary or one post (``_live_posts``).

The same names leave out what trafilatura read from such blocks inside the box: an author's
bio, a related-stories widget, a rotating slideshow of other articles (whose captions, shuffled
on every render, made versions), unless they would take half the reading: then the template's
names are not to be believed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from copy import deepcopy

from lxml import etree
from lxml.html import HtmlElement

from versiontrack.text import fold, squeeze

# the kinds put back (captions are not: measured on real pages they are as often left out of
# an article's text as kept, and a slideshow's captions churn), and the elements read to find
# trafilatura's paragraphs in the page
_ITEMS = ("li", "dt", "dd")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_KINDS = (*_HEADINGS[1:], *_ITEMS, "blockquote", "pre")
_ANCHORS = ("p", *_HEADINGS, *_ITEMS, "td", "th", "pre", "blockquote")
_LISTS = ("ul", "ol", "dl")
# a box holding this share of the anchors holds "nearly all" of them
_BOX_SHARE = 0.9
# blocks a reader takes for the page's chrome, not the article, by their class or id
_CHROME = re.compile(
    r"related|share|sharing|social|promo|newsletter|subscri|sign-?up|\bads?\b|advert|sponsor|"
    r"comment(?!ary)|recommend|popular|trending|most-|\btags?\b|breadcrumb|byline|author|"
    r"footer|sidebar|widget|toolbar|\bnav|menu|teaser|read-?more|outbrain|taboola|"
    r"more-(?:stories|articles|news|from|posts|videos|links)",
    re.IGNORECASE,
)
_CHROME_TAGS = frozenset({"aside", "nav", "footer", "header", "form", "menu"})
# a live blog's posts, by their class: a live page's article is its posts as much as its
# summary, and trafilatura reads one of the two
_LIVE_POST = re.compile(r"\blive-?(?:blog-?)?(?:post|update|entry)s?\b", re.IGNORECASE)
_LIVE_POSTS = 2  # posts that make a live blog
# a list of the article's key points set just before its body, by its class or id
_KEY_POINTS = re.compile(r"key-?points|takeaways|highlights|tl-?dr|at-a-glance", re.IGNORECASE)
# a caption, by its tag or its class, and the pictures it may caption
_CAPTION = re.compile(r"(?<!no)(?<!no[-_])caption", re.IGNORECASE)  # not "no_caption"
_MEDIA = ("img", "picture", "video")
_CREDIT = re.compile(r"credit|copyright|attribution", re.IGNORECASE)
_CAPTION_DEPTH = 3  # levels from a figure up to the block set among the paragraphs
# the blocks of a series of pictures: their captions are the series', not the article's
_SLIDES = re.compile(r"slide|carousel|gallery|swiper|slick|lightbox", re.IGNORECASE)
_LINKED = 0.5  # share of an element's text inside links: above it, a link list


def _restore(tree: HtmlElement, paragraphs: Sequence[str]) -> list[str]:
    """``paragraphs`` (trafilatura's reading of ``tree``) with the subheads, list items,
    quotes and code blocks of the article's box put back in their places, and without what
    it read from chrome inside the box."""
    body = tree.find("body")
    if body is None or not paragraphs:
        return list(paragraphs)
    elements = [el for el in body.iter(*_ANCHORS) if isinstance(el.tag, str)]
    # document order of every element: captions are read from elements of any tag
    order = {el: i for i, el in enumerate(body.iter(etree.Element))}
    by_text: dict[str, list[HtmlElement]] = {}
    for el in elements:
        by_text.setdefault(squeeze(el.text_content()), []).append(el)
    # each paragraph's element: the first one holding exactly its text after the previous one
    anchors: list[HtmlElement | None] = []
    cursor = -1
    for paragraph in paragraphs:
        found = next((el for el in by_text.get(squeeze(paragraph), ()) if order[el] > cursor), None)
        anchors.append(found)
        if found is not None:
            cursor = order[found]
    placed = [el for el in anchors if el is not None]
    if len(placed) < 2:
        return list(paragraphs)
    box = _box(placed)
    first, last = order[placed[0]], order[placed[-1]]
    read = "".join(squeeze(p) for p in paragraphs)
    anchor_set = _Anchors(placed)
    added: dict[int, str] = {}
    taken: set[HtmlElement] = set()
    # the kinds trafilatura drops, beside its paragraphs; and a paragraph playing the part of
    # one it read (a tab panel's text, which precision mode drops for the panel's buttons and
    # links), unless it is a teaser's: under a heading that leads to another page
    twins = {_part(el, box) for el in placed if el.tag == "p" and el.get("class")}
    over: dict[HtmlElement, HtmlElement] | None = None
    for el in box.iter(*_KINDS, "p") if twins else box.iter(*_KINDS):
        at = order.get(el)
        if at is None or not first < at < last or el in anchor_set:
            continue
        paragraph = el.tag == "p"
        if paragraph and _part(el, box) not in twins:
            continue
        if any(a in taken for a in el.iterancestors()):
            continue
        text = fold(el.text_content())
        squeezed = squeeze(text)
        if not squeezed or squeezed in read or _holds_anchor(el, anchor_set):
            continue
        if paragraph:
            over = _headings_over(box) if over is None else over
            if _leads_away(over.get(el)):
                continue
        elif not anchor_set.among(el):
            continue
        if _chrome(el, box) or _linked(el):
            continue
        if el.tag in _ITEMS and _linked(el.getparent()):
            continue
        added[at] = text
        taken.add(el)
    # a caption is short: found inside a longer paragraph ("Flame chart" in a sentence about
    # one) it is not that paragraph's, and it would come and go as that sentence is edited
    whole = {squeeze(p) for p in paragraphs}
    for el in _captions(box, anchor_set):
        text = _uncredited(el)
        squeezed = squeeze(text)
        if squeezed and squeezed not in whole and not _linked(el) and el not in taken:
            added.setdefault(order[el], text)
            taken.add(el)
    for el in _live_posts(body, box, anchor_set):
        text = fold(el.text_content())
        if (squeezed := squeeze(text)) and squeezed not in read and not _linked(el):
            added.setdefault(order[el], text)
    lead = _key_points(box, read)
    chrome = {i for i, el in enumerate(anchors) if el is not None and _chrome(el, box)}
    if 2 * sum(len(paragraphs[i]) for i in chrome) > sum(len(p) for p in paragraphs):
        chrome = set()  # most of the reading: the names lie, not trafilatura
    if not added and not chrome and not lead:
        return list(paragraphs)
    # merge by document order; a paragraph not found in the page keeps its place after the
    # one before it
    keyed: list[tuple[float, int, str]] = []
    at = -1.0
    for i, (paragraph, el) in enumerate(zip(paragraphs, anchors, strict=True)):
        at = float(order[el]) if el is not None else at
        if i not in chrome:
            keyed.append((at, i, paragraph))
    keyed += [(float(pos), -1, text) for pos, text in added.items()]
    keyed += [(-1.0, -1, text) for text in lead]
    keyed.sort(key=lambda k: (k[0], k[1] >= 0, k[1]))
    return [text for _, _, text in keyed]


def _live_posts(body: HtmlElement, box: HtmlElement, anchors: _Anchors) -> list[HtmlElement]:
    """The blocks of a live blog's posts outside the box trafilatura read (its summary, or
    one post): each post's paragraphs, subheads, items and quotes, but not its chrome. Posts
    come in a series of one class, outside the page's chrome (a lone "live update" ticker in
    a sidebar is none)."""
    if not _names_match(_LIVE_POST, body):
        return []
    series: dict[str, list[HtmlElement]] = {}
    for el in body.iter(etree.Element):
        names = el.get("class") or ""
        if _LIVE_POST.search(names) and not any(
            _LIVE_POST.search(a.get("class") or "") for a in el.iterancestors()
        ):
            series.setdefault(names, []).append(el)
    return [
        el
        for posts in series.values()
        if len(posts) >= _LIVE_POSTS
        for post in posts
        if post is not box and box not in post.iterancestors() and not _chrome(post, body)
        for el in post.iter(*_ANCHORS)
        if el not in anchors
        and not any(isinstance(c.tag, str) and c.tag in _ANCHORS for c in el.iterdescendants())
        and not _chrome(el, post)
    ]


def _captions(box: HtmlElement, anchors: _Anchors) -> list[HtmlElement]:
    """The captions of the article's own pictures inside the box: a ``<figcaption>`` or an
    element named a caption, beside an image, whose figure sits among the article's
    paragraphs; its paragraphs one by one when it holds several. Not a slideshow's or a
    gallery's captions (a series of other pictures, shuffled on every render), nor a caption
    in the page's chrome."""
    if next(box.iter("figcaption"), None) is None and not _names_match(_CAPTION, box):
        return []
    found: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    for el in box.iter(etree.Element):
        if el.tag != "figcaption" and not _CAPTION.search(el.get("class") or ""):
            continue
        if any(a in seen for a in el.iterancestors()) or _holds_anchor(el, anchors):
            continue
        figure = next((a for a in el.iterancestors("figure")), None)
        block = figure if figure is not None and box in figure.iterancestors() else el
        if not _pictured(el, figure, box) or _chrome(el, box) or _slides(el, box):
            continue
        # wrappers around a picture run deep: the figure, or a block a few levels up
        levels = [block, *block.iterancestors()][:_CAPTION_DEPTH]
        levels = levels[: levels.index(box)] if box in levels else levels
        if not any(anchors.among(level) for level in levels):
            continue
        seen.add(el)
        parts = [p for p in el.iter(*_ANCHORS) if next(p.iterdescendants(*_ANCHORS), None) is None]
        whole = "".join(squeeze(p.text_content()) for p in parts) == squeeze(el.text_content())
        found += parts if parts and whole else [el]
    return found


_CLASSES = etree.XPath("descendant-or-self::*/@class", smart_strings=False)


def _names_match(pattern: re.Pattern[str], scope: HtmlElement) -> bool:
    """Whether ``pattern`` finds a class of ``scope`` or of an element inside it: the classes
    gathered in C and searched at once, a line each (no pattern it is given spans a line, and a
    line break stands where a class begins or ends, as the string's ends do), where most pages
    have none of the names looked for and asking element by element cost a fifth of a
    millisecond each time."""
    return pattern.search("\n".join(_CLASSES(scope))) is not None


def _uncredited(caption: HtmlElement) -> str:
    """A caption's text without its credit ("Photograph: AP"), which says who took the
    picture, not what it shows: the boilerplate rules drop a credit alone on its line too."""
    credits = [el for el in caption.iterdescendants() if _CREDIT.search(el.get("class") or "")]
    if not credits:
        return fold(caption.text_content())
    bare = deepcopy(caption)
    bare.tail = None  # the text after the caption is the page's, not the caption's
    for el in [el for el in bare.iterdescendants() if _CREDIT.search(el.get("class") or "")]:
        el.drop_tree()
    return fold(bare.text_content())


def _pictured(caption: HtmlElement, figure: HtmlElement | None, box: HtmlElement) -> bool:
    """Whether the caption is a picture's: in a figure, or beside a picture in a block of
    its own (the article's box holds every picture of the article)."""
    holder = caption.getparent()
    return figure is not None or (
        holder is not None and holder is not box and next(holder.iter(*_MEDIA), None) is not None
    )


def _slides(el: HtmlElement, box: HtmlElement) -> bool:
    """Whether ``el`` sits in a slideshow, carousel or gallery inside the box."""
    for node in (el, *el.iterancestors()):
        if node is box:
            return False
        if _SLIDES.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


def _key_points(box: HtmlElement, read: str) -> list[str]:
    """The items of a key-points list set just before the article's box, beside it, which
    trafilatura leaves out with everything outside the box it chose."""
    items: list[str] = []
    for sibling in box.itersiblings(preceding=True):
        names = f"{sibling.get('class') or ''} {sibling.get('id') or ''}"
        if not isinstance(sibling.tag, str) or not _KEY_POINTS.search(names):
            continue
        found = [fold(li.text_content()) for li in sibling.iter("li") if not _linked(li)]
        items = [t for t in found if t and squeeze(t) not in read] + items
    return items


def _box(placed: Sequence[HtmlElement]) -> HtmlElement:
    """The deepest element holding at least ``_BOX_SHARE`` of the anchors."""
    counts: Counter[HtmlElement] = Counter()
    depth: dict[HtmlElement, int] = {}
    for el in placed:
        chain = [el, *el.iterancestors()]
        for n, ancestor in enumerate(chain):
            counts[ancestor] += 1
            depth[ancestor] = len(chain) - n
    need = _BOX_SHARE * len(placed)
    return max((el for el, n in counts.items() if n >= need), key=depth.__getitem__)


def _part(el: HtmlElement, box: HtmlElement) -> tuple[str, ...]:
    """The part ``el`` plays in the box's template: its class and the tags of the blocks
    between it and the box."""
    tags = []
    for node in el.iterancestors():
        if node is box:
            break
        tags.append(node.tag)
    return (el.get("class") or "", *tags)


def _headings_over(box: HtmlElement) -> dict[HtmlElement, HtmlElement]:
    """Each paragraph of the box and the heading it stands under: the last one to end before
    it starts, inside the box (one walk: asking each paragraph for its preceding heading
    took seconds on a long page with thousands of them)."""
    over: dict[HtmlElement, HtmlElement] = {}
    last: HtmlElement | None = None
    for event, el in etree.iterwalk(box, events=("start", "end")):
        if event == "end":
            if el.tag in _HEADINGS:
                last = el
        elif el.tag == "p" and last is not None:
            over[el] = last
    return over


def _leads_away(heading: HtmlElement | None) -> bool:
    """Whether a heading links to another page: a teaser's title, not a subhead."""
    return heading is not None and any(
        not (a.get("href") or "#").startswith("#") for a in heading.iter("a")
    )


class _Anchors:
    """The elements holding trafilatura's paragraphs (``in``), and for each parent its
    children that are one or hold one as a child: what ``among`` looks for beside a block,
    gathered once (asking each block's siblings took seconds on a page of thousands of
    subheads)."""

    def __init__(self, placed: Sequence[HtmlElement]) -> None:
        self._elements = set(placed)
        self._beside: dict[HtmlElement, set[HtmlElement]] = {}
        for anchor in self._elements:
            for node in (anchor, anchor.getparent()):
                parent = node.getparent() if node is not None else None
                if parent is not None:
                    self._beside.setdefault(parent, set()).add(node)

    def __contains__(self, el: object) -> bool:
        return el in self._elements

    def among(self, el: HtmlElement) -> bool:
        """Whether ``el`` sits among the article's paragraphs: its block (a list item's list)
        has a sibling that is one of them or holds one as a child. A teaser box's title or an
        inset list sits apart, in a block of its own."""
        block = el
        if el.tag in _ITEMS:
            block = next((a for a in el.iterancestors() if a.tag in _LISTS), el)
        parent = block.getparent()
        return parent is not None and any(s is not block for s in self._beside.get(parent, ()))


def _holds_anchor(el: HtmlElement, anchors: _Anchors) -> bool:
    return any(d in anchors for d in el.iterdescendants())


def _chrome(el: HtmlElement, box: HtmlElement) -> bool:
    """Whether ``el`` or a block between it and the box is page chrome by tag, class or id;
    an id of four words or more is a section's heading made a slug ("sharing-with-a-single-
    developer"), not a name."""
    for node in (el, *el.iterancestors()):
        if node is box:
            return False
        ident = node.get("id") or ""
        if len(_SLUG_WORDS.split(ident)) >= _SLUG:
            ident = ""
        if node.tag in _CHROME_TAGS or _CHROME.search(f"{node.get('class') or ''} {ident}"):
            return True
    return False


_SLUG_WORDS = re.compile(r"[-_]")
_SLUG = 4


def _linked(el: HtmlElement | None) -> bool:
    if el is None:
        return False
    total = len(fold(el.text_content()))
    # a link within the page (a heading's link to the table of contents) leads nowhere else
    linked = sum(
        len(fold(a.text_content()))
        for a in el.iter("a")
        if not (a.get("href") or "").startswith("#")
    )
    return total > 0 and linked > _LINKED * total
