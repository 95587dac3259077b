"""The bench corpus: N articles on five sites, a schedule of steps, and the truth about them.

Article text is recombined from the seed articles' sentences (``versiontrack.corpus``), so it
reads like news and survives extraction like the seeds do. The schedule:

* step 0: every article at its first version (the first pass sees them all as new);
* step 1: churn only: every page is rendered again with new tokens, counters, rotating
  lists and timestamps, but no article text changes;
* steps 2 … 1 + ``edit_steps``: churn again, and a known 10% of the articles get a real
  edit (a word, a figure, a sentence added or removed, a new paragraph, a new headline).

The schedule is a ``versiontrack.corpus.Corpus``, so ``Corpus.changed_at(step)`` is the truth a
pass is checked against, and each edit's expected change summary is in ``BenchCorpus.edits``.
``write_step`` renders a step as a static site (pages 80–150 KB via ``chrome.dress``, one feed
per site, robots.txt) with every file's mtime set to the step's time, so a server's ETag and
Last-Modified change from step to step and stay put within one.

Every page also carries the volatile metadata and in-article churn real news sites have
(``chrome.REALISM``, from ``versiontrack.corpus.realism``): JSON-LD ``dateModified``, ids and
interaction counts and ``article:modified_time`` rewritten on every render, nonces and asset
query strings, "Updated N minutes ago" and comment counts inside the article box (two
sites), one line of ad copy right after the article box (one site) and right before it
(another), rotating related and teaser blocks, hidden microdata, stamps and counters. The
truth stays the article text: none of this is in it.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from bench.chrome import LEVELS, dress
from versiontrack import text as textmod
from versiontrack.corpus import (
    Corpus,
    CorpusArticle,
    CorpusSource,
    CorpusVersion,
    Step,
    build_corpus,
    render_feed,
)
from versiontrack.corpus.render import Churn, PageContext
from versiontrack.corpus.templates import TEMPLATES

#: When step 0 is served; each later step is one hour on.
EPOCH = datetime(2024, 11, 4, 6, 0, tzinfo=UTC)
#: Share of the articles that get a real edit at each edit step.
EDIT_SHARE = 0.10
PAGE_BYTES = (80_000, 150_000)

SOURCES: tuple[CorpusSource, ...] = (
    CorpusSource("guardian", "The Guardian", "/guardian", "/guardian/world/rss.xml", "rss2"),
    CorpusSource(
        "zerohedge", "ZeroHedge", "/zerohedge", "/zerohedge/fullrss2.xml", "rss2", tracking=True
    ),
    CorpusSource("enr", "European Newsroom", "/enr", "/enr/en/feed.atom", "atom"),
    CorpusSource("jns", "JNS", "/jns", "/jns/feed.xml", "rss2", tracking=True, trailing_slash=True),
    CorpusSource(
        "blog", "Contrarian Investor", "/blog", "/blog/feed.rdf.xml", "rss1", trailing_slash=True
    ),
)

_BYLINES = (
    "Guardian staff and agencies",
    "Tyler Durden",
    "Dan Alexe",
    "JNS Staff",
    "Maya Okafor",
    "Luca Bianchi",
    "Sofia Lindqvist",
    "Tomás Herrera",
    "Anna Kowalska",
    "Kenji Watanabe",
)
_ANGLES = (
    "what we know so far",
    "the view from Seoul",
    "analysis",
    "live briefing",
    "reaction from Kyiv",
    "what it means for Europe",
    "explainer",
    "the diplomatic fallout",
)
_SWAPS = (
    "reportedly",
    "officially",
    "apparently",
    "reluctantly",
    "quietly",
    "publicly",
    "formally",
    "eventually",
)


@cache
def sentence_pool() -> tuple[str, ...]:
    """Every sentence of the seed articles' first versions, as the pipeline splits them."""
    pool: list[str] = []
    for article in build_corpus().articles:
        for paragraph in article.versions[0].paragraphs:
            pool.extend(s for s in textmod.split_sentences(paragraph) if len(s) >= 30)
    return tuple(dict.fromkeys(pool))


@cache
def seed_headlines() -> tuple[str, ...]:
    return tuple(a.versions[0].headline for a in build_corpus().articles)


@cache
def _chain() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...], tuple[str, ...]]:
    follow: dict[str, list[str]] = {}
    starts: list[str] = []
    for sentence in sentence_pool():
        words = sentence.split()
        starts.append(words[0])
        for a, b in itertools.pairwise(words):
            follow.setdefault(a, []).append(b)
    vocabulary = sorted(
        {w.strip('.,;:“”"()’‘') for s in sentence_pool() for w in s.split() if len(w) > 3}
    )
    return {k: tuple(v) for k, v in follow.items()}, tuple(starts), tuple(vocabulary)


def synthetic_sentences(count: int, seed: str = "synthetic") -> list[str]:
    """``count`` distinct new sentences in the seeds' words: a word-bigram chain over the seed
    sentences with half the longer words swapped for others of the seeds' vocabulary.

    Long texts made by repeating the seeds would compress far better than real news (zstd
    finds the repeats); this text compresses about 3.3× at level 9, the seeds 2.8×.
    """
    follow, starts, vocabulary = _chain()
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < count:
        words = [rng.choice(starts)]
        while len(words) < 40 and (options := follow.get(words[-1])):
            words.append(rng.choice(options))
            if words[-1][-1] in ".?!" and len(words) >= 10:
                break
        for i, word in enumerate(words):
            if i and len(word) > 3 and word[-1].isalpha() and rng.random() < 0.5:
                words[i] = rng.choice(vocabulary)
            elif i < len(words) - 1 and word[-1] in ".?!":
                words[i] = word.rstrip(".?!") + ","  # one sentence: no full stop inside
        sentence = " ".join(words).rstrip(",;:")
        out[sentence if sentence[-1] in ".?!" else sentence + "."] = None
    return list(out)


@dataclass(frozen=True, slots=True)
class Edit:
    """A real edit made at ``step`` to one article, and the change summary it should give."""

    slug: str
    step: int
    kind: str  # word | figure | add | remove | paragraph | headline
    expect: dict[str, object]  # ChangeSummary.to_dict() of the expected change


@dataclass(frozen=True)
class BenchCorpus:
    corpus: Corpus
    edits: tuple[Edit, ...]
    sizes: dict[str, int]  # target page bytes per slug
    realism: str = "news"  # a key of LEVELS

    @property
    def articles(self) -> tuple[CorpusArticle, ...]:
        return self.corpus.articles

    @property
    def sources(self) -> tuple[CorpusSource, ...]:
        """The sites that have articles (a tiny corpus may leave some empty)."""
        used = {a.source for a in self.corpus.articles}
        return tuple(s for s in self.corpus.sources if s.name in used)

    @property
    def last_step(self) -> int:
        return len(self.corpus.steps) - 1

    def edited_at(self, step: int) -> set[str]:
        return set(self.corpus.changed_at(step)) if step else set()

    def edits_at(self, step: int) -> dict[str, Edit]:
        return {e.slug: e for e in self.edits if e.step == step}


def _path(source: CorpusSource, i: int, slug: str, published: datetime) -> str:
    if source.name == "guardian":
        return f"/guardian/world/{published:%Y/%b/%d}".lower() + f"/{slug}"
    if source.name == "zerohedge":
        return f"/zerohedge/geopolitical/{slug}"
    if source.name == "enr":
        return f"/enr/en/news/{slug}"
    if source.name == "jns":
        return f"/jns/{slug}/"
    return f"/blog/{published:%Y/%m}/{slug}/"


def _first_version(i: int, rng: random.Random, published: datetime) -> CorpusVersion:
    pool = sentence_pool()
    paragraphs_n = rng.randint(10, 18)
    counts = [rng.choice((1, 2, 2, 3, 3, 4)) for _ in range(paragraphs_n)]
    picked = rng.sample(pool, min(len(pool) - 8, sum(counts) + 1))
    standfirst, body = picked[0], picked[1:]
    paragraphs = []
    for n in counts:
        if not body:
            break
        paragraphs.append(" ".join(body[:n]))
        body = body[n:]
    headline = f"{rng.choice(seed_headlines())}: {rng.choice(_ANGLES)}, part {i + 1}"
    return CorpusVersion(
        headline, standfirst, rng.choice(_BYLINES), tuple(paragraphs), published, "first version"
    )


def _split(paragraph: str) -> list[str]:
    return list(textmod.split_sentences(paragraph))


def _clean_addition(
    paragraph: list[str], fresh: list[str], rng: random.Random, count: int
) -> list[str]:
    """``count`` fresh sentences that split back exactly as themselves after ``paragraph``."""
    for _ in range(200):
        extra = rng.sample(fresh, count)
        if _split(" ".join([*paragraph, *extra])) == [*paragraph, *extra]:
            return extra
    return extra[:1]


def _edit(
    version: CorpusVersion, rng: random.Random, kind: str, step: int
) -> tuple[CorpusVersion, str, dict[str, object]]:
    """Apply one edit of ``kind`` (or a fallback when the text does not allow it)."""
    paras = [_split(p) for p in version.paragraphs]
    used = {s for p in paras for s in p} | {version.standfirst}
    fresh = [s for s in sentence_pool() if s not in used]
    expect: dict[str, object] = {"fields": [], "added": 0, "removed": 0, "edited": 0, "moved": 0}
    headline = version.headline
    spots = [(i, j) for i, p in enumerate(paras) for j, s in enumerate(p)]
    if kind == "remove":
        multi = [(i, j) for i, j in spots if len(paras[i]) >= 2]
        if multi:
            i, j = rng.choice(multi)
            del paras[i][j]
            expect["removed"] = 1
        else:
            kind = "word"
    if kind == "figure":
        digits = [(i, j) for i, j in spots if any(w.isdigit() for w in paras[i][j].split())]
        if digits:
            i, j = rng.choice(digits)
            words = paras[i][j].split(" ")
            k = next(k for k, w in enumerate(words) if w.isdigit())
            words[k] = str(int(words[k]) + 7)
            paras[i][j] = " ".join(words)
            expect["edited"] = 1
        else:
            kind = "word"
    if kind == "add":
        i = rng.randrange(len(paras))
        # A sentence the splitter keeps apart from its new neighbour (an opening quote, say,
        # would join it), so the truth is exactly one sentence added.
        extra = _clean_addition(paras[i], fresh, rng, 1)
        paras[i].extend(extra)
        expect["added"] = len(extra)
    elif kind == "paragraph":
        i = rng.randrange(len(paras) + 1)
        paras.insert(i, _clean_addition([], fresh, rng, 2))
        expect["added"] = len(paras[i])
    elif kind == "headline":
        headline = f"{headline.rsplit(':', 1)[0]}: {rng.choice(_ANGLES)} (updated {step})"
        expect["fields"] = ["headline"]
    elif kind == "word":
        long = [(i, j) for i, j in spots if len(paras[i][j].split()) >= 8]
        i, j = rng.choice(long or spots)
        words = paras[i][j].split(" ")
        k = max(range(1, len(words) - 1), key=lambda n: (words[n].isalpha(), len(words[n])))
        words[k] = rng.choice([w for w in _SWAPS if w != words[k]])
        paras[i][j] = " ".join(words)
        expect["edited"] = 1
    new = CorpusVersion(
        headline,
        version.standfirst,
        version.byline,
        tuple(" ".join(p) for p in paras if p),
        (version.modified or EPOCH) + timedelta(hours=step),
        f"step {step}: {kind}",
    )
    return new, kind, expect


def build(n: int, edit_steps: int = 1, seed: int = 1, realism: str = "news") -> BenchCorpus:
    """The corpus of ``n`` articles with ``edit_steps`` steps of edits after the churn step;
    ``realism`` names its pages' level of mess (``LEVELS``)."""
    if realism not in LEVELS:
        raise ValueError(f"realism must be one of {', '.join(LEVELS)}, not {realism!r}")
    kinds = ("word", "figure", "add", "remove", "paragraph", "headline")
    versions: dict[str, list[CorpusVersion]] = {}
    meta: list[tuple[str, CorpusSource, int, datetime]] = []
    sizes: dict[str, int] = {}
    for i in range(n):
        rng = random.Random(f"bench-{seed}-{i}")
        source = SOURCES[i % len(SOURCES)]
        published = EPOCH - timedelta(hours=2, minutes=i % 600)
        slug = f"{source.name}-{i:05d}-{rng.choice(('troops', 'kursk', 'pyongyang', 'nato'))}"
        versions[slug] = [_first_version(i, rng, published)]
        meta.append((slug, source, i, published))
        sizes[slug] = rng.randint(*PAGE_BYTES)
    slugs = [m[0] for m in meta]
    steps = [Step(0, dict.fromkeys(slugs, 0), "first"), Step(1, dict.fromkeys(slugs, 0), "churn")]
    edits: list[Edit] = []
    current = dict.fromkeys(slugs, 0)
    for k in range(edit_steps):
        step = 2 + k
        rng = random.Random(f"bench-edits-{seed}-{step}")
        chosen = rng.sample(slugs, max(1, round(n * EDIT_SHARE)))
        for number, slug in enumerate(sorted(chosen, key=slugs.index)):
            latest = versions[slug][-1]
            new, kind, expect = _edit(latest, rng, kinds[(number + k) % len(kinds)], step)
            versions[slug].append(new)
            current[slug] = len(versions[slug]) - 1
            edits.append(Edit(slug, step, kind, expect))
        steps.append(Step(step, dict(current), f"edits {k + 1}"))
    articles = tuple(
        CorpusArticle(
            slug=slug,
            source=source.name,
            path=_path(source, i, slug, published),
            versions=tuple(versions[slug]),
            published=published,
            seed="bench",
        )
        for slug, source, i, published in meta
    )
    return BenchCorpus(Corpus(SOURCES, articles, tuple(steps)), tuple(edits), sizes, realism)


def step_time(step: int) -> datetime:
    return EPOCH + timedelta(hours=step)


@dataclass(frozen=True)
class FixedClock:
    """A pass's clock that stands still; picklable, so a sharded pass can hand it on (defined
    here, not in ``bench.passes``: that runs as ``__main__``, which shards do not import)."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


def render_page(bc: BenchCorpus, article: CorpusArticle, step: int, base_url: str) -> str:
    """The page of ``article`` as served at ``step`` (its churn depends on the step)."""
    version = bc.corpus.version(article.slug, step)
    assert version is not None
    source = bc.corpus.source(article.source)
    churn = Churn(
        hash((article.slug, step)) & 0xFFFFFFFF, step_time(step), request_path=article.path
    )
    features = LEVELS[bc.realism][source.name]
    context = PageContext(article, version, source, base_url, churn, features)
    return dress(TEMPLATES[source.name](context), context, bc.sizes[article.slug])


def page_file(root: Path, path: str) -> Path:
    return root / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))


def write_step(bc: BenchCorpus, step: int, root: Path, base_url: str) -> Path:
    """Write ``step`` as a static site under ``root/step-<n>``; returns that folder."""
    folder = root / f"step-{step}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files: list[Path] = []
    for article in bc.articles:
        target = page_file(folder, article.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_page(bc, article, step, base_url), encoding="utf-8")
        files.append(target)
    for source in bc.sources:
        target = page_file(folder, source.feed_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(render_feed(bc.corpus, source, step, base_url))
        files.append(target)
    robots = folder / "robots.txt"
    robots.write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    files.append(robots)
    stamp = step_time(step).timestamp()
    for file in files:
        os.utime(file, (stamp, stamp))
    for dirpath, _dirs, _files in os.walk(folder):
        os.chmod(dirpath, 0o755)
    return folder


def activate(root: Path, step: int) -> None:
    """Point ``root/current`` (what the server serves) at step ``step``, atomically."""
    link = root / "current.tmp"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(f"step-{step}")
    os.replace(link, root / "current")


def page_url(base_url: str, article: CorpusArticle) -> str:
    return base_url + article.path


def feed_urls(bc: BenchCorpus, base_url: str) -> list[tuple[str, str]]:
    """(source name, feed URL) of every site that has articles."""
    return [(s.name, base_url + s.feed_path) for s in bc.sources]
