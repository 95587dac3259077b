"""The wording of a text as :mod:`versiontrack.significance` compares it: tokens and quotations.

Words keep their case (``’`` folded to ``'`` inside a word), numbers are read by value
(``1,500`` is ``1500``; ``05`` is ``5``) and every quotation mark folds into one token;
whitespace, dashes and other punctuation are not tokens. ``quotations`` finds what is quoted,
telling opening from closing marks and apostrophes. Pure.
"""

from __future__ import annotations

import re
from collections import Counter

# A number (thousands separators, decimals) not glued to a preceding letter ("MH17", "R3" are
# names, taken whole as words); a word, apostrophes inside it kept; or one quotation mark.
# Everything else (whitespace, dashes, other punctuation) is not a token.
_TOKEN = re.compile(
    r"(?P<number>(?<!\w)(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?)"
    r"|(?P<word>\w+(?:['’]\w+)*)"
    r"|(?P<quote>[\"'“”„‘’‚«»‹›])"
)
_SENTENCE_END = re.compile(r"[.!?…]+")
_QUOTE = '"'  # every quotation mark folds to this token: quote style is not a change
NUMBER = "#"  # prefix of number tokens, so "#2024" never equals a word

_OPEN_DOUBLE = frozenset("“„«")
_CLOSE_DOUBLE = frozenset("”»")
_OPEN_SINGLE = frozenset("‘‚‹")
_CLOSE_SINGLE = frozenset("›")
# Before a straight quote that opens: start, whitespace or an opening bracket or dash.
_OPENS_AFTER = frozenset("([{/—–-")


def _number(text: str) -> str:
    """A numeral by value: separators dropped, no leading or trailing zeros."""
    whole, _, fraction = text.replace(",", "").partition(".")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return NUMBER + (f"{whole}.{fraction}" if fraction else whole)


def tokens(text: str) -> list[str]:
    """The canonical tokens of ``text`` (see the module docstring): what a reader would call
    its wording. Case is kept; callers that ignore it casefold."""
    found = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "number":
            found.append(_number(m.group()))
        elif kind == "word":
            found.append(m.group().replace("’", "'"))
        else:
            found.append(_QUOTE)
    return found


def words(text: str) -> list[str]:
    """The words and numbers of ``text``, casefolded, without quotation marks."""
    return [t.casefold() for t in tokens(text) if t != _QUOTE]


def numbers(text: str) -> Counter[str]:
    return Counter(t for t in tokens(text) if t.startswith(NUMBER))


def pieces(text: str) -> Counter[tuple[str, ...]]:
    """The token sequences of ``text`` cut at every full stop, question or exclamation mark,
    whether or not a space follows."""
    return Counter(tuple(t) for piece in _SENTENCE_END.split(text) if (t := tokens(piece)))


def _quote_role(text: str, at: int) -> str | None:
    """What the quotation mark at ``text[at]`` does: ``open``/``close`` a ``double`` or
    ``single`` quotation (e.g. ``"open double"``), or None for an apostrophe."""
    mark = text[at]
    before = text[at - 1] if at else ""
    after = text[at + 1] if at + 1 < len(text) else ""
    if mark in _OPEN_DOUBLE:
        return "open double"
    if mark in _CLOSE_DOUBLE:
        return "close double"
    if mark in _OPEN_SINGLE:
        return "open single"
    if mark in _CLOSE_SINGLE:
        return "close single"
    opens = (not before or before.isspace() or before in _OPENS_AFTER) and after.strip() != ""
    if mark == '"':
        return "open double" if opens else "close double"
    # ’ and ' are apostrophes between letters ("Russia’s"), and after a plural ("soldiers’
    # whereabouts") they look like a closing quote; ``quotations`` only honours a single
    # close while a single quotation is open, which settles the second case.
    if before.isalnum() and after.isalnum():
        return None
    if mark == "'" and opens and after.isalnum():
        return "open single"
    return "close single"


def quotations(text: str) -> list[tuple[str, ...]]:
    """The quotations in ``text``, each as its casefolded words.

    A quotation opened and never closed runs to the end (news quotes run over sentences and
    paragraphs, and a sentence split leaves the opening mark in one sentence). A closing
    double mark before any other mark ends one that began before the text, so the words before
    it are quoted; later unmatched closing marks are typographic slips and are ignored. A
    single quotation inside a double one (or the reverse) is part of it.
    """
    spans: list[tuple[str, ...]] = []
    current: list[str] | None = None  # words of the open quotation, if one is open
    closer = ""  # the role that closes it
    before: list[str] | None = []  # words before the first quotation mark, until one is seen
    for m in _TOKEN.finditer(text):
        if m.lastgroup != "quote":
            word = _number(m.group()) if m.lastgroup == "number" else m.group()
            word = word.replace("’", "'").casefold()
            if current is not None:
                current.append(word)
            elif before is not None:
                before.append(word)
            continue
        role = _quote_role(text, m.start())
        if role is None or (current is None and role == "close single"):
            continue  # an apostrophe, or one after a plural ("soldiers’ lives")
        if current is None:
            if role.startswith("open"):
                current, closer = [], "close" + role.removeprefix("open")
            elif role == "close double" and before:
                spans.append(tuple(before))
        elif role == closer:
            if current:
                spans.append(tuple(current))
            current = None
        before = None
    if current:
        spans.append(tuple(current))
    return spans
