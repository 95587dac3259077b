"""A source's template: the body lines it prints around every article, learned from its pages.

Rules lag the web: every site has its own related-headline lists, promo lines, author bios and
ad copy, and trafilatura keeps some of them as article text. A one-page extractor cannot tell
them from the article; a tracker can, because it reads many articles of one source. A line
that appears in the bodies of ``MIN_ARTICLES`` different articles of one scope (the source,
or the host for articles added without one) is the source's template, not article text.

Only short lines are dropped (a teaser headline, an ad line, a "Related" label): a long
paragraph repeated across many articles — a running story's background paragraph, syndicated
copy — stays, since the reader sees it as part of the article and an edit to it is news. And
template never makes up half of an article: then it is the article, published twice.

Keys ignore case and spacing, never digits: "The death toll rose to 12." in one article and
"… to 15." in three others are different lines, and a number edit is news.
Pure: the store keeps the sightings (``store.lines``); this module decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import replace

from versiontrack import text as textmod
from versiontrack.domain import ArticleText

__all__ = ["MIN_ARTICLES", "line_key", "line_keys", "scope", "without"]

#: articles of one scope a line must appear in before it counts as template
MIN_ARTICLES = 3
#: longer paragraphs are never remembered: they are article text, not template
LONGEST = 400
#: only template lines this short are dropped
SHORT = 150


def line_key(line: str) -> int:
    """A signed 64-bit key for one body line (a BIGINT in the store)."""
    folded = " ".join(line.split()).casefold()
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


def without(texts: Sequence[ArticleText], template: Collection[int]) -> list[ArticleText]:
    """``texts`` without their template lines, decided for all of them together (the two
    ends of a comparison must lose the same lines, or the diff shows what was dropped).

    Only short lines go (``SHORT``): a long paragraph many articles share is syndicated copy
    or one story at two addresses, and the reader sees it as the article. And template never
    makes up half of any of the texts: then nothing goes.
    """
    bodies = [[" ".join(p) for p in t.paragraphs] for t in texts]
    drop = [[len(line) <= SHORT and line_key(line) in template for line in b] for b in bodies]
    if not any(any(d) for d in drop):
        return list(texts)
    for body, dropped in zip(bodies, drop, strict=True):
        lost = sum(len(line) for line, d in zip(body, dropped, strict=True) if d)
        if lost * 2 > sum(map(len, body)):
            return list(texts)
    return [_kept(t, d) for t, d in zip(texts, drop, strict=True)]


def _kept(text: ArticleText, dropped: Sequence[bool]) -> ArticleText:
    if not any(dropped):
        return text
    paragraphs = tuple(p for p, d in zip(text.paragraphs, dropped, strict=True) if not d)
    return replace(
        text,
        paragraphs=paragraphs,
        content_hash=textmod.content_hash(
            text.headline, text.standfirst, text.byline, [" ".join(p) for p in paragraphs]
        ),
    )
