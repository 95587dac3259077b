"""A change → a PNG "diff card" a reader takes in at a glance (Pillow, bundled DejaVu Sans).

The card shows the headline before and after (removed words struck through on red, added
words underlined on green, so the marks do not depend on colour alone), then the changed
sentences with the same marks, then the source, the versions and the time. It is 1200 pixels
wide, at least 630 high (the social-card shape) and at most ``MAX_HEIGHT``: what does not fit
is counted in a last line. Text is drawn, never interpreted: article text cannot inject
anything into an image. Glyphs outside the bundled subset (Latin, Greek, Cyrillic, common
punctuation) show as boxes. ``alt_text`` says the same change in words for screen readers.
"""

from __future__ import annotations

import functools
import html
import io
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

from versiontrack.domain import ChangeEntry, Diff, SentenceOp
from versiontrack.resources import PACKAGE_DIR

__all__ = ["CardData", "alt_text", "card_path", "render_card"]

WIDTH = 1200
MIN_HEIGHT = 630
MAX_HEIGHT = 2400
PAD = 56
_FONTS = PACKAGE_DIR / "fonts"

_BG = (252, 252, 249)
_INK = (28, 28, 30)
_MUTED = (100, 100, 108)
_RULE = (222, 222, 216)
_DEL_BG = (255, 220, 218)
_DEL_INK = (150, 24, 18)
_INS_BG = (204, 242, 214)
_INS_INK = (10, 96, 40)
_ACCENT = (22, 82, 160)

_TAG = re.compile(r"(</?(?:del|ins)>)")
_SPACE = re.compile(r"\s+")
#: Characters the card never draws: controls, and bidi controls that would reorder a line.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")

Run = tuple[str, str]  # (text, style): style "", "del" or "ins"


@dataclass(frozen=True, slots=True)
class CardData:
    """What a card shows: the change (``diff``) and where it comes from."""

    headline: str
    diff: Diff
    url: str = ""
    source: str | None = None
    from_version: int | None = None
    to_version: int | None = None
    detected_at: datetime | None = None


def card_path(entry: ChangeEntry) -> str | None:
    """The card's path on the web app, for a change between two versions (else None)."""
    if entry.kind != "edited" or entry.from_version is None or entry.to_version is None:
        return None
    return f"/articles/{entry.article_id}/diff/{entry.from_version}/{entry.to_version}.png"


@functools.lru_cache(maxsize=16)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(_FONTS / name), size)


def _clean(text: str) -> str:
    return _SPACE.sub(" ", _INVISIBLE.sub("", text)).strip()


def runs_of(markup: str) -> list[Run]:
    """Escaped diff markup (``<del>``/``<ins>`` only) → styled runs of plain text."""
    runs: list[Run] = []
    style = ""
    for part in _TAG.split(markup):
        if part in ("<del>", "<ins>"):
            style = part[1:-1]
        elif part in ("</del>", "</ins>"):
            style = ""
        elif part:
            runs.append((_INVISIBLE.sub("", html.unescape(part)), style))
    return runs


def _spaced(runs: list[Run]) -> list[Run]:
    """A space between a deletion and the insertion that follows it, where the markup has none."""
    out: list[Run] = []
    for text, style in runs:
        if out and out[-1][1] and style and out[-1][1] != style:
            if not out[-1][0].endswith(" ") and not text.startswith(" "):
                out.append((" ", ""))
        out.append((text, style))
    return out


def _side(runs: list[Run], keep: str) -> list[Run]:
    """One side of a word diff: the old text (``keep="del"``) or the new (``"ins"``)."""
    return [(t, s) for t, s in runs if s in ("", keep)]


class _Canvas:
    """Lays out styled lines top to bottom, drawing onto a tall scratch image."""

    def __init__(self) -> None:
        self.image = Image.new("RGB", (WIDTH, MAX_HEIGHT), _BG)
        self.draw = ImageDraw.Draw(self.image)
        self.y = PAD
        self.full = False

    def room(self, height: int, reserve: int) -> bool:
        return self.y + height <= MAX_HEIGHT - reserve

    def label(self, text: str, colour: tuple[int, int, int] = _MUTED) -> None:
        self.draw.text((PAD, self.y), text.upper(), font=_font(20, True), fill=colour)
        self.y += 34

    def lines_for(
        self, runs: list[Run], font: ImageFont.FreeTypeFont, width: int
    ) -> list[list[Run]]:
        """Word-wrap styled runs into lines no wider than ``width``."""
        words: list[Run] = []
        for text, style in runs:
            for piece in re.findall(r"\S+\s*|\s+", _SPACE.sub(" ", text)):
                words.append((piece, style))
        lines: list[list[Run]] = [[]]
        x = 0.0
        for piece, style in words:
            w = font.getlength(piece.rstrip())
            if x and x + w > width:
                lines.append([])
                x = 0.0
                piece = piece.lstrip()
                if not piece:
                    continue
            while font.getlength(piece.rstrip()) > width:  # one word wider than the card
                cut = len(piece)
                while cut > 1 and font.getlength(piece[:cut]) > width:
                    cut -= 1
                lines[-1].append((piece[:cut], style))
                lines.append([])
                piece = piece[cut:]
            lines[-1].append((piece, style))
            x += font.getlength(piece)
        return [line for line in lines if line]

    def paragraph(
        self,
        runs: list[Run],
        font: ImageFont.FreeTypeFont,
        *,
        indent: int = 0,
        ink: tuple[int, int, int] = _INK,
        reserve: int = 0,
        max_lines: int = 12,
        strike: bool = False,
    ) -> bool:
        """Draw ``runs`` wrapped; False (and nothing drawn) when it does not fit."""
        lines = self.lines_for(runs, font, WIDTH - 2 * PAD - indent)
        if len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = [*lines[-1], (" …", "")]
        line_height = int(font.size * 1.42)
        if not self.room(len(lines) * line_height, reserve):
            self.full = True
            return False
        # a paragraph wholly added or removed needs no underline or strike: its mark says so
        mixed = len({style for _, style in runs if _.strip()}) > 1
        for line in lines:
            x = float(PAD + indent)
            for i, (text, style) in enumerate(line):
                w = font.getlength(text)
                if style and text.strip():
                    # one highlight across a run of same-styled words, spaces included
                    joined = i + 1 < len(line) and line[i + 1][1] == style
                    core = text if joined else text.rstrip()
                    cw = font.getlength(core)
                    top, bottom = self.y - 3, self.y + font.size + 8
                    fill = _DEL_BG if style == "del" else _INS_BG
                    self.draw.rectangle((x - 2, top, x + cw + 2, bottom), fill=fill)
                    colour = _DEL_INK if style == "del" else _INS_INK
                    self.draw.text((x, self.y), core, font=font, fill=colour)
                    if style == "del" and (mixed or strike):  # struck through
                        mid = self.y + font.size * 0.62
                        self.draw.line((x, mid, x + cw + 1, mid), fill=_DEL_INK, width=3)
                    elif style == "ins" and mixed:  # underlined
                        base = self.y + font.size + 5
                        self.draw.line((x, base, x + cw + 1, base), fill=_INS_INK, width=2)
                else:
                    self.draw.text((x, self.y), text, font=font, fill=ink)
                x += w
            self.y += line_height
        return True

    def gap(self, pixels: int) -> None:
        self.y += pixels

    def rule(self) -> None:
        self.draw.line((PAD, self.y, WIDTH - PAD, self.y), fill=_RULE, width=2)
        self.y += 22


def _op_runs(op: SentenceOp) -> list[Run]:
    runs = _spaced(runs_of(op.html)) if op.html else []
    if op.op == "added" and not any(s for _, s in runs):
        return [(op.new or "", "ins")]
    if op.op == "removed" and not any(s for _, s in runs):
        return [(op.old or "", "del")]
    return runs or [(op.new or op.old or "", "")]


_OP_LABEL = {"added": "+", "removed": "−", "edited": "±"}
_FIELD_LABEL = {"standfirst": "Standfirst", "byline": "Byline", "url": "Address"}
FOOTER = 92


def render_card(data: CardData) -> bytes:
    """The card as PNG bytes."""
    canvas = _Canvas()
    diff = data.diff
    headline = diff.field_change("headline")
    if headline is not None:
        runs = (
            runs_of(headline.html)
            if headline.html
            else [(headline.old, "del"), (" ", ""), (headline.new, "ins")]
        )
        canvas.label("Headline changed", _ACCENT)
        canvas.label("Before")
        canvas.paragraph(_side(runs, "del"), _font(38, True), reserve=FOOTER, strike=True)
        canvas.gap(12)
        canvas.label("After")
        canvas.paragraph(_side(runs, "ins"), _font(38, True), reserve=FOOTER)
    else:
        canvas.paragraph(
            [(_clean(data.headline), "")], _font(38, True), reserve=FOOTER, max_lines=3
        )
    shown = 0
    fields = [f for f in diff.fields if f.field != "headline"]
    ops = [op for op in diff.ops if op.op != "moved"]
    total = len(fields) + len(ops)
    if total:
        canvas.gap(14)
        canvas.rule()
    for change in fields:
        canvas.label(f"{_FIELD_LABEL.get(change.field, change.field)} changed")
        runs = _spaced(
            runs_of(change.html) if change.html else [(change.old, "del"), (change.new, "ins")]
        )
        if not canvas.paragraph(runs, _font(28), reserve=FOOTER + 40, max_lines=6):
            break
        canvas.gap(14)
        shown += 1
    if not canvas.full and ops:
        canvas.label(f"Text changes ({_describe_ops(ops)})")
        for op in ops:
            mark = _OP_LABEL.get(op.op, "")
            colour = _INS_INK if op.op == "added" else _DEL_INK if op.op == "removed" else _MUTED
            top = canvas.y
            if not canvas.paragraph(
                _op_runs(op),
                _font(28),
                indent=40,
                reserve=FOOTER + 40,
                max_lines=8,
                strike=op.op == "removed",
            ):
                break
            canvas.draw.text((PAD, top), mark, font=_font(28, True), fill=colour)
            canvas.gap(12)
            shown += 1
    if shown < total:
        rest = total - shown
        canvas.paragraph(
            [(f"… and {rest} more change{'s' if rest != 1 else ''} on the diff page", "")],
            _font(24),
            ink=_MUTED,
        )
    height = max(MIN_HEIGHT, canvas.y + FOOTER)
    _footer(canvas, data, height)
    out = io.BytesIO()
    card = canvas.image.crop((0, 0, WIDTH, height))
    # 64 colours look the same for flat text on flat fills, at a third of the bytes (and the
    # fast octree quantizer without PNG "optimize" costs a fifth of the time, same size)
    card = card.quantize(colors=64, method=Image.Quantize.FASTOCTREE)
    card.save(out, format="PNG")
    return out.getvalue()


def _describe_ops(ops: list[SentenceOp]) -> str:
    counts = {
        kind: sum(1 for op in ops if op.op == kind) for kind in ("added", "removed", "edited")
    }
    return ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)


def _footer(canvas: _Canvas, data: CardData, height: int) -> None:
    y = height - FOOTER + 20
    canvas.draw.line((PAD, y - 16, WIDTH - PAD, y - 16), fill=_RULE, width=2)
    parts = [p for p in (_clean(data.source or ""), _host(data.url)) if p]
    if data.from_version is not None and data.to_version is not None:
        parts.append(f"version {data.from_version} → {data.to_version}")
    if data.detected_at is not None:
        parts.append(data.detected_at.strftime("%d %b %Y %H:%M UTC"))
    text = "  ·  ".join(parts)
    font = _font(22)
    while text and font.getlength(text) > WIDTH - 2 * PAD - 200:
        text = text[:-2].rstrip() + "…"
    canvas.draw.text((PAD, y), text, font=font, fill=_MUTED)
    brand = "versiontrack"
    bold = _font(22, True)
    canvas.draw.text((WIDTH - PAD - bold.getlength(brand), y), brand, font=bold, fill=_ACCENT)


def _host(url: str) -> str:
    try:
        return _clean(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def alt_text(data: CardData, limit: int = 1400) -> str:
    """The change in words, for the image's alt text (screen readers, search)."""
    parts: list[str] = []
    where = f" ({_clean(data.source)})" if data.source else ""
    for change in data.diff.fields:
        name = _FIELD_LABEL.get(change.field, change.field).lower()
        old, new = _clean(change.old), _clean(change.new)
        if change.field == "headline":
            parts.append(f"Headline changed{where} from “{old}” to “{new}”.")
        else:
            parts.append(f"The {name} changed from “{old}” to “{new}”.")
    if not any(f.field == "headline" for f in data.diff.fields):
        parts.insert(0, f"Changes to the article “{_clean(data.headline)}”{where}.")
    for op in data.diff.ops:
        if op.op == "added":
            parts.append(f"Sentence added: “{_clean(op.new or '')}”.")
        elif op.op == "removed":
            parts.append(f"Sentence removed: “{_clean(op.old or '')}”.")
        elif op.op == "edited":
            parts.append(f"Sentence “{_clean(op.old or '')}” became “{_clean(op.new or '')}”.")
    text = " ".join(parts)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
