"""What every page template works from: the page context, per-request churn and HTML helpers.

``Churn`` is the part of a page that changes on every request (tokens, counters, rotating
lists, the current time). It is derived from a request sequence number, so one number always
gives the same page (handy for debugging) while two requests never do. Article text never
comes from ``Churn``.
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from versiontrack.corpus.model import Block, CorpusArticle, CorpusSource, CorpusVersion

#: Headlines of the site's other (invented, harmless) stories, for "most read" style lists.
OTHER_STORIES: tuple[str, ...] = (
    "Central bank holds rates steady as inflation cools",
    "Storm warnings issued for coastal regions this weekend",
    "The best autumn walks within an hour of the city",
    "Chess prodigy, 12, becomes youngest grandmaster in decades",
    "Rail strike called off after last-minute talks",
    "Scientists map the oldest known coral reef",
    "What the new budget means for renters",
    "Football club appoints former player as manager",
    "Museum returns looted bronze sculptures",
    "How to keep your home warm without breaking the bank",
    "Tech giant fined over data protection failures",
    "Village bakery wins national bread award",
    "Five films to watch this week",
    "Drought forces farmers to rethink crops",
    "Opinion: cities need more trees, not more car parks",
    "Election watchdog warns of deepfake adverts",
)


@dataclass(frozen=True)
class Churn:
    """Values that differ on every request: derived from ``seq``, the request's number."""

    seq: int
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    request_path: str = ""
    rng: random.Random = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rng", random.Random(self.seq))

    def token(self, nbytes: int = 16) -> str:
        return self.rng.randbytes(nbytes).hex()

    def number(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, items: Sequence[str], k: int) -> list[str]:
        return self.rng.sample(list(items), k)


@dataclass(frozen=True)
class PageContext:
    """Everything a template needs to render one article page."""

    article: CorpusArticle
    version: CorpusVersion
    source: CorpusSource
    base_url: str
    churn: Churn
    #: The ``realism`` features this page carries (see ``versiontrack.corpus.realism``).
    realism: frozenset[str] = frozenset()

    @property
    def canonical(self) -> str:
        """The page's own URL without any query: what ``<link rel=canonical>`` says."""
        return self.base_url + self.article.path

    @property
    def description(self) -> str:
        """og:description: the standfirst, or the first paragraph's opening when there is none."""
        if self.version.standfirst:
            return self.version.standfirst
        first = self.version.paragraphs[0]
        return first if len(first) <= 200 else first[:197].rsplit(" ", 1)[0] + "…"

    @property
    def modified(self) -> datetime:
        return self.version.modified or self.article.published

    def body(self) -> Iterator[str | Block]:
        """Paragraph texts in order, with each ``Block`` just before the paragraph it precedes."""
        pending = list(self.article.blocks)
        for paragraph in self.version.paragraphs:
            for block in [b for b in pending if b.before and paragraph.startswith(b.before)]:
                pending.remove(block)
                yield block
            yield paragraph
        yield from pending

    def json_ld(self, **extra: Any) -> str:
        """A schema.org NewsArticle, safe to put inside ``<script>``."""
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": self.version.headline,
            "description": self.description,
            "datePublished": self.article.published.isoformat(),
            "dateModified": self.modified.isoformat(),
            "author": [{"@type": "Person", "name": self.version.byline}],
            "publisher": {"@type": "Organization", "name": self.source.title},
            "mainEntityOfPage": self.canonical,
            **extra,
        }
        return script_json(data)


def esc(text: str) -> str:
    """Text content escaped for HTML (quotes left alone, as CMSes print them)."""
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    """A value escaped for a double-quoted attribute."""
    return html.escape(text, quote=True)


def script_json(data: Any) -> str:
    """JSON that cannot close its ``<script>`` element early."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def tweet(block: Block, status_url: str) -> str:
    """Twitter's embed markup: the tweet text sits in a ``<p>`` inside a blockquote."""
    match = re.fullmatch(r"(.*) \((@\w+)\) (.*)", block.cite)
    who, handle, when = match.groups() if match else (block.cite, "", "")
    return (
        '<blockquote class="twitter-tweet" data-width="550" data-dnt="true">'
        f'<p lang="en" dir="ltr">{esc(block.text)}</p>'
        f'{esc(who)} ({esc(handle)}) <a href="{attr(status_url)}">{esc(when)}</a></blockquote>\n'
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    )
