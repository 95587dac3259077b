"""Recording a check: one transaction each — read the facts, ask ``verdict``, write.

``record_text`` stores what a page read as (a version, its change, a URL move, a comeback);
``record_gone``, ``record_quiet`` and ``record_failure`` record checks that produced no text.
Every one also logs the check and moves the article's schedule on (``cadence``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from sqlalchemy.orm import Session

from versiontrack import cadence, extract, template, urls, watch
from versiontrack.diff.texts import diff_texts
from versiontrack.diff.words import diff_words
from versiontrack.domain import (
    ArticleText,
    ChangeKind,
    ChangeSummary,
    CheckOutcomeKind,
    Diff,
    FetchResult,
    FieldChange,
    Region,
    Source,
)
from versiontrack.errors import BodyCollapsed, CheckError
from versiontrack.pipeline import verdict
from versiontrack.pipeline.context import CheckOutcome, Runtime, elapsed_ms, unit_of_work
from versiontrack.store import archive_queue, articles, changes, lines, versions
from versiontrack.store import checks as checks_store
from versiontrack.store.articles import ArticleDraft
from versiontrack.store.checks import CheckState

# One logger for the whole write side: log lines read "versiontrack.pipeline: …" as before
# the split, whichever stage wrote them.
log = logging.getLogger(__package__)


def record_text(
    runtime: Runtime,
    state: CheckState,
    source: Source | None,
    result: FetchResult,
    text: ArticleText,
    canonical: str,
    found: Region | None,
    started_at: datetime,
    started: float,
) -> CheckOutcome:
    """Store what the page read as: a new version and its change when the text changed.

    What the comparison needs is read before the write turn (the processes of a sharded pass
    take turns writing to SQLite, and a turn held through reads and decompression kept the
    other process waiting); the turn reads it again only if a version came meanwhile.
    """
    scope = template.scope(state.source_name, state.url)
    with runtime.sessions() as session:
        read = _compared(session, state.id, state.version_count or None, scope, text)
    with unit_of_work(runtime) as session:
        article = _article(session, state.id)
        url_before = article.url
        original = _claim_identity(session, article, result.url, canonical)
        if original is not None:
            articles.merge_duplicate(session, article.id, into=original)
            log.info("article %d is article %d reached another way; merged", state.id, original)
            return CheckOutcome(state.id, state.url, "duplicate", http_status=result.status)

        # Versions are numbered 1… and the count is kept with them: the latest is the count.
        latest = article.version_count or None
        if latest is not None and article.url != url_before:
            # The site renamed the article (a new slug, the old URL redirecting): one history,
            # and the move itself is news.
            moved = FieldChange("url", url_before, article.url, diff_words(url_before, article.url))
            _add_change(
                session,
                article,
                verdict.graded({"url"}),
                kind="url",
                detected_at=started_at,
                diff=Diff(fields=(moved,)),
                from_version=latest,
                to_version=latest,
                http_status=result.status,
            )
        if read.latest != latest:
            read = _compared(session, article.id, latest, scope, text)
        lines.record_sightings(session, scope, article.id, read.keys, started_at)
        stored = read.stored  # the latest version as stored: the next one is chained on it
        text, previous = read.text, read.previous
        comparison = verdict.compare(
            previous,
            text,
            removed=article.status == "removed",
            pending_hash=article.pending_hash,
            collapse_ratio=runtime.settings.check.collapse_ratio,
        )
        article.pending_hash = comparison.pending_hash
        if comparison.restored:
            article.status = "active"
            _add_change(
                session,
                article,
                verdict.graded({"restored"}),
                kind="restored",
                detected_at=started_at,
                diff=Diff(),
                from_version=latest,
                to_version=latest,
                http_status=result.status,
            )

        outcome = comparison.outcome
        summary: ChangeSummary | None = None
        number: int | None = None
        error: str | None = None
        if comparison.found == "byline_held":
            found = None  # the next check must read the page in full to confirm the byline
        elif comparison.found == "collapsed":
            assert previous is not None
            error = str(
                BodyCollapsed(
                    f"body shrank from {len(previous.body)} to {len(text.body)} characters; "
                    "not stored as a version"
                )
            )
        elif comparison.stores_version:
            diff = diff_texts(previous, text) if previous is not None else None
            watched = watch.flags(diff, runtime.settings.watch.terms, source) if diff else set()
            judgement = _judge(
                session,
                article.id,
                stored,
                diff,
                text,
                latest,
                frozenset(watched),
            )
            version_id = versions.add_version(
                session,
                article,
                text,
                fetched_at=started_at,
                extractor_version=extract.EXTRACTOR_VERSION,
                previous=stored,
                raw=result.body,
                origin=result.origin,
            )
            number = article.version_count
            if runtime.settings.archive.save and result.origin == "live":
                archive_queue.enqueue(session, version_id, article.url, started_at)
            if diff is not None and judgement is not None:
                summary = diff.summary
                if judgement.hide_headline_changes:
                    changes.hide_headline_only_changes(session, article.id, started_at)
                _add_change(
                    session,
                    article,
                    judgement,
                    kind="edited",
                    detected_at=started_at,
                    diff=diff,
                    from_version=number - 1,
                    to_version=number,
                )
        checks_store.record_check(
            session,
            article.id,
            url=result.url,
            started_at=started_at,
            duration_ms=elapsed_ms(started),
            http_status=result.status,
            outcome=outcome,
            error=error,
            plan=_plan(runtime, article, outcome),
            validators=result.validators,
            # The fingerprint stands for the text we now hold; a failed check holds none.
            changed=article.changed()
            | articles.region_values(None if outcome == "failed" else found),
        )
        url = article.url
    _log_outcome(state.id, url, outcome, summary, error)
    return CheckOutcome(state.id, url, outcome, number, summary, result.status, error)


def _article(session: Session, article_id: int) -> ArticleDraft:
    article = articles.article_draft(session, article_id)
    if article is None:  # removed while it was being checked
        raise LookupError(f"no article {article_id}")
    return article


def _judge(
    session: Session,
    article_id: int,
    stored: ArticleText | None,
    diff: Diff | None,
    text: ArticleText,
    latest: int | None,
    watched: frozenset[str],
) -> verdict.Judgement | None:
    """The flags of the change to ``text``, from the history as it stands before it is stored
    (None for a first version: it has no change)."""
    if diff is None or stored is None or latest is None:
        return None
    earlier = versions.earlier_versions(session, article_id, latest)
    history = verdict.History(
        latest=latest,
        latest_hash=stored.content_hash,
        earlier_with_hash=max(
            (number for number, _, content_hash in earlier if content_hash == text.content_hash),
            default=None,
        ),
        older_headlines=frozenset(headline for _, headline, _ in earlier),
        headline_test_seen=changes.has_flag(session, article_id, "headline_test"),
    )
    return verdict.judge_change(diff, text, history, watched)


def _add_change(
    session: Session,
    article: ArticleDraft,
    judgement: verdict.Judgement,
    *,
    kind: ChangeKind,
    detected_at: datetime,
    diff: Diff,
    from_version: int | None,
    to_version: int | None,
    http_status: int | None = None,
) -> None:
    """Store a change with the flags, level and revert ``verdict`` judged it to have."""
    changes.add_change(
        session,
        article,
        kind=kind,
        detected_at=detected_at,
        diff=diff,
        from_version=from_version,
        to_version=to_version,
        http_status=http_status,
        flags=judgement.flags,
        level=judgement.level,
        reverts_to=judgement.reverts_to,
    )


def _claim_identity(
    session: Session, article: ArticleDraft, final_url: str, canonical: str
) -> int | None:
    """Attach the URLs this fetch revealed to the article.

    Returns the id of another tracked article when these URLs are already its own and this
    article has no history yet: the two are one article reached two ways.
    """
    for url in dict.fromkeys((urls.canonicalize(final_url), canonical)):
        # The article's own URL is its own (URLs are unique): no need to look its owner up.
        owner = None if url == article.url else articles.article_for_url(session, url)
        if owner is not None and owner.id != article.id:
            if article.version_count == 0:
                return owner.id
            continue  # two histories already exist; keep both rather than guess
        if url == canonical:
            articles.move_article_url(session, article, url)
        else:
            articles.add_alias(session, article.id, url)
    return None


def _plan(
    runtime: Runtime,
    article: ArticleDraft | CheckState,
    outcome: CheckOutcomeKind,
    retry_after: float | None = None,
) -> cadence.Plan:
    return cadence.plan(
        runtime.clock(),
        outcome=outcome,
        interval=article.check_interval,
        first_seen=article.first_seen,
        last_changed=article.last_changed,
        settings=runtime.settings.check,
        retry_after=retry_after,
    )


@dataclass(frozen=True, slots=True)
class _Compared:
    """What a new text is compared with: the latest version (``latest``) as stored, and both
    texts without the source's template. What the source prints around every article is not
    article text (``template``): it leaves the new text, and the latest version is compared
    without it too."""

    latest: int | None
    stored: ArticleText | None
    keys: Collection[int]  # the new text's lines: its sightings, written in the turn
    text: ArticleText
    previous: ArticleText | None


def _compared(
    session: Session, article_id: int, latest: int | None, scope: str, text: ArticleText
) -> _Compared:
    stored = versions.version_text(session, article_id, latest) if latest else None
    texts = (text,) if stored is None else (text, stored)
    # the article shows the new text's lines (its sightings are written in the turn) and
    # showed the stored one's
    stripped = without_template(session, scope, *texts, showing=article_id)
    previous = stripped[1] if stored is not None else None
    return _Compared(latest, stored, template.line_keys(text).keys(), stripped[0], previous)


def without_template(
    session: Session, scope: str, *texts: ArticleText, showing: int | None = None
) -> list[ArticleText]:
    """``texts`` without the lines learned as ``scope``'s template: how versions compare,
    at a check and when any two versions are diffed later (``showing``: the article that
    shows them all, its sightings counted though not yet written)."""
    candidates = set().union(*(template.line_keys(t).keys() for t in texts))
    known = lines.template_keys(session, scope, candidates, template.MIN_ARTICLES, showing)
    return template.without(texts, known)


def record_gone(
    runtime: Runtime, state: CheckState, result: FetchResult, started_at: datetime, started: float
) -> CheckOutcome:
    """Record a check that found the page gone (404/410): the article is marked removed."""
    outcome: CheckOutcomeKind
    with unit_of_work(runtime) as session:
        article = _article(session, state.id)
        outcome = "gone"
        if article.status != "removed":
            article.status = "removed"
            outcome = "removed"
            if article.version_count:
                _add_change(
                    session,
                    article,
                    verdict.graded({"removed"}),
                    kind="removed",
                    detected_at=started_at,
                    diff=Diff(),
                    from_version=article.version_count,
                    to_version=None,
                    http_status=result.status,
                )
        checks_store.record_check(
            session,
            article.id,
            url=result.url,
            started_at=started_at,
            duration_ms=elapsed_ms(started),
            http_status=result.status,
            outcome=outcome,
            error=f"HTTP {result.status}",
            plan=_plan(runtime, article, outcome),
            changed=article.changed(),
        )
    _log_outcome(state.id, state.url, outcome, None, None)
    return CheckOutcome(state.id, state.url, outcome, http_status=result.status)


def record_quiet(
    runtime: Runtime,
    state: CheckState,
    result: FetchResult,
    started_at: datetime,
    started: float,
    outcome: CheckOutcomeKind,
    *,
    trusted_region: bool = False,
) -> CheckOutcome:
    """Record a check that found nothing to store: a 304, or an unchanged fingerprint."""
    with unit_of_work(runtime) as session:
        checks_store.record_check(
            session,
            state.id,
            url=result.url,
            started_at=started_at,
            duration_ms=elapsed_ms(started),
            http_status=result.status,
            outcome=outcome,
            error=None,
            plan=_plan(runtime, state, outcome),
            validators=None if result.not_modified else result.validators,
            trusted_region=trusted_region,
        )
    _log_outcome(state.id, state.url, outcome, None, None)
    return CheckOutcome(state.id, state.url, outcome, http_status=result.status)


def record_failure(
    runtime: Runtime,
    state: CheckState,
    started_at: datetime,
    started: float,
    status: int | None,
    exc: CheckError,
) -> CheckOutcome:
    """Record a check that produced no text: ``exc.outcome`` says how (usually "failed")."""
    error, outcome = str(exc), exc.outcome
    assert outcome in get_args(CheckOutcomeKind), outcome
    with unit_of_work(runtime) as session:
        article = articles.article_draft(session, state.id)
        if article is not None:
            checks_store.record_check(
                session,
                article.id,
                url=state.url,
                started_at=started_at,
                duration_ms=elapsed_ms(started),
                http_status=status,
                outcome=outcome,
                error=error,
                plan=_plan(runtime, article, outcome),
            )
    _log_outcome(state.id, state.url, outcome, None, error)
    return CheckOutcome(state.id, state.url, outcome, http_status=status, error=error)


def _log_outcome(
    article_id: int,
    url: str,
    outcome: CheckOutcomeKind,
    summary: ChangeSummary | None,
    error: str | None,
) -> None:
    if outcome == "failed":
        log.warning("check %d %s failed: %s", article_id, url, error)
    elif summary is not None:
        log.info("check %d %s changed: %s", article_id, url, summary.describe())
    else:
        log.info("check %d %s %s", article_id, url, outcome)
