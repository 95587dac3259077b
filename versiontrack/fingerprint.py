"""The unchanged-check fast path: a cheap proof that a page's article text has not changed.

A full extraction (trafilatura) costs 10–20 ms of CPU per page; most checks find the article
unchanged while everything around it (ads, most-read lists, scripts, timestamps) churns, and
so does much inside the article box (teaser captions, vote counters, "updated" stamps). After
a full extraction, ``Reader.locate`` remembers where the article sits in the page (``locate``)
and a fingerprint of the page as the extractor reads it:

* the region's markup skeleton (its elements' tags, in order) and its text, with code, what
  extraction never reads (hidden markup, machine microdata, ad slots: ``drop_unread``) and the
  whole lines our boilerplate rules or the source's ``ignore`` patterns drop left out;
* of the lines in the region that extraction did not read (no word of theirs is in its
  output) and that are short, boilerplate or ignored, only their place and that they still
  are: their text is left out, so a rotating teaser caption or a counter does not count;
* every ``<h1>``, the ``<title>``, the canonical link, the ``<meta>`` tags the headline,
  standfirst and byline come from, and the JSON-LD fields extraction reads (never its dates,
  counts or ids).

On the next fetch ``Reader.fingerprint`` parses the page and hashes the same parts. An equal
hash means the extractor's inputs for this article are unchanged as far as it reads them, so
the stored text stands; anything else (a different hash, an element gone, a parse error) only
means "extract as usual". The fingerprint is salted with its own format, the extractor
version and the source's overrides, so an upgrade or a config change never reuses an old one.
``check.fingerprint_skips`` bounds how many checks in a row trust it.

Like ``extract`` this module is pure: bytes in, strings out.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlMixin

from versiontrack.domain import Extracted, Region
from versiontrack.extract import EXTRACTOR_VERSION
from versiontrack.extract.boilerplate import is_boilerplate
from versiontrack.extract.decode import decode
from versiontrack.extract.markup import INLINE_HTML
from versiontrack.extract.rules import BOILERPLATE
from versiontrack.extract.unread import drop_unread
from versiontrack.locate import MARKED, Squeezed, article_elements, path_of, resolve, text_of
from versiontrack.text import fold, squeeze

__all__ = ["FORMAT", "Reader", "reader"]

#: The fingerprint's own version: a new way of hashing never matches an old fingerprint.
FORMAT = "3"
# lxml.html's parser without its element classes: the same tree, but lxml hands out a plain
# element in some 60% of the time of a Python subclass (the locate touches every element of
# the page); and no table of ids, which nothing here looks up
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, collect_ids=False)
# The metadata the extractor reads headline, standfirst, byline and site name from (ours and
# trafilatura's), by name/property/itemprop. Other <meta> tags (CSRF tokens, request ids) churn.
_META_NAMES = re.compile(
    r"title|headline|description|author|creator|byl|site_?name|application-name", re.IGNORECASE
)
# The JSON-LD fields extraction reads (trafilatura's metadata, our thin-body check): never
# dates, counts or ids, which sites rewrite on every render (``dateModified``,
# ``interactionStatistic``), so that one changed stamp does not send every check the long way.
_LD_FIELDS = frozenset(
    "headline alternativeHeadline name description abstract author creator articleBody "
    "articleSection inLanguage publisher alternateName givenName familyName".split()
)
# JSON-LD's articleBody is read for its length (``extract.reading._thin``) and as a last resort:
# its digits (dates a CMS rewrites in it) are not hashed, its length and words are
_LD_DIGITS = frozenset({"articleBody"})
_DIGIT = re.compile(r"\d")
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")
_UNREAD = ("script", "style", "template")
_HEAD = ("meta", "title", "h1", "link", "script")  # the elements ``_head`` reads
_HEADINGS = frozenset({"title", "h1"})
_MARKED = tuple(sorted({*MARKED, *_HEAD}))  # what the locate's search and ``_head`` read
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # ``decode`` reads them first
_INLINE_NOT_BR = INLINE_HTML - {"br"}
_LINE_CHILDREN = 4  # elements with more children are never taken for one line
_EVIDENCE = 8  # characters of a text piece found in the extracted text: read, not chance
_SHORT_LINE = 150  # a piece of text this short in a line extraction left out may churn

_Line = tuple[int, int]  # (k, n): element n (in document order) of the region's k-th element


@dataclass(frozen=True)
class Reader:
    """Locates and fingerprints articles as one source's extraction reads them: its
    ``ignore`` lines are left out, and the salt (the fingerprint's format, the extractor's
    version and the source's overrides) makes sure an upgrade or a config change never
    matches an old fingerprint."""

    salt: str
    ignore: tuple[re.Pattern[str], ...]

    def fingerprint(self, html: bytes, path: str) -> str | None:
        """The page's fingerprint with the article at ``path`` (``locate``'s); None when an
        element it names is gone."""
        paths, _, lines = path.partition("\n")
        try:
            tree = _parse(html)
            skips = _parse_skips(lines)
        except (etree.LxmlError, ValueError):
            return None
        hits = [resolve(tree, p) for p in paths.split(" | ")]
        elements = [h for h in hits if h is not None]
        if len(elements) != len(hits):
            return None
        h = self._head(tree.iter(*_HEAD))
        for element in elements:
            self._prepare(tree, element)
        return self._digest(h, elements, skips)

    def locate(self, html: bytes, extracted: Extracted) -> Region | None:
        """Find the article in ``html`` (the page ``extracted`` came from) and fingerprint it;
        None when no element short of the whole page holds it: that article is then always
        fully extracted."""
        try:
            tree = _parse(html)
        except (etree.LxmlError, ValueError):
            return None
        squeezed = Squeezed()
        paragraphs = [squeezed(p) for p in extracted.paragraphs]
        marked = list(tree.iter(*_MARKED))  # (one walk of the page for both)
        found = article_elements(tree, extracted, paragraphs, squeezed, marked)
        if found is None:
            return None
        named = sorted((p, e) for e in found if (p := path_of(e)) is not None)
        if len(named) != len(found):
            return None
        elements = [e for _, e in named]
        h = self._head(marked)
        for element in elements:
            self._prepare(tree, element)
        fields = (extracted.headline, extracted.standfirst, extracted.byline)
        read = _Read([*map(squeezed, fields), *paragraphs])
        skips = {(k, n) for k, e in enumerate(elements) for n in self._unread(e, read, squeezed)}
        path = " | ".join(p for p, _ in named)
        if skips:
            path += "\n" + " ".join(f"{k}.{n}" for k, n in sorted(skips))
        return Region(path, self._digest(h, elements, skips))

    def _prepare(self, tree: etree._Element, element: etree._Element) -> None:
        """Leave out of ``element`` what extraction never reads: code, what ``drop_unread``
        removes (judged inside it alone: cleaning the whole page cost more than the rest of
        the fingerprint) and whole lines our rules or ``ignore`` drop ("Updated 3 minutes
        ago", "Hits: 123"): they churn inside many articles."""
        etree.strip_elements(element, *_UNREAD, with_tail=False)
        if len(element):  # (it drops only elements inside: nothing in a standfirst's bare <p>)
            drop_unread(tree, within=element)
        for el in list(element.iterdescendants(etree.Element)):
            # one line has few children; reading every big subtree's text would cost more
            # than the rest of the fingerprint (and leaving a line in is always safe)
            if len(el) > _LINE_CHILDREN:
                continue
            text = text_of(el)
            if len(text) > _LONGEST_RULE and not self.ignore:
                # (folding a string's start gives the start of the folded string: most
                # paragraphs are judged on a start barely longer than the rules' limit)
                if (
                    len(fold(text[:_PROBE])) > _LONGEST_RULE
                    or len(fold(text[: 2 * _LONGEST_RULE])) > _LONGEST_RULE
                ):
                    continue  # its start alone is longer than any line our rules drop
            line = fold(text)
            if line and self._dropped(el, line) and _own_line(el):
                HtmlMixin.drop_tree(el)  # (a plain element has no such method)

    def _dropped(self, el: etree._Element, line: str) -> bool:
        """Whether extraction drops the line ``el`` (its text ``line``) whole: our boilerplate,
        an ignored line, or a short line of boilerplate pieces ("Updated 5 minutes ago ·
        1,204 comments", a stamp and a counter in two spans)."""
        if _boilerplate(line) or self._ignored(line):
            return True
        if len(line) > _SHORT_LINE or not len(el):
            return False
        pieces = 0
        for text in el.itertext():
            piece = fold(text)
            if piece:
                if not _boilerplate(piece):
                    return False  # most lines: their first piece is read
                pieces += 1
        return pieces > 1

    def _head(self, marked: Iterable[etree._Element]) -> Any:
        """The hash of what extraction reads outside the region (read before the region is
        prepared: a JSON-LD script may sit inside it). ``marked``: the page's elements of the
        ``_HEAD`` tags (others may be among them), in document order."""
        parts: list[str] = []
        for el in marked:
            tag = el.tag
            if tag == "meta":
                key = el.get("name") or el.get("property") or el.get("itemprop") or ""
                content = el.get("content")
                if content is not None and _META_NAMES.search(key):
                    parts.append(f"\x01{key}\x02{fold(content)}")
            elif tag == "link":
                if el.get("rel") == "canonical":
                    parts.append(f"\x03link\x02{fold(el.get('href') or '')}")
            elif tag == "script":
                if el.get("type") == "application/ld+json":
                    parts.append(f"\x05{_ld_fields(text_of(el))}")
            elif tag in _HEADINGS:
                parts.append(f"\x03{tag}\x02{fold(text_of(el))}")
        h = hashlib.blake2b(self.salt.encode(), digest_size=16)
        h.update("".join(parts).encode())
        return h

    def _digest(self, h: Any, elements: Sequence[etree._Element], skips: AbstractSet[_Line]) -> str:
        for k, element in enumerate(elements):
            h.update(b"\x04")
            h.update(self._region_text(element, {n for j, n in skips if j == k}).encode())
        return h.hexdigest()

    def _region_text(self, element: etree._Element, skips: AbstractSet[int]) -> str:
        """The region's skeleton and text as hashed: for each element its tag and text, its
        end, its tail; for a skipped line (``skips``: ordinals in ``iter()`` order) its tag,
        and its text only when it is no longer one extraction may leave out."""
        parts: list[str] = []
        ordinal = -1
        skipping: etree._Element | None = None
        for event, el in etree.iterwalk(element, events=("start", "end")):
            if not isinstance(el.tag, str):
                continue
            if event == "start":
                ordinal += 1
                if skipping is not None:
                    continue
                if ordinal in skips:
                    skipping = el
                    line = fold(text_of(el))
                    parts.append(f"\x06{el.tag}\x02{'' if self._droppable(el, line) else line}")
                else:
                    parts.append(f"<{el.tag}\x02{fold(el.text or '')}")
                continue
            if skipping is not None:
                if el is not skipping:
                    continue
                skipping = None
            else:
                parts.append(">")
            if el is not element and el.tail:
                parts.append(fold(el.tail))
        return "\x07".join(parts)

    def _unread(self, element: etree._Element, read: _Read, squeezed: Squeezed) -> list[int]:
        """The ordinals (in ``element.iter()`` order) of the lines of ``element`` extraction
        did not read and that may change without changing what it reads: the outermost
        element of each such line.

        A line is read when its whole text is in ``read``; a line none of whose text is in
        it (no piece of ``_EVIDENCE`` characters or more) is not; a line with some of both is
        looked into, child by child. ``squeezed``: ``locate``'s (its children's texts are
        mostly paragraphs the search squeezed).
        """
        found: list[etree._Element] = []
        stack = [c for c in reversed(element) if isinstance(c.tag, str)]
        while stack:
            el = stack.pop()
            text = text_of(el)
            key = squeezed(text)
            if not key or key in read:
                continue  # no text (its markup is in the skeleton), or read: all of it
            pieces = (squeeze(t) for t in el.itertext())
            partly = any(len(p) >= _EVIDENCE and p in read for p in pieces)
            if len(el) <= _LINE_CHILDREN and not partly and self._droppable(el, fold(text)):
                found.append(el)
                continue
            stack.extend(c for c in reversed(el) if isinstance(c.tag, str))
        if not found:
            return []
        ordinals = {el: n for n, el in enumerate(element.iter(etree.Element))}
        return [ordinals[el] for el in found]

    def _droppable(self, el: etree._Element, line: str) -> bool:
        """Whether a line extraction left out (``el``, its text ``line``) may change without
        changing what it reads: short pieces of text (teaser captions, counters, stamps), our
        boilerplate, ignored lines. A dropped line an edit makes long is read again."""
        return (
            all(len(piece) <= _SHORT_LINE for piece in el.itertext())
            or _boilerplate(line)
            or self._ignored(line)
        )

    def _ignored(self, line: str) -> bool:
        return bool(self.ignore) and any(p.search(line) for p in self.ignore)


@functools.lru_cache(maxsize=256)
def reader(selector: str | None = None, ignore: tuple[str, ...] = ()) -> Reader:
    """The reader for a source's overrides (none: the generic extraction)."""
    salt = "\x00".join((EXTRACTOR_VERSION, FORMAT, selector or "", *ignore))
    return Reader(salt, tuple(re.compile(p) for p in ignore))


def _ld_fields(source: str) -> str:
    """The fields extraction reads from one JSON-LD block, in a stable form; a block that does
    not parse counts whole (extraction's reading of it is then anyone's guess)."""
    text = source
    if "<![CDATA[" in text or "]]>" in text:
        # (only then: the wrapper's regex, unanchored at its end, is tried at every character)
        text = _CDATA.sub("", text)
    try:
        data = json.loads(text)
    except ValueError:
        return fold(source)
    return json.dumps(_kept(data), sort_keys=True, ensure_ascii=False)


def _kept(value: object, key: str = "") -> object:
    if isinstance(value, dict):
        kept = {k: _kept(v, k) for k, v in value.items() if k in _LD_FIELDS or k == "@graph"}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [v for v in (_kept(item, key) for item in value) if v not in (None, {}, [])]
    if not isinstance(value, str):
        return None
    return _DIGIT.sub("0", value) if key in _LD_DIGITS else value


_LONGEST_RULE = max(limit for _, limit in BOILERPLATE)
_PROBE = _LONGEST_RULE + _LONGEST_RULE // 4  # characters of a long line folded first (``_prepare``)


def _boilerplate(line: str) -> bool:
    # (a line longer than every rule's limit is no boilerplate: not worth hashing for the cache)
    return len(line) <= _LONGEST_RULE and _short_boilerplate(line)


# a page's short lines (labels, buttons, teaser captions) recur on every page of its site and
# at every check: each is matched against the rules once
@functools.lru_cache(maxsize=8192)
def _short_boilerplate(line: str) -> bool:
    return is_boilerplate(line)


class _Read:
    """What extraction read (its fields and paragraphs, ``squeezed``): whether a squeezed
    text is in it. Most texts tested are one whole paragraph (or field), a set look-up; the
    others a search of the whole."""

    def __init__(self, squeezed: Sequence[str]) -> None:
        self._whole = set(squeezed)
        self._joined = "".join(squeezed)

    def __contains__(self, text: str) -> bool:
        return text in self._whole or text in self._joined


def _parse(html: bytes) -> etree._Element:
    tree = etree.fromstring(_utf8(html), _PARSER)
    if tree is None:  # (as lxml.html's document_fromstring)
        raise etree.ParserError("Document is empty")
    return tree


def _utf8(html: bytes) -> bytes:
    """The page in UTF-8 as ``decode`` reads it. Its first choice after a BOM is valid UTF-8,
    read as it is: such a page (most) is passed on as it came, not decoded and encoded again."""
    if html.isascii():
        return html  # (UTF-8 already, with no BOM: checked at a fraction of decoding's cost)
    if not html.startswith(_BOMS):
        try:
            html.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return html
    return decode(html).encode("utf-8")


def _parse_skips(text: str) -> set[_Line]:
    """``locate``'s "k.n k.n …": element n of the region's k-th element is a skipped line."""
    skips = set()
    for item in text.split():
        k, _, n = item.partition(".")
        skips.add((int(k), int(n)))
    return skips


def _inline(tag: object) -> bool:
    """An inline tag as extraction reads it (``extract.markup``): a custom element (a name
    with a hyphen, MathJax's ``<mjx-container>``) sits inside its sentence."""
    return isinstance(tag, str) and (tag in INLINE_HTML or "-" in tag)


def _own_line(el: etree._Element) -> bool:
    """Whether ``el`` makes a paragraph of its own in the extracted text: a block, or an
    inline element alone between line breaks in a block."""
    if not _inline(el.tag):
        return True
    parent = el.getparent()
    if parent is None or _inline(parent.tag) or (el.tail or "").strip():
        return False
    before, after = el.getprevious(), el.getnext()
    if before is None:
        alone_before = not (parent.text or "").strip()
    else:
        alone_before = not (before.tail or "").strip() and before.tag not in _INLINE_NOT_BR
    return alone_before and (after is None or after.tag not in _INLINE_NOT_BR)
