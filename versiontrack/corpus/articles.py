"""The five corpus articles, their versions, the sources serving them and the schedule.

Each seed gives one article. The seed's structure (which line is the headline, the standfirst,
a subhead, an embed or site boilerplate) is written down here as data and checked against the
seed text; version 1 is the seed's prose, later versions are made by named ``edits``. Site
boilerplate found in the seeds (``BOILERPLATE``) is not article text: the page templates print
it, where the real sites had it.

The schedule (``STEPS``) is what a replay test walks through; ``build_corpus`` assembles the
whole ``Corpus``. Each version's ``note`` says exactly what changed, for end-to-end assertions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from types import MappingProxyType

from versiontrack.corpus import edits, guardian
from versiontrack.corpus.model import (
    Block,
    Corpus,
    CorpusArticle,
    CorpusSource,
    CorpusVersion,
    Step,
)
from versiontrack.corpus.seeds import seed_lines, seed_path

SOURCES: tuple[CorpusSource, ...] = (
    # A CDN-fronted site: pages carry a weak ETag per version and answer 304 to it.
    CorpusSource(
        "guardian", "The Guardian", "/guardian", "/guardian/world/rss", "rss2", page_etag=True
    ),
    # Feed links carry tracking parameters; the feed has no validators (always a full GET).
    CorpusSource(
        "zerohedge",
        "ZeroHedge",
        "/zerohedge",
        "/zerohedge/fullrss2.xml",
        "rss2",
        tracking=True,
        feed_validators=(),
    ),
    # Pages declare their charset only in <meta>; the Atom feed has Last-Modified only.
    CorpusSource(
        "enr",
        "European Newsroom",
        "/enr",
        "/enr/en/feed.atom",
        "atom",
        charset_in_header=False,
        feed_validators=("last-modified",),
    ),
    # WordPress: trailing-slash paths (the bare path redirects), tracking links in the feed.
    CorpusSource("jns", "JNS", "/jns", "/jns/feed/", "rss2", tracking=True, trailing_slash=True),
    # WordPress's RSS 1.0 (RDF) feed, ETag only.
    CorpusSource(
        "blog",
        "Contrarian Investor",
        "/blog",
        "/blog/feed/rdf/",
        "rss1",
        trailing_slash=True,
        feed_validators=("etag",),
    ),
)

#: Site chrome that the flattened seeds caught; each template prints its source's lines.
BOILERPLATE: dict[str, tuple[str, ...]] = {
    "zerohedge": ("Tyler Durden", "Thu, 10/31/2024 – 11:05"),
    "enr": ("Author: Dan Alexe", "Translation by Iurie Tataru"),
    "jns": ("Comments are closed.",),
    "blog": (
        "Checkout",
        "Cart: $0.00 - (0 items )",
        "Getty Images",
        "Loading…",
        "INVESTING BOOKS",
        "Be the first to know when NEW books are released!",
        "We don’t spam! Read our privacy policy for more info.",
        "Write a Reply or Comment:",
        "Back to top",
    ),
}


def _take(lines: list[str], text: str) -> str:
    """Remove the line equal to (or, for a trailing "…", starting with) ``text`` and return it."""
    for i, line in enumerate(lines):
        if line == text or (text.endswith("…") and line.startswith(text[:-1])):
            return lines.pop(i)
    raise ValueError(f"seed line {text!r} not found")


def _lead(text: str) -> str:
    """A paragraph's opening words: how ``Block.before`` names the paragraph it precedes."""
    return text[:40]


# -- ZeroHedge (seed 000) ---------------------------------------------------------------------


def _zerohedge() -> CorpusArticle:
    lines = seed_lines(0)
    headline = lines.pop(0)
    for text in BOILERPLATE["zerohedge"]:
        _take(lines, text)
    tweet_at = next(i for i, line in enumerate(lines) if line.startswith("North Korea tested"))
    tweet, cite, after = lines[tweet_at], lines[tweet_at + 1], lines[tweet_at + 2]
    if not cite.startswith("— Reuters"):
        raise ValueError("seed 000: tweet attribution not where expected")
    del lines[tweet_at : tweet_at + 2]
    published = datetime(2024, 10, 31, 15, 5, tzinfo=UTC)  # 11:05 US Eastern (EDT)
    v1 = CorpusVersion(headline, "", "Tyler Durden", tuple(lines), published, "first version")
    v2 = CorpusVersion(
        headline,
        "",
        "Tyler Durden",
        edits.replace(v1.paragraphs, "in terms details", "in terms of details"),
        published + timedelta(hours=2),
        "typo fix in the last paragraph: 'in terms details' → 'in terms of details' "
        "(1 sentence edited)",
    )
    return CorpusArticle(
        slug="zerohedge-body-bags",
        source="zerohedge",
        path="/zerohedge/geopolitical/north-korean-troops-fighting-ukraine-will-surely-return-body-bags-un",
        versions=(v1, v2),
        published=published,
        seed=seed_path(0).name,
        guid="1253407 at https://www.zerohedge.com",
        blocks=(Block("tweet", tweet, before=_lead(after), cite=cite),),
        gone_status=410,
    )


# -- European Newsroom (seed 002) -------------------------------------------------------------

ENR_SUBHEADS = ("An Additional 1,500 Soldiers", "Unfounded Rumour")


def _enr() -> CorpusArticle:
    lines = seed_lines(2)
    headline = lines.pop(0)
    # The two-sentence summary under the headline is the standfirst.
    standfirst = f"{lines.pop(0)} {lines.pop(0)}"
    for text in BOILERPLATE["enr"]:
        _take(lines, text)
    blocks = []
    for subhead in ENR_SUBHEADS:
        following = lines[lines.index(subhead) + 1]
        _take(lines, subhead)
        blocks.append(Block("subhead", subhead, before=_lead(following)))
    published = datetime(2024, 10, 24, 9, 30, tzinfo=UTC)
    byline = "Dan Alexe"
    v1 = CorpusVersion(headline, standfirst, byline, tuple(lines), published, "first version")
    v2 = CorpusVersion(
        headline,
        standfirst.replace("According to South Korea,", "According to South Korea and the US,"),
        byline,
        edits.move_after(v1.paragraphs, "In Brussels, a NATO spokesperson", "no longer in doubt"),
        published + timedelta(hours=3),
        "standfirst edited ('According to South Korea,' → 'According to South Korea and the "
        "US,'); the NATO paragraph ('In Brussels, a NATO spokesperson …', 2 sentences) moved "
        "from the end to third place, after 'The deployment of North Korean soldiers …'",
    )
    v3 = CorpusVersion(
        headline,
        v2.standfirst,
        byline,
        edits.replace(
            v2.paragraphs,
            '"You should not die without reason in a foreign country,"',
            '"You should not die for nothing in a foreign land,"',
        ),
        published + timedelta(hours=26),
        "quote altered (translation revised): '\"You should not die without reason in a foreign "
        "country,\"' → '\"You should not die for nothing in a foreign land,\"' (1 sentence edited)",
    )
    if v2.standfirst == standfirst:
        raise ValueError("seed 002: standfirst edit did not apply")
    return CorpusArticle(
        slug="enr-us-confirms-nk-soldiers",
        source="enr",
        path="/enr/en/news/us-confirms-north-korean-soldiers-russia-amid-ukraine-conflict",
        versions=(v1, v2, v3),
        published=published,
        seed=seed_path(2).name,
        guid="tag:europeannewsroom.com,2024-10-24:node/41327",
        blocks=tuple(blocks),
        credit="Translation by Iurie Tataru",
    )


# -- JNS (seed 003) ---------------------------------------------------------------------------

JNS_SUBHEAD = "North Korean troops to the frontline"


def _jns() -> CorpusArticle:
    lines = seed_lines(3)
    headline = lines.pop(0)
    standfirst = lines.pop(0)
    for text in BOILERPLATE["jns"]:
        _take(lines, text)
    tweet = _take(lines, "North Korea recently tested a new ballistic missile…")
    cite = _take(lines, "— Volodymyr Zelenskyy…")
    following = lines[lines.index(JNS_SUBHEAD) + 1]
    _take(lines, JNS_SUBHEAD)
    published = datetime(2024, 11, 1, 14, 0, tzinfo=UTC)
    # Never edited: only the page's churn changes from step to step.
    v1 = CorpusVersion(headline, standfirst, "JNS Staff", tuple(lines), published, "only version")
    return CorpusArticle(
        slug="jns-zelensky-urges-action",
        source="jns",
        path="/jns/zelensky-urges-western-action-against-nk-troops-in-russia/",
        versions=(v1,),
        published=published,
        seed=seed_path(3).name,
        guid="{base}/jns/?p=412873",
        blocks=(
            Block("tweet", tweet, before=_lead(following), cite=cite),
            Block("subhead", JNS_SUBHEAD, before=_lead(following)),
        ),
    )


# -- The shop blog (seed 004) -----------------------------------------------------------------

BLOG_ADDED = (
    "South Korea’s spy agency has separately estimated that around 11,000 North Korean troops "
    "are now in Russia."
)
BLOG_REMOVED = (
    "Another top intelligence official said the same but did not provide or confirm any details "
    "of the alleged clash."
)


def _blog() -> CorpusArticle:
    lines = seed_lines(4)
    for text in BOILERPLATE["blog"]:
        if text != "Getty Images":
            _take(lines, text)
    headline = lines.pop(0)
    caption_at = lines.index("Getty Images")
    after = lines[caption_at + 1]
    _take(lines, "Getty Images")
    published = datetime(2024, 11, 5, 10, 0, tzinfo=UTC)
    byline = "Contrarian Investor Staff"
    v1 = CorpusVersion(headline, "", byline, tuple(lines), published, "first version")
    v2_paragraphs = edits.replace(v1.paragraphs, "but have have strongly", "but have strongly")
    v2_paragraphs = edits.append_sentence(
        v2_paragraphs, "Jeon Ha-kyou, told a briefing", BLOG_ADDED
    )
    v2 = CorpusVersion(
        headline,
        "",
        byline,
        v2_paragraphs,
        published + timedelta(hours=5),
        "typo fix: 'but have have strongly hinted' → 'but have strongly hinted' (1 sentence "
        "edited); a sentence about the 11,000 estimate appended to the Jeon Ha-kyou paragraph "
        "(1 sentence added)",
    )
    v3 = CorpusVersion(
        headline,
        "",
        byline,
        edits.remove_sentence(v2.paragraphs, BLOG_REMOVED),
        published + timedelta(hours=9),
        "the sentence 'Another top intelligence official said the same …' removed from the "
        "Kovalenko paragraph (1 sentence removed)",
    )
    return CorpusArticle(
        slug="blog-first-direct-clashes",
        source="blog",
        path="/blog/2024/11/05/ukraine-announces-first-direct-clashes-with-north-korean-troops/",
        versions=(v1, v2, v3),
        published=published,
        seed=seed_path(4).name,
        guid=None,
        blocks=(Block("caption", "Getty Images", before=_lead(after)),),
        gone_status=404,
    )


# -- Schedule ---------------------------------------------------------------------------------

#: Version index per step (None: gone). Columns: steps 0..4.
SCHEDULE: dict[str, tuple[int | None, ...]] = {
    "guardian-nk-troops-kursk": (0, 1, 1, 2, 2),
    "zerohedge-body-bags": (0, 0, 0, 1, None),
    "enr-us-confirms-nk-soldiers": (0, 1, 1, 1, 2),
    "jns-zelensky-urges-action": (0, 0, 0, 0, 0),
    "blog-first-direct-clashes": (0, 0, 0, 1, 2),
}
STEP_NOTES = (
    "every article at version 1",
    "Guardian v2 (number edit, paragraph added); ENR v2 (standfirst, paragraph moved)",
    "nothing changes but churn",
    "Guardian v3 (headline, standfirst, body-bags sentences); ZeroHedge v2 (typo); blog v2",
    "ZeroHedge gone (410); ENR v3 (quote altered); blog v3 (sentence removed)",
)


@cache
def build_corpus() -> Corpus:
    """The corpus: five sources, five articles, five steps (built once, then shared)."""
    articles = (guardian.article(), _zerohedge(), _enr(), _jns(), _blog())
    steps = tuple(
        Step(i, MappingProxyType({slug: column[i] for slug, column in SCHEDULE.items()}), note)
        for i, note in enumerate(STEP_NOTES)
    )
    return Corpus(SOURCES, articles, steps)
