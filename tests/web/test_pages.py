"""The HTML pages and the health check, against the replayed corpus (see ``conftest.py``)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from versiontrack.service import commands, database, pages, reads
from versiontrack.store.engine import Database, make_engine, session_factory
from versiontrack.store.schema import ArticleRow
from versiontrack.web import CONTENT_SECURITY_POLICY, create_app

from ..conftest import make_settings
from .conftest import (
    BLOG,
    ENR,
    GUARDIAN,
    HOSTILE,
    JNS,
    NEW_HEADLINE,
    OLD_HEADLINE,
    ZEROHEDGE,
    Site,
    TestClient,
    text_of,
)

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"

# The three sentences version 3 of the Guardian article added (the "body bags" warning).
BODY_BAGS = (
    "The US and South Korean defence chiefs have called for North Korea to withdraw its troops "
    "from Russia, as the US envoy to the UN, Robert Wood, bluntly warned that Pyongyang’s forces "
    "entering Ukraine “will surely return in body bags”.",
    "Speaking before the UN security council, Wood gave an even more explicit warning, saying "
    "if Pyongyang’s forces “enter Ukraine in support of Russia, they will surely return in body "
    "bags.”",
)


def test_every_route_answers_with_its_status_and_content_type(
    site: Site, client: TestClient
) -> None:
    g, z = site.ids[GUARDIAN], site.ids[ZEROHEDGE]
    expected = {
        "/": (200, HTML),
        "/articles": (200, HTML),
        "/articles?q=kursk": (200, HTML),
        f"/articles/{g}": (200, HTML),
        f"/articles/{z}": (200, HTML),
        f"/articles/{g}/diff/2/3": (200, HTML),
        f"/articles/{g}/diff/2/3?view=inline": (200, HTML),
        f"/articles/{g}/diff/1/3": (200, HTML),
        f"/articles/{g}/diff/3/1": (200, HTML),
        f"/articles/{g}/diff": (200, HTML),
        f"/articles/{g}/versions/1": (200, HTML),
        f"/articles/{g}/versions/3": (200, HTML),
        "/feed.xml": (200, RSS),
        "/feed.atom": (200, ATOM),
        "/sources/guardian/feed.xml": (200, RSS),
        "/sources/guardian/feed.atom": (200, ATOM),
        f"/articles/{g}/feed.xml": (200, RSS),
        f"/articles/{g}/feed.atom": (200, ATOM),
        "/healthz": (200, "application/json"),
        "/static/style.css": (200, "text/css; charset=utf-8"),
        # not found
        "/nowhere": (404, HTML),
        "/articles/999": (404, HTML),
        "/articles/abc": (404, HTML),
        f"/articles/{g}/diff/2/9": (404, HTML),
        f"/articles/{g}/diff/0/3": (404, HTML),
        "/articles/999/diff/1/2": (404, HTML),
        f"/articles/{g}/versions/4": (404, HTML),
        "/articles/999/versions/1": (404, HTML),
        "/sources/nowhere/feed.xml": (404, HTML),
        "/sources/nowhere/feed.atom": (404, HTML),
        "/articles/999/feed.xml": (404, HTML),
        "/articles/999/feed.atom": (404, HTML),
        "/articles/99999999999999999999999": (404, HTML),  # past any database id
        "/articles/99999999999999999999999/feed.xml": (404, HTML),
        f"/articles/{g}/versions/99999999999999999999999": (404, HTML),
        "/static/missing.css": (404, HTML),
        # bad parameters
        "/feed.xml?limit=0": (400, HTML),
        "/feed.xml?limit=many": (400, HTML),
        "/articles?page=0": (400, HTML),
        "/articles?page=99999999999999999999999": (400, HTML),
    }
    actual = {}
    for path in expected:
        response = client.get(path)
        actual[path] = (response.status_code, response.headers.get("content-type"))
    assert actual == expected


def test_html_responses_carry_a_strict_csp_and_no_script(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    for path in ("/", "/articles", f"/articles/{g}", f"/articles/{g}/diff/2/3", "/nowhere"):
        response = client.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "<script" not in response.text.lower()
        assert " style=" not in response.text and "<style" not in response.text
        assert '<link rel="stylesheet" href="/static/style.css">' in response.text
    assert "script-src" not in CONTENT_SECURITY_POLICY  # default-src 'none' forbids scripts
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_home_lists_changes_newest_first_with_headline_changes_struck_and_bold(
    site: Site, client: TestClient
) -> None:
    body = client.get("/").text
    g = site.ids[GUARDIAN]
    assert '<link rel="alternate" type="application/rss+xml"' in body
    assert 'href="/feed.xml"' in body
    # 8 corpus changes + the hostile article's edit
    assert body.count('<li class="change change-') == 9
    assert f'<del class="old-headline">{html.escape(OLD_HEADLINE)}</del>' in body
    assert (
        f'<a class="new-headline" href="/articles/{g}/diff/2/3">'
        f"<strong>{html.escape(NEW_HEADLINE)}</strong></a>"
    ) in body
    assert "removed (HTTP 410)" in body
    # Newest first: the hostile article's change (a day later) leads, the first Guardian
    # change (step 1) closes the list.
    changes = re.findall(r'href="(/articles/\d+/diff/\d+/\d+)"', body)
    assert changes[0] == f"/articles/{site.ids[HOSTILE]}/diff/1/2"
    assert changes[-1] == f"/articles/{g}/diff/1/2"


def test_articles_lists_versions_status_and_last_change(site: Site, client: TestClient) -> None:
    body = client.get("/articles").text
    assert body.count('<li class="article-item') == 6
    assert '<input id="q" name="q" type="search" value=""' in body
    zerohedge = body[body.index(f'href="/articles/{site.ids[ZEROHEDGE]}"') :]
    zerohedge = zerohedge[: zerohedge.index("</li>")]
    assert "2 versions" in zerohedge
    assert '<span class="tag tag-removed">removed</span>' in zerohedge
    assert "last changed" in zerohedge and "30 Oct 2024, 14:00 UTC" in zerohedge
    jns = body[body.index(f'href="/articles/{site.ids[JNS]}"') :]
    jns = jns[: jns.index("</li>")]
    assert "1 version " in text_of(jns) + " " and "last changed never" in text_of(jns)


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("kursk", {GUARDIAN}),  # in the Guardian's URL
        ("KURSK", {GUARDIAN}),  # any case
        ("body bags", {GUARDIAN, ZEROHEDGE}),  # in titles
        ("Body Bags", {GUARDIAN, ZEROHEDGE}),
        ("/enr/", {ENR}),
        ("clashes", {BLOG}),
        ("council row", {HOSTILE}),
        ("no such words", set()),
        ("100%", set()),  # LIKE wildcards match literally
        ("_", set()),
    ],
)
def test_search_matches_url_or_title_in_any_case(
    site: Site, client: TestClient, query: str, slugs: set[str]
) -> None:
    response = client.get("/articles", params={"q": query})
    assert response.status_code == 200
    links = re.findall(r'<p class="headline"><a href="/articles/(\d+)"', response.text)
    found = {int(i) for i in links}
    assert found == {site.ids[s] for s in slugs}
    assert f'value="{html.escape(query)}"' in response.text
    if not slugs:
        assert "No article’s title or address contains" in response.text


def test_article_page_shows_versions_next_check_checks_and_feed(
    site: Site, client: TestClient
) -> None:
    g = site.ids[GUARDIAN]
    body = client.get(f"/articles/{g}").text
    info = reads.list_articles(site.db)[g - 1].to_json()
    next_check = datetime.fromisoformat(info["next_check_at"]).astimezone(UTC)
    assert "<dt>Next check</dt>" in body
    assert (
        f'<dd class="next-check"><time datetime="{next_check.isoformat(timespec="seconds")}">'
        f"{next_check.day} {next_check:%b %Y, %H:%M} UTC</time></dd>"
    ) in body
    assert "retired" not in text_of(body)
    assert f'href="/articles/{g}/feed.xml"' in body
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Changes to this article (RSS)" '
        f'href="/articles/{g}/feed.xml">'
    ) in body
    for n in (1, 2, 3):
        assert f'href="/articles/{g}/versions/{n}">Version {n}</a>' in body
    assert (
        f'href="/articles/{g}/diff/1/2">Changes from version 1</a>: 1 sentence added, 1 edited'
    ) in body
    assert (
        f'href="/articles/{g}/diff/2/3">Changes from version 2</a>: standfirst changed, '
        "3 sentences added"
    ) in body
    # The check log: one check per corpus step, newest first.
    outcomes = re.findall(r'<tr class="outcome-(\w+)">', body)
    assert len(outcomes) == 5
    assert outcomes[::2][-1] == "new" and outcomes[1] == outcomes[3] == "changed"
    assert {outcomes[0], outcomes[2]} <= {"unchanged", "not_modified"}


def test_removed_article_page_says_so_and_lists_the_removal(site: Site, client: TestClient) -> None:
    body = client.get(f"/articles/{site.ids[ZEROHEDGE]}").text
    assert '<span class="tag tag-removed">removed</span>' in body
    assert "still checked in case it comes back" in body
    assert "<h2>Removed and restored</h2>" in body
    assert "removed (HTTP 410)" in body
    assert re.findall(r'<tr class="outcome-(\w+)">', body)[0] == "removed"


def test_retired_article_shows_retired_instead_of_a_next_check(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        info, _ = commands.add_article(settings, db, "https://news.example/story")
        with db.sessions() as session, session.begin():
            session.get_one(ArticleRow, info.id).status = "retired"
        with TestClient(create_app(settings, db)) as client:
            body = client.get(f"/articles/{info.id}").text
    assert '<dd class="next-check">retired: no longer checked for changes</dd>' in body
    assert '<span class="tag tag-retired">retired</span>' in body
    assert "No version stored yet" in body


def test_guardian_diff_shows_both_headlines_and_the_body_bags_sentences_inserted(
    site: Site, client: TestClient
) -> None:
    g = site.ids[GUARDIAN]
    body = client.get(f"/articles/{g}/diff/2/3").text
    text = text_of(body)
    assert OLD_HEADLINE in text
    assert NEW_HEADLINE in text
    assert "Version 2 → Version 3 (about 4 hours later)" in text
    assert "standfirst changed, 3 sentences added" in text
    # The headline, word by word, on each side.
    assert "North Korean troops <del>in Russian uniforms heading to Kursk, says US</del>" in body
    assert (
        "North Korean troops <ins>fighting for Russia in Ukraine will ‘surely return in body "
        "bags’, US envoy says</ins>"
    ) in body
    for sentence in BODY_BAGS:
        assert f"<ins>{html.escape(sentence)}</ins>" in body
    # Side by side: one row per sentence, added sentences on the right with a gap on the left.
    assert '<table class="sbs">' in body
    added_rows = re.findall(r'<tr class="row-added[^"]*">\s*<td class="old gap"></td>', body)
    assert len(added_rows) == 3
    diff = pages.diff_page(site.db, str(g), 2, 3)
    assert body.count('<tr class="row-') == len(diff.rows)
    assert body.count('<tr class="field field-') == 3  # headline, standfirst, byline
    # Links around the change, and the picker with both versions selected.
    assert f'<a rel="prev" href="/articles/{g}/diff/1/2">' in body
    assert "No later change" in body
    assert f'<form class="pick" method="get" action="/articles/{g}/diff">' in body
    assert re.findall(r'<option value="(\d)" selected>', body) == ["2", "3"]
    assert body.count("<option value=") == 6
    assert f'href="/articles/{g}/diff/2/3?view=inline">Inline</a>' in body


def test_inline_view_marks_changes_in_one_column(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    body = client.get(f"/articles/{g}/diff/2/3?view=inline").text
    assert '<table class="sbs">' not in body
    assert '<article class="inline-diff">' in body
    for sentence in BODY_BAGS:
        assert f"<ins>{html.escape(sentence)}</ins>" in body
    assert (
        "North Korean troops <del>in Russian uniforms heading to Kursk, says US</del><ins>"
        "fighting for Russia in Ukraine will ‘surely return in body bags’, US envoy says</ins>"
    ) in body
    assert f'href="/articles/{g}/diff/2/3">Side by side</a>' in body
    # The view carries over to the neighbouring changes and the picker.
    assert f'href="/articles/{g}/diff/1/2?view=inline"' in body
    assert '<input type="hidden" name="view" value="inline">' in body


def test_moved_sentences_are_marked_on_both_sides(site: Site, client: TestClient) -> None:
    e = site.ids[ENR]
    body = client.get(f"/articles/{e}/diff/1/2").text
    assert body.count('<tr class="row-moved') == 4  # two sentences, each where it was and went
    assert body.count("moved from below ↓</a>") == 2
    assert body.count("moved up ↑</a>") == 2
    assert f'<a rel="next" href="/articles/{e}/diff/2/3">' in body
    assert "No earlier change" in body


def test_any_two_versions_can_be_compared(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    text = text_of(client.get(f"/articles/{g}/diff/1/3").text)
    assert "Version 1 → Version 3 (about 6 hours later)" in text
    text = text_of(client.get(f"/articles/{g}/diff/3/1").text)
    assert "Version 3 → Version 1 (about 6 hours earlier)" in text
    same = client.get(f"/articles/{g}/diff/2/2").text
    assert "These two versions have the same text." in same


def test_version_picker_redirects_to_the_diff(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    response = client.get(f"/articles/{g}/diff?a=1&b=3", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/articles/{g}/diff/1/3"
    response = client.get(f"/articles/{g}/diff?a=1&b=3&view=inline", follow_redirects=False)
    assert response.headers["location"] == f"/articles/{g}/diff/1/3?view=inline"
    assert client.get(f"/articles/{g}/diff?a=x&b=3").status_code == 400
    # Without versions: the latest change.
    assert "Version 2 → Version 3" in text_of(client.get(f"/articles/{g}/diff").text)


def test_version_page_shows_the_text_and_links_around_it(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    body = client.get(f"/articles/{g}/versions/3").text
    shown = reads.show_version(site.db, str(g), 3)
    assert f"<h1>{html.escape(NEW_HEADLINE)}</h1>" in body
    assert f'<p class="standfirst">{html.escape(shown.text.standfirst)}</p>' in body
    assert f'<p class="byline">{html.escape(shown.text.byline)}</p>' in body
    for paragraph in shown.text.paragraphs:
        assert f"<p>{html.escape(' '.join(paragraph))}</p>" in body
    assert f'<a rel="prev" href="/articles/{g}/versions/2">' in body
    assert 'rel="next"' not in body
    assert f'href="/articles/{g}/diff/2/3">What changed</a>' in body
    first = client.get(f"/articles/{g}/versions/1").text
    assert 'rel="prev"' not in first and f'<a rel="next" href="/articles/{g}/versions/2">' in first


def test_healthz_without_a_scheduler(site: Site, client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    # Every article was last checked in 2024 and is long due.
    assert response.json() == {
        "database": "ok",
        "scheduler_running": False,
        "last_pass": None,
        "due_backlog": 6,
        "sources": {name: "ok" for name in ("blog", "enr", "guardian", "jns", "zerohedge")},
    }


def test_healthz_reports_the_scheduler(site: Site) -> None:
    def health() -> dict:
        return {"scheduler_running": True, "last_pass": "2024-10-30T08:00:00+00:00", "workers": 4}

    with TestClient(create_app(site.settings, site.db, health=health)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "scheduler_running": True,
        "last_pass": "2024-10-30T08:00:00+00:00",
        "due_backlog": 6,
        "workers": 4,
        "sources": {name: "ok" for name in ("blog", "enr", "guardian", "jns", "zerohedge")},
    }


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    # A folder where the database file should be: every connection fails.
    engine = make_engine(f"sqlite:///{tmp_path}")
    db = Database(engine, session_factory(engine))
    try:
        with TestClient(create_app(make_settings(f"sqlite:///{tmp_path}"), db)) as client:
            response = client.get("/healthz")
    finally:
        engine.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "database": "error",
        "scheduler_running": False,
        "last_pass": None,
        "due_backlog": None,
        "sources": {},
    }
