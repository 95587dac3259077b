"""Normalisation, sentence splitting, the content hash and the stored text format.

This module owns what "the same text" means: ``normalise_line`` folds away every difference a
reader cannot see (Unicode composition, kinds of whitespace, zero-width characters), so markup,
entity or whitespace changes in the HTML never make a new version. ``content_hash`` is taken
over the normalised fields and paragraphs, not over the sentence split, so a new sentencex
release cannot create versions either. ``serialize``/``parse`` are the plain, line-oriented
form stored (zstd-compressed against the previous version) for each version. Pure, no I/O.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

from sentencex import segment

from versiontrack.domain import ArticleText, Extracted

__all__ = [
    "INVISIBLE",
    "content_hash",
    "fold",
    "normalise",
    "normalise_line",
    "parse",
    "runs_on",
    "serialize",
    "split_sentences",
]

# Invisible characters sites sprinkle in (and change) without changing the words: zero-width
# space/joiners, word joiner, BOM, soft hyphen, and the remaining C0/C1 control characters.
# The one set: extraction compares and matches (a source's ``ignore``) with it too.
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")
# str.split() with no argument splits on every Unicode whitespace, NBSP, U+2028 and U+3000
# included, which is exactly the set we fold.


def fold(s: str) -> str:
    """Whitespace folded: every run of Unicode whitespace one space, none at either end."""
    if s.isprintable() and "  " not in s:
        # the space is the one whitespace character Python counts printable, so there is
        # no run to fold, only the ends: most lines of text, at half the cost of splitting
        return s.strip()
    return " ".join(s.split())


def squeeze(value: str) -> str:
    """A containment key: no whitespace at all, case folded (extraction re-spaces inline text,
    so the same words may come out spaced apart in one reading and joined in another)."""
    if value.isprintable():  # (its one whitespace is the space, as in ``fold``)
        return value.replace(" ", "").casefold()
    return "".join(value.split()).casefold()


def normalise_line(s: str) -> str:
    """One line of text in canonical form: NFC, invisible characters removed, whitespace folded.

    The result never contains a newline or a leading/trailing space.
    """
    return unicodedata.normalize("NFC", fold(INVISIBLE.sub("", s)))


def _normalise_paragraphs(paragraphs: Iterable[str]) -> list[str]:
    """Normalised, non-empty paragraphs, every one kept: a page that shows a paragraph twice
    in a row shows it twice to its reader, and an edit to one copy is an edit."""
    return [line for paragraph in paragraphs if (line := normalise_line(paragraph))]


def _language_code(language: str) -> str:
    return re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0] or "en"


def split_sentences(paragraph: str, language: str = "en") -> tuple[str, ...]:
    """Split one paragraph into sentences with sentencex; each stripped, empties dropped.

    sentencex also splits where no space follows the full stop ("anonymity.A Ukrainian"); we
    join those back so that a paragraph is always its sentences joined by single spaces. That
    invariant is what lets ``parse`` recompute the content hash from the stored sentences.
    """
    sentences: list[str] = []
    after_space = True
    for piece in segment(_language_code(language), paragraph):
        if text := piece.strip():
            if sentences and not after_space and not piece[0].isspace():
                sentences[-1] += text
            else:
                sentences.append(text)
        if piece:
            after_space = piece[-1].isspace()
    return tuple(sentences)


# what closes a sentence, or a line that stands alone (a label, a list's lead-in), when it
# ends a line: punctuation, then perhaps closing quotes and brackets
_LINE_CLOSED = re.compile(r"[.!?:;\u2026][\"'\u2019\u201d\u00bb)\]]*$")


def runs_on(line: str, next_line: str) -> bool:
    """Whether a line break between two lines falls inside a sentence (hard-wrapped text, a
    line broken to fit a column): the line ends without closing punctuation and the next one
    begins with a lower-case letter. Lines of a list ("+ Added…", "Name: …") or a verse that
    starts each line with a capital stay lines of their own."""
    line, next_line = line.rstrip(), next_line.lstrip()
    return bool(line and next_line) and next_line[0].islower() and not _LINE_CLOSED.search(line)


def _sentences(paragraph: str, language: str) -> tuple[str, ...]:
    sentences = split_sentences(paragraph, language)
    # parse() recomputes the hash from the stored sentences, so they must rejoin exactly; a
    # splitter that ever altered the text falls back to the paragraph as one sentence.
    return sentences if " ".join(sentences) == paragraph else (paragraph,)


def content_hash(headline: str, standfirst: str, byline: str, paragraphs: Sequence[str]) -> str:
    """SHA-256 (hex) of the normalised fields and paragraph texts.

    Every string is length-prefixed, so no choice of texts can collide with another by moving
    characters across a boundary, and the field count is fixed before the paragraphs.
    """
    fields = (normalise_line(headline), normalise_line(standfirst), normalise_line(byline))
    return _digest((*fields, *_normalise_paragraphs(paragraphs)))


def _digest(parts: Iterable[str]) -> str:
    """``content_hash`` of texts already normalised: ``normalise_line`` leaves its own output
    as it is (NFC neither composes nor decomposes a visible character into a space or an
    invisible one), so ``normalise`` hashes what it normalised without doing it again."""
    digest = hashlib.sha256(b"versiontrack-text-v1\n")
    for part in parts:
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def normalise(extracted: Extracted, language: str = "en") -> ArticleText:
    """The comparable text of one version: normalised fields, paragraphs split into sentences."""
    headline = normalise_line(extracted.headline)
    standfirst = normalise_line(extracted.standfirst)
    byline = normalise_line(extracted.byline)
    paragraphs = _normalise_paragraphs(extracted.paragraphs)
    return ArticleText(
        headline=headline,
        standfirst=standfirst,
        byline=byline,
        paragraphs=tuple(_sentences(p, language) for p in paragraphs),
        content_hash=_digest((headline, standfirst, byline, *paragraphs)),
    )


def serialize(text: ArticleText) -> str:
    """The stored form: headline, standfirst, byline, a blank line, then the body.

    The body has one sentence per line and a blank line between paragraphs. Normalised
    strings never contain a newline and sentences are never empty, so this is unambiguous.
    """
    lines = [text.headline, text.standfirst, text.byline, ""]
    for i, paragraph in enumerate(text.paragraphs):
        if i:
            lines.append("")
        lines.extend(paragraph)
    if any("\n" in line for line in lines) or not all(all(p) and p for p in text.paragraphs):
        raise ValueError("cannot serialize text that is not normalised (newline or empty part)")
    return "\n".join(lines) + "\n"


def parse(serialized: str, known_hash: str | None = None) -> ArticleText:
    """The exact inverse of ``serialize``; raises ``ValueError`` on text it did not produce.

    ``known_hash`` is the text's content hash when the caller stored it alongside (hashing
    re-normalises every paragraph: most of the cost of reading a version back).
    """
    if not serialized.endswith("\n"):
        raise ValueError("serialized article text must end with a newline")
    lines = serialized[:-1].split("\n")
    if len(lines) < 4 or lines[3] != "":
        raise ValueError("serialized article text needs three field lines and a blank line")
    headline, standfirst, byline = lines[:3]
    paragraphs: list[tuple[str, ...]] = []
    current: list[str] = []
    for line in lines[4:]:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(tuple(current))
            current = []
        else:
            raise ValueError("empty paragraph in serialized article text")
    if current:
        paragraphs.append(tuple(current))
    elif len(lines) > 4:
        raise ValueError("serialized article text ends with a blank line")
    return ArticleText(
        headline=headline,
        standfirst=standfirst,
        byline=byline,
        paragraphs=tuple(paragraphs),
        content_hash=known_hash
        or content_hash(headline, standfirst, byline, [" ".join(p) for p in paragraphs]),
    )
