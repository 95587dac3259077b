"""Search, show --json, export and db reindex over an article fetched from loopback, on SQLite
and PostgreSQL: a quote removed in version 2 is found with its ``removed_in``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from versiontrack import research
from versiontrack.corpus import LoopbackServer, Response
from versiontrack.domain import Source
from versiontrack.errors import InvalidArgument, NotFound
from versiontrack.export import export
from versiontrack.service import commands, database, reads
from versiontrack.settings import Settings
from versiontrack.store.engine import Database
from versiontrack.store.schema import SearchSentenceRow

from ..cli.test_cli import Runner
from ..conftest import make_settings

START = datetime(2024, 10, 30, 8, 0, tzinfo=UTC)
HEADLINE = "Envoy warns troops over Kursk deployment"
QUOTE = "“They will surely return in body bags,” the envoy told the council."
P1 = [
    "The US envoy to the UN spoke at the security council on Wednesday about the deployment.",
    QUOTE,
    "Officials in Seoul said about 11,000 troops had been sent to the Kursk region.",
]
# version 2: the quote goes, a sentence is added, a figure changes
P2 = [
    P1[0],
    "Officials in Seoul said about 12,000 troops had been sent to the Kursk region.",
    "The Pentagon did not comment on the remarks when asked by reporters on Thursday.",
]
EMPTY_RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title></channel></rss>'
HEADLINE3 = "Envoy warns North Korean troops over Kursk deployment"


def page(headline: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head><title>{headline}</title></head><body><article>"
        f"<h1>{headline}</h1>\n{body}\n</article></body></html>"
    )


@pytest.fixture
def vt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.delenv("VERSIONTRACK_CONFIG", raising=False)
    return Runner(capsys, monkeypatch)


@dataclass
class Tracked:
    settings: Settings
    db: Database
    article: int
    url: str


@pytest.fixture
def tracked(any_db_url: str) -> Iterator[Tracked]:
    with LoopbackServer() as server:
        url = server.url("/world/envoy-warns")
        server.route("/feed.xml", Response(200, EMPTY_RSS, {"Content-Type": "application/rss+xml"}))
        settings = make_settings(any_db_url, [Source("wire", server.url("/feed.xml"))])
        with database.open_database(settings) as db:
            info, _ = commands.add_article(settings, db, url, "wire")
            for n, (headline, paragraphs) in enumerate(
                [(HEADLINE, P1), (HEADLINE, P2), (HEADLINE3, P2)]
            ):
                server.route("/world/envoy-warns", Response.html(page(headline, paragraphs)))
                when = START + timedelta(hours=2 * n)
                commands.check(settings, db, refs=[url], clock=lambda when=when: when)
            yield Tracked(settings, db, info.id, info.url)


def test_a_removed_quote_is_found_with_the_version_that_removed_it(tracked: Tracked) -> None:
    hits = research.search(tracked.db, '"surely return in body bags"')
    assert [research.hit_json(h) for h in hits] == [
        {
            "article": tracked.article,
            "url": tracked.url,
            "title": HEADLINE3,
            "version": 1,
            "fetched_at": "2024-10-30T08:00:00+00:00",
            "field": "body",
            "sentence": QUOTE,
            "removed_in": 2,
        }
    ]
    assert research.search(tracked.db, "body bags", removed=True) == hits


def test_words_match_every_version_newest_first_on_ties(tracked: Tracked) -> None:
    hits = research.search(tracked.db, "troops kursk")
    found = [(h.field, h.sentence, h.version, h.removed_in) for h in hits]
    # every sentence holding both words, in the newest version that held it
    assert sorted(found) == sorted(
        [
            ("headline", HEADLINE, 2, 3),
            ("headline", HEADLINE3, 3, None),
            ("body", P1[2], 1, 2),
            ("body", P2[1], 3, None),
        ]
    )
    assert research.search(tracked.db, "troops kursk", removed=True, limit=10) == [
        h for h in hits if h.removed_in is not None
    ]
    assert [h.sentence for h in research.search(tracked.db, "12,000")] == [P2[1]]
    assert research.search(tracked.db, "Pentagon", source="wire")[0].sentence == P2[2]
    assert research.search(tracked.db, "quote-that-never-was") == []


def test_since_and_limit(tracked: Tracked) -> None:
    now = START + timedelta(hours=5)
    # held by version 1 only (fetched 5 hours before "now")
    assert research.search(tracked.db, "bags", since="4h", now=now) == []
    assert len(research.search(tracked.db, "bags", since="6h", now=now)) == 1
    assert len(research.search(tracked.db, "troops", limit=2)) == 2


def test_bad_queries_are_one_line_errors(tracked: Tracked) -> None:
    with pytest.raises(InvalidArgument, match="nothing to search for"):
        research.search(tracked.db, '"" !!')
    with pytest.raises(NotFound, match="no source named 'nowhere'"):
        research.search(tracked.db, "troops", source="nowhere")
    # FTS syntax in a query is text, not an operator
    assert research.search(tracked.db, "troops OR NEAR(kursk) *") == []


def test_reindex_rebuilds_the_same_index(tracked: Tracked) -> None:
    def rows() -> list[tuple[str, str, int, int | None]]:
        with tracked.db.sessions() as session:
            return sorted(
                session.execute(
                    select(
                        SearchSentenceRow.field,
                        SearchSentenceRow.sentence,
                        SearchSentenceRow.added_in,
                        SearchSentenceRow.removed_in,
                    )
                ).all()
            )

    before = rows()
    assert len(before) == 1 + 1 + 3 + 2  # two headlines, a byline-less text, 3 + 2 sentences
    with tracked.db.sessions() as session, session.begin():
        session.execute(delete(SearchSentenceRow))
    assert research.search(tracked.db, "bags") == []
    assert research.reindex(tracked.db) == (1, len(before))
    assert rows() == before
    assert len(research.search(tracked.db, "bags")) == 1


def test_show_json(tracked: Tracked) -> None:
    assert reads.show_version(tracked.db, str(tracked.article), 1).to_json() == {
        "article": tracked.article,
        "url": tracked.url,
        "version": 1,
        "fetched_at": "2024-10-30T08:00:00+00:00",
        "headline": HEADLINE,
        "standfirst": "",
        "byline": "",
        "paragraphs": [[s] for s in P1],
        "content_hash": reads.history(tracked.db, str(tracked.article))[1][0].content_hash,
        "archive_url": None,
        "origin": "live",
    }
    assert reads.show_version(tracked.db, tracked.url).to_json()["version"] == 3


def test_export_jsonl_has_every_version_and_its_ops(tracked: Tracked, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    done = export(tracked.db, "jsonl", out)
    assert (done.articles, done.versions) == (1, 3)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(x["article"], x["version"], x["source"]) for x in lines] == [
        (tracked.article, 1, "wire"),
        (tracked.article, 2, "wire"),
        (tracked.article, 3, "wire"),
    ]
    assert lines[0]["change"] is None
    assert lines[1]["paragraphs"] == [[s] for s in P2]
    ops = [(op["op"], op["old_index"], op["new_index"]) for op in lines[1]["change"]["ops"]]
    assert ops == [("removed", 1, None), ("edited", 2, 1), ("added", None, 2)]
    assert lines[1]["change"]["ops"] == [
        op for op in reads.diff_versions(tracked.db, str(tracked.article), 1, 2).to_json()["ops"]
    ]
    assert (
        lines[1]["change"]["flags"]
        == reads.history(tracked.db, str(tracked.article))[1][1].to_json()["flags"]
    )
    assert lines[2]["change"]["ops"] == []
    # --since keeps the later versions
    export(tracked.db, "jsonl", out, since=START + timedelta(hours=1))
    assert [json.loads(x)["version"] for x in out.read_text().splitlines()] == [2, 3]


def test_export_newsedits_layout(tracked: Tracked, tmp_path: Path) -> None:
    out = tmp_path / "newsedits.db"
    export(tracked.db, "newsedits", out, source="wire")
    con = sqlite3.connect(out)
    a = tracked.article
    assert con.execute(
        "SELECT entry_id, version, title, url, created FROM versions"
    ).fetchall() == [
        (a, 1, HEADLINE, tracked.url, "2024-10-30T08:00:00+00:00"),
        (a, 2, HEADLINE, tracked.url, "2024-10-30T10:00:00+00:00"),
        (a, 3, HEADLINE3, tracked.url, "2024-10-30T12:00:00+00:00"),
    ]
    assert con.execute(
        "SELECT sent_idx, sentence FROM split_sentences WHERE version = 2 ORDER BY sent_idx"
    ).fetchall() == list(enumerate(P2))
    matched = con.execute(
        "SELECT version_x, version_y, sent_idx_x, sent_idx_y, label FROM matched_sentences "
        "WHERE version_x = 1 ORDER BY rowid"
    ).fetchall()
    assert matched == [
        (1, 2, 0, 0, "unchanged"),
        (1, 2, 1, None, "deleted"),
        (1, 2, 2, 1, "edited"),
        (1, 2, None, 2, "added"),
    ]
    assert con.execute("SELECT * FROM edit_counts ORDER BY version_x").fetchall() == [
        (a, 1, 2, 1, 1, 1, 0, 0, 0, 1),
        (a, 2, 3, 0, 0, 0, 0, 0, 0, 3),
    ]
    con.close()


def test_cli_search_show_export_reindex(tracked: Tracked, vt: Runner, tmp_path: Path) -> None:
    db = tracked.settings.database.url
    result = vt("--db", db, "search", '"body bags"', "--removed", "--json")
    assert result.code == 0, result.err
    assert [(h["sentence"], h["removed_in"]) for h in json.loads(result.out)] == [(QUOTE, 2)]
    result = vt("--db", db, "search", "bags")
    assert result.code == 0
    assert result.out.splitlines()[1].strip() == QUOTE
    assert "removed in v2" in result.out.splitlines()[0]
    result = vt("--db", db, "search", "!!")
    assert (result.code, result.err.strip()) == (
        1,
        "error: nothing to search for in '!!': give a word or a phrase",
    )
    shown = json.loads(vt("--db", db, "show", str(tracked.article), "--json").out)
    assert (shown["version"], shown["archive_url"]) == (3, None)
    out = tmp_path / "x.jsonl"
    result = vt("--db", db, "export", "--format", "jsonl", "--source", "wire", str(out))
    assert result.out.strip() == f"exported 3 versions of 1 articles to {out}"
    result = vt("--db", db, "db", "reindex")
    assert result.out.strip() == "search index rebuilt: 7 sentences of 1 articles"
    with tracked.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(SearchSentenceRow)) == 7


def test_the_index_is_written_in_the_versions_transaction(any_db_url: str) -> None:
    from versiontrack.domain import Extracted
    from versiontrack.store import articles, versions
    from versiontrack.text import normalise

    settings = make_settings(any_db_url)
    text = normalise(Extracted(HEADLINE, "", "", tuple(P1)))
    with database.open_database(settings) as db:
        with pytest.raises(RuntimeError), db.sessions() as session, session.begin():
            article = articles.add_article(session, "https://example.org/a", now=START)
            versions.add_version(
                session, article, text, fetched_at=START, extractor_version="t", previous=None
            )
            with session.no_autoflush:
                assert session.scalar(select(func.count()).select_from(SearchSentenceRow)) == 4
            raise RuntimeError("the check fails after storing the version")
        with db.sessions() as session:  # rolled back together
            assert session.scalar(select(func.count()).select_from(SearchSentenceRow)) == 0
        with db.sessions() as session, session.begin():
            article = articles.add_article(session, "https://example.org/a", now=START)
            versions.add_version(
                session, article, text, fetched_at=START, extractor_version="t", previous=None
            )
        assert [h.sentence for h in research.search(db, "body bags")] == [QUOTE]
