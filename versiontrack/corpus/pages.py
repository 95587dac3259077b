"""Rendering the corpus as a website: article pages, gone pages, feeds and an index.

The public face of the templates: ``render_article`` picks the source's template and supplies
the per-request churn; ``render_feed`` (from ``feeds``) gives a source's feed at a step. The
server calls these; tests call them directly to check that churn varies and text does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from versiontrack.corpus import realism as realism_features
from versiontrack.corpus.feeds import CONTENT_TYPES, TRACKING_QUERY, feed_url, render_feed
from versiontrack.corpus.model import Corpus, CorpusArticle, CorpusSource, CorpusVersion
from versiontrack.corpus.render import Churn, PageContext, esc
from versiontrack.corpus.templates import TEMPLATES

__all__ = [
    "CONTENT_TYPES",
    "TRACKING_QUERY",
    "feed_url",
    "render_article",
    "render_feed",
    "render_gone",
    "render_index",
]


def render_article(
    article: CorpusArticle,
    version: CorpusVersion,
    source: CorpusSource,
    *,
    base_url: str,
    seq: int,
    now: datetime | None = None,
    request_path: str = "",
    realism: Iterable[str] | None = None,
) -> str:
    """One request's HTML for ``version`` of ``article``; ``seq`` numbers the request.

    The same ``seq`` (and ``now``) gives the same page; different ones change only the churn.
    ``realism`` names the page's ``realism`` features; None: the source's defaults.
    """
    churn = Churn(seq, request_path=request_path) if now is None else Churn(seq, now, request_path)
    features = (
        realism_features.DEFAULTS[source.name]
        if realism is None
        else realism_features.check(frozenset(realism))
    )
    context = PageContext(article, version, source, base_url, churn, features)
    return TEMPLATES[source.name](context)


def render_gone(article: CorpusArticle, source: CorpusSource, status: int) -> str:
    """The page a removed article answers with (404 or 410): site chrome, no article."""
    message = "This page has been removed." if status == 410 else "Sorry, page not found."
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} | {esc(source.title)}</title></head>\n"
        f'<body><header><a href="{source.prefix}/">{esc(source.title)}</a></header>\n'
        f"<main><h1>{esc(message)}</h1><p>Try the home page or search.</p></main></body></html>\n"
    )


def render_index(corpus: Corpus, base_url: str, step: int) -> str:
    """A plain page listing every source feed and article: the demo server's home page."""
    rows = []
    for source in corpus.sources:
        links = "".join(
            f'<li><a href="{base_url}{a.path}">{esc(a.slug)}</a> '
            f"(version {corpus.version_at(a.slug, step)})</li>"
            for a in corpus.articles_of(source.name)
        )
        rows.append(
            f'<li><a href="{feed_url(source, base_url)}">{esc(source.title)}</a> '
            f"({source.feed_format})<ul>{links}</ul></li>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>versiontrack corpus</title></head>\n"
        f"<body><h1>versiontrack corpus, step {step} of {len(corpus.steps) - 1}</h1>"
        f"<p>{esc(corpus.steps[step].note)}</p><ul>{''.join(rows)}</ul></body></html>\n"
    )
