"""Micro-benchmarks of the pipeline's stages: extraction, sentence diff, storage.

* ``extraction``: ``extract.extract`` + ``text.normalise`` on corpus pages (80–150 KB), CPU per
  page in one process, then throughput with a 2-process pool (both cores); plus the floor any
  HTML-reading fast path pays (lxml parse alone) and the cost of hashing the raw bytes; and
  the unchanged-check fast path (``bench.fastpath``: ``versiontrack.fingerprint``).
* ``sentence_diff``: ``diff.diff_texts`` on a 500-sentence article with 5% of the sentences
  edited, 100% edited, and 100% rewritten.
* ``storage``: a 58 KB article stored 20 times with small edits through
  ``versions.add_version`` on SQLite: body bytes per version, and ``versions.version_text`` time
  for every version; plus what other chain layouts would cost (computed with zstd directly);
  and the store side of a check (``record_path``): ``pipeline.record`` storing a first
  version, an edited version, an unchanged text and a quiet check for each of 100 corpus
  articles on a SQLite file: CPU per call and statements per call.
"""

from __future__ import annotations

import hashlib
import random
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import lxml.html
import zstandard
from sqlalchemy import event

from bench import corpus, fastpath
from bench.measure import percentile, repeat_cpu_ms
from versiontrack import extract, text, urls
from versiontrack.diff.texts import diff_texts
from versiontrack.domain import ArticleText, Extracted, FetchResult
from versiontrack.pipeline import record
from versiontrack.pipeline.context import Runtime
from versiontrack.settings import settings_from_dict
from versiontrack.store import articles, checks, codec
from versiontrack.store import versions as versions_store
from versiontrack.store.schema import ArticleRow

BASE_URL = "http://127.0.0.1:8080"


def _stats(values: list[float]) -> dict[str, float | None]:
    return {
        "median": round(statistics.median(values), 3) if values else None,
        "p90": round(p, 3) if (p := percentile(values, 90)) is not None else None,
        "max": round(max(values), 3) if values else None,
    }


# --- extraction ----------------------------------------------------------------------------


def sample_pages(count: int, step: int = 1) -> list[tuple[str, bytes]]:
    """``count`` rendered pages (URL, bytes), the five sites in turn."""
    bc = corpus.build(max(count, 5), 1)
    return [
        (corpus.page_url(BASE_URL, a), corpus.render_page(bc, a, step, BASE_URL).encode())
        for a in bc.articles[:count]
    ]


def _extract_one(item: tuple[str, bytes]) -> tuple[str, float]:
    url, body = item
    start = time.thread_time()
    result = text.normalise(extract.extract(body, url))
    return result.content_hash, (time.thread_time() - start) * 1000


def _warm(page: tuple[str, bytes]) -> None:
    """Pool initializer: one real extraction, so trafilatura's lazy start-up is not timed."""
    _extract_one(page)


def _ready(_: int) -> int:
    return 0


def extraction(pages: int = 100, pool_tasks: int = 200) -> dict[str, Any]:
    sample = sample_pages(pages)
    sizes = [len(b) for _, b in sample]
    for item in sample[:5]:
        _extract_one(item)  # warm-up: lazy imports and caches
    full, ext, norm, parse, hashing = [], [], [], [], []
    for url, body in sample:
        t0 = time.thread_time()
        extracted = extract.extract(body, url)
        t1 = time.thread_time()
        text.normalise(extracted)
        t2 = time.thread_time()
        lxml.html.document_fromstring(body)
        t3 = time.thread_time()
        hashlib.blake2b(body).hexdigest()
        t4 = time.thread_time()
        ext.append((t1 - t0) * 1000)
        norm.append((t2 - t1) * 1000)
        full.append((t2 - t0) * 1000)
        parse.append((t3 - t2) * 1000)
        hashing.append((t4 - t3) * 1000)
    work = [sample[i % len(sample)] for i in range(pool_tasks)]
    with ProcessPoolExecutor(max_workers=2, initializer=_warm, initargs=(sample[0],)) as pool:
        list(pool.map(_ready, range(4)))  # both workers started and warmed
        start = time.perf_counter()
        done = list(pool.map(_extract_one, work, chunksize=4))
        wall = time.perf_counter() - start
    pool_cpu = [ms for _, ms in done]
    single_rate = 1000 / statistics.median(full)
    return {
        "pages": len(sample),
        "page_kb": _stats([s / 1000 for s in sizes]),
        "cpu_ms_per_page": _stats(full),
        "extract_ms": _stats(ext),
        "normalise_ms": _stats(norm),
        "lxml_parse_ms": _stats(parse),
        "blake2b_raw_ms": _stats(hashing),
        "one_process_pages_per_s": round(single_rate, 1),
        "two_process_pages_per_s": round(pool_tasks / wall, 1),
        "two_process_cpu_ms_per_page": round(statistics.mean(pool_cpu), 3),
        "two_process_speedup": round((pool_tasks / wall) / single_rate, 2),
        "fast_path": fastpath.measure(pages, realism="news"),
        "fast_path_lean": fastpath.measure(pages, realism="lean"),
    }


# --- sentence diff -------------------------------------------------------------------------


def article_text(sentences: list[str], per_paragraph: int = 5) -> ArticleText:
    """An ``ArticleText`` with exactly these sentences (no re-splitting), five a paragraph."""
    paragraphs = tuple(
        tuple(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph)
    )
    fields = ("A headline for the bench", "A standfirst.", "Bench Staff")
    digest = text.content_hash(*fields, [" ".join(p) for p in paragraphs])
    return ArticleText(*fields, paragraphs=paragraphs, content_hash=digest)


def _normalised(sentences: list[str], per_paragraph: int = 5) -> ArticleText:
    paragraphs = tuple(
        " ".join(sentences[i : i + per_paragraph]) for i in range(0, len(sentences), per_paragraph)
    )
    return text.normalise(Extracted("A headline", "A standfirst.", "Bench Staff", paragraphs))


def _reword(sentence: str, rng: random.Random) -> str:
    words = sentence.split(" ")
    k = rng.randrange(1, len(words)) if len(words) > 1 else 0
    words[k] = rng.choice(("reportedly", "officially", "quietly", "publicly", "formally"))
    return " ".join(words)


def sentence_diff(sentences: int = 500, repeats: int = 7) -> dict[str, Any]:
    rng = random.Random("diff")
    base = corpus.synthetic_sentences(sentences, "diff")
    old = article_text(base)
    edited5 = list(base)
    for i in range(0, sentences, 20):  # 5%
        edited5[i] = _reword(edited5[i], rng)
    edited_all = [_reword(s, rng) for s in base]
    rewritten = corpus.synthetic_sentences(sentences, "rewritten")
    cases = {
        "changed_5pct": article_text(edited5),
        "changed_100pct": article_text(edited_all),
        "rewritten_100pct": article_text(rewritten),
    }
    out: dict[str, Any] = {"sentences": len(old.sentences)}
    for name, new in cases.items():
        times = repeat_cpu_ms(lambda new=new: diff_texts(old, new), repeats)
        summary = diff_texts(old, new).summary.to_dict()
        out[name] = {"cpu_ms": _stats(times), "summary": summary}
    norm = repeat_cpu_ms(lambda: _normalised(base), repeats)
    out["normalise_500_ms"] = _stats(norm)
    return out


# --- storage -------------------------------------------------------------------------------


def long_article(target_bytes: int = 58_000) -> ArticleText:
    """An article whose stored (serialised) form is about ``target_bytes``."""
    count = 200
    while True:
        candidate = article_text(corpus.synthetic_sentences(count, "storage"), 4)
        size = len(text.serialize(candidate).encode("utf-8"))
        if size >= target_bytes:
            return candidate
        count = int(count * target_bytes / size) + 5


def _small_edit(previous: ArticleText, rng: random.Random, number: int) -> ArticleText:
    paragraphs = [list(p) for p in previous.paragraphs]
    i = rng.randrange(len(paragraphs))
    j = rng.randrange(len(paragraphs[i]))
    if number % 5 == 0:
        paragraphs[i].append(f"A correction was appended to this article in revision {number}.")
    elif number % 7 == 0 and len(paragraphs[i]) > 1:
        del paragraphs[i][j]
    else:
        paragraphs[i][j] = _reword(paragraphs[i][j], rng)
    kept = tuple(tuple(p) for p in paragraphs if p)
    fields = (previous.headline, previous.standfirst, previous.byline)
    digest = text.content_hash(*fields, [" ".join(p) for p in kept])
    return ArticleText(*fields, paragraphs=kept, content_hash=digest)


def history(versions: int = 20, target_bytes: int = 58_000) -> list[ArticleText]:
    rng = random.Random("history")
    texts = [long_article(target_bytes)]
    while len(texts) < versions:
        texts.append(_small_edit(texts[-1], rng, len(texts) + 1))
    return texts


def _chain_sizes(serialized: list[str], keyframe_every: int | None, level: int) -> list[int]:
    sizes = []
    for k, s in enumerate(serialized):
        keyframe = k == 0 or (keyframe_every is not None and k % keyframe_every == 0)
        data = s.encode("utf-8")
        if keyframe:
            sizes.append(len(zstandard.ZstdCompressor(level=level).compress(data)))
        else:
            d = zstandard.ZstdCompressionDict(
                serialized[k - 1].encode("utf-8"), dict_type=zstandard.DICT_TYPE_RAWCONTENT
            )
            sizes.append(len(zstandard.ZstdCompressor(level=level, dict_data=d).compress(data)))
    return sizes


def raw_pages(count: int = 50) -> dict[str, Any]:
    """Kept pages (``versions.raw``): compressed alone, as now, or chained on the previous one.

    Two consecutive steps of the same corpus article differ by churn (and, for some, an edit);
    the chained figure uses the previous step's page as a raw-content zstd dictionary.
    """
    level, alone_level = codec.RAW_LEVEL, codec.RAW_ALONE_LEVEL
    bc = corpus.build(count, 1)
    alone, chained, alone_ms, chained_ms, pages = [], [], [], [], []
    for article in bc.articles:
        old = corpus.render_page(bc, article, 1, BASE_URL).encode()
        new = corpus.render_page(bc, article, 2, BASE_URL).encode()
        pages.append(len(new))
        start = time.thread_time()
        alone.append(len(zstandard.ZstdCompressor(level=alone_level).compress(new)))
        alone_ms.append((time.thread_time() - start) * 1000)
        start = time.thread_time()
        d = zstandard.ZstdCompressionDict(old, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        chained.append(len(zstandard.ZstdCompressor(level=level, dict_data=d).compress(new)))
        chained_ms.append((time.thread_time() - start) * 1000)
    return {
        "level": level,
        "alone_level": alone_level,
        "page_bytes": statistics.median(pages),
        "alone_bytes": statistics.median(alone),
        "alone_cpu_ms": round(statistics.median(alone_ms), 3),
        "chained_bytes": statistics.median(chained),
        "chained_cpu_ms": round(statistics.median(chained_ms), 3),
    }


def storage(
    versions: int = 20, target_bytes: int = 58_000, repeats: int = 5, record_articles: int = 100
) -> dict[str, Any]:
    from versiontrack.service import database as service_database

    texts = history(versions, target_bytes)
    serialized = [text.serialize(t) for t in texts]
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        settings = settings_from_dict({"database": {"url": f"sqlite:///{Path(tmp) / 's.db'}"}})
        with service_database.open_database(settings) as db:
            when = corpus.EPOCH
            with db.sessions() as session, session.begin():
                article = articles.add_article(session, "https://example.org/a/1", now=when)
                article_id = article.id
            previous: ArticleText | None = None
            store_ms = []
            for k, t in enumerate(texts):
                start = time.thread_time()
                with db.sessions() as session, session.begin():
                    row = session.get_one(ArticleRow, article_id)
                    versions_store.add_version(
                        session,
                        row,
                        t,
                        fetched_at=when + timedelta(hours=k),
                        extractor_version=extract.EXTRACTOR_VERSION,
                        previous=previous,
                    )
                store_ms.append((time.thread_time() - start) * 1000)
                previous = t
            with db.sessions() as session:
                blobs = [len(v.body) for v in versions_store.versions(session, article_id)]
                read_ms = []
                for number in range(1, versions + 1):
                    got = versions_store.version_text(session, article_id, number)
                    assert got == texts[number - 1], f"version {number} does not read back"
                    times = []
                    for _ in range(repeats):
                        start = time.perf_counter()
                        versions_store.version_text(session, article_id, number)
                        times.append((time.perf_counter() - start) * 1000)
                    read_ms.append(statistics.median(times))
    what_if = {
        f"keyframe every {every or 'never'} @ level {level}": round(
            sum(_chain_sizes(serialized, every, level)) / versions
        )
        for every, level in (
            (codec.KEYFRAME_EVERY, codec.LEVEL),
            (None, codec.LEVEL),
            (None, 3),
            (None, 19),
            (8, codec.LEVEL),
        )
    }
    return {
        "versions": versions,
        "text_bytes": len(serialized[0].encode("utf-8")),
        "bytes_per_version": round(sum(blobs) / versions, 1),
        "keyframe_bytes": [b for k, b in enumerate(blobs, 1) if codec.is_keyframe(k)],
        "delta_bytes_median": statistics.median(
            b for k, b in enumerate(blobs, 1) if not codec.is_keyframe(k)
        ),
        "read_ms": {
            "median": round(statistics.median(read_ms), 3),
            "max": round(max(read_ms), 3),
            "per_version": [round(x, 3) for x in read_ms],
        },
        "store_cpu_ms": _stats(store_ms),
        "what_if_bytes_per_version": what_if,
        "raw_pages": raw_pages(),
        "record_path": record_path(record_articles),
    }


def record_path(count: int = 100) -> dict[str, Any]:
    """CPU (thread time) and statements per call of the store side of a check: the real
    ``record_text`` / ``record_quiet`` on a SQLite file, for ``count`` corpus articles, each
    stored as a first version, then an edited one, then read again unchanged, then a 304."""
    from versiontrack.service import database as service_database

    pages = sample_pages(count)
    firsts = [text.normalise(extract.extract(body, url)) for url, body in pages]
    rng = random.Random("record")
    edits = [_small_edit(t, rng, 2) for t in firsts]
    when = corpus.EPOCH
    out: dict[str, Any] = {"articles": count}
    with tempfile.TemporaryDirectory(prefix="bench-record-") as tmp:
        settings = settings_from_dict({"database": {"url": f"sqlite:///{Path(tmp) / 'r.db'}"}})
        with service_database.open_database(settings) as db:
            statements = [0]

            def counted(*_: object) -> None:
                statements[0] += 1

            event.listen(db.engine, "before_cursor_execute", counted)
            # (the clock is the corpus's: a real one would retire articles first seen in 2024)
            runtime = Runtime(  # no fetcher: nothing here fetches
                settings,
                db.sessions,
                None,  # type: ignore[arg-type]
                clock=lambda: when + timedelta(hours=4),
            )
            with db.sessions() as session, session.begin():
                ids = [
                    articles.add_article(session, urls.canonicalize(url), now=when).id
                    for url, _ in pages
                ]

            def phase(name: str, step: int, texts: list[ArticleText] | None) -> None:
                cpu: list[float] = []
                run = 0
                for k, article_id in enumerate(ids):
                    with db.sessions() as session:
                        state = checks.check_state(session, article_id)
                    assert state is not None
                    url, body = pages[k]
                    at = when + timedelta(hours=step)
                    before, start = statements[0], time.thread_time()
                    if texts is None:
                        result = FetchResult(url, 304, None, b"")
                        record.record_quiet(
                            runtime, state, result, at, time.monotonic(), "not_modified"
                        )
                    else:
                        result = FetchResult(url, 200, "text/html", body + b" " * step)
                        canonical = urls.canonicalize(url)
                        record.record_text(
                            runtime,
                            state,
                            None,
                            result,
                            texts[k],
                            canonical,
                            None,
                            at,
                            time.monotonic(),
                        )
                    cpu.append((time.thread_time() - start) * 1000)
                    run += statements[0] - before
                out[name] = {"cpu_ms": _stats(cpu), "statements": round(run / len(ids), 2)}

            phase("first_version", 0, firsts)
            phase("edited_version", 1, edits)
            phase("unchanged_text", 2, edits)
            phase("quiet_304", 3, None)
    return out
