"""The value types that flow through the pipeline.

Every stage takes and returns these frozen dataclasses, so stages stay pure functions of their
input and the store layer is the only place that knows about rows. Nothing here does I/O.

Flow: ``Source`` → (discover) ``FeedItem`` → (fetch) ``FetchResult`` → (extract) ``Extracted``
→ (text) ``ArticleText`` → (diff) ``Diff`` of ``FieldChange`` and ``SentenceOp`` → (store) a
change, read back for publishing as ``ChangeEntry``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

#: The article fields compared as wholes rather than sentence by sentence.
FIELDS: tuple[str, ...] = ("headline", "standfirst", "byline")

OpKind = Literal["added", "removed", "edited", "moved", "merged", "split"]
ChangeKind = Literal["edited", "removed", "restored", "url"]
#: What one article check did (``pipeline.context.CheckOutcome``): ``new`` (first version),
#: ``changed``, ``unchanged``, ``not_modified`` (HTTP 304), ``removed`` (started answering
#: 404/410), ``gone`` (still 404/410), ``restored``, ``duplicate`` (the URL turned out to be
#: another tracked article), ``failed`` or ``disallowed`` (robots.txt).
CheckOutcomeKind = Literal[
    "new",
    "changed",
    "unchanged",
    "not_modified",
    "removed",
    "gone",
    "restored",
    "duplicate",
    "failed",
    "disallowed",
]
#: What one feed poll did.
PollOutcomeKind = Literal["polled", "not_modified", "failed"]


@dataclass(frozen=True, slots=True)
class Source:
    """A news source from the config: a name, the feed that lists its articles, and its own
    extraction overrides."""

    name: str
    feed: str | None  # None: the source lists its articles only by sitemap or front page
    interval: int | None = None  # seconds between feed polls; None means the default
    selector: str | None = None  # CSS selector for the article body, tried before the extractor
    ignore: tuple[str, ...] = ()  # regexes: body lines (paragraphs) matching one are dropped
    sitemap: str | None = None  # a sitemap (index, urlset or Google News) listing articles
    front: str | None = None  # a front or section page whose links matching ``links`` are articles
    links: str | None = None  # regex an article URL on the front page matches (re.search)

    @property
    def listing_url(self) -> str:
        """The URL the source is known by: its feed, else its sitemap, else its front page."""
        return self.feed or self.sitemap or self.front or ""

    terms: tuple[str, ...] = ()  # watch terms of this source, beside ``[watch] terms``


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a source feed, with its URL already canonicalised."""

    url: str
    guid: str | None = None
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class Validators:
    """HTTP cache validators exactly as a server sent them (never invented locally)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Region:
    """Where an article sits in its page (an XPath, or a union of them) and the fingerprint of
    the page as its extraction read it (``versiontrack.fingerprint``)."""

    path: str
    digest: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome of one HTTP GET: final URL after redirects, status and raw body bytes."""

    url: str
    status: int
    content_type: str | None
    body: bytes
    validators: Validators = field(default_factory=Validators)
    elapsed_ms: int = 0
    origin: str = "live"  # "warc" or "wayback": a capture back-filled (versiontrack.archive)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True, slots=True)
class Extracted:
    """What the extractor found on an article page, before normalisation."""

    headline: str
    standfirst: str
    byline: str
    paragraphs: tuple[str, ...]
    canonical_url: str | None = None


@dataclass(frozen=True, slots=True)
class ArticleText:
    """One version's normalised text: fields plus body paragraphs split into sentences.

    ``content_hash`` is computed from the normalised fields and paragraph texts (not from the
    sentence split), so only a real change of wording makes a new version.
    """

    headline: str
    standfirst: str
    byline: str
    paragraphs: tuple[tuple[str, ...], ...]
    content_hash: str

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(s for paragraph in self.paragraphs for s in paragraph)

    @property
    def body(self) -> str:
        """The body as plain text: sentences joined by spaces, paragraphs by blank lines."""
        return "\n\n".join(" ".join(p) for p in self.paragraphs)

    def field(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A headline, standfirst or byline that differs between two versions.

    ``html`` is the word-level diff, escaped, with ``<del>``/``<ins>`` around the differences.
    """

    field: str
    old: str
    new: str
    html: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "html": self.html}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FieldChange:
        return cls(data["field"], data["old"], data["new"], data["html"])


@dataclass(frozen=True, slots=True)
class SentenceOp:
    """One sentence-level operation between two versions.

    Indexes count sentences across the whole body from 0. ``added`` has only new/new_index,
    ``removed`` only old/old_index; ``edited`` and ``moved`` have both. ``html`` renders the op
    (escaped; ``<del>``/``<ins>`` word highlights inside edits).

    ``merged``: consecutive old sentences became one new sentence; ``parts`` are their old
    indexes (``old_indexes`` in JSON), ``old`` their text joined by spaces and ``old_index``
    the first. ``split``: one old sentence became consecutive new ones, ``parts`` their new
    indexes (``new_indexes``), ``new`` their joined text and ``new_index`` the first.
    """

    op: OpKind
    old: str | None
    new: str | None
    old_index: int | None
    new_index: int | None
    html: str
    parts: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "op": self.op,
            "old": self.old,
            "new": self.new,
            "old_index": self.old_index,
            "new_index": self.new_index,
            "html": self.html,
        }
        if self.op == "merged":
            data["old_indexes"] = list(self.parts)
        elif self.op == "split":
            data["new_indexes"] = list(self.parts)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SentenceOp:
        parts = data.get("old_indexes") or data.get("new_indexes") or ()
        return cls(
            data["op"],
            data["old"],
            data["new"],
            data["old_index"],
            data["new_index"],
            data["html"],
            tuple(parts),
        )


@dataclass(frozen=True, slots=True)
class ChangeSummary:
    """Counts that describe a change without recomputing it: fields changed, sentence ops."""

    fields: tuple[str, ...] = ()
    added: int = 0
    removed: int = 0
    edited: int = 0
    moved: int = 0
    merged: int = 0
    split: int = 0

    @property
    def is_empty(self) -> bool:
        return not (
            self.fields
            or self.added
            or self.removed
            or self.edited
            or self.moved
            or self.merged
            or self.split
        )

    def describe(self) -> str:
        """Human wording, e.g. ``standfirst changed, 2 sentences added, 1 edited``."""
        parts = [f"{name} changed" for name in self.fields if name != "headline"]
        counts = [
            (n, verb)
            for n, verb in (
                (self.added, "added"),
                (self.removed, "removed"),
                (self.edited, "edited"),
                (self.moved, "moved"),
                (self.merged, "merged"),
                (self.split, "split"),
            )
            if n
        ]
        for i, (n, verb) in enumerate(counts):
            noun = (" sentence" if n == 1 else " sentences") if i == 0 else ""
            parts.append(f"{n}{noun} {verb}")
        if not parts:
            return "headline changed" if "headline" in self.fields else "no change"
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Counts by kind; ``merged`` and ``split`` only when there are some (older changes
        and most edits have none, and their JSON stays as it was)."""
        data: dict[str, Any] = {
            "fields": list(self.fields),
            "added": self.added,
            "removed": self.removed,
            "edited": self.edited,
            "moved": self.moved,
        }
        if self.merged:
            data["merged"] = self.merged
        if self.split:
            data["split"] = self.split
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeSummary:
        return cls(
            tuple(data.get("fields", ())),
            data.get("added", 0),
            data.get("removed", 0),
            data.get("edited", 0),
            data.get("moved", 0),
            data.get("merged", 0),
            data.get("split", 0),
        )


@dataclass(frozen=True, slots=True)
class Diff:
    """Everything that differs between two versions: field changes and sentence ops in order."""

    fields: tuple[FieldChange, ...] = ()
    ops: tuple[SentenceOp, ...] = ()

    @property
    def summary(self) -> ChangeSummary:
        def count(kind: str) -> int:
            return sum(1 for op in self.ops if op.op == kind)

        return ChangeSummary(
            tuple(f.field for f in self.fields),
            count("added"),
            count("removed"),
            count("edited"),
            count("moved"),
            count("merged"),
            count("split"),
        )

    @property
    def is_empty(self) -> bool:
        return not self.fields and not self.ops

    def field_change(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.field == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fields": [f.to_dict() for f in self.fields],
            "ops": [op.to_dict() for op in self.ops],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diff:
        return cls(
            tuple(FieldChange.from_dict(f) for f in data.get("fields", ())),
            tuple(SentenceOp.from_dict(op) for op in data.get("ops", ())),
        )


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """A stored change as the publishers see it: enough to title, describe and link it.

    ``from_version`` is None for a removal of an article that had no version; ``headline`` is
    the article's headline at ``to_version`` (or the last known one for a removal).
    """

    id: int
    article_id: int
    article_url: str
    source: str | None
    kind: ChangeKind
    from_version: int | None
    to_version: int | None
    detected_at: datetime
    headline: str
    summary: ChangeSummary
    diff: Diff
    http_status: int | None = None
    flags: tuple[str, ...] = ()  # significance flags, most significant first
    reverts_to: int | None = None  # a revert: the earlier version whose text came back
    archive_url: str | None = None  # the Wayback copy of ``to_version``'s page, once saved
