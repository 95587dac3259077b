"""Version text compression: a zstd chain.

Each version is compressed with the previous version's text as a raw-content zstd dictionary, so
a small edit to a long article costs about a kilobyte instead of the whole article. Every
``KEYFRAME_EVERY``-th version is compressed alone, which bounds how many earlier versions a read
has to decompress first.
"""

from __future__ import annotations

import zstandard

LEVEL = 9
RAW_LEVEL = 6
KEYFRAME_EVERY = 32


def is_keyframe(number: int) -> bool:
    """Whether version ``number`` (1-based) is stored without a dictionary."""
    return (number - 1) % KEYFRAME_EVERY == 0


def _dictionary(previous: str) -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(
        previous.encode("utf-8"), dict_type=zstandard.DICT_TYPE_RAWCONTENT
    )


def compress(text: str, previous: str | None = None) -> bytes:
    """Compress ``text``, with ``previous`` as the dictionary when given."""
    data = text.encode("utf-8")
    if previous is None:
        return zstandard.ZstdCompressor(level=LEVEL).compress(data)
    return zstandard.ZstdCompressor(level=LEVEL, dict_data=_dictionary(previous)).compress(data)


def decompress(blob: bytes, previous: str | None = None) -> str:
    """Inverse of ``compress``: ``previous`` must be the same text it was compressed with."""
    if previous is None:
        return zstandard.ZstdDecompressor().decompress(blob).decode("utf-8")
    return (
        zstandard.ZstdDecompressor(dict_data=_dictionary(previous)).decompress(blob).decode("utf-8")
    )


def compress_raw(page: bytes) -> bytes:
    """A fetched page, compressed alone (pages churn too much to chain well)."""
    return zstandard.ZstdCompressor(level=RAW_LEVEL).compress(page)


def decompress_raw(blob: bytes) -> bytes:
    return zstandard.ZstdDecompressor().decompress(blob)
