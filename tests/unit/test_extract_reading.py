"""What extraction reads: hidden markup and machine microdata left out, paragraphs kept apart
inside inline wrappers, precision mode's thin readings replaced (real pages, issue 9), and
trafilatura's metadata fields as trafilatura reads them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import lxml.html
import pytest
import trafilatura
from lxml.html import HtmlElement

from versiontrack.extract import decode, extract, reading
from versiontrack.extract.markup import _prepare
from versiontrack.extract.metadata import _trafilatura_metadata
from versiontrack.extract.reading import _paragraphs
from versiontrack.extract.unread import drop_unread
from versiontrack.text import normalise

REALPAGES = Path(__file__).resolve().parents[2] / ".." / "shared" / "realpages"

ARTICLE = (
    "<p>The ministry confirmed on Tuesday that the convoy had crossed the river at dawn.</p>"
    "<p>Officials said the crossing took four hours and that no one was hurt in the operation.</p>"
    "<p>Residents of the border town described a long column of trucks moving past their homes.</p>"
)


def page(body: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Convoy crosses river</title>"
        f"</head><body><article><h1>Convoy crosses river</h1>{body}</article></body></html>"
    ).encode()


def body_of(html: bytes) -> list[str]:
    return list(extract(html, "https://news.example/a").paragraphs)


def test_hidden_markup_and_machine_microdata_are_not_read() -> None:
    hidden = (
        '<div style="Display: None"><p>Subscribe now for the full story of the convoy.</p></div>'
        "<p hidden>A hidden paragraph that readers never see on the page itself.</p>"
        '<div aria-hidden="true"><p>Screen-reader copy of the teaser about the convoy.</p></div>'
        '<div style="visibility:hidden"><p>Collapsed teaser about last week\'s floods.</p></div>'
        '<div itemprop="image" itemscope><span itemprop="url">https://cdn.example/i/1.jpg</span>'
        '<span itemprop="width">1200</span> <span itemprop="height">676</span></div>'
        '<span itemprop="datePublished">2018-10-12 06:43:54</span>'
    )
    assert body_of(page(ARTICLE + hidden)) == [
        "The ministry confirmed on Tuesday that the convoy had crossed the river at dawn.",
        "Officials said the crossing took four hours and that no one was hurt in the operation.",
        "Residents of the border town described a long column of trucks moving past their homes.",
    ]


def test_an_author_link_marked_as_url_microdata_is_still_read() -> None:
    byline = (
        '<p>By <a itemprop="url" href="/author/ana"><span itemprop="name">Ana Ruiz</span></a>'
        ", who reported from the crossing for three days in a row.</p>"
    )
    assert body_of(page(ARTICLE + byline))[-1] == (
        "By Ana Ruiz, who reported from the crossing for three days in a row."
    )


def test_an_inline_wrapper_around_paragraphs_keeps_them_apart() -> None:
    # a <span> holding every <p>, beside a block <div>: real pages set articles this way,
    # and wrapping the span into one <p> glued 52 paragraphs into 28
    html = page(f"<div class='meta'>Filed under World</div><span class='body'>{ARTICLE}</span>")
    assert body_of(html)[-3:] == [
        "The ministry confirmed on Tuesday that the convoy had crossed the river at dawn.",
        "Officials said the crossing took four hours and that no one was hurt in the operation.",
        "Residents of the border town described a long column of trucks moving past their homes.",
    ]


def _fundus(name: str) -> tuple[bytes, list[str]]:
    if not (REALPAGES / "fundus").is_dir():
        pytest.skip(f"no real pages at {REALPAGES} (../shared/realpages beside the repository)")
    truth = json.loads((REALPAGES / "fundus" / "ground_truth.json").read_text())[name]["body"]
    return gzip.decompress((REALPAGES / "fundus" / "html" / name).read_bytes()), truth


def _readability(name: str) -> bytes:
    folder = REALPAGES / "readability" / name
    if not folder.is_dir():
        pytest.skip(f"no real pages at {REALPAGES} (../shared/realpages beside the repository)")
    return (folder / "source.html").read_bytes()


def test_a_live_blog_precision_mode_cuts_short_is_read_in_full() -> None:
    # trafilatura's precision mode keeps 3 of this live blog's 178 paragraphs (2% of its words)
    html, truth = _fundus("TheTelegraph_1.html.gz")
    text = normalise(extract(html, "https://www.telegraph.co.uk/a"))
    stored = {" ".join(p) for p in text.paragraphs}
    # 113 of 178: every post's text; the posts' one-line headings are not read
    assert sum(p in stored for p in truth) >= 110


def test_a_review_precision_mode_cuts_short_is_read_in_full() -> None:
    html = _readability("engadget")
    body = " ".join(body_of(html))
    assert "As promised, the Xbox One X is the most powerful game console ever." in body
    assert len(body) > 8000


def _byline(head: str, body: str) -> str:
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Convoy crosses river</title>"
        f"{head}</head><body>{body}</body></html>"
    ).encode()
    return extract(html, "https://news.example/a").byline


SHOWN = f"<article><h1>Convoy crosses river</h1><p class='by'>By Ana Ruiz</p>{ARTICLE}</article>"


def test_a_byline_shown_under_the_headline_is_kept() -> None:
    assert _byline('<meta name="author" content="Ana Ruiz">', SHOWN) == "Ana Ruiz"


@pytest.mark.parametrize(
    "author",
    ["Last Updated January 4", "Updated 3 minutes ago", "12.03.2024 14:35", "2 hours ago"],
)
def test_a_byline_that_is_a_stamp_is_dropped(author: str) -> None:
    assert _byline(f'<meta name="author" content="{author}">', SHOWN) == ""


def test_metadata_authors_the_page_does_not_show_are_left_out() -> None:
    # a shuffled list of the site's authors in the metadata: only the one shown counts
    head = '<meta name="author" content="Lee Park, Ana Ruiz, Tom Berg">'
    assert _byline(head, SHOWN) == "Ana Ruiz"
    unseen = f"<article><h1>Convoy crosses river</h1>{ARTICLE}</article>"
    assert _byline('<meta name="author" content="Ana Ruiz">', unseen) == ""


def test_a_name_far_from_the_headline_is_not_a_byline() -> None:
    far = (
        f"<article><h1>Convoy crosses river</h1>{ARTICLE * 40}</article>"
        "<footer><p>Site editor: Ana Ruiz</p></footer>"
    )
    assert _byline('<meta name="author" content="Ana Ruiz">', far) == ""


@pytest.mark.parametrize("caption", [20, 150])
@pytest.mark.parametrize("footer", [False, True])
def test_a_long_articles_closing_author_line_holds_whatever_the_teasers_before_it(
    caption: int, footer: bool
) -> None:
    # about 5,800 characters of article, then unlinked teaser captions whose lengths change on
    # every render, then the author line (in a field of its own, or the article's own
    # footer): measured from the headline alone, it sat at the window's edge and came and
    # went with the captions
    paragraphs = "".join(
        f"<p>Paragraph {i} of the report: {'the convoy crossed the river at dawn. ' * 3}</p>"
        for i in range(48)
    )
    teasers = "".join(
        f"<div class='css-392a56'><img src='/t/{i}.jpg'><span>{'x' * caption} {i}</span></div>"
        for i in range(3)
    )
    author = "Author: Ana Ruiz"
    closing = (
        f"<footer><p>{author}</p></footer>" if footer else f"<div class='f'><p>{author}</p></div>"
    )
    body = (
        f"<article><h1>Convoy crosses river</h1><div class='body'>{paragraphs}</div>"
        f"<div class='css-883e1a'>{teasers}</div>{closing}</article>"
    )
    assert _byline('<meta name="author" content="Ana Ruiz">', body) == "Ana Ruiz"


@pytest.mark.parametrize("captions", [10, 400])
def test_rotating_teaser_links_never_move_a_byline_out_of_reach(captions: int) -> None:
    # teaser captions whose lengths change on every render sit between the headline and the
    # author line: their links take no room in the window, so the byline holds either way
    teasers = "".join(
        f"<li><a href='/news/{i}'>{'Teaser caption ' * (captions // 15)}{i}</a></li>"
        for i in range(20)
    )
    body = (
        f"<article><h1>Convoy crosses river</h1>{ARTICLE}</article>"
        f"<ul class='teasers'>{teasers}</ul><p class='author'>Author: Ana Ruiz</p>"
    )
    assert _byline('<meta name="author" content="Ana Ruiz">', body) == "Ana Ruiz"


@pytest.mark.parametrize(
    "slot",
    [
        '<div class="ad"><p>{}</p></div>',
        '<div class="ad-slot ad-slot--mpu"><p>{}</p></div>',
        '<section id="inline-ad-3"><p>{}</p></section>',
        '<div data-ad-slot="1234"><p>{}</p></div>',
        '<div class="sponsored-content"><p>{}</p></div>',
        # hashed class names say nothing: the label the ad prints above its copy does
        '<div class="css-7644fc"><span>Advertisement</span><p>{}</p></div>',
        '<aside class="x1y2z3"><small> SPONSORED </small><a href="/c/9">{}</a></aside>',
        '<div class="sc-a1b2">Anzeige<div><p>{}</p></div></div>',
    ],
)
@pytest.mark.parametrize("where", ["before", "inside", "after"])
def test_ad_slots_beside_or_inside_the_article_are_not_read(slot: str, where: str) -> None:
    ad = slot.format("Save 20% on your first order with code NEWS20 — shop the winter sale today.")
    html = page(ARTICLE if where != "inside" else ARTICLE.replace("</p><p>", f"</p>{ad}<p>", 1))
    if where == "before":
        html = html.replace(b"<article>", ad.encode() + b"<article>")
    elif where == "after":
        html = html.replace(b"</article>", b"</article>" + ad.encode())
    assert "NEWS20" not in " ".join(body_of(html))
    assert len(body_of(html)) == 3


# a paragraph of article prose, set beside chrome that must not take it along
_PROSE = "The bridge reopened to traffic on Friday after engineers inspected it overnight."


@pytest.mark.parametrize(
    "block",
    [
        # the label opens a block of more than one line of copy: article text follows it
        "<div><p>Advertisement</p><p>{0}</p><p>{0}</p></div>",
        # a longer paragraph than one ad line
        "<div><span>Advertisement</span><p>{0} {0} {0}</p></div>",
        # the block opens with text of its own, not with the label
        "<div>Update:<span>Advertisement</span><p>{0}</p></div>",
    ],
)
def test_text_beside_an_ad_label_that_is_not_one_line_of_its_copy_is_read(block: str) -> None:
    html = page(ARTICLE.replace("</p><p>", f"</p>{block.format(_PROSE)}<p>", 1))
    assert _PROSE in " ".join(body_of(html))


_OTHER = ("Election watchdog warns of deepfake adverts", "Drought forces farmers to rethink crops")


@pytest.mark.parametrize(
    "block",
    [
        # cards clicked by script, under a hashed class: no link for trafilatura to weigh
        '<div class="css-b86ca3"><h3>Related</h3>'
        + "".join(f'<div data-href="/story/{i}"><p>{t}</p></div>' for i, t in enumerate(_OTHER))
        + "</div>",
        '<section><h2>More on this story:</h2><ul class="x9">'
        + "".join(f"<li><span>{t}</span></li>" for t in _OTHER)
        + "</ul></section>",
        "<div><h4>  Lesen Sie auch </h4><p>{}</p><p>{}</p></div>".format(*_OTHER),
    ],
)
@pytest.mark.parametrize("where", ["end", "after"])
def test_a_related_stories_list_is_not_read(block: str, where: str) -> None:
    html = page(ARTICLE + block if where == "end" else ARTICLE)
    if where == "after":
        html = html.replace(b"</article>", b"</article>" + block.encode())
    assert _OTHER[0].encode() in html
    assert body_of(html) == body_of(page(ARTICLE))
    # a selector reads its box whole, trafilatura's discards aside: the list goes all the same
    boxed = html.replace(b"<article>", b"<article><div class='box'>").replace(
        b"</article>", b"</div></article>"
    )
    selected = extract(boxed, "https://news.example/a", selector="article").paragraphs
    assert not set(_OTHER) & set(selected)


@pytest.mark.parametrize(
    "grid",
    [
        '<div class="css-9a9bc2">'
        + "".join(
            f'<div><img src="/t/{i}.jpg"><span>{t}</span></div>' for i, t in enumerate(_OTHER)
        )
        + "</div>",
        "<ul>"
        + "".join(f'<li><img src="/t/{i}.jpg"> {t}</li>' for i, t in enumerate(_OTHER))
        + "</ul>",
    ],
)
def test_a_grid_of_teaser_cards_in_the_selected_box_is_not_read(grid: str) -> None:
    html = page(ARTICLE + grid)
    assert extract(html, selector="article").paragraphs == tuple(body_of(page(ARTICLE)))


def test_pictures_with_captions_that_are_sentences_are_read_in_the_selected_box() -> None:
    captions = (
        "Trucks of the convoy wait at the river before the crossing at dawn.",
        "Residents watch the column move past their homes in the border town.",
    )
    grid = "<div>" + "".join(f"<div><img src='/p.jpg'><p>{c}</p></div>" for c in captions)
    selected = extract(page(ARTICLE + grid + "</div>"), selector="article").paragraphs
    assert selected[-2:] == captions


@pytest.mark.parametrize(
    "block",
    [
        # an article section under a subhead of that name: its paragraphs are prose
        "<div><h3>Related</h3><p>{0} {0}</p><p>{1}</p></div>",
        # the heading is not what the block opens with
        "<div><p>{1}</p><h3>Related</h3><p>{0}</p><p>{1}</p></div>",
        # one item is no list
        "<div><h3>See also</h3><p>{0}</p></div>",
    ],
)
def test_text_under_a_related_heading_that_is_no_list_of_headlines_is_read(block: str) -> None:
    other = "Engineers said the supports had held and that no repairs were needed this year."
    html = page(ARTICLE.replace("</p><p>", f"</p>{block.format(_PROSE, other)}<p>", 1))
    assert _PROSE in " ".join(body_of(html))


def test_an_article_wrapper_named_like_an_ad_keeps_its_article() -> None:
    html = page(f"<div class='ad-free-article'>{ARTICLE * 3}</div>")
    assert len(body_of(html)) == 9


def test_mathml_formulas_are_read_as_their_symbols() -> None:
    formula = (
        '<math display="block"><semantics><mrow><mi>E</mi><mo>=</mo><mi>m</mi>'
        "<msup><mi>c</mi><mn>2</mn></msup></mrow>"
        '<annotation encoding="application/x-tex">E = mc^2</annotation></semantics></math>'
    )
    inline = "<p>Energy <math><mi>E</mi></math> is conserved in every closed system we know of.</p>"
    assert body_of(page(ARTICLE + formula + inline)) == [
        "The ministry confirmed on Tuesday that the convoy had crossed the river at dawn.",
        "Officials said the crossing took four hours and that no one was hurt in the operation.",
        "Residents of the border town described a long column of trucks moving past their homes.",
        "E = m c 2",
        "Energy E is conserved in every closed system we know of.",
    ]


def test_a_line_broken_inside_a_sentence_runs_on_and_a_list_of_lines_does_not() -> None:
    wrapped = (
        "<p>The ministry confirmed on Tuesday that the convoy had crossed<br>"
        "the river at dawn, officials said.<br><br>Officials said the crossing took four hours"
        " and that no one<br>was hurt.</p>"
    )
    lines = (
        "<p>+ Added three new checkpoints on the northern road<br>+ Added a second convoy<br>"
        "* Moved the field hospital closer to the river</p>"
    )
    code = "<pre><code>convoy = cross(river,<br>at=dawn)</code></pre>"
    assert body_of(page(ARTICLE + wrapped + lines + code))[3:] == [
        "The ministry confirmed on Tuesday that the convoy had crossed the river at dawn, "
        "officials said.",
        "Officials said the crossing took four hours and that no one was hurt.",
        "+ Added three new checkpoints on the northern road",
        "+ Added a second convoy",
        "* Moved the field hospital closer to the river",
        "convoy = cross(river,",
        "at=dawn)",
    ]


def test_inline_code_and_custom_elements_stay_inside_their_sentence() -> None:
    code = "<p>The army's logs call the operation <code>river-crossing</code> in every entry.</p>"
    # MathJax's output: its element around an inline formula, and the sentence's text loose
    # in the body after the paragraph the HTML parser closed before it
    loose = (
        "<p>When</p><mjx-container><math><mi>a</mi><mo>=</mo><mn>0</mn></math>"
        "</mjx-container>, there are no solutions to the equation at all."
    )
    html = (
        "<!DOCTYPE html><html><head><title>Convoy crosses river</title></head><body>"
        f"<h1>Convoy crosses river</h1>{ARTICLE}{code}{loose}</body></html>"
    ).encode()
    assert body_of(html)[3:] == [
        "The army's logs call the operation river-crossing in every entry.",
        "When",
        "a = 0, there are no solutions to the equation at all.",
    ]


_FIELDS = ("title", "author", "sitename", "description", "url")
_META_PAGES = [
    # Open Graph and meta names
    "<head><meta property='og:title' content='Convoy crosses river'>"
    "<meta property='og:site_name' content='@borderpost'><meta name='author' content='Ana Ruiz'>"
    "<meta name='description' content='The convoy crossed at dawn.'></head>",
    # JSON-LD over a one-word meta author, the site name from the <title>
    "<head><title>Convoy crosses river | news.example</title><meta name='author' content='ana'>"
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Convoy",'
    ' "author": {"@type": "Person", "name": "Ana Ruiz"}}</script></head>',
    # nothing declared: title, author and site name from the page and its URL
    "<head><title>Convoy crosses river</title></head>",
]


def _metadata_pairs() -> list[tuple[str, bytes, str]]:
    pairs = [
        (
            f"page {i}",
            f"<html>{head}<body>{ARTICLE}</body></html>".encode(),
            "https://news.example/a",
        )
        for i, head in enumerate(_META_PAGES)
    ]
    for path in sorted(REALPAGES.glob("fundus/html/*.html.gz")):
        pairs.append((path.name, gzip.decompress(path.read_bytes()), f"https://{path.name}/a"))
    for path in sorted(REALPAGES.glob("readability/*/source.html")):
        pairs.append((path.parent.name, path.read_bytes(), f"https://{path.parent.name}/a"))
    return pairs


def test_the_metadata_fields_read_are_trafilaturas_own() -> None:
    """``_trafilatura_metadata`` keeps only some steps of trafilatura's ``extract_metadata``:
    the fields it sets must come out as there (on every real page, when they are present)."""
    differ = []
    for name, html, url in _metadata_pairs():
        tree = trafilatura.load_html(decode.decode(html))
        ours = _trafilatura_metadata(tree, url)
        theirs = trafilatura.extract_metadata(tree, url)
        differ += [
            (name, field, getattr(ours, field), getattr(theirs, field))
            for field in _FIELDS
            if getattr(ours, field) != getattr(theirs, field)
        ]
    assert differ == []


def test_microdata_names_are_told_apart_as_xpath_tells_them() -> None:
    # itemprop holds names apart by XML whitespace (a newline too, a no-break space not); a
    # bare address goes, an address with markup inside (an author's link) stays
    tree = lxml.html.document_fromstring(
        "<html><body><p>Text <span itemprop='name\n width'>1200</span>"
        "<span itemprop='name\u00a0width'>676</span>"
        "<a itemprop='url'>https://cdn.example/i.jpg</a> <a itemprop='url'><b>cdn.example</b></a>"
        "<span itemprop='contentUrl' style='color: red'>x.example</span></p></body></html>"
    )
    drop_unread(tree)
    assert tree.find("body/p").text_content() == "Text 676 cdn.example"


def _prepared(html: bytes) -> HtmlElement:
    tree = trafilatura.load_html(decode.decode(html))
    _prepare(tree)
    return tree


def test_precision_mode_skips_the_fallback_comparison_only_where_it_changes_nothing() -> None:
    """Where ``_fallback_inert`` says trafilatura's fallback comparison would keep its reading,
    the reading without it is the full one (a page of ours and every fifth real page)."""
    pairs = _metadata_pairs()
    checked = 0
    for name, html, url in [*pairs[:1], *pairs[len(_META_PAGES) :: 5]]:
        tree = _prepared(html)
        fast = reading._bare(tree, url, precise=True, fast=True)
        if fast is None or not reading._fallback_inert(fast, tree):
            continue
        full = reading._bare(tree, url, precise=True, fast=False)
        assert _paragraphs(fast.body) == _paragraphs(full.body), name
        checked += 1
    assert checked > 0


def test_the_fallback_comparison_runs_where_it_may_change_the_reading() -> None:
    url = "https://news.example/a"
    assert reading._fallback_inert(
        reading._bare(tree := _prepared(page(ARTICLE)), url, precise=True, fast=True), tree
    )
    # a teaser block, which fast mode reads and precision mode does not
    teaser = '<div class="story-teaser"><p>Read next: the floods of last week.</p></div>'
    tree = _prepared(page(ARTICLE + teaser))
    assert not reading._fallback_inert(reading._bare(tree, url, precise=True, fast=True), tree)
    # the article is less than half the page's text: readability might read more of it
    letters = "<footer>" + "<p>Weather, sport, markets and letters from the other desks.</p>" * 20
    tree = _prepared(page(ARTICLE).replace(b"</body>", letters.encode() + b"</footer></body>"))
    fast = reading._bare(tree, url, precise=True, fast=True)
    assert _paragraphs(fast.body) == _paragraphs(
        reading._bare(_prepared(page(ARTICLE)), url, precise=True, fast=True).body
    )
    assert not reading._fallback_inert(fast, tree)


def test_the_fuller_reading_is_taken_for_the_prose_it_adds_not_for_a_menus_items() -> None:
    kept = ["A" * 300]
    menu = [f"Item {n}" for n in range(60)]  # 60 short lines, more characters than kept
    assert not reading._fuller(kept, [*kept, *menu])
    posts = [f"Post {n}: " + "b" * 80 for n in range(4)]
    assert reading._fuller(kept, [*kept, *posts])
    assert not reading._fuller(kept, [*kept, *posts[:3]])  # 264 dropped < 300 kept


def test_one_sentence_deleted_does_not_swing_the_reading() -> None:
    # hukumusume: one long paragraph of a fairy tale among a menu of short items; precision
    # mode's reading sits at half the page's text, and deleting a sentence took the default
    # reading, the menu and all, as the "edit"
    html = _readability("hukumusume").decode()
    before = body_of(html.encode())
    sentence = "そのとたん、くわえていた肉はポチャンと川の中に落ちてしまいました。"
    assert html.count(sentence) == 1
    after = body_of(html.replace(sentence, "").encode())
    assert [p for p in before if sentence not in p] == [p for p in after if p in before]
    assert len(after) == len(before)


def test_the_fuller_reading_keeps_what_precision_mode_read_and_it_dropped() -> None:
    found = ["b", "c", "x", "d"]
    more = ["a", "b", "c", "d", "e"]
    assert reading._merged(found, more) == ["a", "b", "c", "x", "d", "e"]
    assert reading._merged(["y", "a"], more) == ["y", "a", "b", "c", "d", "e"]
    assert reading._merged(more, more) == more
