"""A replayable corpus of news articles and a loopback HTTP server that serves it.

Five real news texts on one story (the ``seeds/``) become five articles with two or three
versions each, served by five differently built fake sites with feeds, per-request churn and a
schedule of steps, so end-to-end tests can replay an article's life and know the truth:

    from versiontrack.corpus import CorpusServer

    with CorpusServer() as server:          # step 0
        ...poll server.feed_url("guardian"), check pages...
        server.advance()                    # step 1: some articles change
        assert server.corpus.version_at("guardian-nk-troops-kursk", 1) == 1

``LoopbackServer`` is the same server without the corpus, for tests that need bad inputs:
delays, redirects, huge bodies, odd statuses.

Modules: ``seeds`` (finding the seed texts), ``model`` (the value types), ``edits`` (version
edits), ``guardian`` (the News Sniffer reconstruction), ``articles`` (the other articles, sources
and schedule), ``render``/``templates``/``pages`` (HTML pages; the templates in ``sites_news``
and ``sites_wp`` over ``markup``), ``realism`` (the mess of real pages, as switchable
features), ``feeds``, ``server``.
"""

from __future__ import annotations

from versiontrack.corpus.articles import build_corpus
from versiontrack.corpus.model import (
    Block,
    Corpus,
    CorpusArticle,
    CorpusSource,
    CorpusVersion,
    Step,
)
from versiontrack.corpus.pages import render_article, render_feed, render_gone
from versiontrack.corpus.seeds import seeds_dir
from versiontrack.corpus.server import (
    CorpusServer,
    Headers,
    LoopbackServer,
    RecordedRequest,
    Response,
    SizedBody,
    sized_body,
)

__all__ = [
    "Block",
    "Corpus",
    "CorpusArticle",
    "CorpusServer",
    "CorpusSource",
    "CorpusVersion",
    "Headers",
    "LoopbackServer",
    "RecordedRequest",
    "Response",
    "SizedBody",
    "Step",
    "build_corpus",
    "render_article",
    "render_feed",
    "render_gone",
    "seeds_dir",
    "sized_body",
]
