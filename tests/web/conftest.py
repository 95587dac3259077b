"""A site to browse: the seeds corpus replayed into a database, plus one hostile article.

The replay is the one ``tests/integration/test_corpus_pipeline.py`` asserts (five sites, their
feeds, every step through the real pipeline); on top of it an article whose headline and
paragraphs hold ``<script>`` and ``<img onerror>`` as text is fetched twice from a loopback
server, with an edit in between, so every page and feed has hostile text to escape. Built
once per package; the tests only read it.
"""

from __future__ import annotations

import html
import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

from versiontrack.corpus import CorpusServer, LoopbackServer, Response, build_corpus
from versiontrack.domain import Source
from versiontrack.service import commands, database, reads
from versiontrack.settings import Settings
from versiontrack.store.engine import Database
from versiontrack.web import create_app

from ..conftest import make_settings

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its test client and warns (an error under
    # filterwarnings=error) when it falls back to httpx, which serves these tests the same.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

START = datetime(2024, 10, 30, 8, 0, tzinfo=UTC)

GUARDIAN = "guardian-nk-troops-kursk"
ZEROHEDGE = "zerohedge-body-bags"
ENR = "enr-us-confirms-nk-soldiers"
JNS = "jns-zelensky-urges-action"
BLOG = "blog-first-direct-clashes"
HOSTILE = "hostile"

OLD_HEADLINE = "North Korean troops in Russian uniforms heading to Kursk, says US"
NEW_HEADLINE = (
    "North Korean troops fighting for Russia in Ukraine will ‘surely return in body bags’, "
    "US envoy says"
)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_HEADLINE = f"Council row {SCRIPT} over budget {IMG}"


def hostile_page(edited: bool = False) -> str:
    """An article page whose text (not markup) contains script and img tags."""

    def text(value: str) -> str:  # as a page carries literal "<" in its text: escaped
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    paragraphs = [
        f"The council met on Tuesday to discuss the {SCRIPT} proposal in full, and members "
        "spoke at length about the budget.",
        f"Critics said the plan {IMG} would cost far more than the council had admitted in "
        "its published figures.",
        "A spokesperson declined to comment further on the matter when asked by reporters "
        "outside the town hall on Tuesday evening.",
    ]
    if edited:
        paragraphs[1] = paragraphs[1].replace("far more", f"far more {SCRIPT}")
        paragraphs.append(
            f"Late on Tuesday the council issued a statement {IMG} saying the figures would be "
            "revised before the next meeting."
        )
    body = "\n".join(f"<p>{text(p)}</p>" for p in paragraphs)
    headline = text(HOSTILE_HEADLINE + (" (updated)" if edited else ""))
    return f"""<!DOCTYPE html>
<html><head><title>{headline}</title>
<meta name="description" content="{text("A standfirst with " + SCRIPT + " in it.")}">
<script>document.title = "a real script, which extraction drops"</script>
</head><body><article><h1>{headline}</h1>
{body}
</article></body></html>"""


def text_of(body: str) -> str:
    """A page's text: tags dropped, entities decoded, whitespace folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())


@dataclass
class Site:
    settings: Settings
    db: Database
    ids: dict[str, int]
    app: Starlette

    def client(self) -> TestClient:
        return TestClient(self.app)


@pytest.fixture(scope="package")
def site(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("web") / "site.db"
    shutil.copy(migrated_template, path)
    corpus = build_corpus()
    with CorpusServer(corpus) as server, LoopbackServer() as hostile:
        sources = [Source(s.name, server.feed_url(s.name)) for s in corpus.sources]
        settings = make_settings(f"sqlite:///{path}", sources, fetch={"allow_private": True})
        with database.open_database(settings) as db:
            for step in corpus.steps:
                server.set_step(step.index)
                now = START + timedelta(hours=2 * step.index)
                commands.check(settings, db, clock=lambda now=now: now)
            ids = {}
            for row in reads.list_articles(db):
                slug = next(a.slug for a in corpus.articles if row.url.endswith(a.path))
                ids[slug] = row.id

            url = hostile.url("/news/council-row")
            hostile.route("/news/council-row", Response.html(hostile_page()))
            ids[HOSTILE] = commands.add_article(settings, db, url)[0].id
            for n, edited in enumerate((False, True)):
                hostile.route("/news/council-row", Response.html(hostile_page(edited)))
                when = START + timedelta(days=1, hours=3 * n)
                commands.check(settings, db, refs=[url], clock=lambda when=when: when)
    with database.open_database(settings) as db:
        yield Site(settings, db, ids, create_app(settings, db))


@pytest.fixture(scope="package")
def client(site: Site) -> Iterator[TestClient]:
    with site.client() as client:
        yield client
