"""Scoring: extraction against the truth, and whether a diff shows the expected edit.

Extraction is scored as the ScrapingHub article-extraction-benchmark scores bodies: on the
multiset of word tokens (lower-cased ``\\w+``) of the extracted body against the truth's.
Per page, precision = common / extracted tokens and recall = common / truth tokens (common:
the multiset intersection), F1 their harmonic mean; a set's figure is the mean over its pages
(macro), and ``micro`` sums the token counts over all pages first. Nothing extracted scores
precision 0 (1 when the truth is empty too).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> Counter[str]:
    return Counter(_TOKEN.findall(text.lower()))


@dataclass(frozen=True)
class Match:
    """Token counts of one extraction against its truth."""

    common: int
    extracted: int
    truth: int

    @property
    def precision(self) -> float:
        if self.extracted == 0:
            return 1.0 if self.truth == 0 else 0.0
        return self.common / self.extracted

    @property
    def recall(self) -> float:
        return 1.0 if self.truth == 0 else self.common / self.truth

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def to_dict(self) -> dict[str, float]:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1}


def match(extracted: str, truth: str) -> Match:
    got, want = tokens(extracted), tokens(truth)
    return Match(sum((got & want).values()), sum(got.values()), sum(want.values()))


def summary(matches: Sequence[Match]) -> dict[str, Any]:
    """Mean precision/recall/F1 over pages, and the micro average over all tokens."""
    if not matches:
        return {"pages": 0}
    n = len(matches)
    micro = Match(
        sum(m.common for m in matches),
        sum(m.extracted for m in matches),
        sum(m.truth for m in matches),
    )
    return {
        "pages": n,
        "precision": sum(m.precision for m in matches) / n,
        "recall": sum(m.recall for m in matches) / n,
        "f1": sum(m.f1 for m in matches) / n,
        "micro": micro.to_dict(),
    }


def words(text: str | None) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def inside(small: list[str], big: list[str]) -> bool:
    """``small`` is a contiguous run of ``big``."""
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def _overlaps(got: list[str], want: list[str]) -> bool:
    """The same words, or one a contiguous run of the other holding at least half of it (a
    sentence the splitter cut, or joined, differently from the truth)."""
    short, long = sorted((got, want), key=len)
    return bool(short) and 2 * len(short) >= len(long) and inside(short, long)


def _delta(old: str | None, new: str | None) -> tuple[Counter[str], Counter[str]]:
    before, after = Counter(words(old)), Counter(words(new))
    return before - after, after - before


def edit_found(ops: Iterable[dict[str, Any]], op: str, old: str | None, new: str | None) -> bool:
    """Whether ``diff --json`` ops hold the expected sentence op: the same kind, on the same
    sentence (as words; cut differently by the splitter at most), and for an edit the same
    words removed and added. An added or removed sentence the splitter left joined to its
    neighbour shows as that neighbour edited by exactly the sentence's words: found too."""
    want = words(old if op != "added" else new)
    for o in ops:
        if o["op"] == "edited" != op:
            # the splitter kept the added (or removed) sentence inside its neighbour, as
            # sentencex does after a closing bracket: one edited sentence whose words changed by
            # exactly that sentence
            side = o["new"] if op == "added" else o["old"]
            if inside(want, words(side)) and _delta(o["old"], o["new"]) == _delta(old, new):
                return True
            continue
        if o["op"] != op:
            continue
        got = words(o["old"] if op != "added" else o["new"])
        if not _overlaps(got, want):
            continue
        if op != "edited" or _delta(o["old"], o["new"]) == _delta(old, new):
            return True
    return False


def field_found(fields: Iterable[dict[str, Any]], old: str | None, new: str | None) -> bool:
    """Whether ``diff --json`` fields hold the edit: a truth paragraph the page shows as its
    headline or standfirst is compared as that field, so its edit is a field change with the
    edited sentence in it and exactly the edit's words removed and added."""
    sentence = words(old if old is not None else new)
    for f in fields:
        side = f["old"] if old is not None else f["new"]
        if inside(sentence, words(side)) and _delta(f["old"], f["new"]) == _delta(old, new):
            return True
    return False
