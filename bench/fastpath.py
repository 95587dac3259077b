"""The unchanged-check fast path (``versiontrack.fingerprint``) over the bench corpus.

For each article: extract version 0 in full and locate the article in its page, then
fingerprint three renders (step 0, a churn-only step 1, step 2 where a known 10% are edited).
Reports the fingerprint's CPU per page, how often churn leaves it equal (each equal one is an
extraction skipped), whether it changes on every real edit, and any case where it stayed equal
while the extracted text changed (``missed``: must be 0).

``realism`` picks the corpus's pages (``corpus.LEVELS``). The default is ``lean``, the site
chrome alone: the fast path's own contract (it skips what only churns and misses nothing). The
extraction scenario also runs it on the ``news`` pages, whose volatile metadata real sites
have (issue 10): how often it fires there is the number that matters.

``realpages`` does the same on the real pages of ``bench.realpages`` through their five steps
(``python -m bench.fastpath [PAGES_PER_SET]`` prints it as JSON): the hit rate under churn,
and every fingerprint that stood for another text than its step's own (``unsafe``).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench import corpus
from versiontrack import extract, fingerprint, text

BASE_URL = "http://127.0.0.1:8080"


def measure(n: int = 100, edit_steps: int = 1, realism: str = "lean") -> dict[str, Any]:
    bc = corpus.build(n, edit_steps, realism=realism)
    reader = fingerprint.reader()
    stable = located = detected = missed = 0
    costs: list[float] = []
    locate_costs: list[float] = []
    edited = bc.edited_at(2)
    for article in bc.articles:
        url = corpus.page_url(BASE_URL, article)
        pages = [corpus.render_page(bc, article, s, BASE_URL).encode() for s in (0, 1, 2)]
        first = extract.extract(pages[0], url)
        start = time.thread_time()
        found = reader.locate(pages[0], first)
        locate_costs.append((time.thread_time() - start) * 1000)
        if found is None:
            continue
        located += 1
        marks = []
        for page in pages:
            start = time.thread_time()
            marks.append(reader.fingerprint(page, found.path))
            costs.append((time.thread_time() - start) * 1000)
        stable += marks[1] == found.digest
        changed = (
            text.normalise(extract.extract(pages[2], url)).content_hash
            != text.normalise(first).content_hash
        )
        if changed and marks[2] == found.digest:
            missed += 1
        if article.slug in edited and changed:
            detected += marks[2] != found.digest
    return {
        "pages": n,
        "realism": realism,
        "located": located,
        "stable_under_churn": stable,
        "edits": len(edited),
        "edits_detected": detected,
        "missed": missed,
        "cpu_ms_per_page": round(statistics.median(costs), 3) if costs else None,
        "locate_ms_per_page": round(statistics.median(locate_costs), 3) if locate_costs else None,
    }


def realpages(root: Path | None = None, limit: int | None = None) -> dict[str, Any]:
    """The fast path on real pages (``bench.realpages``) through their five steps, as a
    check sequence sees them: the region is located after each full extraction, each later
    step is fingerprinted against the latest region, and every step is extracted in full too.

    Reports how many churn steps (1–3) the fingerprint vouched for (``hits``: extractions
    skipped), and ``unsafe``: fingerprints that stood for a text other than the step's own
    (must be 0), with the step-4 edits the fingerprint passed over among them
    (``edits_missed``, counted only when extraction sees the edit).
    """
    from bench.realpages import churn
    from bench.realpages.pages import default_root, load_sets

    pages = load_sets(root or default_root(), limit=limit)
    reader = fingerprint.reader()
    hits = located = steps = edits = edits_flagged = edits_missed = 0
    unsafe: list[str] = []
    by_step = {n: 0 for n in churn.CHURN_STEPS}
    fp_costs: list[float] = []
    locate_costs: list[float] = []
    for page in pages:
        url = f"http://127.0.0.1:8080/{page.set}/{page.name}.html"
        rendered = [s.html.encode() for s in churn.render_steps(page)]
        hashes = []
        for html in rendered:
            try:
                hashes.append(text.normalise(extract.extract(html, url)).content_hash)
            except Exception:  # an empty or failed extraction: compared as such
                hashes.append(None)
        known, known_hash = None, None
        for number, html in enumerate(rendered):
            if known is not None:
                start = time.thread_time()
                mark = reader.fingerprint(html, known.path)
                fp_costs.append((time.thread_time() - start) * 1000)
                equal = mark == known.digest
                if number in churn.CHURN_STEPS:
                    steps += 1
                    hits += equal
                    by_step[number] += equal
                if equal and hashes[number] != known_hash:
                    unsafe.append(f"{page.key} step {number}")
                if number == churn.EDIT_STEP and hashes[number] != known_hash:
                    edits += 1
                    edits_flagged += not equal
                    edits_missed += equal
                if equal:
                    continue  # the stored text stands, and so does the region
            elif number:
                steps += number in churn.CHURN_STEPS
                edits += number == churn.EDIT_STEP and hashes[number] != hashes[number - 1]
            if hashes[number] is None:
                known = None
                continue
            extracted = extract.extract(html, url)
            start = time.thread_time()
            known = reader.locate(html, extracted)
            locate_costs.append((time.thread_time() - start) * 1000)
            located += known is not None and number == 0
            known_hash = hashes[number]
    return {
        "pages": len(pages),
        "located": located,
        "churn_steps": steps,
        "hits": hits,
        "hit_rate": round(hits / steps, 3) if steps else None,
        "hits_by_step": by_step,
        "unsafe": unsafe,
        "edits_seen_by_extraction": edits,
        "edits_flagged": edits_flagged,
        "edits_missed": edits_missed,
        "cpu_ms_per_fingerprint": round(statistics.median(fp_costs), 3) if fp_costs else None,
        "cpu_ms_per_locate": round(statistics.median(locate_costs), 3) if locate_costs else None,
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(realpages(limit=int(sys.argv[1]) if sys.argv[1:] else None), indent=1))
