"""The content-region fingerprint: a cheap proof that a page's article text has not changed.

A full extraction (trafilatura) costs 10–20 ms of CPU per page; most checks find the article
unchanged while everything around it (ads, most-read lists, scripts, timestamps) churns. After
a full extraction, ``Reader.locate`` remembers where the article sits in the page — the
smallest element holding every extracted paragraph (plus the byline's own element when the
byline is not in the metadata) — and a fingerprint of the page as the extractor reads it: that
element's text (scripts, styles and the whole lines extraction drops left out), every
``<h1>``, the ``<title>``, the canonical link, the metadata the headline, standfirst and byline
come from, and the JSON-LD fields extraction reads (never its dates or counts); what extraction
never reads (hidden markup, ad slots) is left out before anything is located or hashed. On the
next fetch ``Reader.fingerprint`` parses the page (about a millisecond for 100 KB) and hashes
the same parts. An equal hash means the
extractor's inputs for this article are unchanged, so the stored text stands; anything else
(a different hash, the element gone, a parse error) only means "extract as usual". The
fingerprint is salted with the extractor version and the source's overrides, so an upgrade or
a config change never reuses an old one.

Like ``extract`` this module is pure: bytes in, strings out.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from versiontrack.domain import Extracted, Region
from versiontrack.extract import (
    EXTRACTOR_VERSION,
    INLINE_HTML,
    decode,
    drop_unread,
    is_boilerplate,
)

__all__ = ["Reader", "reader"]

_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
# The metadata the extractor reads headline, standfirst, byline and site name from (ours and
# trafilatura's), by name/property/itemprop. Other <meta> tags (CSRF tokens, request ids) churn.
_META_NAMES = re.compile(
    r"title|headline|description|author|creator|byl|site_?name|application-name", re.IGNORECASE
)
_HEAD_PARTS = etree.XPath("//title | //h1 | //link[@rel='canonical']")
# The JSON-LD fields extraction reads (trafilatura's metadata, our thin-body check): never
# dates, counts or ids, which sites rewrite on every render (``dateModified``,
# ``interactionStatistic``), so that one changed stamp does not send every check the long way.
_LD_FIELDS = frozenset(
    "headline alternativeHeadline name description abstract author creator articleBody "
    "articleSection inLanguage publisher alternateName givenName familyName".split()
)
_META = etree.XPath("//meta[@content]")
_LD_JSON = etree.XPath("//script[@type='application/ld+json']")
_UNREAD = ("script", "style", "template")
_SPACE = re.compile(r"\s+")
_ANCHOR = 40  # characters of a paragraph's start that find the element holding it
_INLINE_NOT_BR = INLINE_HTML - {"br"}
_LINE_CHILDREN = 4  # elements with more children are never taken for one dropped line
_EVIDENCE = 8  # characters of a text piece found in the extracted text: read, not chance
_SHORT_LINE = 150  # a line extraction left out and this short may churn (a teaser caption)
_Line = tuple[int, int]  # (k, n): the n-th element (ordinal) of the region's k-th element
#: The fingerprint's own version: a new way of hashing never matches an old fingerprint.
FORMAT = "2"


@dataclass(frozen=True)
class Reader:
    """Locates and fingerprints articles as one source's extraction reads them: its
    ``ignore`` lines are left out, and the salt (the extractor's version and the source's
    overrides) makes sure an upgrade or a config change never matches an old fingerprint."""

    salt: str
    ignore: tuple[re.Pattern[str], ...]

    def fingerprint(self, html: bytes, path: str) -> str | None:
        """The page's fingerprint with the article at ``path`` (``locate``'s: one XPath or a
        union of them, then the lines left out); None when an element it names is gone."""
        union, _, skipped = path.partition("\n")
        try:
            tree = _parse(html)
            hits = tree.xpath(union)
            skips = _parse_skips(skipped)
        except (etree.LxmlError, ValueError):
            return None
        if len(hits) != union.count("|") + 1 or not all(isinstance(h, HtmlElement) for h in hits):
            return None
        for element in hits:
            _clean(tree, element)
        return self._digest(tree, hits, skips)

    def locate(self, html: bytes, extracted: Extracted) -> Region | None:
        """Find the article in ``html`` (the page ``extracted`` came from) and fingerprint it;
        None when no element short of the whole page holds it: that article is then always
        fully extracted."""
        try:
            tree = _parse(html)
        except (etree.LxmlError, ValueError):
            return None
        elements = _article_elements(tree, extracted)
        if elements is None:
            return None
        root = tree.getroottree()
        union = " | ".join(sorted(root.getpath(e) for e in elements))
        hits = tree.xpath(union)
        for element in hits:
            _clean(tree, element)
        fields = (extracted.headline, extracted.standfirst, extracted.byline)
        read = "".join(_squeeze(t) for t in (*fields, *extracted.paragraphs))
        skips = {(k, n) for k, element in enumerate(hits) for n in self._unread(element, read)}
        path = union + ("\n" + " ".join(f"{k}.{n}" for k, n in sorted(skips)) if skips else "")
        return Region(path, self._digest(tree, hits, skips))

    def _digest(
        self,
        tree: HtmlElement,
        elements: Sequence[HtmlElement],
        skips: AbstractSet[tuple[int, int]],
    ) -> str:
        h = hashlib.blake2b(self.salt.encode(), digest_size=16)
        for meta in _META(tree):
            key = meta.get("name") or meta.get("property") or meta.get("itemprop") or ""
            if _META_NAMES.search(key):
                h.update(f"\x01{key}\x02{_fold(meta.get('content') or '')}".encode())
        for part in _HEAD_PARTS(tree):
            value = part.get("href") if part.tag == "link" else part.text_content()
            h.update(f"\x03{part.tag}\x02{_fold(value or '')}".encode())
        for script in _LD_JSON(tree):
            h.update(b"\x05")
            h.update(_ld_fields(script.text_content()).encode())
        for k, element in enumerate(elements):
            h.update(b"\x04")
            self._hash_region(h, element, {n for j, n in skips if j == k})
        return h.hexdigest()

    def _hash_region(self, h: Any, element: HtmlElement, skips: AbstractSet[int]) -> None:
        """The region's markup skeleton (tags, in order) and its text, except the lines
        ``locate`` found extraction does not read: of those only that they are still lines
        extraction would drop (short, or boilerplate, or ignored)."""
        parts: list[str] = []
        ordinal = -1
        skipping: HtmlElement | None = None
        for event, el in etree.iterwalk(element, events=("start", "end")):
            if not isinstance(el.tag, str):
                continue
            if event == "start":
                ordinal += 1
                if skipping is not None:
                    continue
                if ordinal in skips:
                    skipping = el
                    line = _fold(el.text_content())
                    parts.append(f"\x06{el.tag}\x02{'' if self._droppable(el, line) else line}")
                    continue
                parts.append(f"<{el.tag}\x02{_fold(el.text or '')}")
                continue
            if skipping is not None:
                if el is not skipping:
                    continue
                skipping = None
            else:
                parts.append(">")
            if el is not element and el.tail:
                parts.append(_fold(el.tail))
        h.update("\x07".join(parts).encode())

    def _droppable(self, el: HtmlElement, line: str) -> bool:
        """Whether a line extraction left out (``el``, its text ``line``) may change without
        changing what it reads: short pieces of text (teaser captions, counters, stamps), our
        boilerplate, ignored lines. A dropped line an edit makes long is read again."""
        return (
            all(len(piece) <= _SHORT_LINE for piece in el.itertext())
            or is_boilerplate(line)
            or self._ignored(line)
        )

    def _ignored(self, line: str) -> bool:
        return any(p.search(line) for p in self.ignore)

    def _unread(self, element: HtmlElement, read: str) -> list[int]:
        """The ordinals (in ``element.iter()`` order) of the lines of ``element`` extraction
        did not read and that may change without changing what it reads (short lines,
        boilerplate, ignored lines): the outermost element of each such line.

        ``read`` is the extracted text, squeezed. A line is read when its whole text is in
        it; a line none of whose words is in it (no piece of its text of ``_EVIDENCE``
        characters or more) is not; a line with some of both is looked into, child by child.
        """
        tags = (e for e in element.iter() if isinstance(e.tag, str))
        ordinals = {el: n for n, el in enumerate(tags)}
        found: list[int] = []
        stack = [c for c in reversed(element) if isinstance(c.tag, str)]
        while stack:
            el = stack.pop()
            line = _fold(el.text_content())
            if not line:
                continue  # no text: its markup is in the skeleton, nothing else to read
            small = len(el) <= _LINE_CHILDREN
            if _squeeze(line) in read:
                if small and _own_line(el) and (is_boilerplate(line) or self._ignored(line)):
                    found.append(ordinals[el])  # read by chance ("3 : 14" in a sentence)
                continue  # read: so is all of it
            pieces = (_squeeze(t) for t in el.itertext())
            partly = any(len(p) >= _EVIDENCE and p in read for p in pieces)
            if small and not partly and self._droppable(el, line):
                found.append(ordinals[el])
                continue
            stack.extend(c for c in reversed(el) if isinstance(c.tag, str))
        return found


@functools.lru_cache(maxsize=256)
def reader(selector: str | None = None, ignore: tuple[str, ...] = ()) -> Reader:
    """The reader for a source's overrides (none: the generic extraction)."""
    salt = "\x00".join((EXTRACTOR_VERSION, FORMAT, selector or "", *ignore))
    return Reader(salt, tuple(re.compile(p) for p in ignore))


def _ld_fields(source: str) -> str:
    """The fields extraction reads from one JSON-LD block, in a stable form; a block that does
    not parse counts whole (extraction's reading of it is then anyone's guess)."""
    try:
        data = json.loads(source)
    except ValueError:
        return _fold(source)
    return json.dumps(_kept(data), sort_keys=True, ensure_ascii=False)


def _kept(value: object) -> object:
    if isinstance(value, dict):
        kept = {k: _kept(v) for k, v in value.items() if k in _LD_FIELDS or k in ("@graph",)}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [v for v in (_kept(item) for item in value) if v not in (None, {}, [])]
    return value if isinstance(value, str) else None


def _fold(value: str) -> str:
    return " ".join(value.split())


def _squeeze(value: str) -> str:
    """A containment key: no whitespace at all, case folded (extraction re-spaces inline text)."""
    return _SPACE.sub("", value).casefold()


def _parse(html: bytes) -> HtmlElement:
    return lxml.html.document_fromstring(decode(html).encode("utf-8"), parser=_PARSER)


def _clean(tree: HtmlElement, element: HtmlElement) -> None:
    """Leave out of ``element`` what extraction never reads: code, and what ``drop_unread``
    removes (hidden markup, machine microdata, ad slots), judged inside it alone (cleaning
    the whole page cost more than the rest of the fingerprint)."""
    etree.strip_elements(element, *_UNREAD, with_tail=False)
    drop_unread(tree, within=element)


def _parse_skips(text: str) -> set[_Line]:
    """``locate``'s "k.n k.n …": line n (an ordinal) of the region's k-th element."""
    skips = set()
    for item in text.split():
        k, _, n = item.partition(".")
        skips.add((int(k), int(n)))
    return skips


def _own_line(el: HtmlElement) -> bool:
    """Whether ``el`` makes a paragraph of its own in the extracted text: a block, or an
    inline element alone between line breaks in a block."""
    if el.tag not in INLINE_HTML:
        return True
    parent = el.getparent()
    if parent is None or parent.tag in INLINE_HTML or (el.tail or "").strip():
        return False
    before, after = el.getprevious(), el.getnext()
    if before is None:
        alone_before = not (parent.text or "").strip()
    else:
        alone_before = not (before.tail or "").strip() and before.tag not in _INLINE_NOT_BR
    return alone_before and (after is None or after.tag not in _INLINE_NOT_BR)


def _anchors(tree: HtmlElement, match: Callable[[str], bool]) -> Iterable[HtmlElement]:
    """Elements whose own text, or the text right after them, ``match`` accepts (squeezed)."""
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for text, holder in ((el.text, el), (el.tail, el.getparent())):
            if text and holder is not None and (folded := _squeeze(text)) and match(folded):
                yield holder


def _opens(text: str, start: str) -> bool:
    # a text node shorter than the anchor must still be long enough not to match by chance
    return text.startswith(start) or (len(text) >= _ANCHOR // 2 and start.startswith(text))


def _common_ancestor(elements: Sequence[HtmlElement]) -> HtmlElement | None:
    chain = [*reversed(list(elements[0].iterancestors())), elements[0]]
    for el in elements[1:]:
        mine = {el, *el.iterancestors()}
        while chain and chain[-1] not in mine:
            chain.pop()
    return chain[-1] if chain else None


def _holds(element: HtmlElement, keys: Sequence[str]) -> bool:
    content = _squeeze(element.text_content())
    return all(k in content for k in keys)


def _smallest_holding(
    tree: HtmlElement, keys: Sequence[str], match: Callable[[str], bool]
) -> HtmlElement | None:
    """The smallest element holding every key, searched upwards from the anchors ``match``
    finds: keys whose anchor we missed (a nested inline tag) must still be inside."""
    found = list(_anchors(tree, match))
    element = _common_ancestor(found) if found else None
    while element is not None and not _holds(element, keys):
        element = element.getparent()
    return element


def _article_elements(tree: HtmlElement, extracted: Extracted) -> list[HtmlElement] | None:
    keys = [k for k in (_squeeze(p) for p in extracted.paragraphs) if k]
    starts = {k[:_ANCHOR] for k in keys}
    body = _smallest_holding(tree, keys, lambda t: any(_opens(t, s) for s in starts))
    if body is None or body.tag in ("html", "body"):
        return None  # the whole page: every churn would change it, so it could never help
    elements = [body]
    names = [k for k in (_squeeze(n) for n in extracted.byline.split(";")) if k]  # "A; B"
    in_metadata = [m.get("content") or "" for m in _META(tree)]
    in_metadata += [s.text_content() for s in _LD_JSON(tree)]
    meta_text = _squeeze(" ".join(in_metadata))
    if names and not all(n in meta_text for n in names) and not _holds(body, names):
        # a "By …" line in the page: only its own element, not the share counts beside it
        line = _smallest_holding(tree, names, lambda t: any(n in t for n in names))
        if line is None or line.tag in ("html", "body"):
            return None
        elements.append(line)
    return elements
