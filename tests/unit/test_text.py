"""Tests for versiontrack.text: normalisation, sentences, the content hash, the stored format."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from versiontrack.domain import ArticleText, Extracted
from versiontrack.text import (
    content_hash,
    fold,
    normalise,
    normalise_line,
    parse,
    runs_on,
    serialize,
    split_sentences,
    squeeze,
)

GOLDEN = Path(__file__).parent.parent / "data" / "extract"

# --- normalise_line --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Troops   head\tto\nKursk  ", "Troops head to Kursk"),
        ("11,000\u00a0troops", "11,000 troops"),  # NBSP
        ("11\u202f000 soldats", "11 000 soldats"),  # narrow NBSP
        ("front\u200blines", "frontlines"),  # zero-width space
        ("Pyong\u00adyang", "Pyongyang"),  # soft hyphen
        ("\ufeffKursk", "Kursk"),  # BOM
        ("a\u200c\u200d\u2060b", "ab"),  # ZWNJ, ZWJ, word joiner
        ("one\u2028two\u2029three", "one two three"),  # line/paragraph separators
        ("wide\u3000space", "wide space"),  # ideographic space
        ("bell\x07 and\x0b tab", "bell and tab"),  # controls removed, VT is whitespace
        ("Zelenske\u0301", "Zelensk\u00e9"),  # e + combining acute → é (NFC)
        ("", ""),
        (" \u00a0\u200b ", ""),
    ],
)
def test_normalise_line(raw: str, expected: str) -> None:
    assert normalise_line(raw) == expected


def test_normalise_line_keeps_visible_differences() -> None:
    # Curly and straight quotes, dashes and case are real edits, not noise.
    assert normalise_line("Russia’s") != normalise_line("Russia's")
    assert normalise_line("a – b") != normalise_line("a - b")
    assert normalise_line("Kursk") != normalise_line("kursk")


def test_normalise_line_is_idempotent() -> None:
    messy = " Zelenske\u0301\u00a0said\u200b:\n “no”\u3000 "
    once = normalise_line(messy)
    assert normalise_line(once) == once == "Zelenské said: “no”"


def test_the_space_is_the_one_printable_whitespace() -> None:
    # fold's and squeeze's short cut: a printable string has no whitespace but spaces
    printable = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isprintable()]
    assert [c for c in printable if c.isspace()] == [" "]


@pytest.mark.parametrize(
    "raw",
    ["", " ", "a", " a b ", "a  b", "a\u00a0b", " \u2028a\tb\n", "a \u3000 b", "ß x", "x\x1cy"],
)
def test_fold_and_squeeze_are_splitting_and_joining(raw: str) -> None:
    assert fold(raw) == " ".join(raw.split())
    assert squeeze(raw) == "".join(raw.split()).casefold()


# --- split_sentences -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "The U.S. said on Jan. 5 that Mr. Kim had sent 10,000 troops. Russia denied it.",
            ("The U.S. said on Jan. 5 that Mr. Kim had sent 10,000 troops.", "Russia denied it."),
        ),
        (
            "“I call upon them to withdraw their troops,” Austin said. He added more.",
            (
                "“I call upon them to withdraw their troops,” Austin said.",
                "He added more.",
            ),
        ),
        (
            "He said: “They will surely return in body bags.” Then he left.",
            ("He said: “They will surely return in body bags.”", "Then he left."),
        ),
        (
            "Troops are stationed 30 miles (50km) away from the border. The official spoke.",
            ("Troops are stationed 30 miles (50km) away from the border.", "The official spoke."),
        ),
        (
            "The rate rose 1.5 per cent to $1.5bn. Another 10,000 troops came.",
            ("The rate rose 1.5 per cent to $1.5bn.", "Another 10,000 troops came."),
        ),
        (
            "Gen. Smith and Dr. Jones met at 3 p.m. on Tuesday. They talked.",
            ("Gen. Smith and Dr. Jones met at 3 p.m. on Tuesday.", "They talked."),
        ),
        (
            "Mr Austin said the U.S. would act. The U.S. Army agreed.",
            ("Mr Austin said the U.S. would act.", "The U.S. Army agreed."),
        ),
        ("Is it true? Yes! Definitely… maybe.", ("Is it true?", "Yes!", "Definitely… maybe.")),
        # sentencex does not split inside a quotation, even after ! or .
        (
            "“Hand yourselves in as prisoners! Ukraine will shelter you!” the message says.",
            ("“Hand yourselves in as prisoners! Ukraine will shelter you!” the message says.",),
        ),
        # a URL's dots are not sentence ends
        (
            "See https://t.co/SL1xbwcOmP pic.twitter.com/dXbnCCwmR3 for more. Ok.",
            ("See https://t.co/SL1xbwcOmP pic.twitter.com/dXbnCCwmR3 for more.", "Ok."),
        ),
        ("No full stop at the end", ("No full stop at the end",)),
        ("", ()),
        ("   ", ()),
    ],
)
def test_split_sentences_on_news_text(paragraph: str, expected: tuple[str, ...]) -> None:
    assert split_sentences(paragraph) == expected


def test_split_without_a_space_is_joined_back() -> None:
    # sentencex splits "anonymity.A"; we keep it whole so the sentences rejoin to the paragraph
    text = "He spoke on condition of anonymity.A Ukrainian official told AP. Then he left."
    assert split_sentences(text) == (
        "He spoke on condition of anonymity.A Ukrainian official told AP.",
        "Then he left.",
    )


def test_split_sentences_language() -> None:
    french = "Selon M. Austin, la probabilité est élevée. Il est parti."
    assert split_sentences(french, "fr") == (
        "Selon M. Austin, la probabilité est élevée.",
        "Il est parti.",
    )
    # A sentencex quirk: a one-letter abbreviation opening the paragraph ends a sentence.
    assert split_sentences("M. Austin parle. Il part.", "fr") == ("M.", "Austin parle.", "Il part.")
    # Region subtags and unknown languages fall back cleanly.
    assert split_sentences("Mr. Kim left. He returned.", "en-GB") == (
        "Mr. Kim left.",
        "He returned.",
    )
    assert split_sentences("Hello there. General Kenobi.", "xx") == (
        "Hello there.",
        "General Kenobi.",
    )


# --- normalise -------------------------------------------------------------------------------


def test_normalise_fields_paragraphs_and_sentences() -> None:
    extracted = Extracted(
        headline=" Troops\u00a0head to Kursk ",
        standfirst="",
        byline="Justin\tMcCurry",
        paragraphs=(
            "First sentence. Second  sentence.",
            "   ",
            "First sentence. Second sentence.",  # a repeat, as the page shows it: kept
            "Another paragraph.",
            "",
        ),
        canonical_url="https://example.com/a",
    )
    text = normalise(extracted)
    assert text.headline == "Troops head to Kursk"
    assert text.standfirst == ""
    assert text.byline == "Justin McCurry"
    assert text.paragraphs == (
        ("First sentence.", "Second sentence."),
        ("First sentence.", "Second sentence."),
        ("Another paragraph.",),
    )
    assert text.content_hash == content_hash(
        "Troops head to Kursk",
        "",
        "Justin McCurry",
        [
            "First sentence. Second sentence.",
            "First sentence. Second sentence.",
            "Another paragraph.",
        ],
    )


def test_sentences_always_rejoin_to_the_paragraph() -> None:
    paragraphs = [
        " ".join(sentences)
        for path in sorted(GOLDEN.glob("*.txt"))
        for sentences in parse(path.read_text(encoding="utf-8")).paragraphs
    ]
    assert len(paragraphs) > 50
    for paragraph in paragraphs:
        assert " ".join(split_sentences(paragraph)) == paragraph


# --- content_hash ----------------------------------------------------------------------------


def test_content_hash_is_pinned() -> None:
    # Stored versions are compared by this hash: changing the framing re-versions everything.
    assert content_hash("Headline", "Standfirst", "Byline", ["One. Two.", "Three."]) == (
        "5fab65d631a9acb08d1d563ec823cb34fcec9ba4601b2f372b5df489a945ff1c"
    )


def test_content_hash_framing_is_unambiguous() -> None:
    base = content_hash("h", "s", "b", ["ab", "c"])
    assert base != content_hash("h", "s", "b", ["a", "bc"])
    assert base != content_hash("h", "s", "b", ["abc"])
    assert content_hash("h", "", "b", ["x"]) != content_hash("h", "b", "", ["x"])
    assert content_hash("h", "s", "", ["b"]) != content_hash("h", "s", "b", [])
    assert content_hash("h\n", "s", "b", []) == content_hash("h", "s", "b", [])


def test_content_hash_normalises_its_input() -> None:
    assert content_hash(" Head\u00a0line", "", "", ["a  b", "", "a b", "c"]) == content_hash(
        "Head line", "", "", ["a b", "a b", "c"]
    )


def test_content_hash_ignores_the_sentence_split() -> None:
    text = normalise(Extracted("H", "", "", ("He said so. She agreed.",)))
    resplit = ArticleText("H", "", "", (("He said so. She agreed.",),), text.content_hash)
    assert text.paragraphs != resplit.paragraphs
    assert text.content_hash == content_hash("H", "", "", ["He said so. She agreed."])
    assert parse(serialize(resplit)).content_hash == text.content_hash


# --- serialize / parse -----------------------------------------------------------------------


def test_serialize_format() -> None:
    text = normalise(
        Extracted(
            "Troops head to Kursk",
            "Austin warns",
            "Justin McCurry",
            ("One. Two.", "Three."),
        )
    )
    assert serialize(text) == (
        "Troops head to Kursk\nAustin warns\nJustin McCurry\n\nOne.\nTwo.\n\nThree.\n"
    )


@pytest.mark.parametrize(
    "extracted",
    [
        Extracted("Headline", "Standfirst", "Byline", ("One. Two.", "Three.")),
        Extracted("Headline", "", "", ("Only paragraph.",)),
        Extracted("", "", "", ("Body without fields. Second.",)),
        Extracted("Headline", "", "Byline", ()),
        Extracted("", "", "", ()),
    ],
    ids=["full", "empty-standfirst-byline", "empty-fields", "no-body", "empty"],
)
def test_parse_inverts_serialize(extracted: Extracted) -> None:
    text = normalise(extracted)
    serialized = serialize(text)
    assert parse(serialized) == text
    assert serialize(parse(serialized)) == serialized


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.txt")), ids=lambda p: p.stem)
def test_golden_files_round_trip(path: Path) -> None:
    serialized = path.read_text(encoding="utf-8")
    assert serialize(parse(serialized)) == serialized


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "Headline\nStandfirst\nByline\n",  # no blank line after the fields
        "Headline\nStandfirst\nByline\nNot blank\nBody.\n",
        "Headline\nStandfirst\nByline\n\nBody.",  # no final newline
        "Headline\nStandfirst\nByline\n\n\nBody.\n",  # body starts with a blank line
        "Headline\nStandfirst\nByline\n\nOne.\n\n\nTwo.\n",  # empty paragraph
        "Headline\nStandfirst\nByline\n\nOne.\n\n",  # trailing blank line
    ],
)
def test_parse_rejects_text_serialize_never_writes(bad: str) -> None:
    with pytest.raises(ValueError):
        parse(bad)


def test_serialize_rejects_unnormalised_text() -> None:
    with pytest.raises(ValueError):
        serialize(ArticleText("Two\nlines", "", "", (), "x"))
    with pytest.raises(ValueError):
        serialize(ArticleText("H", "", "", (("ok", ""),), "x"))
    with pytest.raises(ValueError):
        serialize(ArticleText("H", "", "", ((),), "x"))


def test_a_split_that_alters_the_text_falls_back_to_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import versiontrack.text as text_module

    monkeypatch.setattr(text_module, "split_sentences", lambda p, lang: ("He said so.", "Yes"))
    text = normalise(Extracted("H", "", "", ("He said so. Yes.",)))
    assert text.paragraphs == (("He said so. Yes.",),)
    assert parse(serialize(text)) == text


@pytest.mark.parametrize(
    ("line", "next_line", "runs"),
    [
        ("Ut enim ad minim veniam,", "quis nostrud exercitation", True),
        ("but they provide", "a much nicer API to Headers.", True),
        ("The talks ended.", "then the ministers left", False),  # a sentence closed
        ("Ingredients:", "flour, water and salt", False),  # a list's lead-in
        ("“He left.”", "later that day", False),  # closed inside quotes
        ("+ Added Slime Block", "+ Added Iron Trapdoor", False),  # a list's lines
        ("Shall I compare thee to a summer's day", "Thou art more lovely", False),
        ("dolor sit", "", False),
        ("", "amet", False),
    ],
)
def test_a_line_runs_on_only_into_a_lower_case_line_after_an_open_sentence(
    line: str, next_line: str, runs: bool
) -> None:
    assert runs_on(line, next_line) is runs
