"""Locating and reading the seed texts the corpus is built from.

The seeds are five real news texts on one story, flattened to plain text. A wheel install ships
them inside the package as ``versiontrack/_seeds``; a source checkout keeps them in the repo's
``seeds/`` next to the package directory. This module owns finding them and nothing else: what
each line *means* is decided in ``articles.py``.
"""

from __future__ import annotations

from pathlib import Path

from versiontrack.resources import bundled_dir


def seeds_dir() -> Path:
    """The directory holding the seed texts: the packaged copy first, else the source tree's."""
    return bundled_dir("seeds")


def seed_path(number: int) -> Path:
    """The seed file numbered ``number`` (files are named ``000_<hash>.txt``)."""
    matches = sorted(seeds_dir().glob(f"{number:03d}_*.txt"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one seed numbered {number:03d} in {seeds_dir()}")
    return matches[0]


def seed_lines(number: int) -> list[str]:
    """The seed's non-blank lines, stripped: blank lines are only spacing in the flattening."""
    text = seed_path(number).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]
