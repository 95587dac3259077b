"""The fast path's safety on real pages (``bench.fastpath.realpages``), under their churn.

Real news pages (``../shared/realpages``, skipped when absent) go through the real-pages
bench's five steps: as served, three steps of churn around and inside the article box, one
real edit. Each step is fingerprinted against the region located at the latest full
extraction and extracted in full too: a fingerprint that vouches for a text other than the
step's own is unsafe. None may be, and no edit extraction sees may pass unflagged.
"""

from __future__ import annotations

import pytest

from bench import fastpath
from bench.realpages.pages import default_root

ROOT = default_root()


@pytest.mark.skipif(not ROOT.exists(), reason=f"the real pages are not at {ROOT}")
def test_one_fingerprint_never_stands_for_two_texts_on_real_pages() -> None:
    result = fastpath.realpages(ROOT, limit=4)
    assert result["pages"] == 8
    assert result["unsafe"] == []
    assert result["edits_missed"] == 0
    assert result["edits_flagged"] > 0
    assert result["hits"] > 0  # and it does fire under churn
