"""Realism the real pages showed (issue 9), switched on one feature at a time on each corpus site.

Each ``versiontrack.corpus.realism`` feature (ad copy beside the article box, rotating related
and teaser blocks, hidden microdata, ``dd.mm.yyyy hh:mm`` stamps, vote and slideshow counters,
"Previous article: … | Next article: …" rows, shuffled author metadata, a "Last Updated"
author, per-render JSON-LD and meta tags) is rendered alone on each of the five site templates.
What a careful reader expects: the feature changes nothing the pipeline stores.

* ``test_feature_changes_no_extracted_field``: for three requests (each with its own churn and
  clock) the page with the feature extracts exactly as the same request without it: headline,
  standfirst, byline and every paragraph; and so does the selector path with each site's body
  selector (``tests/unit/test_churn.py``'s ``CORPUS_SELECTORS``).
* ``test_pipeline_sees_no_churn_and_the_real_edit``: the real pipeline on loopback, three
  passes (first version, the same version re-rendered, a number edit): new, unchanged, changed,
  two versions, one change flagged ``numbers``.

Where the current pipeline gets it wrong the case is a strict xfail whose reason names what
leaks: the list the lead works from (also in ``/work/briefs/corpus-findings.txt``). A fix
that makes one pass turns its xfail into a failure: move the case out of ``LEAKS`` then.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import escape

import pytest

from versiontrack.corpus import (
    CorpusArticle,
    CorpusVersion,
    LoopbackServer,
    RecordedRequest,
    Response,
    build_corpus,
    render_article,
)
from versiontrack.corpus import edits as ed
from versiontrack.corpus.realism import FEATURES
from versiontrack.domain import Extracted, Source
from versiontrack.extract import extract
from versiontrack.service import commands, database, reads
from versiontrack.store import changes as changes_store
from versiontrack.store import versions

from ..conftest import make_settings
from ..unit.test_churn import CORPUS_SELECTORS

CORPUS = build_corpus()
SITES = ("guardian", "zerohedge", "enr", "jns", "blog")
BASE_URL = "http://127.0.0.1:8000"
START = datetime(2024, 11, 1, 6, 0, tzinfo=UTC)
#: (seq, now) of three requests: different request numbers, minutes, hours and days
REQUESTS = tuple(
    (seq, START + timedelta(days=seq, hours=5 * seq, minutes=17 * seq)) for seq in (1, 2, 3)
)

_LAST_UPDATED = (
    'the page names no author (the element marked as the author\'s says "Last Updated <month>"):'
    " the byline is rightly empty, not the byline of the page without the theme"
)
#: (site, feature) → what leaks, on the generic path (trafilatura + our rules) and with a
#: body selector (``CORPUS_SELECTORS``) alike.
LEAKS: dict[tuple[str, str], str] = {
    (site, "last-updated-author"): _LAST_UPDATED for site in SITES if site != "guardian"
}


def render(
    article: CorpusArticle, version: CorpusVersion, realism: tuple[str, ...], n: int
) -> bytes:
    seq, now = REQUESTS[n]
    source = CORPUS.source(article.source)
    html = render_article(
        article, version, source, base_url=BASE_URL, seq=seq, now=now, realism=realism
    )
    return html.encode()


def fields(extracted: Extracted) -> tuple[object, ...]:
    return (extracted.headline, extracted.standfirst, extracted.byline, extracted.paragraphs)


def matrix(leaks: dict[tuple[str, str], str]) -> list[object]:
    return [
        pytest.param(
            site,
            name,
            id=f"{site}-{name}",
            marks=[pytest.mark.xfail(strict=True, reason=leaks[site, name])]
            if (site, name) in leaks
            else [],
        )
        for site in SITES
        for name in FEATURES
    ]


@pytest.mark.parametrize(("site", "feature"), matrix(LEAKS))
def test_feature_changes_no_extracted_field(site: str, feature: str) -> None:
    (article,) = CORPUS.articles_of(site)
    url = BASE_URL + article.path
    version = article.versions[0]
    for n in range(len(REQUESTS)):
        plain = extract(render(article, version, (), n), url)
        assert fields(extract(render(article, version, (feature,), n), url)) == fields(plain)


@pytest.mark.parametrize(("site", "feature"), matrix(LEAKS))
def test_feature_changes_nothing_the_selector_reads(site: str, feature: str) -> None:
    (article,) = CORPUS.articles_of(site)
    url, selector = BASE_URL + article.path, CORPUS_SELECTORS[site]
    version = article.versions[0]
    for n in range(len(REQUESTS)):
        plain = extract(render(article, version, (), n), url, selector=selector)
        featured = extract(render(article, version, (feature,), n), url, selector=selector)
        assert fields(featured) == fields(plain)


# --- the pipeline end to end --------------------------------------------------------------------

PATH = "/news/2024/11/05/bridge-closed-floodwater-reaches-homes"
STORY = CorpusVersion(
    headline="Bridge closed as floodwater reaches 40 homes",
    standfirst="Residents of Fernmouth evacuated after the river burst its banks overnight",
    byline="Alys Pengelly",
    paragraphs=(
        "About 10,000 people were told to leave their homes on Tuesday after the River Fern "
        "burst its banks, the county council said.",
        "The Old Bridge was closed to traffic at 4am and will stay shut until engineers have "
        "inspected it.",
        '"We have never seen the water this high," said Mair Owen, who has run the riverside '
        "café for 22 years.",
        "A rest centre has been opened at Fernmouth leisure centre, where volunteers are handing "
        "out blankets and hot food.",
    ),
)
NUMBER = dataclasses.replace(
    STORY, paragraphs=ed.replace(STORY.paragraphs, "About 10,000 people", "About 11,000 people")
)

#: One case per kind of realism the issue lists, each on a site where it is realistic.
PIPELINE_CASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("jns", ("ad-after",)),
    ("zerohedge", ("ad-after",)),
    ("blog", ("ad-before",)),
    ("enr", ("ad-before",)),
    ("guardian", ("related-inside",)),
    ("jns", ("related-after",)),
    ("enr", ("related-after",)),
    ("guardian", ("teasers",)),
    ("enr", ("microdata",)),
    ("zerohedge", ("microdata-class", "microdata-meta")),
    ("enr", ("stamp",)),
    ("blog", ("stamp",)),
    ("guardian", ("votes",)),
    ("zerohedge", ("slideshow",)),
    ("jns", ("prev-next",)),
    ("jns", ("shuffled-authors",)),
    ("blog", ("last-updated-author",)),
    ("guardian", ("volatile-ld", "modified-now", "nonces")),
    ("zerohedge", ("updated-ago", "comment-count")),
    ("jns", ("updated-ago", "comment-count")),
)


def _leak(site: str, features: tuple[str, ...]) -> str | None:
    reasons = [LEAKS[site, f] for f in features if (site, f) in LEAKS]
    return "; ".join(reasons) or None


def pipeline_params() -> Iterator[object]:
    for site, features in PIPELINE_CASES:
        reason = _leak(site, features)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(site, features, id=f"{site}-{'+'.join(features)}", marks=marks)


@pytest.mark.parametrize(("site", "features"), list(pipeline_params()))
def test_pipeline_sees_no_churn_and_the_real_edit(
    site: str, features: tuple[str, ...], db_url: str
) -> None:
    article = dataclasses.replace(
        CORPUS.articles_of(site)[0], path=PATH, versions=(STORY,), blocks=(), credit="", aliases=()
    )
    source = CORPUS.source(site)
    seq = itertools.count(1)
    now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    clock = {"now": now}
    outcomes = []
    with LoopbackServer() as server:

        def page(version: CorpusVersion) -> object:
            def respond(request: RecordedRequest) -> Response:
                html = render_article(
                    dataclasses.replace(article, versions=(version,)),
                    version,
                    source,
                    base_url=server.base_url,
                    seq=next(seq),
                    now=clock["now"],
                    request_path=request.path,
                    realism=features,
                )
                return Response.html(html)

            return respond

        link = escape(server.url(PATH))
        feed = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
            f"<link>{server.base_url}/</link><description>d</description><item><title>"
            f"{escape(STORY.headline)}</title><link>{link}</link><guid>{link}</guid></item>"
            "</channel></rss>"
        ).encode()
        server.route("/feed.xml", Response(200, feed, {"Content-Type": "application/rss+xml"}))
        settings = make_settings(db_url, [Source(site, server.url("/feed.xml"))])
        gap = timedelta(seconds=settings.check.max_interval + 60)
        with database.open_database(settings) as db:
            for version in (STORY, STORY, NUMBER):
                server.route(PATH, page(version))
                report = commands.check(settings, db, clock=lambda: clock["now"])
                outcomes.append(tuple(sorted(c.outcome for c in report.checks)))
                clock["now"] += gap
            assert not server.errors
            assert outcomes == [("new",), ("unchanged",), ("changed",)]
            (listed,) = reads.list_articles(db)
            assert listed.versions == 2
            with db.sessions() as session:
                changes = changes_store.changes(session, min_level=0, limit=10)
                stored = versions.version_text(session, listed.id, 2)
            assert stored is not None
            body = tuple(" ".join(sentences) for sentences in stored.paragraphs)
            assert (stored.headline, stored.byline, body) == (
                NUMBER.headline,
                NUMBER.byline,
                NUMBER.paragraphs,
            )
            assert [(c.kind, c.flags) for c in changes] == [("edited", ("numbers", "substantive"))]
