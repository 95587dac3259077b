"""The web app's templates: the Jinja2 environment (autoescaping, strict undefined) with its
filters, and the small view computations the diff page needs (move arrows, paragraph breaks).

Article text is untrusted: templates autoescape everything, and ``diff_markup`` lets through
only our own diff HTML (escaped text with bare ``<del>``/``<ins>``), after
``publish.html.is_diff_markup`` has checked it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import jinja2
from markupsafe import Markup, escape

from versiontrack.diff.align import Row
from versiontrack.publish.html import is_diff_markup
from versiontrack.resources import PACKAGE_DIR
from versiontrack.service.pages import DiffPage

_TEMPLATES = PACKAGE_DIR / "templates"


def move_marks(rows: tuple[Row, ...]) -> dict[int, str]:
    """For each one-sided row of a sentence that moved: "up" or "down", where its partner is."""
    position: dict[tuple[str, int | None], int] = {}
    for n, row in enumerate(rows):
        position["old", row.old_index] = n
        position["new", row.new_index] = n
    marks = {}
    for n, row in enumerate(rows):
        if row.partner is None:
            continue
        other = ("new", row.partner) if row.old is not None else ("old", row.partner)
        marks[n] = "down" if position.get(other, n) > n else "up"
    return marks


def paragraph_breaks(data: DiffPage) -> frozenset[int]:
    """Rows that open a paragraph: of the new version, or of the old one for a removal."""
    return frozenset(
        n
        for n, row in enumerate(data.rows)
        if (row.new_index in data.new_paragraph_starts)
        or (row.new_index is None and row.old_index in data.old_paragraph_starts)
    )


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["diff"] = diff_markup
    env.filters["when"] = _when
    env.filters["iso"] = _iso
    env.filters["later"] = _later
    env.filters["href"] = _href
    return env


def diff_markup(fragment: str) -> Markup:
    """Our diff HTML as markup, after checking it holds no tag but ``<del>``/``<ins>``."""
    if fragment and is_diff_markup(fragment):
        return Markup(fragment)  # checked just above: escaped text with del/ins only
    return escape(fragment)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _later(new: datetime, old: datetime) -> str:
    """``about 4 hours later`` (or ``earlier``): how far apart two versions are."""
    seconds = (new - old).total_seconds()
    word = "later" if seconds >= 0 else "earlier"
    seconds = abs(seconds)
    if seconds < 60:
        return "at the same time" if seconds < 1 else f"less than a minute {word}"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            amount = f"{n} {unit}s" if n > 1 else "an hour" if unit == "hour" else f"a {unit}"
            return f"about {amount} {word}"
    raise AssertionError("unreachable: past a minute, one of the units fits")


def _href(url: str) -> str:
    """A link target taken from article data: only http(s) URLs (never ``javascript:``)."""
    return url if url.lower().startswith(("http://", "https://")) else ""
