"""``decode.parse`` builds the tree trafilatura's own loader builds from our decoding of a
page (faster): compared on hand-made edge cases, on every HTML file of the tests and on the
real pages (skipped when ``../shared/realpages`` is absent)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ..helpers import assert_parsed_as_the_loader_parses

REPO = Path(__file__).resolve().parents[2]
REALPAGES = REPO / ".." / "shared" / "realpages"

EDGE_CASES = (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n<html><body><p>café</p></body></html>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body><p>x</p></body></html>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html><body><p>x</p></body></html>',
    "<!doctype html><html><body><p>a\x0bb\x01c\x0cd</p></body></html>",
    "<html><body><p>a\ufffeb\uffffc</p></body></html>",
    "<html/>\n<body><p>x</p></body>",
    "<p>just a fragment</p>",
    "plain text, not html at all",
    '<html><head><meta charset="windows-1252"></head><body><p>“quoted” \u2028 x</p></body></html>',
    "<!DOCTYPE html>",
    # hypothesis: the repaired text ("0\n") is no HTML, the page as served is
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/x.dtd">0',
    "<!DOCTYPE html><html><body><p>one line, no break</p></body></html>",
    "<html><body><p>\x85 NEL \u2029 and &#27; a reference</p></body></html>",
    "",
)


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_parse_as_the_loader_parses_them(text: str) -> None:
    assert_parsed_as_the_loader_parses(text.encode("utf-8"))


def test_a_windows_1252_page_parses_as_the_loader_parses_it() -> None:
    assert_parsed_as_the_loader_parses(
        b'<html><head><meta charset="windows-1252"></head><body><p>\x93quoted\x94 caf\xe9'
        b"</p></body></html>"
    )


def test_every_page_of_the_tests_parses_as_the_loader_parses_it() -> None:
    pages = sorted(REPO.joinpath("tests").rglob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        assert_parsed_as_the_loader_parses(page.read_bytes())


def test_every_real_page_parses_as_the_loader_parses_it() -> None:
    if not (REALPAGES / "fundus").is_dir():
        pytest.skip(f"no real pages at {REALPAGES} (../shared/realpages beside the repository)")
    pages = [gzip.decompress(f.read_bytes()) for f in (REALPAGES / "fundus" / "html").glob("*.gz")]
    pages += [f.read_bytes() for f in (REALPAGES / "readability").glob("*/source.html")]
    assert len(pages) == 210
    for page in pages:
        assert_parsed_as_the_loader_parses(page)


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\x0c", "\ufffe"])
def test_a_forbidden_character_anywhere_in_a_repaired_doctype_parses_as_the_loader_parses_it(
    character: str,
) -> None:
    # ``parse`` repairs the doctype before it looks for such characters, the loader after
    doctype = EDGE_CASES[1][: EDGE_CASES[1].index(">") + 1]
    for at in range(len(doctype) + 1):
        spoilt = doctype[:at] + character + doctype[at:]
        for rest in (
            "<html><body><p>x</p></body></html>",
            "\n<html><body><p>x</p></body></html>",
            "",
            "0",
        ):
            assert_parsed_as_the_loader_parses((spoilt + rest).encode("utf-8"))
