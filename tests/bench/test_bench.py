"""The benchmark suite stays working: a tiny run of ``bench`` with its correctness checked.

Timings are never asserted (they depend on the machine); what is asserted is that the corpus
is what the issue asks for and that the pipeline's results match the corpus's truth: every
article new on the first pass, no churn false positives, every real edit found with the
expected change, 304s on the conditional pass, storage that reads back.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import claim, corpus, fastpath, micro, report, server
from bench.__main__ import main
from bench.scenarios import Config, run_passes
from versiontrack import children, extract, text

BASE = "http://127.0.0.1:8080"


def test_corpus_pages_are_news_sized_and_only_churn_between_steps() -> None:
    bc = corpus.build(10, edit_steps=1)
    assert {a.source for a in bc.articles} == {s.name for s in corpus.SOURCES}
    edited = bc.edited_at(2)
    assert len(edited) == 1 and bc.edited_at(1) == set()
    for article in bc.articles:
        before = corpus.render_page(bc, article, 0, BASE)
        after = corpus.render_page(bc, article, 1, BASE)
        assert 80_000 <= len(before.encode()) <= 150_000
        assert before != after  # every page churns on every step
        url = corpus.page_url(BASE, article)
        same = text.normalise(extract.extract(before.encode(), url)).content_hash
        assert text.normalise(extract.extract(after.encode(), url)).content_hash == same


@pytest.mark.parametrize("kind", ["nginx", "python"])
def test_passes_match_the_truth(kind: str) -> None:
    if kind == "nginx" and server.nginx_binary() is None:
        pytest.skip("nginx is not installed")
    passes, info, _ = run_passes(Config(n=10, runs=1, server=kind))
    assert kind in info["server"].lower()
    first = passes["first"]["worst"]
    assert first["outcomes"] == {"new": 10} and not first["failures"]
    assert first["text_matches_truth"]["body"] == 10
    churn = passes["churn"]["worst"]
    assert churn["false_positives"] == [] and churn["outcomes"] == {"unchanged": 10}
    edited = passes["edited"]["worst"]
    assert edited["edits_truth"] == 1
    assert edited["edits_found"] == edited["edits_truth"]
    assert edited["false_positives"] == [] and edited["edits_missed"] == []
    assert edited["diff_as_expected"] == edited["edits_found"]
    conditional = passes["conditional"]["worst"]
    assert conditional["outcomes"] == {"not_modified": 10}
    assert passes["edited"]["median"]["db_bytes_per_version"] > 0


def test_micro_benchmarks_run() -> None:
    stored = micro.storage(versions=20, target_bytes=20_000, repeats=1, record_articles=5)
    assert stored["bytes_per_version"] > 0 and len(stored["read_ms"]["per_version"]) == 20
    recorded = stored["record_path"]
    assert {name: recorded[name]["statements"] for name in recorded if name != "articles"} == {
        "first_version": 8,
        "edited_version": 14,
        "unchanged_text": 6,
        "quiet_304": 2,
    }
    diffed = micro.sentence_diff(sentences=100, repeats=1)
    assert diffed["sentences"] == 100
    assert diffed["changed_5pct"]["summary"]["edited"] == 5
    fast = fastpath.measure(10)
    assert fast["stable_under_churn"] == fast["located"] == 10
    assert fast["edits_detected"] == fast["edits"] == 1
    assert fast["missed"] == 0
    claimed = claim.run([20_000], pg_url=None, repeats=2)
    assert claimed["sqlite/20000"]["claimed"] == 20
    assert "skipped" in claimed["postgresql/20000"]


def test_command_line_writes_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    argv = ["--n", "5", "--runs", "1", "--only", "churn", "storage", "--json", str(out), "-q"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "churn" in printed and "Targets" in printed
    results = json.loads(out.read_text())
    assert results["passes"]["churn"]["worst"]["false_positives"] == []
    assert results["micro"]["storage"]["median"]["bytes_per_version"] > 0
    assert {t["target"] for t in results["targets"]} == {t[0] for t in report.TARGETS}


def test_the_pass_clock_can_be_sent_to_a_shard() -> None:
    # bench.passes runs as __main__, which shards do not import: a clock defined there would
    # quietly keep every pass in one process
    assert children.sendable(corpus.FixedClock(corpus.step_time(1)))
