"""The real-pages sets and their ground truth: loading, and finding the truth in the page.

Two sets live in ``../shared/realpages`` (``VERSIONTRACK_REALPAGES`` overrides; see its README):

``fundus``       gzipped HTML pages and ``ground_truth.json`` (``body``: a list of paragraphs);
``readability``  one folder per page: ``source.html``, and ``expected.html`` whose block
                 elements' texts are the truth paragraphs.

A set whose folder is absent is skipped (``load_sets`` returns what exists). ``locate`` finds,
from the ground truth alone, the elements holding the truth paragraphs and the article box
around them; churn (``bench.realpages.churn``) is decided from that and nothing else.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from lxml.etree import _Element

from versiontrack.text import normalise_line, runs_on

REPO = Path(__file__).resolve().parents[2]
SETS = ("fundus", "readability")
# Text in these never shows as the article (JSON-LD repeats the body; <title> the headline).
INVISIBLE_TAGS = frozenset({"script", "style", "noscript", "template", "title", "head", "svg"})
_BLOCKS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dd", "dt"}
    | {"figcaption", "td", "th", "div", "section", "article", "ul", "ol", "table", "figure"}
)
# A box holding this share of the located paragraphs holds "nearly all" of them.
BOX_SHARE = 0.9
_WORD = re.compile(r"\w")


def default_root() -> Path:
    env = os.environ.get("VERSIONTRACK_REALPAGES")
    return Path(env) if env else (REPO / ".." / "shared" / "realpages").resolve()


@dataclass(frozen=True)
class Page:
    """One real page: where it came from, its HTML and its truth paragraphs."""

    set: str
    name: str
    index: int  # position in its set (sorted by name): the step-4 edit kind cycles with it
    html: str
    truth: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.set}/{self.name}"

    @property
    def site(self) -> str:
        """The publisher, as a user would configure it: one source per site (a Fundus page's
        name is ``Publisher_N``; every Readability page is a site of its own)."""
        return self.name.split("_")[0] if self.set == "fundus" else f"{self.set}-{self.name}"


def decode(raw: bytes) -> str:
    """Page bytes as text: UTF-8 (what both sets use), else Windows-1252 as browsers do."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _fundus_paragraph(raw: str) -> str:
    """A Fundus truth paragraph as plain text: its export wraps some paragraphs (list items,
    key points, section breaks such as ``[::]``) in brackets that the page does not show."""
    line = normalise_line(raw)
    if line.startswith("[") and line.endswith("]"):
        line = line[1:-1].strip()
    return line


def _readability_dirs(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if (p / "source.html").is_file() and (p / "expected.html").is_file()
    )


def page_names(root: Path, set_name: str) -> list[str]:
    """The names of a set's pages in their order (``Page.index``), without loading them."""
    folder = root / set_name
    if not folder.is_dir():
        return []
    if set_name == "fundus":
        truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
        return [name.removesuffix(".html.gz") for name in sorted(truth)]
    return [p.name for p in _readability_dirs(folder)]


def load_fundus(folder: Path) -> list[Page]:
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))
    pages = []
    for file_name in sorted(truth):
        body = [_fundus_paragraph(p) for p in truth[file_name].get("body") or []]
        html = decode(gzip.decompress((folder / "html" / file_name).read_bytes()))
        name = file_name.removesuffix(".html.gz")
        truth_body = tuple(p for p in body if _WORD.search(p))
        pages.append(Page("fundus", name, len(pages), html, truth_body))
    return pages


# a displayed formula (MathML's display="block", MathJax's display="true" on its wrapper)
# stands as a block of its own, between the lines of text around it
_DISPLAYED = frozenset({"block", "true"})
# a <br> in the truth, as a character no page holds: outside code, and inside it
_BREAK, _CODE_BREAK = "\ue000", "\ue001"
_CODE = frozenset({"pre", "code", "kbd", "samp"})


def _lines(text: str) -> list[str]:
    """A block's text cut at its line breaks into the paragraphs a reader sees: a <br> ends a
    line of a list or a verse, while a line broken inside a sentence (hard-wrapped text) runs
    on into the next, as extraction reads it; code keeps every line."""
    lines: list[str] = []
    for piece in re.split(f"({_BREAK}|{_CODE_BREAK})", text):
        if piece in (_BREAK, _CODE_BREAK):
            lines.append(piece)
        elif len(lines) >= 2 and lines[-1] == _BREAK and runs_on(lines[-2], piece):
            lines[-2:] = [lines[-2] + " " + piece]
        else:
            lines.append(piece)
    return [line for line in lines if line not in (_BREAK, _CODE_BREAK)]


def block_texts(html: str) -> list[str]:
    """The texts of an HTML fragment's blocks, in document order: each innermost block's
    text, and each run of loose text between the blocks inside a block, cut at its line
    breaks (``_lines``)."""
    texts: list[str] = []

    def flush(run: list[str]) -> None:
        texts.extend(line for part in _lines("".join(run)) if (line := normalise_line(part)))

    def walk(el: _Element) -> None:
        run = [el.text or ""]
        for child in el:
            if isinstance(child.tag, str) and (
                child.tag in _BLOCKS or child.get("display") in _DISPLAYED
            ):
                flush(run)
                walk(child)
                run = [child.tail or ""]
            else:
                run += [
                    child.text_content() if isinstance(child.tag, str) else "",
                    child.tail or "",
                ]
        flush(run)

    root = lxml.html.fromstring(html)
    for br in root.iter("br"):
        code = any(a.tag in _CODE for a in br.iterancestors())
        br.tail = (_CODE_BREAK if code else _BREAK) + (br.tail or "")
    walk(root)
    return texts


def load_readability(folder: Path) -> list[Page]:
    pages = []
    for page_dir in _readability_dirs(folder):
        truth = block_texts((page_dir / "expected.html").read_text(encoding="utf-8"))
        html = decode((page_dir / "source.html").read_bytes())
        pages.append(Page("readability", page_dir.name, len(pages), html, tuple(truth)))
    return pages


LOADERS = {"fundus": load_fundus, "readability": load_readability}


def load_sets(root: Path, names: tuple[str, ...] = SETS, limit: int | None = None) -> list[Page]:
    """The pages of each named set found under ``root`` (absent sets are skipped)."""
    pages: list[Page] = []
    for name in names:
        folder = root / name
        if folder.is_dir():
            pages.extend(LOADERS[name](folder)[:limit])
    return pages


def parse(html: str) -> _Element:
    return lxml.html.document_fromstring(html)


def visible(el: _Element) -> bool:
    """False for elements inside script, style, head and the like."""
    return not any(
        isinstance(a.tag, str) and a.tag in INVISIBLE_TAGS for a in (el, *el.iterancestors())
    )


@dataclass
class Located:
    """Where the truth sits in one parsed page."""

    root: _Element
    # truth paragraph index → the innermost visible element whose text holds it
    holders: dict[int, _Element]
    box: _Element


def _visible_texts(root: _Element) -> dict[_Element, str]:
    """Each element's text as a reader sees it: without script, style and the like."""
    texts: dict[_Element, str] = {}
    for el in reversed(list(root.iter())):  # children before their parents
        if not isinstance(el.tag, str) or el.tag in INVISIBLE_TAGS:
            texts[el] = ""
            continue
        texts[el] = (el.text or "") + "".join(texts[c] + (c.tail or "") for c in el)
    return texts


def page_text(root: _Element) -> str:
    """The whole page's visible text, normalised."""
    body = root.find("body")
    top = body if body is not None else root
    return normalise_line(_visible_texts(top)[top])


# Typographic quotes and apostrophes as straight ones: a truth set written with curly quotes
# (Fundus's) must still find its paragraphs in a page that prints straight ones.
_QUOTES = str.maketrans(
    "\u2018\u2019\u201a\u201b\u2032\u201c\u201d\u201e\u201f\u2033", "'''''\"\"\"\"\""
)


def _same(text: str) -> str:
    return normalise_line(text).translate(_QUOTES)


def locate(root: _Element, truth: tuple[str, ...]) -> Located:
    """Find each truth paragraph's innermost holder and the box: the deepest element that holds
    at least ``BOX_SHARE`` of the holders (the ``<body>`` when the truth is not found at all).
    Quotes are compared straight (``_same``)."""
    raw = _visible_texts(root)
    texts: dict[_Element, str] = {}

    def text(el: _Element) -> str:
        if el not in texts:
            texts[el] = _same(raw.get(el, ""))
        return texts[el]

    def holder(paragraph: str, el: _Element) -> _Element | None:
        # descend while one visible child holds the whole paragraph (the first, if several)
        if paragraph not in text(el):
            return None
        while True:
            inner = next(
                (
                    child
                    for child in el
                    if isinstance(child.tag, str)
                    and child.tag not in INVISIBLE_TAGS
                    and paragraph in text(child)
                ),
                None,
            )
            if inner is None:
                return el
            el = inner

    body = root.find("body")
    box = body if body is not None else root
    holders: dict[int, _Element] = {}
    for i, paragraph in enumerate(truth):
        found = holder(_same(paragraph), box)
        if found is not None:
            holders[i] = found
    if holders:
        counts: Counter[_Element] = Counter()
        for el in holders.values():
            for ancestor in (el, *el.iterancestors()):
                counts[ancestor] += 1
        need = BOX_SHARE * len(holders)
        box = max(
            (el for el, n in counts.items() if n >= need),
            key=lambda el: sum(1 for _ in el.iterancestors()),
        )
    return Located(root, holders, box)
