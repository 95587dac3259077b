"""Churn immunity that learns (issue 9): lines a source prints around many of its articles —
rotating related headlines, ad copy beside the article box — are its template, not article
text; a real edit is still caught on the first check that sees it, and diffs show only it."""

from __future__ import annotations

from collections import Counter

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.service import commands, database, reads

from ..conftest import make_settings
from ..helpers import STORY, Clock, article_html, run

RELATED = [
    "Storm warnings issued for coastal regions this weekend",
    "Central bank holds rates steady as inflation cools",
    "Museum returns looted bronze sculptures",
    "Drought forces farmers to rethink their crops",
    "Rail strike called off after last-minute talks",
]
ADS = [
    "Homeowners in your area are switching to solar panels this winter and saving hundreds.",
    "Experts reveal the kitchen trick that keeps bread fresh for a whole fortnight.",
    "Why thousands of families are choosing this cruise line for their winter holiday.",
]
ARTICLES = 9  # each ad line shows in three articles of the first pass


def story(i: int) -> list[str]:
    return [f"Story {i}: {STORY[0]}", *STORY[1:]]


def render(i: int, step: int, paragraphs: list[str]) -> Response:
    """Article ``i`` at ``step``: one line of ad copy under the headline and three rotating
    related headlines at the end, all inside the article box, as plain paragraphs (which
    trafilatura keeps: nothing in the markup tells them from the article)."""
    ad = ADS[(i + step) % len(ADS)]
    related = [RELATED[(i + step + k) % len(RELATED)] for k in range(3)]
    html = article_html(f"Headline {i}", [*paragraphs, "Related", *related]).replace(
        b"</h1>", f"</h1><p class='sponsored'>{ad}</p>".encode()
    )
    return Response(200, html)


def test_rotating_related_lists_and_ad_copy_make_no_versions_and_edits_still_show(
    server: LoopbackServer, db_url: str
) -> None:
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        for i in range(ARTICLES):
            server.route(f"/a{i}", render(i, 0, story(i)))
            commands.add_article(settings, db, server.url(f"/a{i}"))
    clock = Clock()
    assert Counter(c.outcome for c in run(settings, clock).checks) == {"new": ARTICLES}
    for step in (1, 2, 3):
        for i in range(ARTICLES):
            server.route(f"/a{i}", render(i, step, story(i)))
        outcomes = Counter(c.outcome for c in run(settings, clock).checks)
        assert outcomes == {"unchanged": ARTICLES}, f"step {step}"
    # a real edit, with the template rotating again around it: caught at once, and the diff
    # is the edit alone
    edited = story(2)
    edited[1] = edited[1].replace("foreign army", "foreign army, the ministry said,")
    for i in range(ARTICLES):
        server.route(f"/a{i}", render(i, 4, edited if i == 2 else story(i)))
    checks = {c.url: c.outcome for c in run(settings, clock).checks}
    assert checks == {
        server.url(f"/a{i}"): ("changed" if i == 2 else "unchanged") for i in range(ARTICLES)
    }
    with database.open_database(settings) as db:
        diff = reads.diff_versions(db, server.url("/a2"))
        assert [(op.op, op.old, op.new) for op in diff.diff.ops] == [
            ("edited", story(2)[1], edited[1])
        ]
        shown = reads.show_version(db, server.url("/a2"))
    # what is stored is what a reader sees of the article: no ad copy, no related list
    body = shown.text.body
    assert not any(line in body for line in ADS + RELATED)
    assert edited[1] in body


QUOTES = [
    "“We are all concerned with events in the city,” one reader wrote.",
    "“Fares have increased to bring more drivers online,” the company said.",
    "“I pray every night for a hero,” a passenger told reporters.",
    "“One girl can be silenced, but a nation of girls cannot,” she said.",
]


def test_a_list_rotating_inside_the_article_box_is_no_change_but_moved_prose_is(
    server: LoopbackServer, db_url: str
) -> None:
    def serve(quotes: list[str], paragraphs: list[str]) -> None:
        items = "".join(f"<li>{q}</li>" for q in quotes)
        html = article_html("Fares rise", paragraphs).replace(
            b"</article>", f"<ul>{items}</ul></article>".encode()
        )
        server.route("/a", Response(200, html))

    serve(QUOTES, STORY)
    settings = make_settings(db_url)
    with database.open_database(settings) as db:
        commands.add_article(settings, db, server.url("/a"))
    clock = Clock()
    assert [c.outcome for c in run(settings, clock).checks] == ["new"]
    with database.open_database(settings) as db:
        stored = reads.show_version(db, server.url("/a")).text.body
    assert all(q in stored for q in QUOTES)  # read as part of the article
    serve(QUOTES[::-1], STORY)
    assert [c.outcome for c in run(settings, clock).checks] == ["unchanged"]
    serve(QUOTES[::-1], [*STORY[1:], STORY[0]])  # an editor moves the lead paragraph down
    assert [c.outcome for c in run(settings, clock).checks] == ["changed"]
