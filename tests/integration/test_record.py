"""Recording a check on a real SQLite file: what the comparison reads before the write turn,
and the turn's second read when a version came meanwhile."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from versiontrack import text as textmod
from versiontrack.domain import ArticleText, Extracted, FetchResult
from versiontrack.pipeline import record
from versiontrack.pipeline.context import Runtime
from versiontrack.service import database
from versiontrack.settings import settings_from_dict
from versiontrack.store import articles, checks, versions

T0 = datetime(2024, 11, 5, 6, 0, tzinfo=UTC)
URL = "https://example.org/news/bridge-closed"
PARAGRAPHS = (
    "About 10,000 people were told to leave their homes on Tuesday, the council said.",
    "The Old Bridge was closed to traffic at 4am and will stay shut until it is inspected.",
)


def test_a_version_stored_after_the_check_read_is_read_again_in_the_write_turn(
    tmp_path: Path,
) -> None:
    settings = settings_from_dict({"database": {"url": f"sqlite:///{tmp_path / 'r.db'}"}})
    page = FetchResult(URL, 200, "text/html", b"<html></html>")
    text = textmod.normalise(Extracted("Bridge closed", "", "", PARAGRAPHS, None))
    with database.open_database(settings) as db:
        runtime = Runtime(settings, db.sessions, None, clock=lambda: T0)  # type: ignore[arg-type]
        with db.sessions() as session, session.begin():
            article_id = articles.add_article(session, URL, now=T0).id
        with db.sessions() as session:
            stale = checks.check_state(session, article_id)
        assert stale is not None and stale.version_count == 0

        def check(hours: int, text: ArticleText) -> str:
            at = T0 + timedelta(hours=hours)
            done = record.record_text(
                runtime, stale, None, page, text, URL, None, at, time.monotonic()
            )
            return done.outcome

        assert check(1, text) == "new"
        # the same text again, by a check that read the article before version 1 was stored:
        # its turn sees version 1 and compares with it, instead of storing the text twice
        assert check(2, text) == "unchanged"
        edited = textmod.normalise(
            Extracted(
                "Bridge closed",
                "",
                "",
                (PARAGRAPHS[0].replace("10,000", "11,000"), PARAGRAPHS[1]),
                None,
            )
        )
        assert check(3, edited) == "changed"
        with db.sessions() as session:
            assert [v.number for v in versions.versions(session, article_id)] == [1, 2]
            assert versions.version_text(session, article_id, 2) == edited
