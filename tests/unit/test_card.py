"""The diff card renderer: sizes, truncation, hostile text, alt text."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image

from versiontrack.diff.texts import diff_texts
from versiontrack.domain import (
    ArticleText,
    ChangeEntry,
    ChangeSummary,
    Diff,
    FieldChange,
    SentenceOp,
)
from versiontrack.publish.card import (
    MAX_HEIGHT,
    MIN_HEIGHT,
    WIDTH,
    CardData,
    alt_text,
    card_path,
    render_card,
    runs_of,
)

WHEN = datetime(2024, 10, 30, 14, tzinfo=UTC)


def size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def test_runs_of_diff_markup() -> None:
    assert runs_of("Kim <del>sends</del><ins>will send</ins> troops &amp; tanks") == [
        ("Kim ", ""),
        ("sends", "del"),
        ("will send", "ins"),
        (" troops & tanks", ""),
    ]


def test_a_small_change_makes_a_social_sized_card() -> None:
    op = SentenceOp(
        "edited",
        "About 10,000 troops.",
        "About 11,000 troops.",
        0,
        0,
        "About <del>10,000</del><ins>11,000</ins> troops.",
    )
    png = render_card(
        CardData("A headline", Diff(ops=(op,)), "https://news.example/a", "wire", 1, 2, WHEN)
    )
    assert size(png) == (WIDTH, MIN_HEIGHT)


def test_a_huge_change_is_cut_at_the_maximum_height() -> None:
    old = ArticleText(
        "H", "", "", (tuple(f"Sentence {i} says one thing." for i in range(300)),), "a"
    )
    new = ArticleText("H2", "", "", (tuple(f"Line {i} says another." for i in range(300)),), "b")
    diff = diff_texts(old, new)
    png = render_card(CardData("H2", diff, "https://news.example/a"))
    width, height = size(png)
    assert width == WIDTH and MIN_HEIGHT < height <= MAX_HEIGHT


def test_hostile_text_is_drawn_not_interpreted() -> None:
    hostile = "<script>alert(1)</script> \x1b[31mred\u202eevil \U0001f600 東京"
    diff = Diff(
        fields=(FieldChange("headline", hostile, hostile + " (updated)", ""),),
        ops=(SentenceOp("added", None, hostile, None, 0, "<ins>&lt;b&gt;bold?&lt;/b&gt;</ins>"),),
    )
    data = CardData(hostile, diff, "javascript:alert(1)", hostile, 1, 2, WHEN)
    assert size(render_card(data))[0] == WIDTH
    alt = alt_text(data)
    assert "\x1b" not in alt and "\u202e" not in alt
    assert alt.startswith("Headline changed (<script>alert(1)</script> [31mredevil")


def test_alt_text_states_the_change_in_words() -> None:
    diff = Diff(
        fields=(FieldChange("standfirst", "Old stand.", "New stand.", ""),),
        ops=(
            SentenceOp("added", None, "Added one.", None, 0, ""),
            SentenceOp("removed", "Removed one.", None, 1, None, ""),
            SentenceOp("edited", "Was this.", "Is that.", 2, 1, ""),
            SentenceOp("moved", "Moved.", "Moved.", 3, 4, ""),
        ),
    )
    assert alt_text(CardData("The story", diff, source="wire")) == (
        "Changes to the article “The story” (wire). The standfirst changed from “Old stand.” "
        "to “New stand.”. Sentence added: “Added one.”. Sentence removed: “Removed one.”. "
        "Sentence “Was this.” became “Is that.”."
    )
    long = Diff(ops=tuple(SentenceOp("added", None, "x" * 500, None, i, "") for i in range(10)))
    assert len(alt_text(CardData("T", long))) == 1400


def test_card_path_only_for_changes_between_versions() -> None:
    def entry(kind: str, a: int | None, b: int | None) -> ChangeEntry:
        return ChangeEntry(
            3,
            7,
            "https://x/a",
            None,
            kind,
            a,
            b,
            WHEN,
            "H",  # type: ignore[arg-type]
            ChangeSummary(),
            Diff(),
        )

    assert card_path(entry("edited", 1, 2)) == "/articles/7/diff/1/2.png"
    assert card_path(entry("removed", 2, None)) is None
    assert card_path(entry("url", 2, 2)) is None
