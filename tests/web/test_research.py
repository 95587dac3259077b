"""Search page and feed, and exports, over the replayed seeds corpus (see ``conftest.py``)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import feedparser

from versiontrack import research
from versiontrack.export import export
from versiontrack.service import reads

from .conftest import GUARDIAN, HOSTILE, IMG, NEW_HEADLINE, OLD_HEADLINE, SCRIPT, Site, TestClient

HTML = "text/html; charset=utf-8"


def every_version(site: Site) -> list[tuple[int, int, str]]:
    """(article, version, content hash) of every stored version, by article and version."""
    out = []
    for info in reads.list_articles(site.db):
        _, versions = reads.history(site.db, str(info.id))
        out += [(info.id, v.number, v.content_hash) for v in versions]
    return out


def test_search_page_finds_a_removed_headline(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    response = client.get("/search", params={"q": "Russian uniforms heading", "removed": "1"})
    assert (response.status_code, response.headers["content-type"]) == (200, HTML)
    body = response.text
    assert "1 sentence matching" in body
    assert OLD_HEADLINE in body
    assert f'href="/articles/{g}/versions/2">version 2</a>' in body
    assert f'href="/articles/{g}/diff/2/3">version 3</a>' in body
    assert 'href="/search.xml?q=Russian%20uniforms%20heading"' in body


def test_search_page_form_errors_and_escaping(site: Site, client: TestClient) -> None:
    empty = client.get("/search")
    assert empty.status_code == 200 and 'name="q"' in empty.text
    bad = client.get("/search", params={"q": "!!"})
    assert bad.status_code == 400
    assert "nothing to search for" in bad.text
    hostile = client.get("/search", params={"q": "council budget"})
    assert hostile.status_code == 200
    assert SCRIPT not in hostile.text and IMG not in hostile.text
    assert "&lt;script&gt;" in hostile.text


def test_every_page_links_to_search(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    for path in ("/", "/articles", f"/articles/{g}", f"/articles/{g}/diff/2/3", "/search"):
        assert re.search(r'<a href="/search">Search</a>', client.get(path).text), path


def test_search_feed_lists_the_changes_that_added_or_removed_matches(
    site: Site, client: TestClient
) -> None:
    g = site.ids[GUARDIAN]
    response = client.get("/search.xml", params={"q": '"body bags"'})
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    links = [entry.link for entry in feed.entries]
    assert f"http://127.0.0.1:8080/articles/{g}/diff/2/3" in links
    assert feed.feed.title == 'versiontrack: changes mentioning "body bags"'
    assert client.get("/search.xml", params={"q": ""}).status_code == 400


def test_cli_json_shape_on_the_corpus(site: Site) -> None:
    hits = research.search(site.db, '"surely return in body bags"', limit=50)
    assert {(h.article_id, h.field) for h in hits} >= {(site.ids[GUARDIAN], "headline")}
    headline = next(h for h in hits if h.field == "headline" and h.article_id == site.ids[GUARDIAN])
    assert research.hit_json(headline) == {
        "article": site.ids[GUARDIAN],
        "url": headline.url,
        "title": NEW_HEADLINE,
        "version": 3,
        "fetched_at": headline.fetched_at.isoformat(),
        "field": "headline",
        "sentence": NEW_HEADLINE,
        "removed_in": None,
    }


def test_jsonl_export_of_the_seeds_corpus_has_exactly_its_versions_and_ops(
    site: Site, tmp_path: Path
) -> None:
    out = tmp_path / "seeds.jsonl"
    done = export(site.db, "jsonl", out)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = every_version(site)
    assert (done.versions, len(lines)) == (len(expected), len(expected))
    assert [(x["article"], x["version"]) for x in lines] == [(a, v) for a, v, _ in expected]
    for line in lines:
        shown = reads.show_version(site.db, str(line["article"]), line["version"]).to_json()
        assert {k: line[k] for k in ("headline", "standfirst", "byline", "paragraphs")} == {
            k: shown[k] for k in ("headline", "standfirst", "byline", "paragraphs")
        }
        if line["version"] == 1:
            assert line["change"] is None
            continue
        diffed = reads.diff_versions(
            site.db, str(line["article"]), line["version"] - 1, line["version"]
        ).to_json()
        assert line["change"]["ops"] == diffed["ops"]
        assert line["change"]["flags"] == diffed["flags"]


def test_newsedits_export_of_the_seeds_corpus(site: Site, tmp_path: Path) -> None:
    out = tmp_path / "seeds.db"
    export(site.db, "newsedits", out)
    expected = every_version(site)
    con = sqlite3.connect(out)
    assert (
        con.execute(
            "SELECT entry_id, version, content_hash FROM entryversion ORDER BY entry_id, version"
        ).fetchall()
        == expected
    )
    pairs = [(a, v - 1, v) for a, v, _ in expected if v > 1]
    assert (
        con.execute(
            "SELECT entry_id, version_x, version_y FROM edit_counts ORDER BY entry_id, version_x"
        ).fetchall()
        == pairs
    )
    for a, x, y in pairs:
        summary = reads.diff_versions(site.db, str(a), x, y).diff.summary
        row = con.execute(
            "SELECT added, deleted, edited, moved, merged, split FROM edit_counts "
            "WHERE entry_id = ? AND version_x = ?",
            (a, x),
        ).fetchone()
        assert row == (
            summary.added,
            summary.removed,
            summary.edited,
            summary.moved,
            summary.merged,
            summary.split,
        )
        # every sentence of both versions is in exactly one matched row per side
        n_x, n_y = (
            con.execute(
                "SELECT count(*) FROM split_sentences WHERE entry_id = ? AND version = ?", (a, v)
            ).fetchone()[0]
            for v in (x, y)
        )
        xs = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT sent_idx_x FROM matched_sentences WHERE entry_id = ? "
                "AND version_x = ? AND sent_idx_x IS NOT NULL ORDER BY 1",
                (a, x),
            )
        ]
        ys = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT sent_idx_y FROM matched_sentences WHERE entry_id = ? "
                "AND version_x = ? AND sent_idx_y IS NOT NULL ORDER BY 1",
                (a, x),
            )
        ]
        assert (xs, ys) == (list(range(n_x)), list(range(n_y)))
    hostile = site.ids[HOSTILE]
    assert con.execute(
        "SELECT count(*) FROM split_sentences WHERE entry_id = ?", (hostile,)
    ).fetchone() == (7,)
    con.close()
