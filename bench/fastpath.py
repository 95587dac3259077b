"""The unchanged-check fast path (``versiontrack.region``) over the bench corpus.

For each article: extract version 0 in full and locate the article in its page, then
fingerprint three renders (step 0, a churn-only step 1, step 2 where a known 10% are edited).
Reports the fingerprint's CPU per page, how often churn leaves it equal (each equal one is an
extraction skipped), whether it changes on every real edit, and any case where it stayed equal
while the extracted text changed (``missed``: must be 0).

``realism`` picks the corpus's pages (``corpus.LEVELS``). The default is ``lean``, the site
chrome alone: the fast path's own contract (it skips what only churns and misses nothing). The
extraction scenario also runs it on the ``news`` pages, whose volatile metadata real sites
have (issue 10): how often it fires there is the number that matters.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench import corpus
from versiontrack import extract, region, text

BASE_URL = "http://127.0.0.1:8080"


def measure(n: int = 100, edit_steps: int = 1, realism: str = "lean") -> dict[str, Any]:
    bc = corpus.build(n, edit_steps, realism=realism)
    reader = region.reader()
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
