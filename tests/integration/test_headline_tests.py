"""A/B headline tests: a headline that rotates between variants is reported once, as a
headline test, and every flip is kept.
"""

from __future__ import annotations

import feedparser

from versiontrack.corpus import LoopbackServer, Response
from versiontrack.service import database, feeds, reads

from ..helpers import STORY, article_html, run, track


def test_headline_ab_rotation_is_reported_once_as_a_test(
    server: LoopbackServer, db_url: str
) -> None:
    server.route("/a", Response(200, article_html("Troops head to Kursk", STORY)))
    settings, clock = track(server, db_url, "/a")
    for headline in ("Troops head to Kursk", "Envoy warns of body bags") * 3:
        server.route("/a", Response(200, article_html(headline, STORY)))
        run(settings, clock)
    with database.open_database(settings) as db:
        history = [v.to_json() for v in reads.history(db, "1")[1]]
        titles = [e.title for e in feedparser.parse(feeds.feed(settings, db)).entries]
    assert [v["flags"] for v in history] == [
        [],
        ["headline"],  # A → B: at first sight, a new headline
        ["headline_test", "revert"],  # B → A: a rotation, reported once
        ["revert"],
        ["revert"],
        ["revert"],
    ]
    # one item for the whole rotation: the first flip's headline change is folded into it
    assert titles == ["Headline test: “Envoy warns of body bags” / “Troops head to Kursk”"]
    with database.open_database(settings) as db:
        everything = feedparser.parse(
            feeds.feed(settings, db, feeds.FeedQuery(min_significance="all"))
        )
    assert len(everything.entries) == 5  # every flip is kept, boring or not
