"""The content-region fingerprint (``versiontrack.fingerprint``) on the eight churn templates.

The property that makes skipping extraction safe: whenever two renders of a page fingerprint
the same, trafilatura reads the same text from both. It is checked over every pair of renders
and versions of every template, with the one-word edits of ``test_churn`` among them. The
property that makes it useful: on most templates churn outside the article leaves the
fingerprint alone.
"""

from __future__ import annotations

import codecs
import itertools
import re

import pytest

from versiontrack import fingerprint
from versiontrack.corpus import build_corpus
from versiontrack.corpus.model import Corpus
from versiontrack.domain import Region, Source
from versiontrack.extract import extract
from versiontrack.extract.boilerplate import is_boilerplate
from versiontrack.extract.rules import BOILERPLATE
from versiontrack.text import normalise

from .test_churn import BASE_URL, RENDERS, SITES, edited, render, site_page

CORPUS_SLUGS = (
    "guardian-nk-troops-kursk",
    "zerohedge-body-bags",
    "enr-us-confirms-nk-soldiers",
    "jns-zelensky-urges-action",
    "blog-first-direct-clashes",
)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return build_corpus()


def pages_of_corpus_article(corpus: Corpus, slug: str) -> tuple[str, list[list[bytes]]]:
    """The article's URL and, per version (plus a one-word edit of the last), every render."""
    article = corpus.article(slug)
    versions = (*article.versions, edited(article.versions[-1]))
    return BASE_URL + article.path, [
        [render(corpus, article, v, n).encode() for n in range(len(RENDERS))] for v in versions
    ]


def pages_of_template(name: str) -> list[list[bytes]]:
    return [[site_page(name, n, version) for n in range(len(RENDERS))] for version in (0, 1)]


def check_fingerprints(
    url: str, versions: list[list[bytes]], source: Source | None = None
) -> tuple[int, int]:
    """Assert the safety property; return (renders of the first version that keep its
    fingerprint, number of renders)."""
    selector, ignore = (source.selector, source.ignore) if source else (None, ())
    reader = fingerprint.reader(selector, ignore)
    first = versions[0][0]
    found = reader.locate(first, extract(first, url, selector=selector, ignore=ignore))
    assert found is not None, "the article must be found in its page"
    assert reader.fingerprint(first, found.path) == found.digest
    seen: dict[str, str] = {}  # fingerprint → content hash
    for page in itertools.chain.from_iterable(versions):
        mark = reader.fingerprint(page, found.path)
        text = normalise(extract(page, url, selector=selector, ignore=ignore)).content_hash
        if mark is not None:
            assert seen.setdefault(mark, text) == text, "one fingerprint, two texts"
    stable = sum(reader.fingerprint(p, found.path) == found.digest for p in versions[0])
    # every edit shows: no render of a later version has the first version's fingerprint
    for later in versions[1:]:
        assert all(reader.fingerprint(p, found.path) != found.digest for p in later)
    return stable, len(versions[0])


@pytest.mark.parametrize("slug", CORPUS_SLUGS)
def test_corpus_sites_fingerprint_survives_churn_and_catches_every_edit(
    corpus: Corpus, slug: str
) -> None:
    url, versions = pages_of_corpus_article(corpus, slug)
    assert check_fingerprints(url, versions) == (len(RENDERS), len(RENDERS))


@pytest.mark.parametrize(
    ("name", "stable"),
    [
        # its "Updated N minutes ago" line inside the article is left out, as extraction does
        ("regional_drupal", len(RENDERS)),
        # each live-blog entry carries its own "23m ago" and share count: lines extraction
        # does not read, left out of the fingerprint by where they sit in the article
        ("react_liveblog", len(RENDERS)),
        # "Hits", "Views" and "Comments" counters share lines with the byline and the date:
        # extraction drops those lines whole, and so does the fingerprint
        ("legacy_portal", len(RENDERS)),
    ],
)
def test_template_fingerprint_is_safe_and_stable_where_the_article_is_calm(
    name: str, stable: int
) -> None:
    site = SITES[name]
    got = check_fingerprints(site.url, pages_of_template(name), site.source(name))
    assert got == (stable, len(RENDERS))


def page(body: str, head: str = "", outside: str = "") -> bytes:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Troops sent</title>"
        f"{head}</head><body><nav>Home</nav><header><h1>Troops sent</h1>{outside}</header>"
        f"<div class='story'>{body}</div><aside>Most read</aside></body></html>"
    ).encode()


BODY = (
    "<p>Ten thousand soldiers arrived in the region on Monday, officials said.</p>"
    "<p>The <b>defence ministry</b> said the deployment would continue into next week.</p>"
)


def locate(html: bytes) -> Region:
    found = fingerprint.reader().locate(html, extract(html, "https://news.example/a"))
    assert found is not None
    return found


def test_the_region_is_the_smallest_element_holding_the_article() -> None:
    # each step: a tag and its number among the siblings of that tag extraction reads
    assert locate(page(BODY)).path == "/html:0/body:0/div:0"


@pytest.mark.parametrize(
    "changed",
    [
        page(BODY.replace("Ten thousand", "Eleven thousand")),  # the body
        page(BODY, head="<meta name='description' content='New standfirst'>"),  # metadata
        page(BODY, head="<link rel='canonical' href='https://news.example/b'>"),
        page(BODY).replace(b"<h1>Troops sent</h1>", b"<h1>Troops sent home</h1>"),
        page(BODY).replace(b"<title>Troops sent", b"<title>Troops withdrawn"),
        page(BODY, head='<script type="application/ld+json">{"author": "A. Reporter"}</script>'),
    ],
)
def test_whatever_the_extractor_reads_changes_the_fingerprint(changed: bytes) -> None:
    found = locate(page(BODY))
    assert fingerprint.reader().fingerprint(changed, found.path) != found.digest


def test_churn_around_the_article_keeps_the_fingerprint() -> None:
    found = locate(page(BODY))
    churned = page(
        BODY + "<script>var t = 123;</script><style>.x{}</style>",
        head="<meta name='csrf-token' content='abc123'><script>var ad = 9;</script>",
        outside="<span>Updated 3 minutes ago</span>",
    ).replace(b"Most read", b"Most read: 1. Cats")
    assert fingerprint.reader().fingerprint(churned, found.path) == found.digest


def test_a_byline_outside_the_body_gets_its_own_region() -> None:
    html = page(BODY, outside="<p class='byline'>By <a>Jo Bloggs</a></p><span>12 shares</span>")
    extracted = extract(html, "https://news.example/a")
    assert extracted.byline == "Jo Bloggs"
    found = locate(html)
    assert found.path == "/html:0/body:0/div:0 | /html:0/body:0/header:0/p:0/a:0"
    renamed = html.replace(b"Jo Bloggs", b"Jo Bloggs-Smith")
    shares = html.replace(b"12 shares", b"13 shares")
    assert fingerprint.reader().fingerprint(renamed, found.path) != found.digest
    assert fingerprint.reader().fingerprint(shares, found.path) == found.digest


def test_a_standfirst_shown_outside_the_body_gets_its_own_region() -> None:
    standfirst = "The Pentagon says the deployment of troops is dangerous."
    dek = f"<p class='dek'>{standfirst}</p>"
    meta = f"<meta name='description' content='{standfirst}'>"
    html = page(BODY, head=meta, outside=dek)
    extracted = extract(html, "https://news.example/a")
    assert extracted.standfirst == "The Pentagon says the deployment of troops is dangerous."
    found = locate(html)
    assert found.path == "/html:0/body:0/div:0 | /html:0/body:0/header:0/p:0"
    # the page's copy edited, its metadata not (yet): extraction reads the edit, so must this
    edited = html.replace(b"is dangerous.</p>", b"is very dangerous.</p>")
    assert extract(edited, "https://news.example/a").standfirst.endswith("is very dangerous.")
    assert fingerprint.reader().fingerprint(edited, found.path) != found.digest


def test_a_lost_element_or_another_salt_never_matches() -> None:
    found = locate(page(BODY))
    moved = page(BODY).replace(b"<div class='story'>", b"<section class='story'>")
    moved = moved.replace(b"</div><aside>", b"</section><aside>")
    assert fingerprint.reader().fingerprint(moved, found.path) is None
    assert fingerprint.reader().fingerprint(b"\x00\x01 not html", found.path) is None
    other = fingerprint.reader(selector="div.story")
    assert other.fingerprint(page(BODY), found.path) != found.digest


def test_an_article_spread_over_the_whole_page_is_not_fingerprinted() -> None:
    html = (
        b"<html><head><title>Note</title></head><body>"
        b"<p>First paragraph of a page with no container at all, long enough to count.</p>"
        b"<p>Second paragraph of that page, also long enough to be kept as article text.</p>"
        b"</body></html>"
    )
    extracted = extract(html, "https://news.example/n")
    assert fingerprint.reader().locate(html, extracted) is None


# other stories' headlines in the article box: links extraction does not read
TEASERS = (
    "<ul class='related'><li><a href='/s/1'>{}</a></li>"
    "<li><a href='/s/2'>Storm warnings issued for the coast</a></li></ul>"
)


def test_lines_extraction_does_not_read_may_churn_inside_the_box() -> None:
    html = page(BODY + TEASERS.format("Chess prodigy becomes youngest grandmaster"))
    found = locate(html)
    assert "\n" in found.path  # the teaser lines are named, by where they sit
    rotated = page(BODY + TEASERS.format("Village bakery wins a national bread award"))
    assert fingerprint.reader().fingerprint(rotated, found.path) == found.digest
    url = "https://news.example/a"
    assert extract(rotated, url) == extract(html, url)  # and extraction reads the same
    # a real edit beside them still shows, and so does a line made long enough to be read
    edited = page(BODY.replace("Monday", "Tuesday") + TEASERS.format("Chess prodigy"))
    assert fingerprint.reader().fingerprint(edited, found.path) != found.digest
    long = page(BODY + TEASERS.format("A caption grown into a paragraph. " * 6))
    assert fingerprint.reader().fingerprint(long, found.path) != found.digest
    # a new line in the box (a paragraph inserted) changes the skeleton
    added = page(BODY + "<p>A new paragraph, added later.</p>" + TEASERS.format("Chess"))
    assert fingerprint.reader().fingerprint(added, found.path) != found.digest


def test_an_ad_slot_inserted_before_the_article_does_not_move_it() -> None:
    found = locate(page(BODY))
    ad = "<div class='ad'><p>Compare mortgage rates in 60 seconds.</p></div>"
    moved = page(BODY).replace(b"<div class='story'>", f"{ad}<div class='story'>".encode())
    assert fingerprint.reader().fingerprint(moved, found.path) == found.digest


def test_a_stamp_and_a_counter_added_to_the_box_are_left_out() -> None:
    found = locate(page(BODY))
    stamped = page(
        "<div class='meta'><span>Updated 5 minutes ago</span> <span>1,204 comments</span></div>"
        + BODY
    )
    assert fingerprint.reader().fingerprint(stamped, found.path) == found.digest


def test_an_inline_custom_element_is_part_of_its_sentence_for_the_fingerprint() -> None:
    # extraction reads <mjx-container> (a custom element) inside its sentence, so a counter-like
    # formula there is article text: an edit to it must change the fingerprint
    def formula(value: str) -> bytes:
        return page(
            BODY + f"<p>The odds were <mjx-container>{value}</mjx-container><br>rising.</p>"
        )

    found = locate(formula("1 of 5"))
    url = "https://news.example/a"
    assert extract(formula("1 of 5"), url) != extract(formula("2 of 5"), url)
    assert fingerprint.reader().fingerprint(formula("2 of 5"), found.path) != found.digest


def test_a_json_ld_block_in_a_cdata_wrapper_reads_as_the_bare_block() -> None:
    def ld(block: str) -> bytes:
        return page(BODY, head=f'<script type="application/ld+json">{block}</script>')

    bare = '{"headline": "Troops sent", "dateModified": "2024-01-01"}'
    wrapped = f"//<![CDATA[\n{bare.replace('01-01', '01-02')}\n//]]>"
    found = locate(ld(bare))
    # the wrapper and a new date are not what extraction reads; a new headline is
    assert fingerprint.reader().fingerprint(ld(wrapped), found.path) == found.digest
    edited = wrapped.replace("Troops sent", "Troops withdrawn")
    assert fingerprint.reader().fingerprint(ld(edited), found.path) != found.digest
    # a block that does not parse counts whole, wrapper and all
    broken = locate(ld(f"<![CDATA[{bare[:-1]}]]>"))
    assert fingerprint.reader().fingerprint(ld(f"{bare[:-1]}"), broken.path) != broken.digest


def test_a_page_reads_the_same_in_every_encoding_decode_reads() -> None:
    text = page(BODY.replace("officials said", "the café’s owner said")).decode()
    as_utf8 = text.encode()
    found = locate(as_utf8)
    as_cp1252 = text.replace("charset='utf-8'", "charset='windows-1252'").encode("cp1252")
    for html in (codecs.BOM_UTF8 + as_utf8, as_cp1252):
        assert locate(html) == found
        assert fingerprint.reader().fingerprint(html, found.path) == found.digest


# lines of every kind our rules drop and of prose around their limits, short and long
_LINES = (
    "Loading…",
    "Advertisement",
    "ADVERTISEMENT",
    "Story continues below advertisement",
    "Back to top ↑",
    "Comments are closed.",
    "Leave a comment",
    "Show all 12 comments",
    "Share this article on Facebook",
    "Click to share on Twitter (Opens in new window)",
    "Read more: the minister's full statement",
    "Most read",
    "This site uses cookies to improve your experience",
    "1,204 comments",
    "Viewed 3,000 times",
    "12 people are reading this",
    "Written by Jane Doe",
    "Sign up for our morning briefing",
    "Delivered straight to your inbox every morning",
    "Photo: Getty Images",
    "Updated 5 minutes ago",
    "Published 12:04",
    "3 of 12",
    "Originally published on Medium",
    "Next article",
    "Home > World > Europe",
    "News | Sport | Weather",
    "—",
    "The minister said on Tuesday that the talks would resume next week.",
)


@pytest.mark.parametrize("padding", [0, 1, 10, 40, 120, 300])
def test_the_boilerplate_rules_read_as_one_pattern_as_they_read_one_by_one(padding: int) -> None:
    # (the alternation of the rules means what they mean only while they are case-blind and
    # capture nothing: a back-reference would point into another rule's groups)
    assert all(p.flags == re.IGNORECASE | re.UNICODE and not p.groups for p, _ in BOILERPLATE)
    for line in _LINES:
        for padded in (line + " word" * (padding // 5), "x" * padding + line, line[:padding]):
            assert fingerprint._boilerplate(padded) == is_boilerplate(padded), padded
