"""Text normalisation: idempotent, one line, and the stored form parses back exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from versiontrack.domain import Extracted
from versiontrack.text import normalise, normalise_line, parse, serialize

# Text a page can carry: decoded from bytes, so never a lone surrogate.
_TEXT = st.text(
    st.one_of(
        st.characters(codec="utf-8"), st.sampled_from(" \n\u00a0\u200b\u00ad\u0301.\x1b\r\u2028")
    ),
    max_size=80,
)


@given(_TEXT)
def test_normalise_line_is_idempotent_and_one_line(s: str) -> None:
    line = normalise_line(s)
    assert normalise_line(line) == line
    assert "\n" not in line and line == line.strip()


@given(_TEXT, _TEXT, st.lists(_TEXT, max_size=5))
def test_the_stored_form_round_trips(headline: str, byline: str, paragraphs: list[str]) -> None:
    text = normalise(Extracted(headline, "", byline, tuple(paragraphs)))
    assert parse(serialize(text)) == text
    assert normalise(Extracted(headline, "", byline, tuple(paragraphs))) == text
