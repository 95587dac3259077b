"""HTML bytes → ``Extracted``: the article's headline, standfirst, byline and body paragraphs.

This module owns everything between a fetched page and its raw article text: sniffing that the
bytes are HTML at all, choosing the character encoding, running trafilatura in precision mode,
flattening its output tree into one string per paragraph, and our own boilerplate rules for the
lines trafilatura keeps because they sit inside the article. It is pure: no I/O, no settings.
Whitespace is only folded here; Unicode normalisation and sentences belong to ``text``.

A source's own overrides (``Source.selector`` and ``Source.ignore``) arrive as arguments: a CSS
selector naming the body, read directly instead of trafilatura's guess, and regexes for the
site's own lines to drop, applied along with the boilerplate rules.
"""

from __future__ import annotations

import codecs
import copy
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED

from versiontrack.domain import Extracted
from versiontrack.errors import EmptyArticle, ExtractionError, NotHTML

#: Identifies the extraction rules; stored with each version so a change of rules (ours: the
#: ``+vtN`` suffix, bumped whenever the boilerplate table or flattening changes) is explainable.
EXTRACTOR_VERSION: str = f"trafilatura-{trafilatura.__version__}+vt4"

__all__ = [
    "BOILERPLATE",
    "EXTRACTOR_VERSION",
    "decode",
    "drop_unread",
    "extract",
    "is_boilerplate",
]

# --- sniffing and decoding -------------------------------------------------------------------

_BINARY_MAGIC: tuple[bytes, ...] = (
    b"%PDF-",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"RIFF",  # WebP, WAV, AVI
    b"PK\x03\x04",  # zip, docx, epub
    b"\x1f\x8b",  # gzip: the fetcher already undid Content-Encoding, so this is a file
    b"\x28\xb5\x2f\xfd",  # zstd
    b"BZh",
    b"7z\xbc\xaf\x27\x1c",
    b"OggS",
    b"ID3",
    b"\x00\x00\x01\x00",  # ico
)
# Roots and doctypes of markup that lxml's HTML parser would happily swallow as a page.
_NON_HTML_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "svg", "urlset", "sitemapindex", "opml"})
_FIRST_TAG = re.compile(rb"<(!doctype\s+|[?!]?)([a-z][\w:.-]*)", re.IGNORECASE)
_ANY_TAG = re.compile(rb"<[a-z!/?]", re.IGNORECASE)
_CONTROL_BYTES = frozenset(range(32)) - {9, 10, 12, 13}
# <meta charset=x>, <meta http-equiv content="...; charset=x"> and <?xml encoding="x"?>.
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
_SNIFF_BYTES = 4096


def _sniff(html: bytes) -> None:
    """Raise ``NotHTML`` when the bytes are clearly something else; let anything plausible by."""
    head = html[:_SNIFF_BYTES]
    if not head.strip():
        raise NotHTML("empty response body")
    if head.startswith(_BINARY_MAGIC) or head[4:8] == b"ftyp":  # ftyp: MP4/MOV/HEIC
        raise NotHTML("binary content (file signature)")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return  # NUL bytes are expected in UTF-16; decode handles it
    if b"\x00" in head:
        raise NotHTML("binary content (NUL bytes)")
    if sum(byte in _CONTROL_BYTES for byte in head[:1024]) > len(head[:1024]) // 10:
        raise NotHTML("binary content (control bytes)")
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if stripped[:1] in (b"{", b"["):
        raise NotHTML("JSON, not HTML")
    if not _ANY_TAG.search(html):
        raise NotHTML("plain text, no markup")
    first = _FIRST_TAG.search(stripped)
    if first is not None:
        name = first.group(2).lower().decode("ascii", "replace")
        if first.group(1).strip().lower() == b"!doctype" and name != "html":
            raise NotHTML(f"not an HTML doctype: {name}")
        if first.group(1) == b"?":  # an XML declaration: look at the first real element
            root = _FIRST_TAG.search(stripped, first.end())
            while root is not None and root.group(1):  # skip further <?...?> / <!...>
                root = _FIRST_TAG.search(stripped, root.end())
            name = root.group(2).lower().decode("ascii", "replace") if root else ""
        if name in _NON_HTML_ROOTS:
            raise NotHTML(f"not HTML: <{name}> document")


def _codec(label: bytes | str) -> str | None:
    """A Python codec name for a declared charset label, or None when unknown."""
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding), latin-1 and ASCII labels mean windows-1252: pages that
    # say iso-8859-1 routinely contain 0x80-0x9F curly quotes and dashes.
    return "cp1252" if name in {"latin-1", "iso8859-1", "ascii"} else name


def decode(html: bytes) -> str:
    """Bytes → text: BOM, then valid UTF-8, then the declared charset, then windows-1252.

    Deterministic on purpose: a statistical guess (trafilatura's charset_normalizer fallback)
    can flip between two versions of the same page and turn a one-word edit into a rewrite.
    Valid UTF-8 wins over a declaration because an undeclared HTTP header usually overrides a
    stale ``<meta charset>`` and non-UTF-8 text is almost never valid UTF-8 by accident.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if html.startswith(bom):
            return html[len(bom) :].decode(name, errors="replace")
    try:
        return html.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET.search(html[:_SNIFF_BYTES])
    name = _codec(declared.group(1) or declared.group(2)) if declared else None
    # a UTF-16/32 label on bytes without NULs (see _sniff) is wrong; fall through
    if name and not name.startswith(("utf-16", "utf-32")):
        try:
            return html.decode(name)
        except UnicodeDecodeError:
            return html.decode(name, errors="replace")
    return html.decode("cp1252", errors="replace")


# A numeric character reference (the ";" is optional in HTML) to a C0 control or U+FFFE/F,
# the code points XML forbids that lxml puts in the tree from a reference (it makes &#0; a
# U+FFFD itself, as HTML says, and tab, LF and CR are allowed). Only those are matched: the
# usual &#8217; costs nothing but the scan.
_CONTROL_REF = re.compile(
    r"&#(?:[xX]0*(1?[0-9a-fA-F]|[fF]{3}[eEfF])(?![0-9a-fA-F])|0*([12]?[0-9]|3[01]|6553[45])(?!\d));?"
)
_XML_ALLOWED = frozenset({0x00, 0x09, 0x0A, 0x0D})


def _drop_control_refs(text: str) -> str:
    """Remove references such as ``&#27;`` to characters XML forbids (C0 controls, U+FFFE/F).

    lxml's HTML parser turns the reference into the raw character, which trafilatura then
    cannot assign back to an element ("All strings must be XML compatible"): it discards the
    whole document, so one ``&#27;[32m`` made a page "no article body". The raw byte never
    reaches the tree, and the reference now goes the same way; a form feed stays a space.
    """

    def replace(match: re.Match[str]) -> str:
        hex_digits, digits = match.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if code in _XML_ALLOWED:
            return match.group()
        return " " if code == 0x0C else ""

    return _CONTROL_REF.sub(replace, text)


# --- markup trafilatura loses: layout tables, loose text around <br> -------------------------

_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
_HOLDS_BLOCKS = etree.XPath(
    "boolean(.//p | .//div | .//table | .//h1 | .//h2 | .//h3 | .//ul | .//ol | .//blockquote)"
)
_LONG_CELL = 200  # characters: more than a data table puts in one cell


def _unwrap_layout_tables(tree: HtmlElement) -> None:
    """Turn tables used for page layout into plain ``<div>``s.

    With ``include_tables=False`` (which keeps data tables out of the text) trafilatura drops
    everything inside a ``<table>``, so a whole article laid out in table cells, as older
    sites do, would come back empty. A table counts as layout when one of its own cells holds
    block elements or a long run of text.
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
_LOOSE_TEXT_CONTAINERS = ("div", "section", "article", "main", "td", "center")


def _is_inline(node: object) -> bool:
    """An inline element that holds no blocks: a ``<span>`` wrapping the article's ``<p>``s
    (seen on real pages) is a block as far as paragraphs go."""
    tag = getattr(node, "tag", None)
    return isinstance(tag, str) and tag.lower() in INLINE_HTML and not _HOLDS_BLOCKS(node)


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


_NAVIGATION = etree.XPath("//nav | //*[@role='navigation']")


def _drop_navigation(tree: HtmlElement) -> None:
    """Remove ``<nav>`` blocks: never article text, yet on a page without an article
    trafilatura's short-document recovery returns their words as the body."""
    for nav in _NAVIGATION(tree):
        if nav.getparent() is not None:
            nav.drop_tree()


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
        for i, child in enumerate(children):
            if child.tag != "br":
                continue
            blank_after = not (child.tail or "").strip()
            if (i + 1 < len(children) and children[i + 1].tag == "br" and blank_after) or (
                i > 0 and children[i - 1].tag == "br" and not (children[i - 1].tail or "").strip()
            ):
                continue  # already part of a run of breaks
            double = child.makeelement("br", {})
            double.tail, child.tail = child.tail, None
            child.addnext(double)


# Elements whose markup may hide them; ``_hidden`` (Readability's judgement) decides. Most
# elements carry none of these attributes, so the XPath leaves few for Python to look at.
_MAY_BE_HIDDEN = "//body//*[@hidden or @aria-hidden or @style]"
# schema.org microdata that carries values for machines, not words for readers: an image URL,
# "1200" "676" dimensions, a publisher logo, "2018-10-12 06:43:54" stamps. Sites hide these
# with a stylesheet we never see, so the itemprop alone has to say it.
_MACHINE_ITEMPROPS = (
    "image thumbnailUrl logo width height datePublished dateModified dateCreated uploadDate "
    "interactionCount interactionStatistic commentCount wordCount"
).split()
_ITEMPROP = "contains(concat(' ', normalize-space(@itemprop), ' '), ' {} ')"
# (the cheap tests first: ``@itemprop`` turns most elements away before any string work,
# and ``not(.//p)``, a search of the subtree, runs only on the few with a machine name)
_MACHINE_MICRODATA = (
    "//body//*[@itemprop]["
    + " or ".join(_ITEMPROP.format(name) for name in _MACHINE_ITEMPROPS)
    + "][not(.//p)]"
)
# a "url" itemprop is often the link around an author's name: only a bare address goes
_URL_MICRODATA = (
    "//body//*[@itemprop][not(*)]["
    + " or ".join(_ITEMPROP.format(n) for n in ("url", "contentUrl"))
    + "]"
)
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
_AD_CANDIDATES = (
    "//body//*[@class or @id or @data-ad-slot or @data-ad-unit or @data-adunit or @data-ad-client]"
)
# Every ad name holds one of these stems (case aside): a substring test turns most named
# elements away before their names are split and matched.
_AD_STEMS = ("ad", "sponsor", "promoted", "outbrain", "taboola", "teads", "dfp")
_AD_WORDS = 60  # more than an ad's copy: a slot this big holding half the page is its article
_AD_ATTRIBUTES = ("data-ad-slot", "data-ad-unit", "data-adunit", "data-ad-client")


@dataclass(frozen=True)
class _Unread:
    """The XPaths that find what extraction never reads, over the page's body or inside one
    element of it (the fingerprint's region: ``drop_unread(tree, within=…)``)."""

    hidden: etree.XPath
    machine: etree.XPath
    urls: etree.XPath
    ads: etree.XPath

    @classmethod
    def compile(cls, prefix: str) -> _Unread:
        def xpath(page_wide: str) -> etree.XPath:
            return etree.XPath(prefix + page_wide.removeprefix("//body"))

        return cls(
            xpath(_MAY_BE_HIDDEN),
            xpath(_MACHINE_MICRODATA),
            xpath(_URL_MICRODATA),
            xpath(_AD_CANDIDATES),
        )


_ON_PAGE = _Unread.compile("//body")
_WITHIN = _Unread.compile(".")


# the stems as one search of the lower-cased names (one call instead of one per stem)
_AD_STEM = re.compile("|".join(_AD_STEMS))


def _is_ad_slot(el: HtmlElement) -> bool:
    get = el.get
    joined = f"{get('class') or ''} {get('id') or ''}"
    if not _AD_STEM.search(joined.lower()):
        # most named elements end here: the attribute test is the rarer way in
        return any(get(name) is not None for name in _AD_ATTRIBUTES)
    if any(get(name) is not None for name in _AD_ATTRIBUTES):
        return True
    names = joined.split()
    # "ad", "ad-slot", "inline-ad-3", "mid_ads": a segment of its own, never "head" or "load"
    return any(
        _AD_NAME.fullmatch(name)
        or any(part.lower() in ("ad", "ads") for part in _AD_SEGMENT.split(name))
        for name in names
    )


def _drop_ad_slots(tree: HtmlElement, within: HtmlElement | None = None) -> None:
    """Remove ad slots; never one holding a headline or half the page's words beyond an ad's
    length (a site that names its article wrapper "ad-…" keeps its article)."""
    candidates = _ON_PAGE.ads(tree) if within is None else _WITHIN.ads(within)
    slots = [el for el in candidates if el.tag not in ("html", "body") and _is_ad_slot(el)]
    if not slots:
        return
    body = tree.find("body")
    words = len((body if body is not None else tree).text_content().split()) or 1
    for el in slots:
        if el.getparent() is None or next(el.iter("h1"), None) is not None:
            continue
        inside = len(el.text_content().split())
        if inside * 2 > words and inside > _AD_WORDS:
            continue
        el.drop_tree()


def _drop_unseen(scope: HtmlElement, xpaths: _Unread) -> None:
    """Remove what a reader never sees: elements hidden by their markup (they leaked hidden
    schema.org values and collapsed teasers into bodies, and trafilatura's default mode reads
    them) and machine-only microdata. ``aria-hidden`` icons and screen-reader duplicates go
    too, as in Readability (Firefox's reader view)."""
    bare_urls = [
        el for el in xpaths.urls(scope) if _BARE_ADDRESS.fullmatch(_fold(el.text_content()))
    ]
    hidden = [el for el in xpaths.hidden(scope) if _hidden(el)]
    for el in [*hidden, *xpaths.machine(scope), *bare_urls]:
        if el.getparent() is not None and el.tag not in ("html", "body"):
            el.drop_tree()


def drop_unread(tree: HtmlElement, within: HtmlElement | None = None) -> None:
    """Remove what extraction never reads: hidden markup, machine microdata and ad slots (the
    fingerprint leaves them out too, so their churn does not send a check the long way).
    ``within``: only inside that element of ``tree`` (the fingerprint's region), judged as
    on the whole page (an ad slot's size is weighed against the page's words)."""
    _drop_unseen(tree if within is None else within, _ON_PAGE if within is None else _WITHIN)
    _drop_ad_slots(tree, within)


def _prepare(tree: HtmlElement) -> None:
    """All of our fixes to the markup, in place, before anything reads the page."""
    drop_unread(tree)
    _drop_navigation(tree)
    _defuse_crowded_blocks(tree)
    _unwrap_layout_tables(tree)
    _wrap_loose_text(tree)
    _double_single_breaks(tree)


# --- trafilatura output tree → paragraphs ----------------------------------------------------

# trafilatura's inline output elements; every other element (p, head, item, quote, cell, …)
# is a block, and each block becomes its own paragraph.
_INLINE_OUTPUT = frozenset({"hi", "ref", "del"})


def _fold(text: str) -> str:
    return " ".join(text.split())


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
        if text := _fold("".join(buffer)):
            paragraphs.append(text)
        buffer.clear()

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in struck_tags:
                struck += 1
            elif tag not in inline:
                flush()
            if el.text and not struck:
                buffer.append(el.text)
        else:
            if tag in struck_tags:
                struck -= 1
            elif tag not in inline:
                flush()
            if el.tail and not struck and el is not body:
                buffer.append(el.tail)
    flush()
    return paragraphs


# --- per-source overrides: the body by CSS selector, the site's own lines to ignore ----------

# What trafilatura's own cleaning deletes (scripts, forms, buttons, figures, asides, <time>…)
# plus tables, as include_tables=False does, and <template>, which is never rendered: so a
# selector changes which part of the page is read, not how it is read. Layout tables are
# <div>s by now (_unwrap_layout_tables).
_UNREAD = frozenset(MANUALLY_CLEANED) | _TABLE_PARTS | {"template"}
# Of those, the elements whose content is code, media or form state, never prose: not read
# even when the selector names them, while a selected <aside>, <figure> or <td> is.
_NO_TEXT = frozenset(
    "script style template head svg math iframe object embed canvas audio video picture "
    "select textarea input button".split()
)


def _hidden(el: HtmlElement) -> bool:
    """Hidden from readers by the markup itself (not by a stylesheet, which we never see)."""
    style = (el.get("style") or "").replace(" ", "").lower()
    return (
        el.get("hidden") is not None
        or el.get("aria-hidden") == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


# page HTML for _paragraphs: <br> ends a paragraph, as <lb/> does in trafilatura's tree
_INLINE_PAGE = INLINE_HTML - {"br", "del", "s", "strike"}
_STRUCK_PAGE = frozenset({"del", "s", "strike"})


_Select = Callable[[etree._Element], list[HtmlElement]]


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


# --- our boilerplate rules -------------------------------------------------------------------

_SHORT = 120  # promo rules only fire on lines this short, so real sentences survive
_AGENCIES = (
    r"getty images|afp|ap|ap photo|associated press|reuters|shutterstock|epa(?:-efe)?|alamy|"
    r"pa(?: media| wire| images)?|anadolu(?: agency)?|tass|sputnik|ria novosti|xinhua|"
    r"yonhap|kcna|bloomberg|nurphoto|sopa images|zuma(?: press)?|rex|ukrinform"
)

# a count as sites print it ("1,204", "1.2K", "12 345", "3M+"), and what they count
_COUNT = r"\d[\d.,\u00a0 ]*[km]?\+?"
_COUNTED = (
    r"views|reads|shares|likes|reactions|comments?|replies|votes|hits|visits|visitors|readers|"
    r"followers|subscribers|retweets|reposts"
)
# the words that introduce an update stamp, in the languages we have met
_UPDATED = (
    r"(?:(?:last )?(?:updated|modified|edited|posted|published)|publi\u00e9|mis \u00e0 jour|"
    r"modifi\u00e9|ver\u00f6ffentlicht|aktualisiert|publicado|actualizado)"
)

#: (pattern, maximum length) pairs matched against a whole whitespace-folded paragraph. A
#: paragraph is dropped only when a pattern matches all of it (``fullmatch``) and it is no
#: longer than the limit. Keep rules narrow: a false positive deletes a sentence of the article.
#: Dashes and quotes are spelled as escapes (\u2013 en dash, \u2014 em dash, \u2019 apostrophe).
_RULES: tuple[tuple[str, int], ...] = (
    # widgets and page chrome
    (r"loading(?: \w+)?(?:\u2026|\.{2,3})?", 30),
    # a slideshow's or player's controls, alone on a line: "Fullscreen", "Close", "Next"
    (
        r"(?:full ?screen|exit full ?screen|close|previous|prev|next|play|pause|replay|mute|"
        r"unmute|enlarge|expand|collapse|zoom(?: in| out)?|skip(?: ad)?|"
        r"(?:show|load|see|view) (?:more|less|all))\W*",
        20,
    ),
    (r"advertisement|advertising|sponsored(?: content)?|ad|promoted(?: content)?", 30),
    (r"(?:story|article) continues (?:below|after)(?: (?:this )?advertisement)?", 50),
    (r"(?:back|scroll|return) to top\W*", 30),
    (r"comments? (?:are|is) (?:now )?closed\.?", 40),
    (r"(?:write|leave|post) a (?:reply|comment)(?: or (?:reply|comment))?\W*", 50),
    (r"(?:show|view|hide|load|read) (?:all |more )?\d* ?comments?\W*|\d+ comments?|comments", 50),
    (r"share(?: (?:this|the))?(?: article| story| post| page)?(?: (?:on|via) \w+)?\W*", 50),
    (
        r"(?:click to )?(?:share|tweet|email|print|copy link)(?: (?:on|to) \w+)?"
        r"(?: \(opens in new window\))?",
        60,
    ),
    (r"cart:? .{0,30}\(\s*\d+\s+items?\s*\)|(?:view |your )?cart|checkout", 60),
    (r"(?:read|see) (?:more|also)\b.*|related(?: articles?| stories| content)?:.*", _SHORT),
    (r"(?:most (?:read|popular|viewed)|recommended(?: for you)?|trending(?: now)?)\W*", 40),
    # the label over a block of teasers: "Related Videos", "Recent Slide Shows", "More stories"
    (
        r"(?:related|recent|more|latest|popular|featured|top) (?:videos?|slide ?shows?|"
        r"galleries|photos|stories|articles|posts|news|podcasts)\W*",
        40,
    ),
    (
        r"(?:we|this (?:site|website)) uses? cookies\b.*|(?:accept|reject)(?: all)?(?: cookies)?"
        r"|manage (?:cookie )?(?:preferences|settings)",
        300,
    ),
    # counters that change on every request: "246,894 views", "1.2K shares", "Hits: 4,512",
    # "Comments (31)", "Viewed 5,120 times", "1,204 people are reading this now"
    (rf"{_COUNT} (?:{_COUNTED})", 40),
    (rf"(?:{_COUNTED}):? {_COUNT}|(?:{_COUNTED}) ?\({_COUNT}\)", 40),
    (rf"(?:viewed|read|shared|seen|visited) {_COUNT} times?", 40),
    (
        rf"{_COUNT} (?:(?:people|readers|users|visitors|others) )?(?:are )?"
        r"(?:reading|viewing|watching|following|online)"
        r"(?: (?:this|the|these|right|now|article|story|page|post|live|blog|updates|coverage))*",
        70,
    ),
    # label-style credits; the byline field carries the author ("Author: Dan Alexe")
    (
        r"(?:(?:author|words|translation):|(?:written|translation|translated(?: from \w+)?) by)"
        r" [^.!?;:]{2,60}",
        80,
    ),
    # newsletter and subscription promos: calls to action, anchored at the start of the line
    # so that a sentence which merely mentions signing up survives
    (r"(?:sign up|subscribe)\b.*|newsletters?", _SHORT),
    (r"(?:get|receive) (?:our|the) [\w '\u2019]{0,40}(?:newsletter|briefing|alerts?)\b.*", _SHORT),
    (r".*\b(?:delivered|straight|direct) to your inbox\b.*", _SHORT),
    (r"be the first to (?:know|hear|read)\b.*", _SHORT),
    (r"we (?:don['\u2019]t|do not|won['\u2019]t|will never|never) (?:spam|share your)\b.*", _SHORT),
    (r"(?:read|see|view) our privacy (?:policy|notice)\b.*", _SHORT),
    (r"(?:enter )?your e-?mail(?: address)?\W*", 40),
    (r"by (?:signing up|subscribing|clicking)\b.*", _SHORT),
    # image and video credits alone on a line
    (
        r"(?:photograph|photo|picture|image|illustration|video|composite|graphic|credit)s?"
        r"(?: credit)?:.*",
        _SHORT,
    ),
    (
        rf"\(?(?:(?:photo|image) by )?(?:[^/]{{1,60}}(?:/| via ))?(?:{_AGENCIES})"
        rf"(?:\s*(?:/|via)\s*(?:{_AGENCIES}))*\)?",
        90,
    ),
    # bare date/time stamps: "Thu, 10/31/2024 \u2013 11:05", "Last modified on Thu 31 Oct 2024
    # 11.23 GMT", "Publié le 30/10/2024 à 22:15"; they change on every update and are metadata
    (
        rf"(?:{_UPDATED}(?: on| le| am| el)?:? )?"
        r"(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*,? )?"
        r"(?:\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{2,4}|"
        r"\d{1,2}\.? \w+ \d{4}|\w+ \d{1,2},? \d{4})"
        r"(?:,? (?:[-\u2013\u2014] |at |\u00e0 |um |a las |\| )?\d{1,2}[:.h]\d{2}(?::\d{2})?"
        r"(?: ?[ap]\.?m\.?)?(?: [a-z]{2,4})?(?: uhr)?)?",
        80,
    ),
    # relative times, which change as the clock moves: "Updated 3 minutes ago", "5m ago",
    # "Last updated 2 hours ago", "Just now", "il y a 3 heures", "vor 5 Minuten", "hace 2 horas"
    (
        rf"(?:{_UPDATED}\W{{0,2}} )?(?:(?:\d+|an?|one|a few) ?(?:s|secs?|seconds?|m|mins?|"
        r"minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?|mo|months?|y|yrs?|years?) ago|just now|"
        r"moments ago|il y a \d+ (?:secondes?|minutes?|heures?|jours?)|"
        r"vor \d+ (?:sekunden|minuten|stunden|tagen)|"
        r"hace \d+ (?:segundos?|minutos?|horas?|d\u00edas?))\.?",
        60,
    ),
    # a bare clock time, alone or as an update stamp: "11:52", "Updated 14:32 BST"
    (
        rf"(?:(?:{_UPDATED}|as of)(?: at)?:? \d{{1,2}}[:.h]\d{{2}}|\d{{1,2}}:\d{{2}})"
        r"(?::\d{2})?(?: ?[ap]\.?m\.?)?(?: [a-z]{2,4})?",
        40,
    ),
    # vote and slideshow counters: "0 : 0", "12 | 3", "1 of 5", "Image 3/12", "Photo 2 of 9"
    (r"\d{1,6} ?[:|] ?\d{1,6}", 15),
    (r"(?:(?:image|photo|picture|slide|foto|bild)s? )?\d{1,3} ?(?:of|/|von|de|sur) ?\d{1,3}", 25),
    # "Originally published at example.com on November 18, 2011.": a republished post's origin
    (
        r"(?:this (?:article|story|post|piece) (?:was )?)?"
        r"originally (?:published|appeared|posted)\b.*",
        250,
    ),
    # "Previous article: <headline>", "Next story"
    (r"(?:previous|prev|next|older|newer) (?:article|story|post|page)\b.*", 250),
    # breadcrumbs ("Home > World", "Accueil \u203a Monde"), rows of links ("Print | Email | Top",
    # or long sides: "Previous: <headline> | Next: <headline>"); a side never holds a sentence end
    (r"[^.!?>\u203a]{1,40}(?: [>\u203a] [^.!?>\u203a]{1,40}){1,5}", 120),
    (r"[^|]{1,30}(?: \| [^|]{1,30})+", _SHORT),
    (r"(?:(?![.!?] )[^|]){1,100}(?: \| (?:(?![.!?] )[^|]){1,100})+", 250),
    # nothing but punctuation and symbols: bullets, pipes, "***" section breaks
    (r"[\W_]*", _SHORT),
)
BOILERPLATE: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), limit) for pattern, limit in _RULES
)


def _is_label(paragraph: str) -> bool:
    return (
        len(paragraph) <= 40
        and paragraph.upper() == paragraph
        and any(c.isalpha() for c in paragraph)
        and not any(c in ".!?" for c in paragraph)
    )


def _drop_boilerplate(paragraphs: list[str], ignore: Sequence[re.Pattern[str]] = ()) -> list[str]:
    """Drop boilerplate paragraphs, and an upper-case label left over at the end of the body.

    The label ("INVESTING BOOKS" over a newsletter form) is the title of a block whose other
    lines were all boilerplate; only at the very end, since mid-article an all-caps line can
    be a real subheading that just happens to sit above an ad slot. A source's ``ignore``
    patterns are its own boilerplate: a paragraph one of them finds (``re.search``, on the
    paragraph as ``text`` will store it) is dropped like one of ours.
    """
    kept: list[str] = []
    dropped_since_kept = False
    for paragraph in paragraphs:
        if is_boilerplate(paragraph) or _ignored(paragraph, ignore):
            dropped_since_kept = bool(kept)
        else:
            kept.append(paragraph)
            dropped_since_kept = False
    while dropped_since_kept and len(kept) > 1 and _is_label(kept[-1]):
        kept.pop()
    return kept


def _ignored(paragraph: str, ignore: Sequence[re.Pattern[str]]) -> bool:
    if not ignore:
        return False
    # the stored form (text.normalise_line): a user's "^Updated" must not miss because of a
    # zero-width space, nor "ago$" because of a decomposed accent before it
    line = unicodedata.normalize("NFC", _fold(_INVISIBLE.sub("", paragraph)))
    return any(pattern.search(line) for pattern in ignore)


def is_boilerplate(paragraph: str) -> bool:
    """True when a whole (whitespace-folded) paragraph is one of our boilerplate lines."""
    return any(
        len(paragraph) <= limit and pattern.fullmatch(paragraph) for pattern, limit in BOILERPLATE
    )


# --- metadata ------------------------------------------------------------------------------

# " | The Guardian", " - Reuters" (or an en/em dash): a dash needs spaces on both sides, since
# a hyphen without them is part of a word ("Kim Jong-un").
_SEPARATOR = r"(?:\s*[|\u00b7\u2022\u00bb]\s*|\s+[-\u2013\u2014:]\s+)"


def _first(values: Iterable[str | None]) -> str:
    return next((folded for v in values if v and (folded := _fold(v))), "")


def _meta(tree: HtmlElement, *names: str) -> str:
    found: list[str] = []
    for name in names:
        found.extend(
            tree.xpath(
                "//meta[@property=$n or @name=$n or @itemprop=$n]/@content",
                n=name,
            )
        )
    return _first(found)


def _h1(tree: HtmlElement, hints: tuple[str, ...]) -> str:
    """The article's <h1>: inside <article>/<main> first, else the only one, else a hinted one."""
    for path in ("//article//h1", "//main//h1", "//h1"):
        headings = [_fold(h.text_content()) for h in tree.xpath(path)]
        headings = [h for h in headings if h]
        if len(headings) == 1:
            return headings[0]
        for heading in headings:
            if any(heading.casefold() in hint.casefold() for hint in hints if hint):
                return heading
    return ""


def _strip_site_name(title: str, h1: str, site_names: Iterable[str]) -> str:
    """Drop a " | Site" suffix (or "Site | " prefix) from a <title>/og:title."""
    if h1 and title != h1 and title.casefold().startswith(h1.casefold()):
        if re.match(rf"{_SEPARATOR}\S", title[len(h1) :]):
            return h1
    for name in dict.fromkeys(n for n in site_names if n):  # ordered: same page, same result
        site = re.escape(name)
        match = re.fullmatch(rf"(.+?){_SEPARATOR}{site}", title, re.IGNORECASE) or re.fullmatch(
            rf"{site}{_SEPARATOR}(.+)", title, re.IGNORECASE
        )
        if match:
            return match.group(1)
    return title


def _title_part_in_body(title: str, headline: str, paragraphs: list[str]) -> str:
    """The other half of a two-part <title> when the body opens with it, else ``headline``.

    trafilatura reads "A - B" as "Headline - Site"; old portals print "Site - Headline" and set
    the headline in ``<b>`` rather than ``<h1>``, so their articles came out headed by the
    site's name. The half the body opens with is the one the page shows as its headline.
    """
    parts = [part for part in re.split(_SEPARATOR, title) if part]
    if len(parts) < 2 or not paragraphs or _key(headline) not in {_key(p) for p in parts}:
        return headline
    first = _key(paragraphs[0])
    return next((part for part in parts if _key(part) == first), headline)


# where pages show their standfirst when not in a <p>: "dek", "standfirst", "excerpt"…
_DEK_CLASS = re.compile(r"dek|standfirst|excerpt|summary|sub-?title|subhead|lede|intro|teaser")
_DEK_CANDIDATES = etree.XPath("//body//*[self::p or self::h2 or self::h3 or @class]")
_WORD = re.compile(r"\w+")
_SAME_DEK = 0.7  # share of words in common (of the two texts' words together): an edited copy


def _shown(tree: HtmlElement, description: str) -> str:
    """The standfirst as the page shows it, else ``description`` (metadata) as it is.

    Sites show their metadata description as the standfirst; when the page's copy is edited and
    its metadata is not (or lags), the edit is in the shown copy. It is found as the element
    whose text shares most words with the description, at least ``_SAME_DEK`` of both.
    """
    want = set(_WORD.findall(description.casefold()))
    if len(want) < 4:
        return description
    best, best_score = description, _SAME_DEK
    for el in _DEK_CANDIDATES(tree):
        if el.tag not in ("p", "h2", "h3") and not _DEK_CLASS.search(el.get("class") or ""):
            continue
        text = _fold(el.text_content())
        if not len(description) // 2 <= len(text) <= 2 * len(description):
            continue
        have = set(_WORD.findall(text.casefold()))
        score = len(want & have) / len(want | have)
        if score > best_score:
            best, best_score = text, score
            if score == 1.0:
                break
    return best


def _canonical(tree: HtmlElement, url: str | None) -> str | None:
    for link in tree.xpath("//link[@href]"):
        rels = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if "canonical" not in rels or not href:
            continue
        resolved = urljoin(url, href) if url else href
        parts = urlsplit(resolved)
        if parts.scheme in ("http", "https") and parts.netloc:
            return resolved
        return None
    return None


_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")


def _key(text: str) -> str:
    """A comparison key that ignores case, Unicode form, invisible characters and spacing."""
    return _fold(unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))).casefold()


def _strip_repeats(paragraphs: list[str], headline: str, standfirst: str, byline: str) -> list[str]:
    """Drop the headline/standfirst (and byline) where the body repeats them at its edges."""
    leading = {_key(headline), _key(standfirst)}
    bylines = {_key(byline), _key(f"By {byline}")} if byline else set()
    leading |= bylines
    leading.discard("")
    start, end = 0, len(paragraphs)
    while start < end and _key(paragraphs[start]) in leading:
        start += 1
    while end > start and _key(paragraphs[end - 1]) in bylines:
        end -= 1
    return paragraphs[start:end]


# --- the byline as evidence ------------------------------------------------------------------

_NAME_SEPARATORS = re.compile(r"\s*(?:;|,|\band\b|&|\bund\b|\bet\b|\by\b)\s*", re.IGNORECASE)
_STAMP_WORDS = re.compile(rf"\b(?:{_UPDATED}|updated|ago|today|yesterday)\b|\d", re.IGNORECASE)
_NEAR = 1500  # characters of page text before the headline, and 4× that after it
_UNSEEN_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title"})


def _near_headline(tree: HtmlElement) -> str:
    """The page's visible text around its first ``<h1>`` (its start, without one), squeezed.

    One walk: a count of the unseen elements (scripts, ``<head>``…) open around each node
    tells whether its text shows, instead of asking every node for its ancestors.
    """
    parts: list[str] = []
    length, at, unseen = 0, -1, 0
    for event, el in etree.iterwalk(tree, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _UNSEEN_TEXT:
                unseen += 1
                continue
            if tag == "h1" and at < 0:
                at = length
            text = el.text
        else:
            unseen -= tag in _UNSEEN_TEXT
            text = el.tail
        if text and not unseen:
            parts.append(squeezed := _squeeze(text))
            length += len(squeezed)
    return "".join(parts)[max(0, at - _NEAR) : max(at, 0) + 4 * _NEAR]


def _squeeze(text: str) -> str:
    return "".join(text.split()).casefold()


def _evident_byline(byline: str, near: Callable[[], str]) -> str:
    """The byline names the page shows near its headline; "" for a date or an "updated" stamp.

    trafilatura reads the author from metadata first, and metadata lies in ways a reader never
    sees: a shuffled list of every author of the site, "Last Updated January 4", a CMS user
    name. A name counts when the page's visible text near the first ``<h1>`` (or the start
    of the page, without one), as ``near`` reads it, holds it; names that are not there are
    left out.
    """
    if not byline or is_boilerplate(byline):
        return ""
    names = [
        n for n in _NAME_SEPARATORS.split(byline) if n.strip(" .") and not _STAMP_WORDS.search(n)
    ]
    if not names:
        return ""
    shown = near()
    seen = [n for n in names if _squeeze(n) in shown]
    return (
        byline
        if seen == names and len(names) == len(_NAME_SEPARATORS.split(byline))
        else ("; ".join(seen))
    )


# --- recall before precision ---------------------------------------------------------------

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
    prose = sum(len(_fold(p.text_content())) for p in _PAGE_PROSE(tree))
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


def _trafilatura(tree: HtmlElement, url: str | None, *, precise: bool) -> Any:
    """trafilatura's reading of ``tree`` (which it copies, so ours stays intact)."""
    return trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=precise,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        # never True: trafilatura's cache is process-wide and eats repeated
        # paragraphs when the same page is extracted again
        deduplicate=False,
        with_metadata=True,
    )


# --- the stage -----------------------------------------------------------------------------


def extract(
    html: bytes,
    url: str | None = None,
    *,
    selector: str | None = None,
    ignore: Sequence[str] = (),
) -> Extracted:
    """Extract the article from a page's raw bytes.

    ``selector`` (a source's CSS selector for its article body) is tried first: when it matches
    elements with text, the body is read from those, in document order; when it matches
    nothing, or only elements without text, the page goes to trafilatura as without one. Headline,
    standfirst, byline and canonical URL always come from the whole page. ``ignore`` holds
    regexes: a body paragraph any of them finds is dropped, as boilerplate is.

    Raises ``NotHTML`` when the bytes are not an HTML page, ``EmptyArticle`` when no body
    paragraph survives, and ``ExtractionError`` when the extractor itself fails on the page.
    A selector or pattern that does not compile is the caller's error (``ValueError`` or
    ``re.error``), raised before the page is looked at; settings validate both at start-up.
    """
    if isinstance(ignore, str):  # a str is a Sequence[str] too: one letter per pattern
        raise TypeError("ignore must be a sequence of patterns, not one string")
    select = _selector(selector) if selector else None
    patterns = _compiled(tuple(ignore))
    _sniff(html)
    # trafilatura gets UTF-8 bytes we decoded deterministically (see decode), parsed by its
    # own loader so that our metadata reads and its extraction see the same tree.
    tree = trafilatura.load_html(_drop_control_refs(decode(html)).encode("utf-8"))
    if tree is None:
        raise NotHTML("the document does not parse as an HTML page")
    try:
        # the selector runs first, on the page as served: it was written against that markup
        # (after _prepare, the <td>s of a layout table are <div>s)
        found = _selected_paragraphs(tree, select) if select is not None else []
        _prepare(tree)
        if found:
            # the metadata bare_extraction would read, from a copy as there: ours stays as is
            document = trafilatura.extract_metadata(copy.deepcopy(tree), url)
        else:
            document = _trafilatura(tree, url, precise=True)
            found = _paragraphs(document.body) if document is not None else []
            if _thin(found, tree):
                # precision mode dropped part of the article (seen on live blogs and
                # galleries): an edit there would go unseen, so take the fuller reading
                fuller = _trafilatura(tree, url, precise=False)
                more = _paragraphs(fuller.body) if fuller is not None else []
                if _chars(found) < _FULLER * _chars(more):
                    found = more
                    document = document if document is not None else fuller
    except Exception as exc:
        # A hostile page must fail this one check, never the pass: whatever trafilatura or
        # lxml raise on it becomes an ExtractionError.
        raise ExtractionError(f"extractor failed: {exc!r}") from exc
    if document is None:
        raise EmptyArticle("no article body found")

    og_title = _meta(tree, "og:title")
    title = _fold(" ".join(tree.xpath("//head//title//text()")))
    h1 = _h1(tree, (og_title, title))
    headline = _strip_site_name(
        _first((og_title, h1, document.title, title)),
        h1,
        (_meta(tree, "og:site_name", "application-name"), document.sitename or ""),
    )
    standfirst = _shown(
        tree,
        _first(
            (
                document.description,
                _meta(tree, "og:description", "description", "twitter:description"),
            )
        ),
    )
    near = functools.cache(lambda: _near_headline(tree))  # read once, for either candidate
    byline = _evident_byline(_fold(document.author or ""), near) or _evident_byline(
        _meta(tree, "author", "article:author", "parsely-author", "sailthru.author"), near
    )

    paragraphs = _drop_boilerplate(found, patterns)
    if not og_title and not h1:
        headline = _title_part_in_body(title, headline, paragraphs)
    paragraphs = _strip_repeats(paragraphs, headline, standfirst, byline)
    if not paragraphs:
        raise EmptyArticle("no article body found")
    return Extracted(
        headline=headline,
        standfirst=standfirst,
        byline=byline,
        paragraphs=tuple(paragraphs),
        canonical_url=_canonical(tree, url),
    )
