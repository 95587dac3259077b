"""The NewsEdits layout: an SQLite file shaped like the NewsEdits release (Spangher et al.,
NAACL 2022), written by ``versiontrack export --format newsedits``.

Owns that file's schema and its inserts (and nothing of versiontrack's own database):

- ``entryversion`` (also readable as the view ``versions``): one row per version,
  ``entry_id, version, title, url, created, source, num_versions, standfirst, byline,
  content_hash, archive_url``;
- ``split_sentences(entry_id, version, sent_idx, sentence, paragraph_idx)``: the body, one
  sentence per row, ``sent_idx`` counting from 0 across the body;
- ``matched_sentences(entry_id, version_x, version_y, sent_idx_x, sent_idx_y,
  avg_sentence_distance_x, avg_sentence_distance_y, label)``: versiontrack's sentence pairing
  of each version with the next (``version_y = version_x + 1``). An added sentence has a null
  ``sent_idx_x``, a deleted one a null ``sent_idx_y``; a merge has one row per old sentence,
  a split one per new sentence; the distance is 1 − similarity (0 for unchanged and moved);
- ``edit_counts(entry_id, version_x, version_y, added, deleted, edited, moved, merged, split,
  unchanged)``: the per-pair counts.

Version numbers are versiontrack's (1-based), so they match ``versiontrack show --version``.
Rows are inserted in batches and committed every ``COMMIT_EVERY`` versions, so writing takes
flat memory.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

COMMIT_EVERY = 2000

_SCHEMA = """
CREATE TABLE entryversion (
    entry_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    title TEXT,
    url TEXT,
    created TEXT,
    source TEXT,
    num_versions INTEGER,
    standfirst TEXT,
    byline TEXT,
    content_hash TEXT,
    archive_url TEXT,
    PRIMARY KEY (entry_id, version)
);
CREATE VIEW versions AS SELECT * FROM entryversion;
CREATE TABLE split_sentences (
    entry_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    sent_idx INTEGER NOT NULL,
    sentence TEXT NOT NULL,
    paragraph_idx INTEGER NOT NULL,
    PRIMARY KEY (entry_id, version, sent_idx)
);
CREATE TABLE matched_sentences (
    entry_id INTEGER NOT NULL,
    version_x INTEGER NOT NULL,
    version_y INTEGER NOT NULL,
    sent_idx_x INTEGER,
    sent_idx_y INTEGER,
    avg_sentence_distance_x REAL,
    avg_sentence_distance_y REAL,
    label TEXT NOT NULL
);
CREATE INDEX ix_matched_sentences_pair ON matched_sentences (entry_id, version_x, version_y);
CREATE TABLE edit_counts (
    entry_id INTEGER NOT NULL,
    version_x INTEGER NOT NULL,
    version_y INTEGER NOT NULL,
    added INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    edited INTEGER NOT NULL,
    moved INTEGER NOT NULL,
    merged INTEGER NOT NULL,
    split INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    PRIMARY KEY (entry_id, version_x, version_y)
);
"""

#: ``matched_sentences`` row: sent_idx_x, sent_idx_y, distance, label.
Match = tuple[int | None, int | None, float | None, str]


class NewsEditsWriter:
    """Writes one NewsEdits-layout file; use as a context manager (commits on success)."""

    def __init__(self, path: Path) -> None:
        if path.exists():
            path.unlink()
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self._pending = 0

    def __enter__(self) -> NewsEditsWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._db.commit()
        self._db.close()

    def version(
        self,
        *,
        entry_id: int,
        version: int,
        title: str,
        url: str,
        created: str,
        source: str | None,
        num_versions: int,
        standfirst: str,
        byline: str,
        content_hash: str,
        archive_url: str | None,
        paragraphs: Sequence[Sequence[str]],
    ) -> None:
        self._db.execute(
            "INSERT INTO entryversion VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                version,
                title,
                url,
                created,
                source,
                num_versions,
                standfirst,
                byline,
                content_hash,
                archive_url,
            ),
        )
        rows = []
        n = 0
        for p, paragraph in enumerate(paragraphs):
            for sentence in paragraph:
                rows.append((entry_id, version, n, sentence, p))
                n += 1
        self._db.executemany("INSERT INTO split_sentences VALUES (?, ?, ?, ?, ?)", rows)
        self._pending += 1
        if self._pending >= COMMIT_EVERY:
            self._db.commit()
            self._pending = 0

    def pair(
        self,
        *,
        entry_id: int,
        version_x: int,
        version_y: int,
        matches: Sequence[Match],
        counts: dict[str, int],
    ) -> None:
        self._db.executemany(
            "INSERT INTO matched_sentences VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (entry_id, version_x, version_y, x, y, distance, distance, label)
                for x, y, distance, label in matches
            ],
        )
        self._db.execute(
            "INSERT INTO edit_counts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                version_x,
                version_y,
                counts["added"],
                counts["deleted"],
                counts["edited"],
                counts["moved"],
                counts["merged"],
                counts["split"],
                counts["unchanged"],
            ),
        )
