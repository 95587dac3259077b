"""``python -m bench search``: search latency and export memory on a large database.

Builds (once, cached under ``bench/.cache/``) a database of ``--versions`` versions (default
100,000: 20,000 articles of five versions, about 30 sentences each, two or three sentences
edited, added or removed per version, a change stored for each) through the real store path
(``versions.add_version`` writes the search index in the version's transaction). Then:

- search: each query's median and worst of ``--runs`` calls of ``research.search`` (a session
  opened per call, as the CLI does), from a rare phrase to a word in most articles;
- export: ``versiontrack export`` as a child process for each format, at a fifth of the
  versions (``--source``) and at all of them, with its wall time and peak RSS, to show that
  memory does not grow with the number of versions.

Example:

    python -m bench search                       # 100k versions on SQLite
    python -m bench search --versions 20000 --skip-export
    python -m bench search --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text as sql

from versiontrack import research
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import Extracted
from versiontrack.service import database
from versiontrack.settings import settings_from_dict
from versiontrack.store import articles as articles_store
from versiontrack.store import changes, sources
from versiontrack.store import versions as versions_store
from versiontrack.store.engine import make_engine
from versiontrack.text import normalise

CACHE = Path(__file__).resolve().parent / ".cache"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SOURCES = 5
VERSIONS_PER_ARTICLE = 5
QUOTE = "They will surely return in body bags, the envoy told the council."

_COMMON = (
    "the of and to a in that said for on was with as it at by from his has have are were "
    "be an this which who but they their not after had been would about its more also will"
).split()


def _vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    letters = "abcdefghijklmnoprstuvwy"
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(4, 10))))
    return sorted(words)


class Writer:
    """Sentences with news-like word frequencies: common words, then a long tail."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = _vocabulary(random.Random("vocabulary"))

    def sentence(self) -> str:
        rng = self.rng
        words = []
        for _ in range(rng.randint(12, 26)):
            if rng.random() < 0.45:
                words.append(rng.choice(_COMMON))
            else:
                # a Zipf-like pick: low ranks far more often
                rank = int(len(self.vocabulary) * rng.random() ** 3)
                words.append(self.vocabulary[rank])
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), f"{rng.randint(2, 90) * 100:,}")
        return " ".join(words).capitalize() + "."


def build(url: str, versions: int) -> None:
    """Fill the database at ``url`` with ``versions`` versions (see the module docstring)."""
    articles = versions // VERSIONS_PER_ARTICLE
    settings = settings_from_dict(
        {
            "database": {"url": url},
            "sources": [
                {"name": f"source{s}", "feed": f"https://s{s}.example.org/feed.xml"}
                for s in range(SOURCES)
            ],
        }
    )
    writer = Writer(1)
    rng = writer.rng
    started = time.perf_counter()
    with database.open_database(settings) as db:
        with db.sessions() as session, session.begin():
            sources.sync_sources(session, settings.sources, EPOCH)
            source_ids = [
                sources.source_by_name(session, f"source{s}").id  # type: ignore[union-attr]
                for s in range(SOURCES)
            ]
        for a in range(articles):
            with db.sessions() as session, session.begin():
                when = EPOCH + timedelta(minutes=a)
                row = articles_store.add_article(
                    session,
                    f"https://s{a % SOURCES}.example.org/news/{a}",
                    now=when,
                    source_id=source_ids[a % SOURCES],
                )
                paragraphs = [
                    [writer.sentence() for _ in range(rng.randint(1, 3))]
                    for _ in range(rng.randint(10, 16))
                ]
                quoted = a % 1000 == 7  # one article in a thousand carries the quote, for a while
                if quoted:
                    paragraphs[1].append(QUOTE)
                headline = writer.sentence()[:-1]
                previous = None
                for n in range(1, VERSIONS_PER_ARTICLE + 1):
                    if n > 1:
                        _edit(writer, paragraphs)
                        if quoted and n == 3 and QUOTE in paragraphs[1]:
                            paragraphs[1].remove(QUOTE)
                    text = normalise(
                        Extracted(headline, "", "", tuple(" ".join(p) for p in paragraphs))
                    )
                    at = when + timedelta(hours=n - 1)
                    versions_store.add_version(
                        session,
                        row,
                        text,
                        fetched_at=at,
                        extractor_version="bench",
                        previous=previous,
                    )
                    if previous is not None:
                        diff = diff_texts(previous, text)
                        changes.add_change(
                            session,
                            row,
                            kind="edited",
                            detected_at=at,
                            diff=diff,
                            from_version=n - 1,
                            to_version=n,
                            flags=(),
                            level=1,  # minor: the bench searches sentences, not levels
                        )
                    previous = text
            if a and a % 2000 == 0:
                rate = a * VERSIONS_PER_ARTICLE / (time.perf_counter() - started)
                print(f"  built {a * VERSIONS_PER_ARTICLE:,} versions ({rate:,.0f}/s)", flush=True)


def copy(source_url: str, target_url: str) -> None:
    """Copy a built database (sources, articles, versions, changes, search index) into an
    empty, migrated one, e.g. SQLite into PostgreSQL: faster than building again."""
    from sqlalchemy import insert, select

    from versiontrack.store.schema import Base

    settings = settings_from_dict({"database": {"url": target_url}})
    with database.open_database(settings):
        pass  # creates the schema
    source, target = make_engine(source_url), make_engine(target_url)
    names = ("sources", "articles", "article_urls", "versions", "changes", "search_sentences")
    with source.connect() as read, target.begin() as write:
        for name in names:
            table = Base.metadata.tables[name]
            rows = read.execute(select(table)).mappings()
            while chunk := rows.fetchmany(5000):
                write.execute(insert(table), [dict(row) for row in chunk])
            if target.dialect.name == "postgresql":
                write.execute(
                    sql(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {name}))"
                    )
                )
            print(f"  copied {name}", flush=True)
        if target.dialect.name == "postgresql":
            write.execute(sql("ANALYZE"))
    source.dispose()
    target.dispose()


def _edit(writer: Writer, paragraphs: list[list[str]]) -> None:
    rng = writer.rng
    for _ in range(rng.randint(2, 3)):
        p = rng.choice(paragraphs)
        roll = rng.random()
        k = rng.randrange(len(p))
        if roll < 0.4:
            words = p[k].split()
            words[rng.randrange(len(words))] = rng.choice(writer.vocabulary)
            p[k] = " ".join(words)
        elif roll < 0.7:
            p.insert(rng.randint(0, len(p)), writer.sentence())
        elif len(p) > 1:
            del p[k]


QUERIES = (
    ("a rare phrase", f'"{QUOTE.split(",")[0]}"', False),
    ("the same, --removed", '"surely return in body bags"', True),
    ("one rare word", "", False),
    ("two words", "", False),
    ("a word in most articles", "", False),
)


def _queries(writer: Writer) -> list[tuple[str, str, bool]]:
    v = writer.vocabulary
    # by construction rank r is drawn with probability ~ (r/size)^(1/3) steps: low ranks common
    return [
        QUERIES[0],
        QUERIES[1],
        ("one rare word", v[len(v) - 3], False),
        ("two words", f"{v[40]} {v[90]}", False),
        ("a word in most articles", v[0], False),
    ]


def measure_search(url: str, runs: int) -> list[tuple[str, str, int, float, float]]:
    settings = settings_from_dict({"database": {"url": url}})
    rows = []
    with database.open_database(settings) as db:
        for label, query, removed in _queries(Writer(1)):
            research.search(db, query, removed=removed)  # warm the cache
            times = []
            hits = 0
            for _ in range(runs):
                start = time.perf_counter()
                hits = len(research.search(db, query, removed=removed))
                times.append((time.perf_counter() - start) * 1000)
            rows.append((label, query, hits, statistics.median(times), max(times)))
    return rows


_CHILD = """
import resource, sys
from versiontrack.cli import main
sys.argv = ["versiontrack", *sys.argv[1:]]
try:
    main()
finally:
    print("peak-rss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def measure_export(url: str, fmt: str, out: Path, source: str | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one ``versiontrack export`` child process."""
    command = [sys.executable, "-c", _CHILD, "--db", url, "export", "--format", fmt]
    if source:
        command += ["--source", source]
    start = time.perf_counter()
    done = subprocess.run([*command, str(out)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("peak-rss")
    )
    return seconds, peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench search", description=__doc__)
    parser.add_argument("--versions", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a cached SQLite file)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--copy-from", metavar="URL", help="fill an empty --db by copying this built database"
    )
    args = parser.parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    url = args.db or f"sqlite:///{CACHE / f'search-{args.versions}.db'}"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            have = connection.execute(sql("SELECT count(*) FROM versions")).scalar()
    except Exception:
        have = 0
    engine.dispose()
    if have != args.versions:
        if have:
            raise SystemExit(f"{url} holds {have} versions, not {args.versions}: use another")
        if args.copy_from:
            print(f"copying {args.copy_from} into {url} …", flush=True)
            copy(args.copy_from, url)
        else:
            print(f"building {args.versions:,} versions into {url} …", flush=True)
            build(url, args.versions)
    settings = settings_from_dict({"database": {"url": url}})
    with database.open_database(settings) as db, db.sessions() as session:
        sentences = session.execute(sql("SELECT count(*) FROM search_sentences")).scalar()
    print(f"\n{args.versions:,} versions, {sentences:,} indexed sentences ({url})\n")
    print(f"{'search':28} {'hits':>5} {'median ms':>10} {'worst ms':>9}  query")
    for label, query, hits, median, worst in measure_search(url, args.runs):
        print(f"{label:28} {hits:5d} {median:10.1f} {worst:9.1f}  {query}")
    if args.skip_export:
        return 0
    print(f"\n{'export':28} {'versions':>9} {'seconds':>8} {'peak RSS MB':>12}")
    for fmt, ext in (("jsonl", "jsonl"), ("newsedits", "db")):
        for source, share in (("source0", args.versions // SOURCES), (None, args.versions)):
            out = CACHE / f"export.{ext}"
            seconds, peak = measure_export(url, fmt, out, source)
            print(f"{fmt:28} {share:9,d} {seconds:8.1f} {peak:12.0f}")
            out.unlink()
    return 0
