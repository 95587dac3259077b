"""The corpus's value types: articles, their versions, the sources serving them, the schedule.

Everything here is frozen truth that tests assert against; nothing does I/O. Version indexes are
0-based positions in ``CorpusArticle.versions``; ``None`` in a schedule means the article is
gone (its page answers ``CorpusArticle.gone_status``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

FeedFormat = Literal["rss2", "atom", "rss1"]
BlockKind = Literal["subhead", "tweet", "caption", "loading", "promo"]


@dataclass(frozen=True, slots=True)
class CorpusVersion:
    """One version of an article as clean structured text: what an ideal extractor returns.

    ``paragraphs`` holds only the body prose. Subheads, embeds and captions are ``Block``s of
    the article, rendered between paragraphs but not part of this truth. ``note`` says what
    changed against the previous version, for people reading test failures.
    """

    headline: str
    standfirst: str
    byline: str
    paragraphs: tuple[str, ...]
    modified: datetime | None = None
    note: str = ""

    @property
    def text(self) -> str:
        """Headline, standfirst and paragraphs as one string, for "is this sentence here?"."""
        return "\n\n".join((self.headline, self.standfirst, *self.paragraphs))


@dataclass(frozen=True, slots=True)
class Block:
    """A non-prose element inside the article body: a subhead, a tweet embed, a caption.

    It is placed before the first paragraph that starts with ``before`` (at the end of the body
    when ``before`` is None or no paragraph matches), so it follows its paragraph when edits
    move paragraphs around. Blocks are the same in every version.
    """

    kind: BlockKind
    text: str
    before: str | None = None
    cite: str = ""  # a tweet's attribution line


@dataclass(frozen=True, slots=True)
class CorpusSource:
    """A news site in the corpus: its page template, feed format and HTTP quirks."""

    name: str
    title: str
    prefix: str  # every URL path of this site starts with it, e.g. "/guardian"
    feed_path: str
    feed_format: FeedFormat
    #: Feed item links carry ``?utm_source=rss&utm_medium=feed`` (the page's canonical does not).
    tracking: bool = False
    #: Page Content-Type carries ``; charset=utf-8``; False leaves it to ``<meta charset>``.
    charset_in_header: bool = True
    #: WordPress-style: paths end with "/" and the slash-less path redirects (301) to it.
    trailing_slash: bool = False
    #: Pages send an ETag per version and answer a matching If-None-Match with 304.
    page_etag: bool = False
    #: Which validators the feed response carries ("etag", "last-modified"); both are honoured
    #: with a 304 when the client sends them back.
    feed_validators: tuple[str, ...] = ("etag", "last-modified")


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    """An article with all the versions it will ever have and where it is served."""

    slug: str
    source: str
    path: str
    versions: tuple[CorpusVersion, ...]
    published: datetime
    seed: str  # the seed file the text comes from
    #: The feed's guid/id for the item; ``{base}`` stands for the server's base URL. None: the
    #: article URL itself (an RSS ``isPermaLink`` guid).
    guid: str | None = None
    blocks: tuple[Block, ...] = ()
    credit: str = ""  # a fixed credit line outside the body, e.g. "Translation by …"
    gone_status: int = 410
    #: Other paths that answer with a 301 to ``path`` (short links, old URLs).
    aliases: tuple[str, ...] = ()

    @property
    def titles(self) -> tuple[str, ...]:
        """The headline of each version, in order."""
        return tuple(v.headline for v in self.versions)


@dataclass(frozen=True, slots=True)
class Step:
    """The state of the corpus at one step: each article's version index, or None for gone."""

    index: int
    versions: Mapping[str, int | None]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Corpus:
    """Sources, articles and the schedule of steps: the truth a replay test checks against."""

    sources: tuple[CorpusSource, ...]
    articles: tuple[CorpusArticle, ...]
    steps: tuple[Step, ...]
    _by_slug: dict[str, CorpusArticle] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_slug", {a.slug: a for a in self.articles})
        names = {s.name for s in self.sources}
        for article in self.articles:
            if article.source not in names:
                raise ValueError(f"{article.slug}: unknown source {article.source!r}")
        for step in self.steps:
            if set(step.versions) != set(self._by_slug):
                raise ValueError(f"step {step.index} must place every article")
            for slug, index in step.versions.items():
                if index is not None and not 0 <= index < len(self._by_slug[slug].versions):
                    raise ValueError(f"step {step.index}: {slug} has no version {index}")

    def article(self, slug: str) -> CorpusArticle:
        return self._by_slug[slug]

    def source(self, name: str) -> CorpusSource:
        return next(s for s in self.sources if s.name == name)

    def articles_of(self, source: str) -> tuple[CorpusArticle, ...]:
        return tuple(a for a in self.articles if a.source == source)

    def version_at(self, slug: str, step: int) -> int | None:
        """The 0-based version index served for ``slug`` at ``step``; None when it is gone."""
        return self.steps[step].versions[slug]

    def version(self, slug: str, step: int) -> CorpusVersion | None:
        """The version served for ``slug`` at ``step``; None when it is gone."""
        index = self.version_at(slug, step)
        return None if index is None else self._by_slug[slug].versions[index]

    def expected_versions(self, slug: str) -> int:
        """How many distinct versions of ``slug`` are served over all steps."""
        return len({s.versions[slug] for s in self.steps} - {None})

    def changed_at(self, step: int) -> tuple[str, ...]:
        """Slugs whose served state (version or gone) differs from the previous step."""
        if step == 0:
            return tuple(self._by_slug)
        before, now = self.steps[step - 1].versions, self.steps[step].versions
        return tuple(slug for slug in self._by_slug if before[slug] != now[slug])
