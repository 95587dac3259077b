"""``decode.parse`` and trafilatura's loader build the same tree from any text a page may
hold: forbidden characters, doctypes, self-closed roots, stray markup."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ..helpers import assert_parsed_as_the_loader_parses

_PIECES = st.sampled_from(
    [
        "<!DOCTYPE html>",
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/x.dtd">',
        "<html>",
        "<html/>",
        "</html>",
        "<body>",
        "<p>",
        "</p>",
        "<div class='a'>",
        "</div>",
        "<br/>",
        "\n",
        "\x00",
        "\x0b",
        "\x0c",
        "\x1f",
        "\ufffe",
        "&#27;",
        "&amp;",
        "<!-- c -->",
        "<?xml version='1.0' encoding='utf-8'?>",
        "<script>if (a < b) {}</script>",
        "café",
        "text ",
    ]
)


@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=30))
def test_parse_builds_the_loaders_tree(pieces: list[str]) -> None:
    assert_parsed_as_the_loader_parses("".join(pieces).encode("utf-8", "surrogatepass"))
