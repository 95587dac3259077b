"""The page's metadata as a reader sees it: the headline (without the site's name), the
standfirst as the page shows it (``_shown``), the byline names the page shows near its
headline (``_evident_byline``), the canonical URL, and the body's repeats of them at its
edges (``_strip_repeats``); and the fields of trafilatura's metadata they start from
(``_trafilatura_metadata``).
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from versiontrack.extract.boilerplate import is_boilerplate
from versiontrack.extract.restore import _names_match
from versiontrack.extract.rules import _UPDATED
from versiontrack.text import INVISIBLE, fold, squeeze

# " | The Guardian", " - Reuters" (or an en/em dash): a dash needs spaces on both sides, since
# a hyphen without them is part of a word ("Kim Jong-un").
_SEPARATOR = r"(?:\s*[|\u00b7\u2022\u00bb]\s*|\s+[-\u2013\u2014:]\s+)"


def _trafilatura_metadata(tree: HtmlElement, url: str | None) -> Document:
    """trafilatura's metadata of the page (``extract_metadata``), with only the fields read
    here set: title, author, site name, description (and the URL the site name may come from).

    ``extract_metadata`` also finds the date (htmldate), categories, tags and a licence, three
    quarters of its time (about 1.3 ms a page, twice when the fuller reading runs) for fields
    nothing here reads. The steps kept are its own functions, in its order, so the fields come
    out as there (``tests/unit/test_extract_reading.py`` compares the two on real pages). It
    only reads ``tree``.
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    with contextlib.suppress(Exception):  # as there: a bug in its JSON-LD reading is no error
        metadata = extract_meta_json(tree, metadata)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        name = metadata.sitename.lstrip("@")  # a Twitter handle
        metadata.sitename = (
            name.title() if name and "." not in name and not name[0].isupper() else name
        )
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def _first(values: Iterable[str | None]) -> str:
    return next((folded for v in values if v and (folded := fold(v))), "")


def _meta(tree: HtmlElement, *names: str) -> str:
    """The first ``<meta>`` content, with text, that one of ``names`` names (in their order,
    then the page's). One walk over the page's ``<meta>`` elements: an XPath per name walked
    the whole page each time, ten times a page."""
    metas = [
        ((meta.get("property"), meta.get("name"), meta.get("itemprop")), content)
        for meta in tree.iter("meta")
        if (content := meta.get("content")) is not None
    ]
    return _first(content for name in names for keys, content in metas if name in keys)


def _h1(tree: HtmlElement, hints: tuple[str, ...]) -> str:
    """The article's <h1>: inside <article>/<main> first, else the only one, else a hinted one."""
    for path in ("//article//h1", "//main//h1", "//h1"):
        headings = [fold(h.text_content()) for h in tree.xpath(path)]
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
_DEK_CLASS = re.compile(
    r"dek|standfirst|excerpt|summary|sub-?title|subhead|lede|intro|teaser", re.IGNORECASE
)
# the elements that may show it: a <p>, <h2> or <h3>, or one with a class (``_DEK_CLASS``
# decides); the union asks libxml2 for each kind by name, twice as fast as a test of every
# element (``//body//*[self::p or self::h2 or self::h3 or @class]``), and on a page with no
# dek's class at all the classes need no look
_DEK_BLOCKS = "//body//p | //body//h2 | //body//h3"
_DEK_CANDIDATES = etree.XPath(f"{_DEK_BLOCKS} | //body//*/@class/..")
_DEK_BLOCKS_ONLY = etree.XPath(_DEK_BLOCKS)
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
    classed = _names_match(_DEK_CLASS, tree)
    for el in (_DEK_CANDIDATES if classed else _DEK_BLOCKS_ONLY)(tree):
        if el.tag not in ("p", "h2", "h3") and not _DEK_CLASS.search(el.get("class") or ""):
            continue
        text = fold(el.text_content())
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


def _key(text: str) -> str:
    """A comparison key that ignores case, Unicode form, invisible characters and spacing."""
    return fold(unicodedata.normalize("NFKC", INVISIBLE.sub("", text))).casefold()


def _lede(tree: HtmlElement, standfirst: str) -> bool:
    """Whether the page shows ``standfirst`` as a paragraph of its text, not as a dek.

    Sites copy their article's first paragraph into the description metadata; the page then
    shows no standfirst at all, only that paragraph, which is article text (an edit to it is an
    edit of the body). A dek is set apart: a heading, a paragraph classed as one, or a
    paragraph apart from the article's paragraphs (alone in its block, above the byline).
    """
    key = _key(standfirst)
    return any(
        _key(p.text_content()) == key
        and not _DEK_CLASS.search(p.get("class") or "")
        and _AMONG_PARAGRAPHS(p)
        for p in _PAGE_PARAGRAPHS(tree)
    )


_PAGE_PARAGRAPHS = etree.XPath("//body//p")
# a paragraph beside it, or beside its wrapper (a drop-cap block around the first paragraph)
_AMONG_PARAGRAPHS = etree.XPath(
    "boolean(preceding-sibling::p | following-sibling::p"
    " | ../preceding-sibling::p | ../following-sibling::p)"
)


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
_LAST_KEY = 40  # characters of the last paragraph's start that find it in the page
_CHROME_TAGS = frozenset({"footer", "aside", "nav", "header"})
_ARTICLE_TAGS = frozenset({"article", "main"})
_UNSEEN_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title"})
# room after the headline read before a name is looked for in the window's opening: the
# line under the headline, then the rest of the window's fixed part
_OPENINGS = (_NEAR, 4 * _NEAR)


class _NearHeadline:
    """The page's visible text around its first ``<h1>`` (its start, without one), squeezed,
    through to just past the article's last paragraph (of ``paragraphs``, the body read):
    ``shows`` tells whether a squeezed name is in it.

    The window is measured in text outside links: link text (rotating teaser captions, most
    read lists) is kept but takes no room, so a teaser list that changes its captions' lengths
    on every render cannot move a byline in and out of the window. Text outside the page's
    chrome (a ``footer``, ``aside``, ``nav`` or ``header`` not inside an ``article`` or
    ``main``: an article's own footer is where it names its author) counts on to just past
    the end of the article, where many sites print "Author: …": measured from the headline
    alone, a long article's closing byline sat at the window's edge, and the unlinked teasers
    before it moved it in and out from one render to the next.

    One walk: a count of the unseen elements (scripts, ``<head>``…) and of the links open
    around each node tells whether its text shows and counts, instead of asking every node
    for its ancestors. The walk stops early when it can: all the text from ``_NEAR`` before
    the headline to ``4 * _NEAR`` after it is in the window whatever follows, and the bylines
    of most pages are found there; the rest of the page (where the article ends) is walked
    only for a name not found in that opening.
    """

    def __init__(self, tree: HtmlElement, paragraphs: Sequence[str] = ()) -> None:
        self._walk = etree.iterwalk(tree, events=("start", "end"))
        self._paragraphs = paragraphs
        self._parts: list[tuple[int, str]] = []  # (room taken before it, squeezed text)
        self._in_chrome: list[bool] = []  # per part
        self._length, self._at, self._unseen, self._links, self._inside = 0, -1, 0, 0, 0
        self._chrome: set[HtmlElement] = set()  # open chrome elements
        self._walked = False
        self._openings: list[str] = []  # per stage of _OPENINGS read
        self._window: str | None = None

    def shows(self, name: str) -> bool:
        """Whether the window holds ``name`` (squeezed)."""
        for stage, room in enumerate(_OPENINGS):
            if len(self._openings) == stage:
                self._read(room)
                if self._walked:
                    break
                # every text from the window's start up to ``room`` after the headline is
                # read, and all of it is in the window, before the rest
                start, _ = self._bounds()
                self._openings.append(
                    "".join(text for offset, text in self._parts if start <= offset)
                )
            if name in self._openings[stage]:
                return True
        if self._window is None:
            self._window = self.text()
        return name in self._window

    def text(self) -> str:
        """The whole window."""
        self._read()
        start, end = self._bounds()
        ending = _article_end(self._parts, self._paragraphs)
        reach = max(end, ending + _NEAR) if ending is not None else end
        return "".join(
            text
            for (offset, text), outside in zip(self._parts, self._in_chrome, strict=True)
            if start <= offset < (end if outside else reach)
        )

    def _bounds(self) -> tuple[int, int]:
        at = self._at
        return max(0, at - _NEAR), max(at, 0) + 4 * _NEAR

    def _read(self, room: float = math.inf) -> None:
        """Walk on, to the end or until the text read reaches ``room`` past the headline:
        texts come in document order, each at the room taken before it, so no text still to
        come can fall before that."""
        if self._walked:
            return
        parts, in_chrome, chrome, walk = self._parts, self._in_chrome, self._chrome, self._walk
        length, at, unseen, links, inside = (
            self._length,
            self._at,
            self._unseen,
            self._links,
            self._inside,
        )
        for event, el in walk:
            tag = el.tag if isinstance(el.tag, str) else ""
            if event == "start":
                if tag in _UNSEEN_TEXT:
                    unseen += 1
                    # nothing in it shows; only a headline inside it is still looked for
                    if next(el.iter("h1"), None) is None:
                        walk.skip_subtree()
                    continue
                links += tag == "a"
                inside += tag in _ARTICLE_TAGS
                if tag in _CHROME_TAGS and not inside:
                    chrome.add(el)
                if tag == "h1" and at < 0:
                    at = length
                text = el.text
            else:
                unseen -= tag in _UNSEEN_TEXT
                links -= tag == "a"
                inside -= tag in _ARTICLE_TAGS
                chrome.discard(el)
                text = el.tail
            if text and not unseen:
                squeezed = "".join(text.split()).casefold()  # squeeze, inlined: a hot loop
                parts.append((length, squeezed))
                in_chrome.append(bool(chrome))
                if not links:
                    length += len(squeezed)
                    if 0 <= at and length >= at + room:
                        break
        else:
            self._walked = True
        self._length, self._at, self._unseen, self._links, self._inside = (
            length,
            at,
            unseen,
            links,
            inside,
        )


def _article_end(parts: Sequence[tuple[int, str]], paragraphs: Sequence[str]) -> int | None:
    """The room taken up to the end of the article's last paragraph long enough to be found
    by its start in the walked text (a short last line may be the byline itself), or None."""
    last = next((k for p in reversed(paragraphs) if len(k := squeeze(p)) >= _LAST_KEY), "")
    if not last:
        return None
    joined = "".join(text for _, text in parts)
    found = joined.rfind(last[:_LAST_KEY])
    if found < 0:
        return None
    # the part the paragraph starts in, and the room taken before it
    at = 0
    for offset, text in parts:
        if at + len(text) > found:
            return offset + (found - at) + len(last)
        at += len(text)
    return None


def _evident_byline(byline: str, shows: Callable[[str], bool]) -> str:
    """The byline names the page shows near its headline; "" for a date or an "updated" stamp.

    trafilatura reads the author from metadata first, and metadata lies in ways a reader never
    sees: a shuffled list of every author of the site, "Last Updated January 4", a CMS user
    name. A name counts when the page's visible text near the first ``<h1>`` (or the start
    of the page, without one) holds it, as ``shows`` (``_NearHeadline.shows``) tells of its
    squeezed form; names that are not there are left out.
    """
    if not byline or is_boilerplate(byline):
        return ""
    names = [
        n for n in _NAME_SEPARATORS.split(byline) if n.strip(" .") and not _STAMP_WORDS.search(n)
    ]
    if not names:
        return ""
    seen = [n for n in names if shows(squeeze(n))]
    return (
        byline
        if seen == names and len(names) == len(_NAME_SEPARATORS.split(byline))
        else ("; ".join(seen))
    )
