"""Edits that turn one version's paragraphs into the next: replace, insert, move, remove.

Each edit names its target by text, not by index, and fails loudly when the target is missing
or ambiguous, so a changed seed cannot silently produce a corpus whose diffs differ from the
documented ones.
"""

from __future__ import annotations

Paragraphs = tuple[str, ...]


def _only(paragraphs: Paragraphs, needle: str) -> int:
    hits = [i for i, p in enumerate(paragraphs) if needle in p]
    if len(hits) != 1:
        raise ValueError(f"expected one paragraph containing {needle!r}, found {len(hits)}")
    return hits[0]


def replace(paragraphs: Paragraphs, old: str, new: str) -> Paragraphs:
    """Replace the text ``old`` (which must occur in exactly one paragraph, once) by ``new``."""
    i = _only(paragraphs, old)
    if paragraphs[i].count(old) != 1:
        raise ValueError(f"{old!r} occurs more than once in its paragraph")
    return (*paragraphs[:i], paragraphs[i].replace(old, new), *paragraphs[i + 1 :])


def insert_after(paragraphs: Paragraphs, anchor: str | None, text: str) -> Paragraphs:
    """Insert paragraph ``text`` after the one containing ``anchor`` (None: at the top)."""
    i = -1 if anchor is None else _only(paragraphs, anchor)
    return (*paragraphs[: i + 1], text, *paragraphs[i + 1 :])


def remove(paragraphs: Paragraphs, needle: str) -> Paragraphs:
    """Drop the whole paragraph containing ``needle``."""
    i = _only(paragraphs, needle)
    return (*paragraphs[:i], *paragraphs[i + 1 :])


def move_after(paragraphs: Paragraphs, needle: str, anchor: str) -> Paragraphs:
    """Move the paragraph containing ``needle`` to just after the one containing ``anchor``."""
    moved = paragraphs[_only(paragraphs, needle)]
    rest = remove(paragraphs, needle)
    return insert_after(rest, anchor, moved)


def append_sentence(paragraphs: Paragraphs, anchor: str, sentence: str) -> Paragraphs:
    """Add ``sentence`` at the end of the paragraph containing ``anchor``."""
    i = _only(paragraphs, anchor)
    return (*paragraphs[:i], f"{paragraphs[i]} {sentence}", *paragraphs[i + 1 :])


def remove_sentence(paragraphs: Paragraphs, sentence: str) -> Paragraphs:
    """Delete ``sentence`` (and the space joining it to its neighbour) from its paragraph."""
    i = _only(paragraphs, sentence)
    text = paragraphs[i]
    for variant in (f" {sentence}", f"{sentence} ", sentence):
        if variant in text:
            text = text.replace(variant, "", 1)
            break
    if not text:
        return (*paragraphs[:i], *paragraphs[i + 1 :])
    return (*paragraphs[:i], text, *paragraphs[i + 1 :])
