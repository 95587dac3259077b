"""Extraction's cheaper lookups answer as the plain ones they stand for: the XPaths that find
elements by way of their attributes, class names searched all at once, and a byline window
read only as far as a name needs, boilerplate rules tried by their limits, and the content
hash of text already normalised, control bytes counted in C."""

from __future__ import annotations

import lxml.html
import pytest
from lxml import etree
from lxml.html import HtmlElement

from versiontrack.domain import Extracted
from versiontrack.errors import NotHTML
from versiontrack.extract import decode, metadata, reading, restore, unread
from versiontrack.extract.boilerplate import is_boilerplate
from versiontrack.extract.markup import _NAVIGATION
from versiontrack.extract.rules import BOILERPLATE
from versiontrack.text import content_hash, normalise, squeeze

PAGE = (
    "<html class='teaser-free'><head><title>T</title></head>"
    "<body class='ad-body' hidden style='x' itemprop='y' data-ad-slot='1'>"
    "<div class='main' id='top'><p style='color: red'>One <span hidden>two</span></p>"
    "<section aria-hidden='true' itemprop='image'><i data-adunit='x'>i</i></section>"
    "<nav role='navigation'><a href='/'>Home</a></nav><div role='navigation'>Menu</div>"
    "<h2 class='Sub-Title'>A dek</h2><h3>Three</h3><p class='no'>x</p>"
    "<aside id='ADVERT' data-ad-client='c' data-ad-unit='u'>Ad</aside></div>"
    "<!-- a comment --><footer class='foot'><p>Footer</p></footer></body></html>"
)


def tree() -> HtmlElement:
    return lxml.html.document_fromstring(PAGE)


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (unread._ON_PAGE.unseen, "//body//*[@hidden or @aria-hidden or @style or @itemprop]"),
        (
            unread._ON_PAGE.ads,
            "//body//*[@class or @id or @data-ad-slot or @data-ad-unit or @data-adunit"
            " or @data-ad-client]",
        ),
        (metadata._DEK_CANDIDATES, "//body//*[self::p or self::h2 or self::h3 or @class]"),
        (_NAVIGATION, "//nav | //*[@role='navigation']"),
    ],
)
def test_elements_found_by_their_attributes_are_those_the_plain_xpath_finds(
    fast: etree.XPath, plain: str
) -> None:
    page = tree()
    assert fast(page) == page.xpath(plain)
    assert fast(page)  # the page holds some of each


def test_elements_found_within_an_element_leave_the_element_itself_out() -> None:
    within = tree().find("body/div")
    plain = ".//*[@hidden or @aria-hidden or @style or @itemprop]"
    assert unread._WITHIN.unseen(within) == within.xpath(plain)
    plain = ".//*[@class or @id or @data-ad-slot or @data-ad-unit or @data-adunit"
    plain += " or @data-ad-client]"
    assert unread._WITHIN.ads(within) == within.xpath(plain)


@pytest.mark.parametrize(
    ("classes", "teaser"),
    [
        (("teaser-free", "main"), True),
        (("tease", "r"), False),  # never across two names
        (("main",), False),
    ],
)
def test_a_teaser_is_found_as_trafilaturas_xpath_finds_it(
    classes: tuple[str, ...], teaser: bool
) -> None:
    divs = "".join(f"<div class='{name}'>x</div>" for name in classes)
    page = lxml.html.document_fromstring(f"<html><body>{divs}</body></html>")
    plain = "boolean(//*[contains(@id, 'easer') or contains(@class, 'easer')])"
    assert reading._teaser(page) is teaser is page.xpath(plain)


@pytest.mark.parametrize(
    ("classes", "found"),
    [
        (("no", "caption"), True),  # "caption" alone, not "no caption"
        (("no-caption",), False),
        (("no_caption", "photo-caption"), True),
        (("no-", "caption"), True),
        (("live", "post"), False),  # no name across two classes
    ],
)
def test_class_names_searched_at_once_match_as_one_by_one(
    classes: tuple[str, ...], found: bool
) -> None:
    divs = "".join(f"<div class='{name}'>x</div>" for name in classes)
    box = lxml.html.fromstring(f"<section>{divs}</section>")
    one_by_one = any(
        pattern.search(el.get("class") or "")
        for el in box.iter()
        for pattern in (restore._CAPTION, restore._LIVE_POST)
    )
    at_once = any(restore._names_match(p, box) for p in (restore._CAPTION, restore._LIVE_POST))
    assert at_once == found == one_by_one


def long_article(closing: str) -> str:
    sentence = "The council approved the budget after a long debate about the new bridge. "
    paragraphs = "".join(f"<p>{sentence * 3}</p>" for _ in range(60))
    return (
        "<html><head><title>Budget</title><script>var by = 'Zed Script';</script></head><body>"
        "<header><a href='/'>Home</a> Site header text</header>"
        "<article><h1>Council approves budget</h1><p class='byline'>By Ann Early</p>"
        f"{paragraphs}<p>{closing}</p></article>"
        "<aside>Most read: Carl Chrome on the bridge</aside><footer>Dee Footer</footer>"
        "</body></html>"
    )


@pytest.mark.parametrize(
    "name",
    ["Ann Early", "Bob Late", "Carl Chrome", "Dee Footer", "Zed Script", "Nobody Here", "budget"],
)
def test_a_name_is_shown_exactly_when_the_whole_window_holds_it(name: str) -> None:
    page = lxml.html.document_fromstring(long_article("Reporting by Bob Late."))
    paragraphs = [p.text_content() for p in page.iter("p")]
    window = metadata._NearHeadline(page, paragraphs).text()
    near = metadata._NearHeadline(page, paragraphs)
    assert near.shows(squeeze(name)) is (squeeze(name) in window)
    # asked again, and after other names, the same
    for other in ("Ann Early", "Nobody Here", name):
        assert near.shows(squeeze(other)) is (squeeze(other) in window)


def test_a_name_under_the_headline_is_found_without_walking_the_whole_page() -> None:
    page = lxml.html.document_fromstring(long_article("The end."))
    near = metadata._NearHeadline(page, [p.text_content() for p in page.iter("p")])
    assert near.shows(squeeze("Ann Early"))
    assert not near._walked
    assert not near.shows(squeeze("Dee Footer"))  # after the article, in the page's chrome
    assert near._walked


SAMPLE_LINES = (
    "Advertisement",
    "Share this article",
    "Sign up for our newsletter",
    "Photograph: AP",
    "Updated 3 hours ago",
    "The council approved the budget.",
)


@pytest.mark.parametrize("length", [1, 14, 15, 16, 40, 41, 120, 121, 250, 300, 301, 2000])
def test_boilerplate_rules_tried_by_limit_answer_as_all_of_them(length: int) -> None:
    limits = [limit for _, limit in BOILERPLATE]
    assert limits == sorted(limits, reverse=True)  # the table reads from the widest rule down
    # each line, and each line padded with words to ``length``: on both sides of each limit
    lines = [(line + " x" * length)[: max(length, len(line))] for line in SAMPLE_LINES]
    for line in [*SAMPLE_LINES, *lines]:
        plain = any(
            len(line) <= limit and pattern.fullmatch(line) for pattern, limit in BOILERPLATE
        )
        assert is_boilerplate(line) == bool(plain)


def test_the_hash_of_normalised_text_is_the_content_hash_of_the_raw_fields() -> None:
    raw = Extracted(
        headline=" Caf\u0065\u0301 \u200bopens ",
        standfirst="A\u00a0new\tcafe",
        byline="Ann\u00adEarly",
        paragraphs=("First\u2028line  here.", "   ", "Second \ufeffparagraph."),
    )
    assert normalise(raw).content_hash == content_hash(
        raw.headline, raw.standfirst, raw.byline, raw.paragraphs
    )


@pytest.mark.parametrize(("controls", "binary"), [(103, True), (102, False), (0, False)])
def test_a_page_is_binary_past_a_tenth_of_control_bytes_in_its_first_kilobyte(
    controls: int, binary: bool
) -> None:
    # tab, LF, FF and CR are text; the rest of C0 but NUL counts, whatever follows the 1 KB
    start = b"<html>" + bytes(1 + i % 8 for i in range(controls)) + b"\t\n\x0c\r" * 40
    html = start + b" " * (1024 - len(start)) + b"\x01" * 500
    if binary:
        with pytest.raises(NotHTML, match="control bytes"):
            decode._sniff(html)
    else:
        decode._sniff(html)
