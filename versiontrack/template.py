"""A source's template: the body lines it prints around every article, learned from its pages.

Rules lag the web: every site has its own related-headline lists, promo lines, author bios and
ad copy, and trafilatura keeps some of them as article text. A one-page extractor cannot tell
them from the article; a tracker can, because it reads many articles of one source. A line
that appears in the bodies of ``MIN_ARTICLES`` different articles of one scope (the source,
or the host for articles added without one) is the source's template, not article text.

It is dropped only where template sits: in the leading or trailing run of template lines, or
anywhere when it is short (a teaser headline, an ad line). A long paragraph repeated in the
middle of many articles — a running story's background paragraph — stays: the reader sees it
as part of the article, and an edit to it is news. And template never makes up half of an
article: text that many articles share at such length is the article, published twice.

Keys ignore case, spacing and digits, so "1,204 comments" and "1,205 comments" are one line.
Pure: the store keeps the sightings (``store.lines``); this module decides.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import replace

from versiontrack import text as textmod
from versiontrack.domain import ArticleText

__all__ = ["MIN_ARTICLES", "line_key", "line_keys", "scope", "without"]

#: articles of one scope a line must appear in before it counts as template
MIN_ARTICLES = 3
#: longer paragraphs are never remembered: they are article text, not template
LONGEST = 400
#: inside the article (not at its edges), only template lines this short are dropped
SHORT = 150
_DIGITS = re.compile(r"\d+")


def line_key(line: str) -> int:
    """A signed 64-bit key for one body line (a BIGINT in the store)."""
    folded = _DIGITS.sub("0", " ".join(line.split()).casefold())
    digest = hashlib.blake2b(folded.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def line_keys(text: ArticleText) -> dict[int, str]:
    """The keys of a text's body lines short enough to be template, with their lines."""
    lines = (" ".join(p) for p in text.paragraphs)
    return {line_key(line): line for line in lines if len(line) <= LONGEST}


def scope(source_name: str | None, url: str) -> str:
    """Where template is learned: the source, else the article's host."""
    if source_name:
        return f"source:{source_name}"
    host = url.split("://", 1)[-1].split("/", 1)[0].lower()
    return f"host:{host}"


def without(text: ArticleText, template: Collection[int]) -> ArticleText:
    """``text`` without its template lines (the same object when it has none)."""
    if not template:
        return text
    lines = [" ".join(p) for p in text.paragraphs]
    marked = [len(line) <= LONGEST and line_key(line) in template for line in lines]
    if not any(marked):
        return text
    lead = next((i for i, m in enumerate(marked) if not m), len(marked))
    trail = next((i for i, m in enumerate(reversed(marked)) if not m), len(marked))
    at_edge = [i < lead or i >= len(lines) - trail for i in range(len(lines))]
    total = sum(map(len, lines))
    keep: list[int] = []
    # Template never makes up half an article: lines that many articles share at length are
    # one story published at several addresses, or syndicated copy, and the reader sees
    # them as the article. Then only the short ones go, or, failing that, nothing.
    for short_only in (False, True):
        keep = [
            i
            for i, line in enumerate(lines)
            if not marked[i] or (len(line) > SHORT and (short_only or not at_edge[i]))
        ]
        if sum(len(lines[i]) for i in keep) * 2 >= total:
            break
    else:
        return text
    if len(keep) == len(lines):
        return text
    paragraphs = tuple(text.paragraphs[i] for i in keep)
    return replace(
        text,
        paragraphs=paragraphs,
        content_hash=textmod.content_hash(
            text.headline, text.standfirst, text.byline, [" ".join(p) for p in paragraphs]
        ),
    )
