"""The unit of work: poll a source feed, check an article, run a whole pass.

``check_article`` is the one code path from URL to stored version, shared by ``versiontrack
check`` and the daemon. Network I/O happens outside any transaction; everything a check writes
(version, change, check log, schedule) commits in one ``with session.begin():``, so a crash
never leaves half a version. Problems with a page or feed (``CheckError``) are recorded on the
check and never stop a pass.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from versiontrack import cadence, discover, significance, template, urls, workers
from versiontrack import extract as extractor
from versiontrack import text as textmod
from versiontrack.diff import diff_texts, diff_words
from versiontrack.domain import (
    ArticleText,
    ChangeSummary,
    Diff,
    FeedItem,
    FetchResult,
    FieldChange,
    Region,
    Source,
    Validators,
)
from versiontrack.errors import BodyCollapsed, CheckError, HTTPStatusError, NotHTML
from versiontrack.fetch import Fetcher
from versiontrack.settings import Settings
from versiontrack.store import archive_queue, articles, changes, lines, schedule, versions
from versiontrack.store import checks as checks_store
from versiontrack.store import sources as sources_store
from versiontrack.store.schema import ArticleRow

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
#: Checks in flight per allowed concurrent request: enough to keep every fetch slot busy
#: while other checks extract, few enough that pages never queue up.
IN_FLIGHT_PER_FETCH = 2
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: A pass with fewer checks reads its pages in a thread: starting the pool's processes (about
#: a second of CPU each) would cost more than it saves.
POOL_MIN_CHECKS = 32


def utcnow() -> datetime:
    return datetime.now(UTC)


def worker_id() -> str:
    """A name for this process's leases: ``host:pid:random`` (the pid lets a restart on the
    same host free the leases of a killed predecessor at once)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def owner_alive(owner: str) -> bool:
    """Whether the process named in a lease owner ``host:pid:…`` of this host still runs."""
    try:
        pid = int(owner.split(":")[1])
        os.kill(pid, 0)
    except (IndexError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # it exists, it is just not ours
        return True
    return True


@dataclass(frozen=True)
class Runtime:
    """What a unit of work needs, passed explicitly: settings, sessions, fetcher, clock."""

    settings: Settings
    sessions: sessionmaker[Session]
    fetcher: Fetcher
    clock: Callable[[], datetime] = utcnow
    owner: str = field(default_factory=worker_id)
    # SQLite writers take turns on this (a lock shared with other processes in a sharded pass)
    sqlite_writes: AbstractContextManager[Any] = field(default_factory=threading.Lock)
    cpu: Executor | None = None  # the process pool that reads pages (workers.cpu_pool)


@dataclass(frozen=True, slots=True)
class PollOutcome:
    source: str
    outcome: str  # "polled" | "not_modified" | "failed"
    items: int = 0
    new_articles: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """What one article check did.

    ``outcome`` is one of: ``new`` (first version), ``changed``, ``unchanged``, ``not_modified``
    (HTTP 304), ``removed`` (started answering 404/410), ``gone`` (still 404/410), ``restored``,
    ``duplicate`` (the URL turned out to be another tracked article) or ``failed``.
    """

    article_id: int
    url: str
    outcome: str
    version: int | None = None
    summary: ChangeSummary | None = None
    http_status: int | None = None
    error: str | None = None


@dataclass
class PassReport:
    polls: list[PollOutcome] = field(default_factory=list)
    checks: list[CheckOutcome] = field(default_factory=list)
    #: articles the pass wanted but left alone: a live worker (a daemon, another pass) holds them
    held: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome)

    @property
    def failures(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.outcome == "failed"]

    @property
    def feed_failures(self) -> list[PollOutcome]:
        return [p for p in self.polls if p.outcome == "failed"]


# --- sources -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """A polled feed before anything is stored: its items, or the error."""

    source: Source
    source_id: int
    started_at: datetime
    duration_ms: int
    status: int | None
    items: tuple[FeedItem, ...] = ()
    validators: Validators | None = None
    error: str | None = None
    skipped: tuple[str, ...] = ()  # why entries had no usable URL (discover.FeedRead)


def _source_state(rt: Runtime, name: str) -> tuple[int, Validators]:
    with rt.sessions() as session:
        row = sources_store.source_by_name(session, name)
        assert row is not None, "sources are synced before they are polled"
        return row.id, Validators(row.etag, row.last_modified)


async def fetch_feed(rt: Runtime, source: Source) -> FeedFetch:
    """Conditional GET of a source's feed, parsed into items; failures become ``error``."""
    source_id, validators = await asyncio.to_thread(_source_state, rt, source.name)
    started_at, started = rt.clock(), time.monotonic()
    try:
        result = await rt.fetcher.get(source.feed, validators)
        if result.status in GONE_STATUSES:
            raise HTTPStatusError(f"HTTP {result.status} from {result.url}", result.status)
        if result.not_modified:
            return FeedFetch(source, source_id, started_at, _elapsed(started), result.status)
        read = discover.read_feed(result.body, result.url)
    except CheckError as exc:
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        return FeedFetch(source, source_id, started_at, _elapsed(started), status, error=str(exc))
    except Exception as exc:  # a bug on one feed must not lose the pass, nor go unrecorded
        log.exception("poll of feed %s crashed", source.name)
        error = f"internal error: {exc!r}"
        return FeedFetch(source, source_id, started_at, _elapsed(started), None, error=error)
    return FeedFetch(
        source,
        source_id,
        started_at,
        _elapsed(started),
        result.status,
        read.items,
        result.validators,
        skipped=read.skipped,
    )


def _skipped_note(skipped: tuple[str, ...]) -> str | None:
    """What the poll's log row (and the source's last error) says about skipped entries."""
    if not skipped:
        return None
    shown = "; ".join(skipped[:3]) + (f"; and {len(skipped) - 3} more" if len(skipped) > 3 else "")
    return f"skipped {len(skipped)} {'entry' if len(skipped) == 1 else 'entries'}: {shown}"


def store_feed(rt: Runtime, fetched: FeedFetch) -> PollOutcome:
    """Start tracking the feed's articles that are new to us, and log the poll."""
    new = 0
    with unit_of_work(rt) as session:
        # most polls list articles we already track: one query rules those out
        tracked = articles.known_urls(session, [item.url for item in fetched.items])
        for item in fetched.items:
            if item.url in tracked:
                continue
            known = articles.article_for_url(session, item.url)
            if known is None and item.guid:
                # Same entry, new link (the site renamed the article): the URL joins the
                # article's aliases and its next check follows the site's redirect.
                known = articles.article_for_guid(session, fetched.source_id, item.guid)
                if known is not None:
                    articles.add_alias(session, known.id, item.url)
            if known is None:
                articles.add_article(
                    session,
                    item.url,
                    now=fetched.started_at,
                    source_id=fetched.source_id,
                    guid=item.guid,
                    title=item.title,
                )
                new += 1
        if fetched.error:
            outcome = "failed"
        else:
            outcome = "not_modified" if fetched.status == 304 else "polled"
        sources_store.record_feed_poll(
            session,
            fetched.source_id,
            started_at=fetched.started_at,
            duration_ms=fetched.duration_ms,
            http_status=fetched.status,
            outcome=outcome,
            # a poll that only skipped entries still succeeded: the note says what was lost
            error=fetched.error or _skipped_note(fetched.skipped),
            validators=fetched.validators,
        )
    name = fetched.source.name
    if fetched.skipped:
        log.warning("feed %s: %s", name, _skipped_note(fetched.skipped))
    if fetched.error:
        log.warning("feed %s failed: %s", name, fetched.error)
    else:
        log.info("feed %s %s: %d items, %d new", name, outcome, len(fetched.items), new)
    return PollOutcome(name, outcome, len(fetched.items), new, fetched.error)


# --- articles ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Snapshot:
    state: checks_store.CheckState  # the article as the check starts
    source: Source | None  # its source's config, for the per-source extraction overrides

    @property
    def id(self) -> int:
        return self.state.id

    @property
    def url(self) -> str:
        return self.state.url


async def check_article(rt: Runtime, article_id: int) -> CheckOutcome:
    """Fetch one article, and store a new version (and change) if its text changed.

    Only the fetch runs on the event loop; reading the page runs in the process pool
    (``workers``), and database work (with diffing) in a worker thread, so that a busy pass
    never stalls the loop (which also serves the web app in the daemon).
    """
    snap = await asyncio.to_thread(_snapshot, rt, article_id)
    started_at, started = rt.clock(), time.monotonic()
    try:
        # Validators only make sense once we hold a version to compare against.
        result = await rt.fetcher.get(
            snap.url, snap.state.validators if snap.state.version_count else None
        )
    except CheckError as exc:
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        return await _failed(rt, snap, started_at, started, status, exc)
    outcome = await _after_fetch(rt, snap, result, started_at, started)
    if isinstance(outcome, CheckOutcome):
        return outcome
    # A first fetch that landed on a copy (an AMP page, say): the first version is read from
    # the page the site calls canonical, so the history does not start with a copy's quirks.
    try:
        result = await rt.fetcher.get(outcome)
    except CheckError as exc:
        status = exc.status if isinstance(exc, HTTPStatusError) else None
        return await _failed(rt, snap, started_at, started, status, exc)
    final = await _after_fetch(rt, snap, result, started_at, started, follow_canonical=False)
    assert isinstance(final, CheckOutcome)
    return final


async def check_capture(
    rt: Runtime, article_id: int, result: FetchResult, captured_at: datetime
) -> CheckOutcome:
    """A page captured elsewhere (a WARC file, the Wayback Machine), checked as if fetched at
    ``captured_at``: the same reading, comparison and transaction as a live check, so a
    back-filled version is what a live check would have stored (``versiontrack.archive``)."""
    snap = await asyncio.to_thread(_snapshot, rt, article_id)
    outcome = await _after_fetch(
        rt, snap, result, captured_at, time.monotonic(), follow_canonical=False
    )
    assert isinstance(outcome, CheckOutcome)
    return outcome


def _snapshot(rt: Runtime, article_id: int) -> _Snapshot:
    with rt.sessions() as session:
        state = checks_store.check_state(session, article_id)
    if state is None:
        raise LookupError(f"no article {article_id}")
    source = next((s for s in rt.settings.sources if s.name == state.source_name), None)
    return _Snapshot(state, source)


async def _after_fetch(
    rt: Runtime,
    snap: _Snapshot,
    result: FetchResult,
    started_at: datetime,
    started: float,
    *,
    follow_canonical: bool = True,
) -> CheckOutcome | str:
    """Everything a check does once the page is here: read it, then record what it found.

    Returns the canonical URL instead of an outcome when this is the article's first version
    and the page names another page of the site as canonical: fetch that one instead.
    """
    if result.status in GONE_STATUSES:
        return await asyncio.to_thread(_record_gone, rt, snap, result, started_at, started)
    if result.not_modified:
        return await asyncio.to_thread(
            _record_plain, rt, snap, result, started_at, started, "not_modified"
        )
    try:
        _require_html(result)
    except CheckError as exc:
        return await _failed(rt, snap, started_at, started, result.status, exc)
    source = snap.source
    reading = await workers.read(
        rt.cpu,
        result.body,
        result.url,
        source.selector if source else None,
        source.ignore if source else (),
        snap.state.region if _may_trust_region(rt, snap, result) else None,
        rt.settings.check.fingerprint_skips > 0,
    )
    if reading.error is not None:
        return await _failed(rt, snap, started_at, started, result.status, reading.error)
    if reading.unchanged:
        return await asyncio.to_thread(
            _record_plain, rt, snap, result, started_at, started, "unchanged", trusted_region=True
        )
    assert reading.text is not None
    canonical = urls.resolve_canonical(result.url, reading.canonical_url)
    if (
        follow_canonical
        and not snap.state.version_count
        and canonical != urls.canonicalize(result.url)
    ):
        return canonical
    if snap.state.version_count:
        await asyncio.to_thread(_reextract_if_stale, rt, snap, reading.text)
    return await asyncio.to_thread(
        _store_text, rt, snap, result, reading.text, canonical, reading.region, started_at, started
    )


def _may_trust_region(rt: Runtime, snap: _Snapshot, result: FetchResult) -> bool:
    """Whether an unchanged region fingerprint may stand for unchanged text
    (``versiontrack.region``): only for a live article fetched at its own URL (a redirect
    elsewhere or a comeback after removal needs the full path), and never more than
    ``check.fingerprint_skips`` times in a row."""
    return (
        snap.state.region is not None
        and snap.state.status == "active"
        and snap.state.version_count > 0
        and snap.state.region_skips < rt.settings.check.fingerprint_skips
        and urls.canonicalize(result.url) == snap.url
    )


@contextmanager
def unit_of_work(rt: Runtime) -> Iterator[Session]:
    """One transaction. On SQLite, writers in this process take turns: a transaction that
    reads and then writes while another holds the write lock fails at once with "database is
    locked" (SQLite cannot wait there without deadlocking), so we never let two overlap."""
    with rt.sessions() as session:
        lock = rt.sqlite_writes if session.get_bind().dialect.name == "sqlite" else nullcontext()
        with lock, session.begin():
            yield session


def _require_html(result: FetchResult) -> None:
    content_type = (result.content_type or "").split(";")[0].strip().lower()
    if content_type and content_type not in HTML_TYPES:
        raise NotHTML(f"not an HTML page (Content-Type: {content_type})")


def _store_text(
    rt: Runtime,
    snap: _Snapshot,
    result: FetchResult,
    text: ArticleText,
    canonical: str,
    found: Region | None,
    started_at: datetime,
    started: float,
) -> CheckOutcome:
    with unit_of_work(rt) as session:
        article = session.get_one(ArticleRow, snap.id)
        url_before = article.url
        original = _claim_identity(session, article, result.url, canonical)
        if original is not None:
            articles.merge_duplicate(session, article.id, into=original)
            log.info("article %d is article %d reached another way; merged", snap.id, original)
            return CheckOutcome(snap.id, snap.url, "duplicate", http_status=result.status)

        latest = versions.latest_version(session, article.id)
        if latest is not None and article.url != url_before:
            # The site renamed the article (a new slug, the old URL redirecting): one history,
            # and the move itself is news.
            changes.add_change(
                session,
                article,
                kind="url",
                detected_at=started_at,
                diff=Diff(
                    fields=(
                        FieldChange(
                            "url", url_before, article.url, diff_words(url_before, article.url)
                        ),
                    )
                ),
                from_version=latest.number,
                to_version=latest.number,
                http_status=result.status,
                flags=("url",),
                level=significance.level(("url",)),
            )
        previous = versions.version_text(session, article.id, latest.number) if latest else None
        stored = previous  # the latest version as stored: the next one is chained on it
        # What the source prints around every article is not article text (``template``):
        # it leaves the new text, and the latest version is compared without it too.
        text, previous = _without_template(session, snap, article.id, text, previous, started_at)
        restored = article.status == "removed"
        if restored:
            article.status = "active"
            changes.add_change(
                session,
                article,
                kind="restored",
                detected_at=started_at,
                diff=Diff(),
                from_version=latest.number if latest else None,
                to_version=latest.number if latest else None,
                http_status=result.status,
                flags=("restored",),
                level=significance.level(("restored",)),
            )

        outcome, summary, number = ("restored" if restored else "unchanged"), None, None
        error: str | None = None
        held = previous is not None and _byline_held_back(article, previous, text)
        if held:
            found = None  # the next check must read the page in full to confirm the byline
        elif previous is not None and _shuffled(previous, text):
            pass  # a rotating list inside the article box: the same lines, another order
        elif previous is None or previous.content_hash != text.content_hash:
            if previous is not None and _collapsed(previous, text, rt.settings):
                error = str(
                    BodyCollapsed(
                        f"body shrank from {len(previous.body)} to {len(text.body)} characters; "
                        "not stored as a version"
                    )
                )
                outcome = "failed"
            else:
                version = versions.add_version(
                    session,
                    article,
                    text,
                    fetched_at=started_at,
                    extractor_version=extractor.EXTRACTOR_VERSION,
                    previous=stored,
                    raw=result.body,
                    origin=result.origin,
                )
                number = version.number
                if rt.settings.archive.save and result.origin == "live":
                    archive_queue.enqueue(session, version, article.url, started_at)
                if previous is None:
                    outcome = "new"
                else:
                    diff = diff_texts(previous, text)
                    summary = diff.summary
                    back_to = versions.earlier_version_with_hash(
                        session, article.id, text.content_hash
                    )
                    flags = significance.rank(
                        _flags(session, article.id, diff, text, back_to, started_at)
                    )
                    changes.add_change(
                        session,
                        article,
                        kind="edited",
                        detected_at=started_at,
                        diff=diff,
                        from_version=number - 1,
                        to_version=number,
                        flags=flags,
                        level=significance.level(flags),
                        reverts_to=back_to,
                    )
                    outcome = "changed"
        # The fingerprint stands for the text we now hold; a failed check holds none.
        articles.set_region(session, article, None if outcome == "failed" else found)
        checks_store.record_check(
            session,
            article,
            url=result.url,
            started_at=started_at,
            duration_ms=_elapsed(started),
            http_status=result.status,
            outcome=outcome,
            error=error,
            plan=_plan(rt, article, outcome),
            validators=result.validators,
        )
        url = article.url
    _log_outcome(snap.id, url, outcome, summary, error)
    return CheckOutcome(snap.id, url, outcome, number, summary, result.status, error)


def _claim_identity(
    session: Session, article: ArticleRow, final_url: str, canonical: str
) -> int | None:
    """Attach the URLs this fetch revealed to the article.

    Returns the id of another tracked article when these URLs are already its own and this
    article has no history yet: the two are one article reached two ways.
    """
    for url in dict.fromkeys((urls.canonicalize(final_url), canonical)):
        owner = articles.article_for_url(session, url)
        if owner is not None and owner.id != article.id:
            if article.version_count == 0:
                return owner.id
            continue  # two histories already exist; keep both rather than guess
        if url == canonical:
            articles.move_article_url(session, article, url)
        else:
            articles.add_alias(session, article.id, url)
    return None


def _flags(
    session: Session,
    article_id: int,
    diff: Diff,
    text: ArticleText,
    back_to: int | None,
    now: datetime,
) -> set[str]:
    """The significance flags of a new version's change (``text`` already stored).

    A change of nothing but the headline, back to a headline an older version had, is a
    headline A/B test flipping: it is reported once (``headline_test``), the headline change
    that began it is folded into that report, and later flips are stored as bare reverts,
    which feeds leave out.
    """
    flags = set(significance.classify(diff))
    if back_to is not None:
        flags.add("revert")  # back to an earlier, not the latest, version
    headline_only = not diff.ops and [f.field for f in diff.fields] == ["headline"]
    if headline_only and text.headline in versions.older_headlines(session, article_id):
        if changes.has_flag(session, article_id, "headline_test"):
            return {"revert"}
        # The headline change that started the test is now known to be one of its flips.
        changes.hide_headline_only_changes(session, article_id, now)
        return {"headline_test", "revert"}
    return flags


def _reextract_if_stale(rt: Runtime, snap: _Snapshot, text: ArticleText) -> None:
    """Re-extract the article's kept pages first when its latest version was read by an older
    extractor and reads differently now: compare like with like, so that what only the new
    extractor sees differently is not taken for an edit."""
    with rt.sessions() as session:
        latest = versions.latest_reading(session, snap.id)
    if latest is None or latest[0] == extractor.EXTRACTOR_VERSION or latest[1] == text.content_hash:
        return
    reextract_article(rt.sessions, lambda: unit_of_work(rt), snap.id, snap.source, rt.clock())


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
        kept = [
            (
                versions.version_text(session, article_id, row.number),
                versions.raw_page(session, row),
            )
            for row in rows
        ]
    texts: list[ArticleText] = []
    reread: list[bool] = []  # whether each version's text came out different
    for old, page in kept:
        assert old is not None and page is not None
        try:
            new = textmod.normalise(
                extractor.extract(
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
        versions.rewrite_texts(session, article, texts, extractor.EXTRACTOR_VERSION)
        for number in range(2, len(texts) + 1):
            if not (reread[number - 2] or reread[number - 1]):
                continue  # both ends read as before: the stored change (and its flags) stands
            diff = diff_texts(texts[number - 2], texts[number - 1])
            flags = set(significance.classify(diff))
            # the newest earlier version (before the one it replaced) that reads the same
            back_to = next(
                (
                    n
                    for n in range(number - 2, 0, -1)
                    if texts[n - 1].content_hash == texts[number - 1].content_hash
                ),
                None,
            )
            if back_to is not None:
                flags.add("revert")
            ranked = significance.rank(flags)
            changes.replace_change(
                session,
                article_id,
                number,
                diff,
                ranked,
                now,
                back_to,
                level=significance.level(ranked),
            )
    return sum(reread)


def _plan(
    rt: Runtime,
    article: ArticleRow | checks_store.CheckState,
    outcome: str,
    retry_after: float | None = None,
) -> cadence.Plan:
    return cadence.plan(
        rt.clock(),
        outcome=outcome,
        interval=article.check_interval,
        first_seen=article.first_seen,
        last_changed=article.last_changed,
        settings=rt.settings.check,
        retry_after=retry_after,
    )


def _without_template(
    session: Session,
    snap: _Snapshot,
    article_id: int,
    text: ArticleText,
    previous: ArticleText | None,
    now: datetime,
) -> tuple[ArticleText, ArticleText | None]:
    """Note the lines this page showed, and both texts without the source's template."""
    scope = template.scope(snap.state.source_name, snap.url)
    lines.record_sightings(session, scope, article_id, template.line_keys(text).keys(), now)
    if previous is None:
        return without_template(session, scope, text)[0], None
    text, previous = without_template(session, scope, text, previous)
    return text, previous


def without_template(session: Session, scope: str, *texts: ArticleText) -> list[ArticleText]:
    """``texts`` without the lines learned as ``scope``'s template: how versions compare,
    at a check and when any two versions are diffed later."""
    candidates = set().union(*(template.line_keys(t).keys() for t in texts))
    known = lines.template_keys(session, scope, candidates, template.MIN_ARTICLES)
    return template.without(texts, known)


def _byline_held_back(article: ArticleRow, previous: ArticleText, text: ArticleText) -> bool:
    """Whether ``text`` differs from ``previous`` in its byline alone and must wait.

    A byline is evidence, not gospel: metadata shuffles author lists and slips stamps in. The
    same names in another order are no change at all; other byline-only changes become a
    version when the next check sees them again (``articles.pending_hash``).
    """
    byline_only = text.content_hash != previous.content_hash and (
        text.headline,
        text.standfirst,
        text.paragraphs,
    ) == (previous.headline, previous.standfirst, previous.paragraphs)
    if not byline_only:
        article.pending_hash = None
        return False
    if _names(text.byline) == _names(previous.byline):
        return True
    if article.pending_hash == text.content_hash:
        article.pending_hash = None
        return False
    article.pending_hash = text.content_hash
    return True


def _shuffled(previous: ArticleText, text: ArticleText) -> bool:
    """Whether ``text`` is ``previous`` with short lines in another order and nothing else.

    Sites rotate lists ("most read", slideshow captions) inside the article box. An editor who
    moves prose (longer than ``template.SHORT``) or one short line still makes a change.
    """
    if (text.headline, text.standfirst, text.byline) != (
        previous.headline,
        previous.standfirst,
        previous.byline,
    ):
        return False
    old = [" ".join(p) for p in previous.paragraphs]
    new = [" ".join(p) for p in text.paragraphs]
    if old == new or sorted(old) != sorted(new):
        return False
    if not all(len(a) <= template.SHORT for a, b in zip(old, new, strict=True) if a != b):
        return False
    # one line (or one block) taken elsewhere is an editor's move, which is news; a list
    # shuffled needs more than one line moved to explain it
    return len(new) - _kept_in_order(old, new) > 1


def _kept_in_order(old: list[str], new: list[str]) -> int:
    """How many lines keep their order from ``old`` to ``new`` (a longest increasing run of
    their old positions)."""
    positions: dict[str, list[int]] = {}
    for i, line in enumerate(old):
        positions.setdefault(line, []).append(i)
    order = [positions[line].pop(0) for line in new]
    tails: list[int] = []
    for position in order:
        at = bisect.bisect_left(tails, position)
        tails[at : at + 1] = [position]
    return len(tails)


def _names(byline: str) -> frozenset[str]:
    return frozenset(n.strip().casefold() for n in byline.split(";") if n.strip())


def _collapsed(previous: ArticleText, new: ArticleText, settings: Settings) -> bool:
    return len(new.body) < settings.check.collapse_ratio * len(previous.body)


def _record_gone(
    rt: Runtime, snap: _Snapshot, result: FetchResult, started_at: datetime, started: float
) -> CheckOutcome:
    with unit_of_work(rt) as session:
        article = session.get_one(ArticleRow, snap.id)
        outcome = "gone"
        if article.status != "removed":
            article.status = "removed"
            outcome = "removed"
            if article.version_count:
                changes.add_change(
                    session,
                    article,
                    kind="removed",
                    detected_at=started_at,
                    diff=Diff(),
                    from_version=article.version_count,
                    to_version=None,
                    http_status=result.status,
                    flags=("removed",),
                    level=significance.level(("removed",)),
                )
        checks_store.record_check(
            session,
            article,
            url=result.url,
            started_at=started_at,
            duration_ms=_elapsed(started),
            http_status=result.status,
            outcome=outcome,
            error=f"HTTP {result.status}",
            plan=_plan(rt, article, outcome),
        )
    _log_outcome(snap.id, snap.url, outcome, None, None)
    return CheckOutcome(snap.id, snap.url, outcome, http_status=result.status)


def _record_plain(
    rt: Runtime,
    snap: _Snapshot,
    result: FetchResult,
    started_at: datetime,
    started: float,
    outcome: str,
    *,
    trusted_region: bool = False,
) -> CheckOutcome:
    """Record a check that found nothing to store: a 304, or an unchanged fingerprint."""
    with unit_of_work(rt) as session:
        checks_store.record_quiet_check(
            session,
            snap.state,
            url=result.url,
            started_at=started_at,
            duration_ms=_elapsed(started),
            http_status=result.status,
            outcome=outcome,
            plan=_plan(rt, snap.state, outcome),
            validators=None if result.not_modified else result.validators,
            trusted_region=trusted_region,
        )
    _log_outcome(snap.id, snap.url, outcome, None, None)
    return CheckOutcome(snap.id, snap.url, outcome, http_status=result.status)


async def _failed(
    rt: Runtime,
    snap: _Snapshot,
    started_at: datetime,
    started: float,
    status: int | None,
    exc: CheckError,
) -> CheckOutcome:
    return await asyncio.to_thread(_record_failure, rt, snap, started_at, started, status, exc)


def _record_failure(
    rt: Runtime,
    snap: _Snapshot,
    started_at: datetime,
    started: float,
    status: int | None,
    exc: CheckError,
) -> CheckOutcome:
    """Record a check that produced no text: ``exc.outcome`` says how (usually "failed")."""
    error, outcome = str(exc), exc.outcome
    with unit_of_work(rt) as session:
        article = session.get(ArticleRow, snap.id)
        if article is not None:
            checks_store.record_check(
                session,
                article,
                url=snap.url,
                started_at=started_at,
                duration_ms=_elapsed(started),
                http_status=status,
                outcome=outcome,
                error=error,
                plan=_plan(rt, article, outcome),
            )
    _log_outcome(snap.id, snap.url, outcome, None, error)
    return CheckOutcome(snap.id, snap.url, outcome, http_status=status, error=error)


def _elapsed(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _log_outcome(
    article_id: int, url: str, outcome: str, summary: ChangeSummary | None, error: str | None
) -> None:
    if outcome == "failed":
        log.warning("check %d %s failed: %s", article_id, url, error)
    elif summary is not None:
        log.info("check %d %s changed: %s", article_id, url, summary.describe())
    else:
        log.info("check %d %s %s", article_id, url, outcome)


# --- a whole pass --------------------------------------------------------------------------


async def poll_sources(rt: Runtime, sources: Sequence[Source]) -> list[PollOutcome]:
    """Fetch feeds concurrently, then store them in the given order.

    Storing in order keeps article ids independent of which server answered first.
    """
    from versiontrack import harvest  # feeds, sitemaps and front pages (imports this module)

    fetched = await asyncio.gather(*(harvest.fetch_source(rt, s) for s in sources))
    return [await asyncio.to_thread(harvest.store_source, rt, f) for f in fetched]


async def check_safely(rt: Runtime, article_id: int) -> CheckOutcome:
    """``check_article``, with a crash on one page turned into a failed outcome.

    The crashed article keeps its lease until it expires, which spaces out retries of a page
    that triggers a bug instead of hammering it every tick.
    """
    try:
        return await check_article(rt, article_id)
    except Exception as exc:  # a bug on one page must not lose the rest of the pass
        log.exception("check %d crashed", article_id)
        return CheckOutcome(article_id, "", "failed", error=f"internal error: {exc!r}")


def claim(
    rt: Runtime,
    *,
    limit: int | None = None,
    force: bool = False,
    article_ids: Sequence[int] | None = None,
) -> list[int]:
    """Lease due articles (or all, or the named ones) to this worker."""
    with unit_of_work(rt) as session:
        return _claim_due(session, rt, rt.clock(), limit=limit, force=force, ids=article_ids)


def _claim_due(
    session: Session,
    rt: Runtime,
    now: datetime,
    *,
    limit: int | None = None,
    force: bool = False,
    ids: Sequence[int] | None = None,
) -> list[int]:
    return schedule.claim_due(
        session,
        now=now,
        owner=rt.owner,
        lease_seconds=rt.settings.daemon.lease,
        limit=limit,
        force=force,
        ids=ids,
    )


def recover_dead_leases(session: Session) -> int:
    """Free the leases of stopped workers of this host (a killed pass or daemon)."""
    freed = schedule.recover_leases(session, socket.gethostname(), owner_alive)
    if freed:
        log.info("recovered %d leases left by stopped workers on this host", freed)
    return freed


async def start_pass(
    rt: Runtime, *, force: bool = False, article_ids: Sequence[int] | None = None
) -> tuple[list[PollOutcome], list[int], int]:
    """The first half of a pass, as ``versiontrack check`` runs it: poll every source (unless
    specific articles are named), then claim the due articles (or all, or the named ones).

    Returns the polls, the claimed articles and how many more the pass wanted but a live
    worker holds. Leases of dead workers of this host (a killed pass or daemon) are freed
    first: their articles are claimed now instead of skipped until the leases expire.
    """
    with unit_of_work(rt) as session:
        sources_store.sync_sources(session, rt.settings.sources, rt.clock())
    polls = await poll_sources(rt, rt.settings.sources) if article_ids is None else []
    due, held = await asyncio.to_thread(_claim_pass, rt, force, article_ids)
    return polls, due, held


def _claim_pass(
    rt: Runtime, force: bool, article_ids: Sequence[int] | None
) -> tuple[list[int], int]:
    with unit_of_work(rt) as session:
        recover_dead_leases(session)
        now = rt.clock()
        due = _claim_due(session, rt, now, force=force, ids=article_ids)
        held = schedule.held_by_others(
            session, now=now, owner=rt.owner, force=force, ids=article_ids
        )
    if held:
        log.warning("%d articles left alone: another worker is checking them", held)
    return due, held


async def check_claimed(
    rt: Runtime,
    due: Sequence[int],
    on_progress: Callable[[CheckOutcome], None] | None = None,
) -> list[CheckOutcome]:
    """Check claimed articles, in this process; outcomes in the order of ``due``."""
    if len(due) < POOL_MIN_CHECKS:
        rt = dataclasses.replace(rt, cpu=None)
    # Checks in flight are bounded: the Fetcher limits requests, but unbounded checks would
    # pile fetched pages up in the worker threads' queue (memory grows with the pass) and
    # starve the name lookups that share it (connect timeouts on big passes).
    in_flight = asyncio.Semaphore(IN_FLIGHT_PER_FETCH * rt.settings.fetch.concurrency)

    async def one(article_id: int) -> CheckOutcome:
        async with in_flight:
            outcome = await check_safely(rt, article_id)
        if on_progress:
            on_progress(outcome)
        return outcome

    return list(await asyncio.gather(*(one(i) for i in due)))
