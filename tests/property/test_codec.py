"""The zstd chain codec: any chain of texts decompresses to its last text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from versiontrack.store import codec


@given(st.lists(st.text(max_size=300), min_size=1, max_size=6), st.data())
def test_a_chain_round_trips(texts: list[str], data: st.DataObject) -> None:
    links: list[tuple[bytes, bool]] = []
    previous: str | None = None
    for text in texts:
        chained = previous is not None and data.draw(st.booleans())
        links.append((codec.compress(text, previous if chained else None), chained))
        assert codec.decompress_chain(links) == text
        previous = text


@given(st.binary(max_size=500), st.one_of(st.none(), st.binary(min_size=1, max_size=500)))
def test_a_raw_page_round_trips(page: bytes, base: bytes | None) -> None:
    assert codec.decompress_raw(codec.compress_raw(page, base), base) == page
