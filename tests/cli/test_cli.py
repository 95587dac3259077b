"""Every command through the real entry point, against the corpus served on loopback."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest

from versiontrack import cli
from versiontrack.corpus import CorpusServer, LoopbackServer, Response, build_corpus

GUARDIAN_PATH = "/guardian/world/2024/oct/30/north-korea-troops-russia-kursk-ukraine-lloyd-austin"
NEW_HEADLINE = (
    "North Korean troops fighting for Russia in Ukraine will ‘surely return in body bags’, "
    "US envoy says"
)


@dataclass
class Result:
    code: int
    out: str
    err: str


class Runner:
    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
        self.capsys, self.monkeypatch = capsys, monkeypatch

    def __call__(self, *args: str) -> Result:
        self.monkeypatch.setattr(sys, "argv", ["versiontrack", *args])
        code = 0
        try:
            cli.main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            # the CLI points logging at this test's captured stderr, which closes after it
            for handler in logging.getLogger().handlers[:]:
                logging.getLogger().removeHandler(handler)
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


@pytest.fixture
def vt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.delenv("VERSIONTRACK_CONFIG", raising=False)
    return Runner(capsys, monkeypatch)


@pytest.fixture(scope="module")
def corpus_server() -> Iterator[CorpusServer]:
    with CorpusServer(build_corpus()) as server:
        yield server


@pytest.fixture(scope="module")
def tracked(
    corpus_server: CorpusServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A config file and database that have seen every step of the corpus via `check --force`."""
    folder = tmp_path_factory.mktemp("cli")
    config = folder / "versiontrack.toml"
    sources = "".join(
        f'[[sources]]\nname = "{s.name}"\nfeed = "{corpus_server.feed_url(s.name)}"\n'
        for s in build_corpus().sources
    )
    config.write_text(
        f'[database]\nurl = "sqlite:///{folder / "vt.db"}"\n'
        '[server]\npublic_url = "https://vt.example.org/"\n' + sources
    )
    mp = pytest.MonkeyPatch()
    for step in build_corpus().steps:
        corpus_server.set_step(step.index)
        mp.setattr(sys, "argv", ["versiontrack", "--config", str(config), "check", "--force"])
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
        assert exit_info.value.code == 0
    mp.undo()
    corpus_server.set_step(0)
    yield config


def guardian_id(vt: Runner, config: Path) -> int:
    rows = json.loads(vt("--config", str(config), "articles", "--json").out)
    return next(r["id"] for r in rows if r["url"].endswith(GUARDIAN_PATH))


def test_check_prints_each_outcome_and_a_summary(
    vt: Runner, corpus_server: CorpusServer, tmp_path: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n'
        f'[[sources]]\nname = "guardian"\nfeed = "{corpus_server.feed_url("guardian")}"\n'
        '[[sources]]\nname = "dead"\nfeed = "http://127.0.0.1:9/feed.xml"\n'
    )
    corpus_server.set_step(0)
    result = vt("--config", str(config), "check")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"new          {corpus_server.base_url}{GUARDIAN_PATH}  v1"
    assert lines[1].startswith("feed failed  dead: cannot fetch http://127.0.0.1:9/feed.xml")
    assert lines[-1] == (
        "2 feeds polled (1 failed), 1 new articles; 1 checked: "
        "1 new, 0 changed, 0 unchanged, 0 removed, 0 failed"
    )
    again = vt("--config", str(config), "check")
    assert again.out.splitlines()[-1].endswith(
        "0 checked: 0 new, 0 changed, 0 unchanged, 0 removed, 0 failed"
    )


def test_articles_json_shape(vt: Runner, tracked: Path) -> None:
    result = vt("--config", str(tracked), "articles", "--json")
    assert result.code == 0
    rows = json.loads(result.out)
    assert len(rows) == 5
    for row in rows:
        assert {
            "id",
            "url",
            "source",
            "title",
            "versions",
            "first_seen",
            "last_checked",
            "last_changed",
            "status",
            "next_check_at",
        } <= set(row)
    by_source = {r["source"]: r for r in rows}
    assert by_source["guardian"]["title"] == NEW_HEADLINE
    assert by_source["guardian"]["versions"] == 3
    assert by_source["zerohedge"]["status"] == "removed"
    assert by_source["jns"]["versions"] == 1
    only = json.loads(vt("--config", str(tracked), "articles", "--source", "enr", "--json").out)
    assert [r["source"] for r in only] == ["enr"]


def test_articles_changed_since_with_a_flag(vt: Runner, tracked: Path) -> None:
    def sources(*args: str) -> list[str]:
        result = vt("--config", str(tracked), "articles", *args, "--json")
        assert result.code == 0, result.err
        return [r["source"] for r in json.loads(result.out)]

    assert sources("--changed-since", "24h", "--flag", "headline") == ["guardian"]
    assert sorted(sources("--changed-since", "1h", "--flag", "numbers")) == ["blog", "guardian"]
    assert sorted(sources("--changed-since", "7d")) == ["blog", "enr", "guardian", "zerohedge"]
    assert sources("--changed-since", "2999-01-01") == []
    assert sources("--flag", "removed") == ["zerohedge"]
    bad = vt("--config", str(tracked), "articles", "--changed-since", "yesterday-ish")
    assert bad.code == 1 and "cannot read 'yesterday-ish' as a time" in bad.err
    assert vt("--config", str(tracked), "articles", "--flag", "loud").code == 1


def test_articles_table(vt: Runner, tracked: Path) -> None:
    result = vt("--config", str(tracked), "articles")
    assert result.code == 0
    assert "Zelensky urges Western action" in result.out


def test_sources(vt: Runner, tracked: Path) -> None:
    rows = json.loads(vt("--config", str(tracked), "sources", "--json").out)
    assert [(r["name"], r["articles"], r["last_error"]) for r in rows] == [
        ("blog", 1, None),
        ("enr", 1, None),
        ("guardian", 1, None),
        ("jns", 1, None),
        ("zerohedge", 1, None),
    ]
    assert all(r["last_polled_at"] for r in rows)
    table = vt("--config", str(tracked), "sources").out
    assert "guardian" in table and "never" not in table


def test_history_by_id_and_by_url_with_tracking_params(
    vt: Runner, tracked: Path, corpus_server: CorpusServer
) -> None:
    gid = guardian_id(vt, tracked)
    by_id = json.loads(vt("--config", str(tracked), "history", str(gid), "--json").out)
    url = f"{corpus_server.base_url}{GUARDIAN_PATH}?utm_source=twitter&fbclid=x#comments"
    by_url = json.loads(vt("--config", str(tracked), "history", url, "--json").out)
    assert by_id == by_url
    assert [v["version"] for v in by_id] == [1, 2, 3]
    assert {"version", "fetched_at", "title", "summary"} <= set(by_id[0])
    assert [v["summary"] for v in by_id] == [
        "first version",
        "1 sentence added, 1 edited",
        "standfirst changed, 3 sentences added",
    ]
    assert by_id[2]["title"] == NEW_HEADLINE
    text = vt("--config", str(tracked), "history", str(gid)).out
    assert "v3" in text and "standfirst changed, 3 sentences added" in text


def test_show_prints_the_versions_text(vt: Runner, tracked: Path) -> None:
    gid = guardian_id(vt, tracked)
    v2 = vt("--config", str(tracked), "show", str(gid), "--version", "2").out
    v3 = vt("--config", str(tracked), "show", str(gid)).out
    assert "North Korean troops in Russian uniforms heading to Kursk, says US" in v2
    assert "body bags" not in v2
    assert v3.splitlines()[1] == NEW_HEADLINE
    assert "Envoy to UN Robert Wood gives warning" in v3
    assert "Wood gave an even more explicit warning" in v3


def test_diff_text_and_json(vt: Runner, tracked: Path) -> None:
    gid = guardian_id(vt, tracked)
    data = json.loads(vt("--config", str(tracked), "diff", str(gid), "--json").out)
    assert (data["from"], data["to"]) == (2, 3)
    assert data["summary"] == {
        "fields": ["headline", "standfirst"],
        "added": 3,
        "removed": 0,
        "edited": 0,
        "moved": 0,
    }
    assert [f["field"] for f in data["fields"]] == ["headline", "standfirst"]
    assert data["fields"][0]["new"] == NEW_HEADLINE
    assert [op["op"] for op in data["ops"]] == ["added", "added", "added"]
    for op in data["ops"]:
        assert set(op) >= {"op", "old", "new", "old_index", "new_index"}
        assert op["old"] is None and op["old_index"] is None
    assert any("surely return in body bags" in op["new"] for op in data["ops"])

    first = json.loads(
        vt("--config", str(tracked), "diff", str(gid), "--from", "1", "--to", "2", "--json").out
    )
    (edited,) = [op for op in first["ops"] if op["op"] == "edited"]
    assert "<del>10,000</del><ins>11,000</ins>" in edited["html"]

    text = vt("--config", str(tracked), "diff", str(gid), "--from", "1", "--to", "2").out
    assert text.splitlines()[0].endswith("v1 → v2: 1 sentence added, 1 edited")
    assert "~ " in text and "10,000" in text and "11,000" in text


def test_feed_command(vt: Runner, tracked: Path) -> None:
    rss = feedparser.parse(vt("--config", str(tracked), "feed").out.encode())
    assert rss.bozo is False
    assert len(rss.entries) == 8
    assert rss.feed.title == "versiontrack: article changes"
    assert all(e.link.startswith("https://vt.example.org/articles/") for e in rss.entries)
    atom = feedparser.parse(
        vt("--config", str(tracked), "feed", "--format", "atom", "--limit", "3").out.encode()
    )
    assert atom.bozo is False and atom.version == "atom10" and len(atom.entries) == 3
    guardian = feedparser.parse(
        vt("--config", str(tracked), "feed", "--source", "guardian").out.encode()
    )
    assert [e.title.split(":")[0] for e in guardian.entries] == [
        "Headline",
        "[numbers] North Korean troops in Russian uniforms heading to Kursk, says US — v2",
    ]
    gid = guardian_id(vt, tracked)
    one = feedparser.parse(vt("--config", str(tracked), "feed", "--article", str(gid)).out.encode())
    assert len(one.entries) == 2


def test_feed_filters_by_significance_and_flags(vt: Runner, tracked: Path) -> None:
    def titles(*args: str) -> list[str]:
        out = vt("--config", str(tracked), "feed", *args).out.encode()
        return [e.title for e in feedparser.parse(out).entries]

    assert len(titles()) == 8
    headline_level = titles("--min", "headline")
    assert len(headline_level) == 2
    assert headline_level[0].endswith("— removed (HTTP 410)")
    assert headline_level[1].startswith("Headline: ")
    substantive = titles("--min", "substantive")
    assert len(substantive) == 7  # all but the ZeroHedge typo fix
    assert not any(t.startswith("[minor]") for t in substantive)
    numbers = titles("--flag", "numbers")
    assert [t.split(" — ")[0] for t in numbers] == [
        "[numbers] Ukraine Announces First Direct Clashes With North Korean Troops",
        "[numbers] North Korean troops in Russian uniforms heading to Kursk, says US",
    ]
    assert len(titles("--flag", "numbers", "--flag", "quotes")) == 4
    bad = vt("--config", str(tracked), "feed", "--min", "loud")
    assert bad.code == 1 and bad.err.startswith("error: unknown level 'loud'")


def test_add_tracks_a_url_once(vt: Runner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    first = vt("--db", db, "add", "https://Example.org/news/story?utm_source=x#top")
    assert first.code == 0
    assert first.out.strip() == "tracking article 1: https://example.org/news/story"
    again = vt("--db", db, "add", "https://example.org/news/story")
    assert again.out.strip() == "already tracked article 1: https://example.org/news/story"
    bad = vt("--db", db, "add", "ftp://example.org/x")
    assert bad.code == 1 and bad.err.startswith("error: not an article URL")
    unknown = vt("--db", db, "add", "https://example.org/y", "--source", "nope")
    assert unknown.code == 1 and "no source named 'nope'" in unknown.err


def test_db_commands(vt: Runner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'd.db'}"
    assert vt("--db", db, "db", "current").out.strip().startswith("empty (needs ")
    upgraded = vt("--db", db, "db", "upgrade")
    assert upgraded.code == 0 and upgraded.out.startswith("database schema: empty → ")
    assert vt("--db", db, "db", "current").out.strip().endswith("(up to date)")


def test_errors_are_one_line_and_exit_1(vt: Runner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    missing = vt("--db", db, "history", "42")
    assert (missing.code, missing.err) == (1, "error: no tracked article '42'\n")
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[server]\nport = 'x'\n")
    result = vt("--config", str(bad_config), "articles")
    assert result.code == 1
    assert result.err == "error: server.port: expected int, got 'x'\n"
    nofile = vt("--config", str(tmp_path / "none.toml"), "articles")
    assert nofile.code == 1 and nofile.err.startswith("error: config file not found")
    nodir = vt("--db", f"sqlite:///{tmp_path / 'no' / 'x.db'}", "articles")
    assert nodir.code == 1 and "does not exist" in nodir.err


def test_config_from_env_and_default_file(
    vt: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.db"
    (tmp_path / "versiontrack.toml").write_text(f'[database]\nurl = "sqlite:///{db}"\n')
    monkeypatch.chdir(tmp_path)
    assert vt("add", "https://example.org/a").code == 0
    assert db.exists()
    other = tmp_path / "other.toml"
    other.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "other.db"}"\n')
    monkeypatch.setenv("VERSIONTRACK_CONFIG", str(other))
    assert vt("articles", "--json").out.strip() == "[]"


def test_terminal_output_strips_control_characters(vt: Runner, tmp_path: Path) -> None:
    evil = "Breaking\x1b[2J\x1b]0;pwned\x07 news"
    page = (
        "<html><head><meta charset='utf-8'><title>t</title></head><body><article>"
        f"<h1>{evil}</h1>"
        + "".join(
            f"<p>Paragraph {i} says the envoy warned of consequences\x1b[31m in red.</p>"
            for i in range(3)
        )
        + "</article></body></html>"
    ).encode()
    with LoopbackServer() as server:
        server.route("/a", Response(200, page, {"Content-Type": "text/html; charset=utf-8"}))
        db = f"sqlite:///{tmp_path / 't.db'}"
        vt("--db", db, "add", server.url("/a"))
        assert vt("--db", db, "check").code == 0
        shown = vt("--db", db, "show", "1")
    assert shown.code == 0
    assert "\x1b" not in shown.out and "\x07" not in shown.out
    assert "Breaking" in shown.out


def test_every_command_has_an_example_in_its_help(vt: Runner) -> None:
    for command in (
        "check",
        "add",
        "sources",
        "articles",
        "history",
        "show",
        "diff",
        "feed",
        "demo",
        "run",
        "serve",
        "reextract",
    ):
        result = vt(command, "--help")
        assert result.code == 0, command
        assert re.search(r"Example: versiontrack ", result.out), command
    for command in ("upgrade", "current"):
        assert "Example: versiontrack db " in vt("db", command, "--help").out


def test_readme_documents_every_command_and_setting() -> None:
    from versiontrack.settings import documented_keys

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for command in (
        "check",
        "add",
        "sources",
        "articles",
        "history",
        "show",
        "diff",
        "feed",
        "db upgrade",
        "db current",
        "demo",
        "run",
        "serve",
        "reextract",
    ):
        assert f"`{command}" in readme, command
    for key in documented_keys():
        assert f"`{key}`" in readme, key


def test_check_named_articles_only(vt: Runner, tmp_path: Path) -> None:
    page = (
        "<html><head><title>Story</title></head><body><article><h1>Story</h1>"
        + "".join(
            f"<p>Paragraph number {i} of the story, with enough words in it.</p>" for i in range(4)
        )
        + "</article></body></html>"
    ).encode()
    with LoopbackServer() as server:
        server.route("/a", Response(200, page, {"Content-Type": "text/html"}))
        server.route("/b", Response(200, page, {"Content-Type": "text/html"}))
        db = f"sqlite:///{tmp_path / 'n.db'}"
        vt("--db", db, "add", server.url("/a"))
        vt("--db", db, "add", server.url("/b"))
        result = vt("--db", db, "check", server.url("/b"))
        assert result.code == 0
        assert [r.path for r in server.requests if r.path != "/robots.txt"] == ["/b"]
        assert result.out.splitlines()[-1] == (
            "0 feeds polled (0 failed), 0 new articles; 1 checked: "
            "1 new, 0 changed, 0 unchanged, 0 removed, 0 failed"
        )
        assert vt("--db", db, "check", "99").err == "error: no tracked article '99'\n"


def test_demo_replays_the_seeds_and_shows_the_guardian_headline_change(vt: Runner) -> None:
    result = vt("demo")
    assert result.code == 0
    assert "step 2 (nothing changes but churn): 5 unchanged" in result.out
    assert (
        "Headline: “North Korean troops in Russian uniforms heading to Kursk, says US” → "
        f"“{NEW_HEADLINE}”"
    ) in result.out
    assert "removed (HTTP 410)" in result.out
