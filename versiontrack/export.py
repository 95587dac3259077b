"""``versiontrack export``: every stored version, streamed out for research.

Owns the two export formats and the sentence matching they share:

- ``jsonl``: one line per version, ``{article, url, source, version, fetched_at, headline,
  standfirst, byline, paragraphs, change}``; ``change`` is ``{flags, ops}`` with ops as
  ``diff --json`` prints them (null for an article's first version);
- ``newsedits``: an SQLite file in the NewsEdits layout (``store/newsedits.py``).

The ops of a version are the change stored when it was found, as long as they index the
stored texts exactly (they do, unless the source's learned template took lines out of the
comparison then); otherwise the two texts are diffed again. Versions are read one article at
a time (``store/stream.py``) and written as they come, so memory stays flat whatever the
size of the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Literal

from versiontrack import significance
from versiontrack.diff.pairing import similarity
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText, Diff, SentenceOp
from versiontrack.errors import NotFound
from versiontrack.service.models import iso
from versiontrack.store import sources, stream
from versiontrack.store.engine import Database
from versiontrack.store.newsedits import Match, NewsEditsWriter

Format = Literal["jsonl", "newsedits"]


@dataclass(frozen=True, slots=True)
class Exported:
    articles: int
    versions: int


def matching(
    ops: Sequence[SentenceOp], old: Sequence[str], new: Sequence[str]
) -> list[Match] | None:
    """Every sentence of ``old`` and ``new`` matched as the ops say, the sentences no op
    names paired in order as unchanged; None when the ops do not fit these two texts."""
    matches: list[Match] = []
    used_old: set[int] = set()
    used_new: set[int] = set()

    def fits(i: int | None, j: int | None, old_text: str | None, new_text: str | None) -> bool:
        if (i is not None and not (0 <= i < len(old))) or (
            j is not None and not (0 <= j < len(new))
        ):
            return False
        return (i is None or old_text is None or old[i] in old_text) and (
            j is None or new_text is None or new[j] in new_text
        )

    for op in ops:
        i, j = op.old_index, op.new_index
        if op.op in ("merged", "split"):
            olds = op.parts if op.op == "merged" else (i,)
            news = op.parts if op.op == "split" else (j,)
            for x in olds:
                for y in news:
                    if x is None or y is None or not fits(x, y, op.old, op.new):
                        return None
                    matches.append((x, y, 1 - similarity(old[x], new[y]), op.op))
            used_old.update(x for x in olds if x is not None)
            used_new.update(y for y in news if y is not None)
            continue
        if not fits(i, j, op.old, op.new):
            return None
        if op.op == "added":
            matches.append((None, j, None, "added"))
        elif op.op == "removed":
            matches.append((i, None, None, "deleted"))
        elif i is not None and j is not None:
            distance = 0.0 if op.op == "moved" else 1 - similarity(old[i], new[j])
            matches.append((i, j, distance, op.op))
        if i is not None:
            used_old.add(i)
        if j is not None:
            used_new.add(j)
    rest_old = [i for i in range(len(old)) if i not in used_old]
    rest_new = [j for j in range(len(new)) if j not in used_new]
    if len(rest_old) != len(rest_new) or any(
        old[i] != new[j] for i, j in zip(rest_old, rest_new, strict=True)
    ):
        return None
    matches += [(i, j, 0.0, "unchanged") for i, j in zip(rest_old, rest_new, strict=True)]
    # old sentences in their order, then the added ones in theirs
    matches.sort(key=lambda m: (m[0] is None, m[0] or 0, -1 if m[1] is None else m[1]))
    return matches


def counts(matches: Sequence[Match], ops: Sequence[SentenceOp]) -> dict[str, int]:
    """The per-pair counts of ``edit_counts``: merges and splits once each, not per row."""
    kinds = [op.op for op in ops]
    return {
        "added": kinds.count("added"),
        "deleted": kinds.count("removed"),
        "edited": kinds.count("edited"),
        "moved": kinds.count("moved"),
        "merged": kinds.count("merged"),
        "split": kinds.count("split"),
        "unchanged": sum(1 for m in matches if m[3] == "unchanged"),
    }


def change_of(
    old: ArticleText, new: ArticleText, stored: tuple[list[str], dict[str, Any]] | None
) -> tuple[list[str], Diff, list[Match]]:
    """Flags, diff and sentence matching between two consecutive versions: the stored change
    when it fits the texts, else a fresh diff."""
    if stored is not None:
        flags, data = stored
        diff = Diff.from_dict(data)
        found = matching(diff.ops, old.sentences, new.sentences)
        if found is not None:
            return flags, diff, found
    diff = diff_texts(old, new)
    found = matching(diff.ops, old.sentences, new.sentences)
    assert found is not None, "a fresh diff always fits its own texts"
    return significance.rank(significance.classify(diff)), diff, found


def export(
    db: Database,
    fmt: Format,
    out: Path,
    *,
    source: str | None = None,
    since: datetime | None = None,
    on_total: Callable[[int], None] | None = None,
    on_version: Callable[[], None] | None = None,
) -> Exported:
    """Write every version (of ``source``, fetched at or after ``since``) to ``out``."""
    articles = versions = 0
    with db.sessions() as session:
        if source is not None and sources.source_by_name(session, source) is None:
            raise NotFound(f"no source named {source!r}")
        if on_total is not None:
            on_total(stream.count_versions(session, source=source, since=since))
        if fmt == "jsonl":
            sink: _Sink = _JsonLines(out.open("w", encoding="utf-8"))
        else:
            sink = _NewsEdits(NewsEditsWriter(out))
        with sink:
            for ref in stream.articles(session, source=source, since=since):
                stored = stream.stored_changes(session, ref.id)
                previous: stream.StoredVersion | None = None
                wrote = False
                for version in stream.versions(session, ref.id):
                    change = None
                    if previous is not None:
                        change = change_of(previous.text, version.text, stored.get(version.number))
                    if since is None or version.fetched_at >= since:
                        sink.write(ref, version, previous, change)
                        versions += 1
                        wrote = True
                        if on_version is not None:
                            on_version()
                    previous = version
                articles += wrote
    return Exported(articles, versions)


Change = tuple[list[str], Diff, list[Match]] | None


class _Sink:
    def write(
        self,
        ref: stream.ArticleRef,
        version: stream.StoredVersion,
        previous: stream.StoredVersion | None,
        change: Change,
    ) -> None:
        raise NotImplementedError

    def __enter__(self) -> _Sink:
        return self

    def __exit__(self, *exc: object) -> None:
        raise NotImplementedError


class _JsonLines(_Sink):
    def __init__(self, file: IO[str]) -> None:
        self._file = file

    def write(
        self,
        ref: stream.ArticleRef,
        version: stream.StoredVersion,
        previous: stream.StoredVersion | None,
        change: Change,
    ) -> None:
        t = version.text
        line = {
            "article": ref.id,
            "url": ref.url,
            "source": ref.source,
            "version": version.number,
            "fetched_at": iso(version.fetched_at),
            "headline": t.headline,
            "standfirst": t.standfirst,
            "byline": t.byline,
            "paragraphs": [list(p) for p in t.paragraphs],
            "origin": version.origin,
            "archive_url": version.archive_url,
            "change": None
            if change is None
            else {"flags": change[0], "ops": [op.to_dict() for op in change[1].ops]},
        }
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")

    def __exit__(self, *exc: object) -> None:
        self._file.close()


class _NewsEdits(_Sink):
    def __init__(self, writer: NewsEditsWriter) -> None:
        self._writer = writer

    def write(
        self,
        ref: stream.ArticleRef,
        version: stream.StoredVersion,
        previous: stream.StoredVersion | None,
        change: Change,
    ) -> None:
        t = version.text
        self._writer.version(
            entry_id=ref.id,
            version=version.number,
            title=t.headline,
            url=ref.url,
            created=iso(version.fetched_at) or "",
            source=ref.source,
            num_versions=ref.versions,
            standfirst=t.standfirst,
            byline=t.byline,
            content_hash=t.content_hash,
            archive_url=version.archive_url,
            paragraphs=t.paragraphs,
        )
        if change is not None and previous is not None:
            _flags, diff, matches = change
            self._writer.pair(
                entry_id=ref.id,
                version_x=previous.number,
                version_y=version.number,
                matches=matches,
                counts=counts(matches, diff.ops),
            )

    def __exit__(self, *exc: object) -> None:
        self._writer.__exit__(*exc)  # type: ignore[arg-type]
