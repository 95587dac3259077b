"""Issue 11 through the real entry point: bidi controls, booleans, database errors, bad URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from versiontrack.corpus import LoopbackServer, Response

from .test_cli import Runner


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.delenv("VERSIONTRACK_CONFIG", raising=False)
    return Runner(capsys, monkeypatch)


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_are_shown_not_obeyed(cli: Runner, tmp_path: Path) -> None:
    headline = "Minister \u202eseigolopa\u202c resigns"
    page = (
        "<html><head><meta charset='utf-8'><title>t</title></head><body><article>"
        f"<h1>{headline}</h1>"
        + "".join(
            f"<p>Paragraph {i} quotes the envoy \u2067{BIDI}\u2069 on the consequences.</p>"
            for i in range(3)
        )
        + "</article></body></html>"
    ).encode()
    with LoopbackServer() as server:
        server.route("/a", Response(200, page, {"Content-Type": "text/html; charset=utf-8"}))
        db = f"sqlite:///{tmp_path / 'b.db'}"
        cli("--db", db, "add", server.url("/a"))
        assert cli("--db", db, "check").code == 0
        outputs = [
            cli("--db", db, "show", "1").out,
            cli("--db", db, "history", "1").out,
            cli("--db", db, "articles").out,
        ]
    for out in outputs:
        assert not any(c in out for c in BIDI)
        assert "Minister \\u202eseigolopa\\u202c resigns" in out
    assert (
        "Paragraph 0 quotes the envoy \\u2067\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067"
        "\\u2068\\u2069\\u200e\\u200f\\u061c\\u2069 on the consequences."
    ) in outputs[0]


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ('allow_private = "maybe"', "fetch.allow_private", "'maybe'"),
        ('robots = "ture"', "fetch.robots", "'ture'"),
        ("robots = 2", "fetch.robots", "2"),
    ],
)
def test_an_unknown_boolean_in_the_config_is_an_error(
    cli: Runner, tmp_path: Path, line: str, key: str, value: str
) -> None:
    config = tmp_path / "vt.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "c.db"}"\n[fetch]\n{line}\n')
    result = cli("--config", str(config), "articles")
    assert (result.code, result.err) == (
        1,
        f"error: {key}: expected true or false (or yes/no, on/off, 1/0), got {value}\n",
    )


def test_an_unknown_boolean_in_the_environment_is_an_error(
    cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERSIONTRACK_FETCH_ROBOTS", "ture")
    result = cli("--db", f"sqlite:///{tmp_path / 'e.db'}", "articles")
    assert (result.code, result.err) == (
        1,
        "error: VERSIONTRACK_FETCH_ROBOTS: expected true or false (or yes/no, on/off, 1/0), "
        "got 'ture'\n",
    )


@pytest.mark.parametrize(
    ("spelling", "value"), [("TRUE", True), ("Off", False), (" yes ", True), ("0", False)]
)
def test_the_usual_boolean_spellings_are_accepted(
    cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str, value: bool
) -> None:
    from versiontrack.settings import load_settings

    monkeypatch.setenv("VERSIONTRACK_FETCH_ROBOTS", spelling)
    assert load_settings(cwd=tmp_path).fetch.robots is value


def test_a_file_that_is_not_a_database_is_one_line(cli: Runner, tmp_path: Path) -> None:
    junk = tmp_path / "notadb"
    junk.write_bytes(b"this is not an SQLite file, just some text\n" * 100)
    result = cli("--db", f"sqlite:///{junk}", "articles")
    assert (result.code, result.err) == (
        1,
        f"error: cannot open database sqlite:///{junk}: file is not a database "
        "— check --db / database.url\n",
    )
    verbose = cli("-v", "--db", f"sqlite:///{junk}", "articles")
    assert verbose.code == 1 and "Traceback (most recent call last)" in verbose.err
    assert verbose.err.endswith(result.err)


def test_an_unreachable_postgresql_is_one_line(cli: Runner) -> None:
    pytest.importorskip("psycopg")
    with LoopbackServer() as server:
        port = server.port  # a port that was just in use and now refuses connections
    url = f"postgresql+psycopg://vt:secret@127.0.0.1:{port}/vt"
    result = cli("--db", url, "serve")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "secret" not in result.err
    assert result.err.startswith(
        f"error: cannot open database postgresql+psycopg://vt:***@127.0.0.1:{port}/vt: "
        "connection failed: "
    )
    assert result.err.endswith("Connection refused — check --db / database.url\n")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://./", "invalid host name '.'"),
        ("http:///x", "URL has no host: 'http:///x'"),
        ("http://a b/", "invalid host name 'a b'"),
        ("http://example.org:99999/", "invalid URL 'http://example.org:99999/': Port out of range"),
    ],
)
def test_add_refuses_a_url_without_a_canonical_form(
    cli: Runner, tmp_path: Path, url: str, reason: str
) -> None:
    result = cli("--db", f"sqlite:///{tmp_path / 'u.db'}", "add", url)
    assert result.code == 1 and result.err.count("\n") == 1
    # the port message's tail ("0-65535") depends on the Python version
    assert result.err.startswith(f"error: not an article URL: {url!r} ({reason}")


def test_check_survives_a_feed_that_breaks_the_parser(cli: Runner, tmp_path: Path) -> None:
    good = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        b"<link>http://example.org/</link><description>d</description></channel></rss>"
    )
    with LoopbackServer() as server:
        server.route("/bad.rss", Response(200, b'<?encoding="\x80"?>', {}))
        server.route("/good.rss", Response(200, good, {}))
        config = tmp_path / "vt.toml"
        config.write_text(
            f'[database]\nurl = "sqlite:///{tmp_path / "f.db"}"\n'
            f'[[sources]]\nname = "bad"\nfeed = "{server.url("/bad.rss")}"\n'
            f'[[sources]]\nname = "good"\nfeed = "{server.url("/good.rss")}"\n'
        )
        result = cli("--config", str(config), "check")
    reason = (
        "malformed feed: feedparser failed: UnicodeDecodeError: 'utf-8' codec can't decode byte "
        "0x80 in position 0: invalid start byte"
    )
    assert result.code == 0
    # one logged warning, no traceback
    assert result.err.count("\n") == 1
    assert result.err.endswith(f" WARNING versiontrack.pipeline: feed bad failed: {reason}\n")
    assert result.out.splitlines() == [
        f"feed failed  bad: {reason}",
        "2 feeds polled (1 failed), 0 new articles; 0 checked: 0 new, 0 changed, 0 unchanged, "
        "0 removed, 0 failed",
    ]
