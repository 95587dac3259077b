"""Character references to XML-forbidden characters are dropped before a page is parsed."""

from __future__ import annotations

import pytest

from versiontrack.extract.decode import _drop_control_refs


@pytest.mark.parametrize(
    ("html", "kept"),
    [
        ("a&#27;[32m", "a[32m"),
        ("a&#x1b;b", "ab"),
        ("a&#X1B;b", "ab"),
        ("a&#0027;b", "ab"),
        ("a&#27b", "ab"),  # HTML parsers accept a reference without its ";"
        ("a&#x1f;b", "ab"),
        ("a&#65534;b", "ab"),
        ("a&#xFFFF;b", "ab"),
        ("a&#12;b", "a b"),  # a form feed separates words
        # allowed in XML, or made U+FFFD by the parser, or not a control at all: untouched
        ("a&#9;b&#10;c&#13;d&#0;e", "a&#9;b&#10;c&#13;d&#0;e"),
        (
            "a&#270;b&#x1bad;c&#8217;d&#039;e&#32;f&#655345;g",
            "a&#270;b&#x1bad;c&#8217;d&#039;e&#32;f&#655345;g",
        ),
    ],
)
def test_control_references_are_dropped_and_nothing_else(html: str, kept: str) -> None:
    assert _drop_control_refs(html) == kept
