"""Re-extraction: re-reading an article's kept pages with the current extractor, outside any
check's transaction.

After an extractor upgrade every article re-extracts; the pages are read and extracted with no
transaction open, and only the rewrite holds one (on SQLite, the one write lock). A check calls
``reextract_if_stale`` before its own transaction; ``versiontrack reextract`` calls
``reextract_article`` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy.orm import Session

from versiontrack import extract, significance
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText, Source
from versiontrack.errors import CheckError
from versiontrack.pipeline import verdict
from versiontrack.pipeline.context import Runtime, unit_of_work
from versiontrack.store import changes, stream, versions
from versiontrack.store.schema import ArticleRow
from versiontrack.text import normalise


def reextract_if_stale(
    runtime: Runtime, article_id: int, source: Source | None, text: ArticleText
) -> None:
    """Re-extract the article's kept pages first when its latest version was read by an older
    extractor and reads differently now: compare like with like, so that what only the new
    extractor sees differently is not taken for an edit."""
    with runtime.sessions() as session:
        latest = versions.latest_reading(session, article_id)
    if latest is None or latest[0] == extract.EXTRACTOR_VERSION or latest[1] == text.content_hash:
        return
    reextract_article(
        runtime.sessions, lambda: unit_of_work(runtime), article_id, source, runtime.clock()
    )


def reextract_article(
    read: Callable[[], AbstractContextManager[Session]],
    write: Callable[[], AbstractContextManager[Session]],
    article_id: int,
    source: Source | None,
    now: datetime,
) -> int:
    """Re-run extraction on every kept page of an article with the current extractor.

    Versions keep their number and time; their text and compression chain are rewritten, and
    a change between two versions is recomputed (diff, flags, level) only when either end now
    reads differently, so flags that need the history (a headline test) survive elsewhere.
    A version whose text the new extractor reads the same as its predecessor's keeps its
    place but its change becomes boring (level 0), so an extractor difference is never
    reported as an article change.

    The pages are read in a ``read()`` session and extracted with no transaction open; only
    the rewrite runs in ``write()``'s transaction: after an extractor upgrade every article
    re-extracts, and on SQLite a transaction holds the one write lock for its whole length.
    Returns how many versions' text changed; 0 (and nothing touched) when a version has no
    kept page, or when a version was added in between (the next check re-extracts then).
    """
    with read() as session:
        article = session.get(ArticleRow, article_id)
        rows = versions.versions(session, article_id)
        if article is None or not rows or any(row.raw is None for row in rows):
            return 0
        url = article.url
        # every text in one walk along the compression chain, each on the one before it
        stored = [v.text for v in stream.versions(session, article_id)]
        kept = [
            (old, versions.raw_page(session, row)) for old, row in zip(stored, rows, strict=True)
        ]
    texts: list[ArticleText] = []
    reread: list[bool] = []  # whether each version's text came out different
    for old, page in kept:
        assert page is not None
        try:
            new = normalise(
                extract.extract(
                    page,
                    url,
                    selector=source.selector if source else None,
                    ignore=source.ignore if source else (),
                )
            )
        except CheckError:
            new = old  # the new extractor cannot read this page: keep what we had
        reread.append(new.content_hash != old.content_hash)
        texts.append(new)
    with write() as session:
        article = session.get_one(ArticleRow, article_id)
        if article.version_count != len(texts):
            return 0
        versions.rewrite_texts(session, article, texts, extract.EXTRACTOR_VERSION)
        for number in range(2, len(texts) + 1):
            if not (reread[number - 2] or reread[number - 1]):
                continue  # both ends read as before: the stored change (and its flags) stands
            diff = diff_texts(texts[number - 2], texts[number - 1])
            back_to = verdict.rereading_reverts_to(texts, number)
            flags = set(significance.classify(diff)) | (
                {"revert"} if back_to is not None else set()
            )
            judgement = verdict.graded(flags, back_to)
            changes.replace_change(
                session,
                article_id,
                number,
                diff,
                judgement.flags,
                now,
                back_to,
                level=judgement.level,
            )
    return sum(reread)
