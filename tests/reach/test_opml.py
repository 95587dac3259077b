"""OPML import and export through the real command line, a real config file and SQLite."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from versiontrack import cli
from versiontrack.errors import InvalidArgument
from versiontrack.opml import Subscription, read_opml

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>My feeds</title></head><body>
  <outline text="News" title="News">
    <outline type="rss" text="Example World" title="Example World"
             xmlUrl="https://example.org/world/rss" htmlUrl="https://example.org/world"/>
    <outline type="rss" text="Guardian" xmlUrl="https://theguardian.example/world/rss"/>
  </outline>
  <outline type="rss" text="Local &amp; Co" xmlUrl="https://local.example/feed.atom"/>
  <outline type="rss" text="Ftp" xmlUrl="ftp://files.example/feed"/>
  <outline type="rss" xmlUrl="https://nameless.example/rss"/>
  <outline text="Just a link" htmlUrl="https://example.net/"/>
</body></opml>"""


def vt(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setattr(sys, "argv", ["versiontrack", *args])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        for handler in logging.getLogger().handlers[:]:
            logging.getLogger().removeHandler(handler)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_opml_import_keeps_feeds_across_restarts_and_exports_them_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VERSIONTRACK_CONFIG", raising=False)
    config = tmp_path / "versiontrack.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "vt.db"}"\n\n'
        '[[sources]]\nname = "Guardian"\nfeed = "https://theguardian.example/uk/rss"\n'
    )
    opml_file = tmp_path / "feeds.opml"
    opml_file.write_bytes(READER_EXPORT)
    run = lambda *args: vt(capsys, monkeypatch, "--config", str(config), *args)  # noqa: E731

    code, out, err = run("sources", "import", str(opml_file))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "added     Example World",
        "added     Local & Co",
        "added     nameless.example",
        "skipped   'Ftp': feed is not an http(s) URL: 'ftp://files.example/feed'",
        "skipped   'Guardian': the config file defines a source of that name",
        "3 added, 0 updated, 0 unchanged, 2 skipped",
    ]
    # a second import of the same file changes nothing
    assert run("sources", "import", str(opml_file))[1].splitlines()[-1] == (
        "0 added, 0 updated, 3 unchanged, 2 skipped"
    )

    # a new process (a restart) lists the imported sources beside the config's
    code, out, _ = run("sources", "--json")
    assert code == 0
    assert [(s["name"], s["feed"], s["origin"]) for s in json.loads(out)] == [
        ("Example World", "https://example.org/world/rss", "import"),
        ("Guardian", "https://theguardian.example/uk/rss", "config"),
        ("Local & Co", "https://local.example/feed.atom", "import"),
        ("nameless.example", "https://nameless.example/rss", "import"),
    ]

    code, exported, _ = run("sources", "export")
    assert code == 0
    assert exported.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    assert [(s.name, s.feed) for s in read_opml(exported.encode()).subscriptions] == [
        ("Guardian", "https://theguardian.example/uk/rss"),
        ("Example World", "https://example.org/world/rss"),
        ("Local & Co", "https://local.example/feed.atom"),
        ("nameless.example", "https://nameless.example/rss"),
    ]

    # round trip: the export imported into a fresh database gives the same sources
    fresh = tmp_path / "fresh.toml"
    fresh.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "fresh.db"}"\n')
    again = tmp_path / "again.opml"
    again.write_text(exported)
    code, out, _ = vt(capsys, monkeypatch, "--config", str(fresh), "sources", "import", str(again))
    assert out.splitlines()[-1] == "4 added, 0 updated, 0 unchanged, 0 skipped"
    code, reexported, _ = vt(capsys, monkeypatch, "--config", str(fresh), "sources", "export")
    # (all of them imported now, so listed by name)
    assert set(read_opml(reexported.encode()).subscriptions) == set(
        read_opml(exported.encode()).subscriptions
    )

    # the config file takes over an imported name: its source wins, and the row is its
    config.write_text(
        config.read_text()
        + '\n[[sources]]\nname = "Example World"\nfeed = "https://example.org/world/atom"\n'
    )
    rows = json.loads(run("sources", "--json")[1])
    assert [(s["name"], s["feed"], s["origin"]) for s in rows][:2] == [
        ("Example World", "https://example.org/world/atom", "config"),
        ("Guardian", "https://theguardian.example/uk/rss", "config"),
    ]
    assert ("Example World", "https://example.org/world/atom") in [
        (s.name, s.feed) for s in read_opml(run("sources", "export")[1].encode()).subscriptions
    ]


def test_a_file_that_is_not_opml_is_one_line_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VERSIONTRACK_CONFIG", raising=False)
    db = f"sqlite:///{tmp_path / 'vt.db'}"
    bad = tmp_path / "bad.opml"
    bad.write_text("<html><body>feeds</body></html>")
    code, out, err = vt(capsys, monkeypatch, "--db", db, "sources", "import", str(bad))
    assert (code, out) == (1, "")
    assert err == "error: not an OPML file: the root element is not <opml>\n"
    code, out, err = vt(capsys, monkeypatch, "--db", db, "sources", "import", str(tmp_path / "no"))
    assert code == 2 and "cannot read" in err
    assert vt(capsys, monkeypatch, "--db", db, "sources", "--json")[1] == "[]\n"


def test_read_opml_skips_feeds_without_a_usable_url_and_never_expands_entities() -> None:
    read = read_opml(
        b'<opml version="2.0"><body><outline text="v6" xmlUrl="http://[bad/rss"/>'
        b'<outline xmlUrl="https://a.example:99999/"/>'
        b'<outline text="dup" xmlUrl="https://c.example/rss"/>'
        b'<outline text="dup" xmlUrl="https://d.example/rss"/></body></opml>'
    )
    assert read.subscriptions == (Subscription("dup", "https://c.example/rss"),)
    assert read.skipped == (
        "'v6': feed is not an http(s) URL: 'http://[bad/rss'",
        "'https://a.example:99999/': feed is not an http(s) URL: 'https://a.example:99999/'",
        "'dup': a second feed of that name in the file",
    )
    with pytest.raises(InvalidArgument, match="external entity"):
        read_opml(
            b'<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml version="2.0"><body><outline text="&x;" xmlUrl="https://b.example/rss"/>'
            b"</body></opml>"
        )
