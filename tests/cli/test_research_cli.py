"""The research commands' help, documentation and the demo's closing search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_cli import Runner


@pytest.fixture
def vt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.delenv("VERSIONTRACK_CONFIG", raising=False)
    return Runner(capsys, monkeypatch)


README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_research_commands_have_examples_and_are_documented(vt: Runner) -> None:
    for args in (("search",), ("export",), ("db", "reindex"), ("show",)):
        result = vt(*args, "--help")
        assert result.code == 0, args
        assert re.search(r"Example: versiontrack ", result.out), args
    for command in (
        "search QUERY",
        "export --format",
        "db reindex",
        "show ARTICLE [--version N] --json",
    ):
        assert f"`{command}" in README, command
    for option in ("--removed", "--source NAME", "--since", "--limit N", "--json"):
        assert option in README
    for route in ("/search?q=", "/search.xml?q="):
        assert f"`{route}`" in README


def test_demo_ends_with_a_search(vt: Runner) -> None:
    result = vt("demo")
    assert result.code == 0
    tail = result.out[result.out.index("versiontrack search '\"body bags\"'") :].splitlines()
    assert tail[0] == "versiontrack search '\"body bags\"' (every version, newest first):"
    assert len(tail) > 1
    assert all("body bags" in line.lower() for line in tail[1:] if line.strip())


def test_export_to_a_missing_folder_is_one_line(vt: Runner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    result = vt("--db", db, "export", str(tmp_path / "nowhere" / "x.jsonl"))
    assert result.code != 0
    assert "no such folder" in result.err
    result = vt("--db", db, "export", "--since", "yesterday-ish", str(tmp_path / "x.jsonl"))
    assert (result.code, result.err.strip()) == (
        1,
        "error: cannot read 'yesterday-ish' as a time: use e.g. 24h, 7d or 2024-10-30T08:00",
    )
