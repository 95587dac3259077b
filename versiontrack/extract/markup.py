"""Our repairs to page markup that trafilatura would misread: layout tables, loose text around
``<br>``, MathML formulas, navigation, blocks crowded with thousands of inline children and
single line breaks used as paragraph separators. ``_prepare`` applies them all (after
``unread.drop_unread``), in place, before anything reads the page.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree
from lxml.html import HtmlElement

from versiontrack.extract.restore import _HEADINGS
from versiontrack.extract.unread import PAGE_BOXES, drop_unread
from versiontrack.text import runs_on

_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
_HOLDS_BLOCKS = etree.XPath(
    "boolean(.//p | .//div | .//table | .//h1 | .//h2 | .//h3 | .//ul | .//ol | .//blockquote)"
)
_LONG_CELL = 200  # characters: more than a data table puts in one cell


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn tables used for page layout into plain ``<div>``s.

    trafilatura reads a ``<table>`` as data, cell by cell, and judges it as one block (a
    precision-mode reading drops a table that looks like link boilerplate), so a whole article
    laid out in table cells, as older sites do, would be read as one cell or not at all. A
    table counts as layout when one of its own cells holds block elements or a long run of
    text.
    """
    layout = [
        table
        for table in tree.iter("table")
        if any(
            _HOLDS_BLOCKS(cell) or len(cell.text_content()) > _LONG_CELL
            for cell in table.xpath("./tr/td | ./tr/th | ./*/tr/td | ./*/tr/th")
        )
    ]
    for table in layout:
        for el in [table, *table.xpath("./* | ./tr/* | ./*/tr | ./*/tr/*")]:
            if el.tag in _TABLE_PARTS:
                el.tag = "div"


INLINE_HTML = frozenset(
    "a abbr b bdi bdo br cite code data del dfn em font i img ins kbd mark q s samp small span "
    "strike strong sub sup time tt u var wbr".split()
)
_LOOSE_TEXT_CONTAINERS = ("body", "div", "section", "article", "main", "td", "center")


def _is_inline(node: object) -> bool:
    """An inline element that holds no blocks: a ``<span>`` wrapping the article's ``<p>``s
    (seen on real pages) is a block as far as paragraphs go. A custom element (a name with
    a hyphen: ``<mjx-container>`` around an inline formula) is inline, as browsers show it."""
    tag = getattr(node, "tag", None)
    return (
        isinstance(tag, str)
        and (tag.lower() in INLINE_HTML or "-" in tag)
        and not _HOLDS_BLOCKS(node)
    )


def _wrap_loose_text(tree: HtmlElement) -> None:
    """Wrap text that sits directly in a container next to blocks or ``<br>`` into ``<p>``.

    trafilatura drops such text (the first paragraph of ``<div>One<br><br>Two</div>``, or
    ``<div>Intro<p>…</p></div>``), which silently loses paragraphs on older CMS markup.
    Containers holding only inline content are left alone: wrapping those would turn bylines
    and captions into paragraphs.
    """
    containers = [
        el
        for el in tree.iter(*_LOOSE_TEXT_CONTAINERS)
        if any(isinstance(c.tag, str) and (c.tag == "br" or not _is_inline(c)) for c in el)
    ]
    for el in containers:
        _wrap_runs(el)


def _wrap_runs(container: HtmlElement) -> None:
    """Regroup a container's children: each run of text and inline elements becomes a <p>.

    Rebuilt in one pass with the last child tracked by hand: ``len()`` and ``[-1]`` on an lxml
    element walk its children, which made this quadratic on pages with 100,000 ``<br>``.
    """
    items: list[str | HtmlElement] = [container.text or ""]
    for child in container:
        items += [child, child.tail or ""]
        child.tail = None
    del container[:]
    container.text = None
    out: list[HtmlElement] = []
    run: list[str | HtmlElement] = []
    for item in [*items, None]:
        if isinstance(item, str) or _is_inline(item):
            run.append(item)
            continue
        if "".join(i if isinstance(i, str) else i.text_content() for i in run).strip():
            paragraph = container.makeelement("p", {})
            _fill(paragraph, run)
            out.append(paragraph)
        else:  # whitespace (or an empty inline element) between blocks stays as it was
            for piece in run:
                if not isinstance(piece, str):
                    out.append(piece)
                elif out:
                    out[-1].tail = (out[-1].tail or "") + piece
                else:
                    container.text = (container.text or "") + piece
        run = []
        if item is not None:
            out.append(item)
    container.extend(out)


def _fill(parent: HtmlElement, items: Iterable[str | HtmlElement]) -> None:
    """Append text and elements to an empty element, text going to .text or the last tail."""
    last: HtmlElement | None = None
    for item in items:
        if not isinstance(item, str):
            parent.append(item)
            last = item
        elif last is None:
            parent.text = (parent.text or "") + item
        else:
            last.tail = (last.tail or "") + item


# ``//*[@role='navigation']`` found by way of the attributes: a third of the time of asking
# every element
_NAVIGATION = etree.XPath("//nav | //@role[. = 'navigation']/..")


def _drop_navigation(tree: HtmlElement) -> None:
    """Remove ``<nav>`` blocks: never article text, yet on a page without an article
    trafilatura's short-document recovery returns their words as the body."""
    for nav in _NAVIGATION(tree):
        if nav.getparent() is not None:
            nav.drop_tree()


# The headings related-story lists print over their cards (casefolded, a colon aside).
_RELATED_HEADINGS = frozenset(
    (
        "related",
        "related stories",
        "related articles",
        "related content",
        "related coverage",
        "related news",
        "related reading",
        "more on this story",
        "more on this topic",
        "more stories",
        "read more",
        "read next",
        "read also",
        "also read",
        "see also",
        "you may also like",
        "you might also like",
        "recommended",
        "recommended for you",
        "recommended stories",
        "most read",
        "most popular",
        "trending",
        "trending now",
        "what to read next",
        "lesen sie auch",
        "mehr zum thema",
        "à lire aussi",
        "lire aussi",
        "sur le même sujet",
        "te puede interesar",
        "leggi anche",
    )
)
_HEADLINE_WORDS = 25  # an item of a related list is a headline, not a paragraph


def _drop_related_lists(tree: HtmlElement) -> None:
    """Remove blocks that open with a related-stories heading ("Related", "More on this
    story", "Read more") and hold nothing but two or more headline-length items after it.

    Sites pick the list per request, and cards clicked by script carry no links, so the
    link density trafilatura judges such lists by does not see them: inside the article box
    or right after it, they were read as paragraphs and their rotation made versions. An
    article's section under such a subhead holds sentences, which end in full stops.
    """
    for heading in list(tree.iter(*_HEADINGS[1:])):
        block = heading.getparent()
        if block is None or block.getparent() is None or block.tag in PAGE_BOXES:
            continue
        if block[0] is not heading:
            continue
        if _heading_label(heading.text_content()) not in _RELATED_HEADINGS:
            continue
        items = list(block)[1:]
        if len(items) == 1 and items[0].tag in ("ul", "ol"):
            items = list(items[0])
        if _headlines_only(block, items):
            block.drop_tree()


def _drop_teaser_grids(tree: HtmlElement) -> None:
    """Remove grids of teaser cards: a block of two or more cards, each a picture and a
    headline (another story's) and nothing else.

    Sites pick the teasers per request; trafilatura leaves such captions out on its own, but
    a selector reads its box whole, and a grid at the end of the box changed the text at
    every fetch. A grid of the article's own photos is a gallery, whose captions are not
    read on the generic path either.
    """
    seen: set[HtmlElement] = set()
    for img in list(tree.iter("img")):
        card = img.getparent()
        grid = card.getparent() if card is not None else None
        if grid is None or grid in seen or grid.getparent() is None:
            continue
        seen.add(grid)
        if grid.tag in PAGE_BOXES:
            continue
        cards = list(grid)
        if _headlines_only(grid, cards) and all(sum(1 for _ in c.iter("img")) == 1 for c in cards):
            grid.drop_tree()


def _headlines_only(block: HtmlElement, items: list[HtmlElement]) -> bool:
    """Whether ``block`` holds two or more ``items`` of a headline's length and no text of
    its own around them: a list of other stories, not the article's prose."""
    return (
        not (block.text or "").strip()
        and len(items) >= 2
        and all(
            isinstance(item.tag, str)
            and not (item.tail or "").strip()
            and _headline(item.text_content())
            for item in items
        )
    )


def _headline(text: str) -> bool:
    """Whether ``text`` reads as a headline: short, and not a sentence that ends in a full
    stop (headlines do not, the article's paragraphs do)."""
    words = text.split()
    return 0 < len(words) <= _HEADLINE_WORDS and not words[-1].endswith(".")


def _heading_label(text: str) -> str:
    """A heading's text as ``_RELATED_HEADINGS`` holds it."""
    return " ".join(text.split()).rstrip(":").strip().casefold()


_CROWDED = 1000  # inline children of one element; real prose has a few dozen at most


def _inline_children(el: HtmlElement) -> int:
    return sum(1 for c in el if c.tag != "br" and _is_inline(c))


def _defuse_crowded_blocks(tree: HtmlElement) -> None:
    """Thin out elements with thousands of inline children before trafilatura sees them.

    trafilatura is quadratic in the inline children of one block (8,000 links in one ``<p>``
    take 5 s, 20,000 a minute) and slow on long runs of ``<br>``. Unwrapping the formatting
    keeps the words of a page that wraps every letter in a ``<span>``; links still crowded
    after that (a tag cloud, a link farm) are not article text and go, the element's other
    content stays; runs of ``<br>`` shrink to one (each ``<br>`` ends a paragraph anyway).
    """
    for el in [e for e in tree.iter() if isinstance(e.tag, str) and len(e) > _CROWDED]:
        if _inline_children(el) > _CROWDED:
            etree.strip_tags(el, *(INLINE_HTML - {"a", "br"}))
            if _inline_children(el) > _CROWDED:
                _thin_children(el, links=True)
            # strip_tags leaves thousands of adjacent text nodes, and every read of .text
            # joins them all (quadratic again); writing the joined text back makes each one.
            for node in el.iter():
                node.text = node.text
                if node is not el:
                    node.tail = node.tail
        if sum(1 for c in el if c.tag == "br") > _CROWDED:
            _thin_children(el, links=False)


def _thin_children(el: HtmlElement, *, links: bool) -> None:
    """Drop inline children but <br> (``links``), or every <br> that follows a <br>.

    Rebuilt in one pass: removing children one by one re-joins their tails each time.
    """
    head: list[str] = [el.text or ""]
    kept: list[tuple[HtmlElement, list[str]]] = []
    blank_after_br = False  # only whitespace since the last kept child, which is a <br>
    for child in el:
        tail = child.tail or ""
        if links:
            drop = child.tag != "br" and _is_inline(child)
        else:
            drop = child.tag == "br" and blank_after_br
        if drop:
            (kept[-1][1] if kept else head).append(tail)
            blank_after_br = blank_after_br and not tail.strip()
        else:
            kept.append((child, [tail]))
            blank_after_br = child.tag == "br" and not tail.strip()
    del el[:]
    el.text = "".join(head)
    for child, tail_parts in kept:
        child.tail = "".join(tail_parts)
        el.append(child)


def _double_single_breaks(tree: HtmlElement) -> None:
    """Make every lone ``<br>`` a double one, so that each ends a paragraph whoever reads it.

    trafilatura's own extractor turns any run of ``<br>`` into one ``<lb/>``, a paragraph break
    to us (see _paragraphs). But when it gives up on a page (old table layouts set in
    ``<font>``), its fallbacks (readability, jusText) break only at ``<br><br>`` and glue the
    lines between into one paragraph: a headline, a byline and a "Hits: 4,512" counter become
    one line that changes on every request, out of reach of the whole-line boilerplate rules.
    Elements with more than _CROWDED children are left alone: no article is set that way, and
    doubling their breaks would only slow trafilatura down on a hostile page.
    """
    for parent in {br.getparent() for br in tree.iter("br")} - {None}:
        children = list(parent)
        if len(children) > _CROWDED:
            continue
        # code is set line by line, whatever its lines end with
        code = any(el.tag in _CODE for el in (parent, *parent.iterancestors()))
        for i, child in enumerate(children):
            if child.tag != "br":
                continue
            blank_after = not (child.tail or "").strip()
            if (i + 1 < len(children) and children[i + 1].tag == "br" and blank_after) or (
                i > 0 and children[i - 1].tag == "br" and not (children[i - 1].tail or "").strip()
            ):
                continue  # already part of a run of breaks
            if not code and runs_on(_text_before(parent, children, i), _text_after(children, i)):
                # a line broken inside a sentence, to fit a column: one paragraph, and the
                # sentence whole (an edit to it shows as that sentence, not a fragment)
                child.tail = " " + (child.tail or "")
                child.drop_tree()
                continue
            double = child.makeelement("br", {})
            double.tail, child.tail = child.tail, None
            child.addnext(double)


_CODE = frozenset({"pre", "code", "kbd", "samp", "textarea"})


def _text_before(parent: HtmlElement, children: list[HtmlElement], i: int) -> str:
    """The text just before ``children[i]``: the previous child's tail or its own text."""
    if i == 0:
        return parent.text or ""
    before = children[i - 1]
    tail = before.tail or ""
    if tail.strip() or before.tag == "br" or not _is_inline(before):
        return tail
    return before.text_content()


def _text_after(children: list[HtmlElement], i: int) -> str:
    """The text just after ``children[i]``: its tail, or the next child's text if inline."""
    tail = children[i].tail or ""
    if tail.strip() or i + 1 == len(children):
        return tail
    after = children[i + 1]
    return after.text_content() if _is_inline(after) and after.tag != "br" else ""


_MATH_SOURCE = frozenset({"annotation", "annotation-xml"})  # the formula's TeX or MathML again


def _read_math(tree: HtmlElement) -> None:
    """Turn MathML formulas into their text: a ``<span>``, or a ``<p>`` for a displayed one.

    trafilatura deletes ``<math>`` with the page's other non-text elements, but a formula is
    what a reader sees of an equation in the article (and a corrected sign an edit of it).
    Its symbols are read in order, a space apart; the source annotations that repeat the
    formula as TeX are not.
    """
    for math in list(tree.iter("math")):
        for source in [el for el in math.iter() if el.tag in _MATH_SOURCE]:
            source.drop_tree()
        text = " ".join(piece for t in math.itertext() if (piece := " ".join(t.split())))
        block = math.get("display") == "block" and math.getparent().tag != "p"
        shown = math.makeelement("p" if block else "span", {})
        shown.text, shown.tail = text, math.tail
        math.getparent().replace(math, shown)


def _prepare(tree: HtmlElement) -> None:
    """All of our fixes to the markup, in place, before anything reads the page."""
    drop_unread(tree)
    _read_math(tree)
    _drop_navigation(tree)
    _drop_related_lists(tree)
    _drop_teaser_grids(tree)
    _defuse_crowded_blocks(tree)
    _unwrap_layout_tables(tree)
    _wrap_loose_text(tree)
    _double_single_breaks(tree)
