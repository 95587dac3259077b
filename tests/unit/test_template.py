"""versiontrack.template: which body lines are a source's template, and what is left."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from versiontrack import template
from versiontrack.domain import Extracted
from versiontrack.text import normalise

ARTICLE = [
    "The council approved the new flood barrier on Tuesday after a two-year consultation that "
    "divided residents of the lower town.",
    "Work on the barrier will start in spring and is expected to take eighteen months, the "
    "council's engineer told the meeting.",
    "Opponents said the design would cut the town off from its river and promised to appeal.",
]
RELATED = ["Related", "Storm warnings issued for coastal regions", "Five films to watch"]
AD = "Homeowners in your area are switching to solar panels this winter and saving hundreds."


def text(paragraphs: list[str], byline: str = "") -> object:
    return normalise(Extracted("Barrier approved", "", byline, tuple(paragraphs), None))


def keys(*lines: str) -> set[int]:
    return {template.line_key(line) for line in lines}


def body(t: object) -> list[str]:
    return [" ".join(p) for p in t.paragraphs]  # type: ignore[attr-defined]


def test_short_template_lines_go_and_the_article_stays() -> None:
    page = text([AD, *ARTICLE, *RELATED])
    [stripped] = template.without([page], keys(AD, *RELATED))
    assert body(stripped) == ARTICLE
    assert stripped.content_hash == text(ARTICLE).content_hash


def test_long_paragraphs_many_articles_share_stay() -> None:
    background = (
        "The town flooded three times in the last decade, most recently in 2021, when more "
        "than four hundred homes were evacuated and the old bridge was closed for a year."
    )
    page = text([ARTICLE[0], "Five films to watch", background, *ARTICLE[1:]])
    [stripped] = template.without([page], keys("Five films to watch", background))
    assert body(stripped) == [ARTICLE[0], background, *ARTICLE[1:]]


def test_both_ends_of_a_comparison_lose_the_same_lines() -> None:
    old, new = text([*ARTICLE, *RELATED]), text([ARTICLE[0], *RELATED[::-1]])
    assert [body(t) for t in template.without([old, new], keys(*RELATED))] == [
        ARTICLE,
        [ARTICLE[0]],
    ]


def test_template_never_makes_up_half_an_article() -> None:
    short = ["A council vote.", "Five films to watch", "Storm warnings", "Rail strike off"]
    page = text(short)
    assert template.without([page], keys(*short[1:])) == [page]


def test_keys_ignore_case_and_spacing_but_never_numbers() -> None:
    assert template.line_key("Five  films to WATCH") == template.line_key("Five films to watch")
    assert template.line_key("The toll rose to 12.") != template.line_key("The toll rose to 15.")


def test_scope_is_the_source_else_the_host() -> None:
    assert template.scope("courier", "https://a.example/x") == "source:courier"
    assert template.scope(None, "https://News.Example:8080/a/b") == "host:news.example:8080"


def test_long_paragraphs_are_never_remembered() -> None:
    long = "word " * 100
    assert list(template.line_keys(text([long.strip(), ARTICLE[0]])).values()) == [ARTICLE[0]]


@given(
    st.lists(st.text(min_size=1, max_size=80).filter(str.strip), min_size=1, max_size=8),
    st.sets(st.integers(0, 7)),
)
def test_without_only_ever_removes_whole_lines_in_order(lines: list[str], marked: set[int]) -> None:
    page = text(lines)
    stored = body(page)
    [kept] = template.without([page], keys(*(stored[i] for i in marked if i < len(stored))))
    stripped = body(kept)
    remaining = iter(stored)
    assert all(line in remaining for line in stripped)  # a subsequence of the original
    assert sum(map(len, stripped)) * 2 >= sum(map(len, stored))
