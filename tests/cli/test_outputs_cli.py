"""``versiontrack card``, ``outputs``, ``outputs test``, ``feed --term`` and the drain at the end
of ``check``, through the real entry point, against the corpus and a webhook on loopback."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from PIL import Image

from versiontrack import cli
from versiontrack.corpus import CorpusServer, LoopbackServer, Response, build_corpus

from .test_cli import GUARDIAN_PATH, Runner, guardian_id, vt  # noqa: F401  (vt: a fixture)


@pytest.fixture(scope="module")
def receiver() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("/hook", Response(204))
        server.route("/broken", Response(500, b"upstream exploded"))
        yield server


@pytest.fixture(scope="module")
def replayed(
    receiver: LoopbackServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, list[str]]]:
    """The corpus replayed with ``check --force`` per step, with two outputs configured;
    yields the config and what each ``check`` printed."""
    folder = tmp_path_factory.mktemp("outputs-cli")
    config = folder / "versiontrack.toml"
    corpus = build_corpus()
    printed: list[str] = []
    with CorpusServer(corpus) as server:
        sources = "".join(
            f'[[sources]]\nname = "{s.name}"\nfeed = "{server.feed_url(s.name)}"\n'
            for s in corpus.sources
        )
        config.write_text(
            f'[database]\nurl = "sqlite:///{folder / "vt.db"}"\n'
            '[server]\npublic_url = "https://vt.example.org/"\n'
            '[watch]\nterms = ["Kursk"]\n'
            + sources
            + f'[[outputs]]\nname = "hook"\ntype = "webhook"\nurl = "{receiver.url("/hook")}"\n'
            + f'[[outputs]]\nname = "broken"\ntype = "webhook"\nurl = "{receiver.url("/broken")}"\n'
            'min = "headline"\n'
        )
        mp = pytest.MonkeyPatch()
        for step in corpus.steps:
            server.set_step(step.index)
            mp.setattr(sys, "argv", ["versiontrack", "--config", str(config), "check", "--force"])
            with pytest.raises(SystemExit) as exit_info, cli.out.capture() as captured:
                cli.main()
            assert exit_info.value.code == 0
            printed.append(captured.get())
        mp.undo()
    yield config, printed


def hook_posts(receiver: LoopbackServer, path: str = "/hook") -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests if r.route_path == path]


def test_check_drains_the_outbox_and_keeps_the_summary_last(
    replayed: tuple[Path, list[str]], receiver: LoopbackServer
) -> None:
    _config, printed = replayed
    step1 = printed[1].splitlines()
    assert "outputs: 2 delivered, 0 failed (retried later)" in step1
    assert step1[-1].startswith("5 feeds polled")
    step3 = printed[3].splitlines()  # the Guardian headline change: "broken" wants it, fails
    assert "outputs: 3 delivered, 1 failed (retried later)" in step3
    assert any(line.startswith("output failed broken: webhook: HTTP 500") for line in step3)
    posts = hook_posts(receiver)
    assert len(posts) == len({p["id"] for p in posts}) == 8  # the corpus's 8 changes, once
    headline = next(p for p in posts if p["title"].startswith("North Korean troops fighting"))
    assert "terms" in headline["flags"]


def test_outputs_lists_backlog_and_last_error(
    vt: Runner,  # noqa: F811
    replayed: tuple[Path, list[str]],
) -> None:
    config, _ = replayed
    rows = {r["name"]: r for r in json.loads(vt("--config", str(config), "outputs", "--json").out)}
    assert rows["hook"]["backlog"] == 0 and rows["hook"]["delivered"] == 8
    assert rows["hook"]["last_error"] is None and rows["hook"]["type"] == "webhook"
    broken = rows["broken"]
    assert (broken["backlog"], broken["retrying"], broken["delivered"]) == (2, 2, 0)
    assert broken["last_error"] == "webhook: HTTP 500: upstream exploded"
    table = vt("--config", str(config), "outputs").out
    assert "broken" in table and "webhook: HTTP 500" in table


def test_outputs_test(
    vt: Runner,  # noqa: F811
    replayed: tuple[Path, list[str]],
    receiver: LoopbackServer,
) -> None:
    config, _ = replayed
    result = vt("--config", str(config), "outputs", "test", "hook")
    assert (result.code, result.out.strip()) == (0, "sent a test message to hook (webhook)")
    assert hook_posts(receiver)[-1]["kind"] == "test"
    failed = vt("--config", str(config), "outputs", "test", "broken")
    assert failed.code == 1
    assert failed.err.strip() == ("error: output 'broken': webhook: HTTP 500: upstream exploded")
    unknown = vt("--config", str(config), "outputs", "test", "nope")
    assert unknown.code == 1 and "no output named 'nope' (outputs: hook, broken)" in unknown.err


def test_card_command(
    vt: Runner,  # noqa: F811
    replayed: tuple[Path, list[str]],
    tmp_path: Path,
) -> None:
    config, _ = replayed
    g = str(guardian_id(vt, config))
    out = tmp_path / "guardian.png"
    result = vt("--config", str(config), "card", g, "--from", "2", "--to", "3", str(out))
    assert result.code == 0 and result.out.startswith(f"wrote {out} (")
    with Image.open(out) as image:
        assert (image.format, image.width) == ("PNG", 1200)
    latest = tmp_path / "latest.png"
    assert vt("--config", str(config), "card", g, str(latest)).code == 0
    assert latest.read_bytes() == out.read_bytes()  # the latest change is 2 → 3
    bad = vt("--config", str(config), "card", g, str(tmp_path / "x.jpg"))
    assert bad.code == 1 and "give a file name ending in .png" in bad.err
    missing = vt("--config", str(config), "card", g, "--to", "9", str(out))
    assert missing.code == 1 and "has no version 9" in missing.err


def test_feed_term(
    vt: Runner,  # noqa: F811
    replayed: tuple[Path, list[str]],
) -> None:
    config, _ = replayed
    everything = feedparser.parse(vt("--config", str(config), "feed").out).entries
    kursk = feedparser.parse(vt("--config", str(config), "feed", "--term", "Kursk").out).entries
    assert 0 < len(kursk) < len(everything)
    assert any(e.title.startswith("Headline: “North Korean troops in Russian") for e in kursk)
    assert all(e.enclosures[0].href.endswith(".png") for e in kursk if "/diff/" in e.link)
