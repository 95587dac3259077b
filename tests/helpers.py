"""Helpers shared by the tests: a test clock, article pages and feeds to serve from a
loopback server, and the one-pass and tracking shortcuts the integration tests use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import trafilatura.utils
from lxml import etree
from sqlalchemy import select

from versiontrack.corpus import LoopbackServer
from versiontrack.extract import decode
from versiontrack.pipeline.context import PassReport
from versiontrack.service import commands, database
from versiontrack.settings import Settings
from versiontrack.store.schema import CheckRow

from .conftest import make_settings


def article_html(headline: str, paragraphs: list[str], extra: str = "") -> bytes:
    """A news article page: nav, the article (headline, paragraphs), ``extra``, a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{headline}</title><meta property='og:title' content='{headline}'>"
        "</head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{headline}</h1>{body}</article>{extra}"
        "<footer>© Example News</footer></body></html>"
    ).encode()


STORY = [
    "Ukrainian officials said on Monday that their forces had fired at North Korean soldiers in "
    "combat for the first time since their deployment by Russia to its western Kursk region.",
    "The publication is calling the alleged instance the first direct intervention by a foreign "
    "army since Russia's full-scale invasion of its neighbour in February 2022.",
    "The US and South Korea now say many thousands of North Korean troops are on the front "
    "lines, potentially engaging Ukrainian forces in the Kursk oblast.",
    "More than 10,000 North Korean soldiers are currently in Russia, and a significant portion "
    "of them are deployed to front-line areas, a defence ministry spokesman told a briefing.",
]


def rss(*links: str) -> bytes:
    """An RSS feed of ``links``, each item with a title and a guid."""
    items = "".join(
        f"<item><title>t{i}</title><link>{link}</link><guid>g{i}</guid></item>"
        for i, link in enumerate(links)
    )
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        f"<link>http://example.org/</link><description>d</description>{items}</channel></rss>"
    ).encode()


class Clock:
    """A test clock that starts just after the real now (articles added with ``add`` are due
    from the real now) and moves only when told (``tick``, or set ``now``)."""

    def __init__(self) -> None:
        self.start = self.now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, hours: float = 1) -> None:
        self.now += timedelta(hours=hours)


def track(server: LoopbackServer, db_url: str, path: str) -> tuple[Settings, Clock]:
    """Settings for a fresh database that tracks one URL of ``server`` (no feed), and a clock."""
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url(path))
    return settings, Clock()


def run(settings: Settings, clock: Clock, **kwargs: Any) -> PassReport:
    """One pass with ``clock``, then an hour on."""
    with database.open_database(settings) as db:
        report = commands.check(settings, db, clock=clock, **kwargs)
    clock.tick()
    return report


def checks(settings: Settings) -> list[CheckRow]:
    """Every logged check, oldest first."""
    with database.open_database(settings) as db, db.sessions() as session:
        return list(session.scalars(select(CheckRow).order_by(CheckRow.id)))


def rss_links(*links: str) -> bytes:
    """An RSS feed of bare ``links``: every item titled "t", no guid."""
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        f"<link>http://example.org/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def assert_parsed_as_the_loader_parses(html: bytes) -> None:
    """``decode.parse`` builds from ``html`` the tree trafilatura's loader builds from our
    decoding of it (or, as the loader, none)."""
    want = trafilatura.utils.load_html(decode._drop_control_refs(decode.decode(html)))
    got = decode.parse(html)
    assert (got is None) == (want is None)
    if want is not None:
        assert etree.tostring(got) == etree.tostring(want)
