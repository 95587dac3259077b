"""The version, diff and article pages link the archived copy and say where a version
came from."""

from __future__ import annotations

import warnings

from versiontrack.archive import commands
from versiontrack.corpus import LoopbackServer, Response
from versiontrack.corpus.wayback import WaybackStandIn
from versiontrack.service import commands as service_commands
from versiontrack.service import database, reads
from versiontrack.web import create_app

from .helpers import T1, T2, T3, archive_settings, page

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient


def test_pages_link_the_archived_copy_and_name_the_origin(db_url: str) -> None:
    with LoopbackServer() as site, WaybackStandIn() as archive:
        url = site.url("/news/story")
        archive.capture(url, T1, page(0))
        settings = archive_settings(db_url, wayback=archive.base_url, save=True)
        with database.open_database(settings) as db:
            commands.wayback_import(settings, db, url)  # version 1, from the Wayback Machine
            site.route("/news/story", Response.html(page(1).decode()))
            service_commands.check(
                settings, db, refs=[url], clock=lambda: T2
            )  # version 2, live, saved
            site.route("/news/story", Response.html(page(2).decode()))
            archive.save_answers.append(Response(500, b""))
            archive.route(f"/save/{url}", Response(500, b""))
            service_commands.check(
                settings, db, refs=[url], clock=lambda: T3
            )  # version 3, not saved
            archive_url = reads.history(db, url)[1][1].archive_url
            assert archive_url is not None
            with TestClient(create_app(settings, db)) as client:
                v1 = client.get("/articles/1/versions/1").text
                v2 = client.get("/articles/1/versions/2").text
                v3 = client.get("/articles/1/versions/3").text
                diff = client.get("/articles/1/diff/2/3").text
                article = client.get("/articles/1").text
    link = f'<a class="archived" href="{archive_url}" rel="nofollow noopener noreferrer">'
    assert "from the Wayback Machine" in v1
    assert 'class="archived"' not in v1
    assert link + "archived copy</a>" in v2
    assert "from the" not in v2
    assert 'class="archived"' not in v3
    assert (
        f'<p class="archived">Archived copies: <a href="{archive_url}" '
        'rel="nofollow noopener noreferrer">version 2</a></p>'
    ) in diff
    assert "· from wayback" in article
    assert (
        f'<a href="{archive_url}" rel="nofollow noopener noreferrer">archived copy</a>' in article
    )
