"""What extraction puts back of trafilatura's reading: subheads, list items, quotes and code
that sit among the article's paragraphs, and nothing from blocks of their own (issue 9)."""

from __future__ import annotations

import lxml.html

from versiontrack.extract import extract
from versiontrack.extract.restore import _restore

PARAS = (
    "The ministry confirmed on Tuesday that the convoy had crossed the river at dawn.",
    "Officials said the crossing took four hours and that no one was hurt in the operation.",
    "Residents of the border town described a long column of trucks moving past their homes.",
    "The army said a second convoy would follow later in the week if the weather held.",
)


def _subhead(text: str, anchor: str) -> str:
    # a heading with a link icon to itself, as documentation and blog templates print them:
    # trafilatura's precision mode drops it
    return (
        f'<h2 id="{anchor}">{text} <a class="header-anchor" href="#{anchor}">'
        '<svg width="24" height="24"><path d="M1 2"></path></svg></a></h2>'
    )


def test_subheads_among_the_paragraphs_are_put_back_in_place() -> None:
    body = (
        f"<p>{PARAS[0]}</p>{_subhead('What happens next', 'next')}<p>{PARAS[1]}</p>"
        f"{_subhead('Why it matters', 'why')}<p>{PARAS[2]}</p><p>{PARAS[3]}</p>"
    )
    html = (
        "<!DOCTYPE html><html><head><title>Convoy crosses river</title></head><body><main>"
        f'<article><h1>Convoy crosses river</h1><div class="body">{body}</div></article>'
        "</main></body></html>"
    ).encode()
    assert extract(html).paragraphs == (
        PARAS[0],
        "What happens next",
        PARAS[1],
        "Why it matters",
        *PARAS[2:],
    )


def _tree(body: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(f"<html><body><article>{body}</article></body></html>")


def test_items_quotes_and_code_beside_the_paragraphs_are_put_back() -> None:
    tree = _tree(
        f"<p>{PARAS[0]}</p><ul><li>Troops moved by rail.</li><li>Officers came first.</li></ul>"
        f"<p>{PARAS[1]}</p><blockquote>We will not back down.</blockquote><p>{PARAS[2]}</p>"
        f"<pre>convoy --cross river</pre><p>{PARAS[3]}</p>"
    )
    assert _restore(tree, PARAS) == [
        PARAS[0],
        "Troops moved by rail.",
        "Officers came first.",
        PARAS[1],
        "We will not back down.",
        PARAS[2],
        "convoy --cross river",
        PARAS[3],
    ]


def test_a_heading_linked_to_its_place_in_the_page_is_no_link_list() -> None:
    # documentation templates link each heading back to the table of contents
    tree = _tree(
        f'<div class="section" id="sharing-with-a-single-developer"><p>{PARAS[0]}</p>'
        '<h3><a class="toc-backref" href="#id3">Example 4: the convoy returns</a></h3>'
        f"<p>{PARAS[1]}</p></div>"
    )
    assert _restore(tree, PARAS[:2]) == [PARAS[0], "Example 4: the convoy returns", PARAS[1]]


def test_what_sits_apart_or_is_chrome_or_links_stays_out() -> None:
    tree = _tree(
        f"<p>{PARAS[0]}</p>"
        # a box of its own between the paragraphs (an inset "Current issue" panel)
        '<div class="inset"><h4>Current issue</h4></div>'
        f"<p>{PARAS[1]}</p>"
        # named as chrome
        '<div class="related-stories"><h3>Related stories</h3></div><h3 class="share">Share</h3>'
        f"<p>{PARAS[2]}</p>"
        # a list of links among the paragraphs
        '<ul><li><a href="/a">Convoy headline one</a></li><li><a href="/b">Two</a></li></ul>'
        f"<p>{PARAS[3]}</p>"
        # after the last paragraph trafilatura read: not among the article's paragraphs
        "<h2>Most read</h2>"
    )
    assert _restore(tree, PARAS) == list(PARAS)


def test_what_trafilatura_read_is_not_put_back_twice() -> None:
    tree = _tree(f"<p>{PARAS[0]}</p><h2>What happens next</h2><p>{PARAS[1]}</p>")
    read = [PARAS[0], "What happens next", PARAS[1]]
    assert _restore(tree, read) == read


def test_paragraphs_read_from_chrome_inside_the_box_are_left_out() -> None:
    tree = _tree(
        f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p>"
        '<div class="related_stories widget"><p>Another story everyone is reading today.</p></div>'
        f"<p>{PARAS[2]}</p><p>{PARAS[3]}</p>"
        '<div class="author-bio"><p>Jane Doe covers defence for the paper.</p></div>'
        # a "commentary" is an article, not a comment section; an id made from a section's
        # heading names no chrome
        '<div class="commentary"><p>The convoy is a test of the new bridge, an analyst said.</p>'
        '</div><div class="section" id="related-work-on-river-crossings">'
        "<p>Earlier convoys took the ferry.</p></div>"
    )
    read = [
        PARAS[0],
        PARAS[1],
        "Another story everyone is reading today.",
        PARAS[2],
        PARAS[3],
        "Jane Doe covers defence for the paper.",
        "The convoy is a test of the new bridge, an analyst said.",
        "Earlier convoys took the ferry.",
    ]
    assert _restore(tree, read) == [
        *PARAS,
        "The convoy is a test of the new bridge, an analyst said.",
        "Earlier convoys took the ferry.",
    ]


def test_chrome_names_that_would_take_most_of_the_reading_are_not_believed() -> None:
    # a template naming its article block after sharing: trafilatura's reading stands
    tree = _tree(
        f'<p>{PARAS[0]}</p><div class="shareable-story"><p>{PARAS[1]}</p><p>{PARAS[2]}</p>'
        f"<p>{PARAS[3]}</p></div>"
    )
    assert _restore(tree, PARAS) == list(PARAS)


def test_a_key_points_list_just_before_the_body_leads_it() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><div class='column'>"
        "<div class='RenderKeyPoints-keyPoints'><ul><li>The convoy crossed at dawn.</li>"
        "<li>Four hours to cross, by the army's count.</li></ul></div>"
        f"<div class='body'>{''.join(f'<p>{p}</p>' for p in PARAS)}</div>"
        # a list that merely precedes the body is not its key points
        "</div><ul><li>Home</li><li>World</li></ul></body></html>"
    )
    assert _restore(tree, PARAS) == [
        "The convoy crossed at dawn.",
        "Four hours to cross, by the army's count.",
        *PARAS,
    ]


def test_a_live_blogs_posts_beside_the_summary_are_read() -> None:
    posts = "".join(
        f'<div class="live-post js-live-post"><h3 class="live-post__title">{minute} minutes</h3>'
        f"<p>The convoy was {minute} kilometres from the bridge, the army said.</p>"
        '<div class="share-bar"><p>Share this post</p></div></div>'
        for minute in (90, 60)
    )
    tree = lxml.html.document_fromstring(
        "<html><body><main>"
        f'<div class="summary">{"".join(f"<p>{p}</p>" for p in PARAS)}</div>'
        f'<div class="live-stream">{posts}</div>'
        # one "live update" box is a ticker, not a live blog
        '</main><aside><div class="live-update"><p>Markets open higher.</p></div></aside>'
        "</body></html>"
    )
    assert _restore(tree, PARAS) == [
        *PARAS,
        "90 minutes",
        "The convoy was 90 kilometres from the bridge, the army said.",
        "60 minutes",
        "The convoy was 60 kilometres from the bridge, the army said.",
    ]


def test_the_captions_of_the_articles_own_pictures_are_read() -> None:
    tree = _tree(
        # the lead picture, before the first paragraph: a figure and its caption
        '<figure><img src="/convoy.jpg"><figcaption><p class="caption">The convoy at dawn.</p>'
        '<p class="credit">(Picture: the army)</p></figcaption></figure>'
        f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p>"
        # a caption named so, beside its picture in a wrapper of its own
        '<div class="media"><div class="image"><img src="/bridge.jpg"></div>'
        '<div class="media-caption">The bridge the convoy crossed.</div></div>'
        f"<p>{PARAS[2]}</p><p>{PARAS[3]}</p>"
    )
    assert _restore(tree, PARAS) == [
        "The convoy at dawn.",
        "(Picture: the army)",
        PARAS[0],
        PARAS[1],
        "The bridge the convoy crossed.",
        PARAS[2],
        PARAS[3],
    ]


def test_slideshow_chrome_and_lone_captions_are_not_read() -> None:
    slides = "".join(
        f'<figure class="slide"><img src="/{n}.jpg"><figcaption>Other story {n}.</figcaption>'
        "</figure>"
        for n in range(3)
    )
    tree = _tree(
        f"<p>{PARAS[0]}</p><div class='carousel'>{slides}</div><p>{PARAS[1]}</p>"
        # in the page's chrome
        '<div class="related"><figure><img src="/r.jpg"><figcaption>A related story.'
        f"</figcaption></figure></div><p>{PARAS[2]}</p>"
        # named a caption, with no picture beside it (a table's or a chart's own title)
        f'<div class="caption-text">Casualties by week</div><p>{PARAS[3]}</p>'
    )
    assert _restore(tree, PARAS) == list(PARAS)


def test_a_short_caption_inside_a_sentence_is_still_read_as_a_caption() -> None:
    # its words also end a paragraph: whether that sentence is there or not, it is read
    said = PARAS[3].removesuffix(".") + ", a flame chart."
    for read in ([*PARAS[:3], said], list(PARAS[:3])):
        tree = _tree(
            "".join(f"<p>{p}</p>" for p in read[:2])
            + '<figure><img src="/c.png"><figcaption>Flame chart</figcaption></figure>'
            + "".join(f"<p>{p}</p>" for p in read[2:])
        )
        assert _restore(tree, read) == [*read[:2], "Flame chart", *read[2:]]


def test_a_captions_credit_is_left_out_and_the_text_after_the_caption_is_not_its_own() -> None:
    tree = _tree(
        f"<p>{PARAS[0]}</p><p>{PARAS[1]}</p>"
        '<div class="media"><div class="image"><img src="/bridge.jpg"></div>'
        '<div class="media-caption">The bridge the convoy crossed. '
        '<span class="image-credit">Photograph: AP</span></div>Share this picture</div>'
        f"<p>{PARAS[2]}</p><p>{PARAS[3]}</p>"
    )
    assert _restore(tree, PARAS) == [
        PARAS[0],
        PARAS[1],
        "The bridge the convoy crossed.",
        PARAS[2],
        PARAS[3],
    ]


def _panel(heading: str, text: str) -> str:
    # a tabbed feature page's panel, as mozilla.org prints them: precision mode drops a panel
    # whose buttons and links outweigh its one paragraph
    return (
        f'<section class="panel" role="tabpanel"><div class="copy"><h3>{heading}</h3>'
        f'<p class="lead">{text}</p><a class="more" href="https://other.example/">Learn more</a>'
        "</div></section>"
    )


def test_a_paragraph_playing_the_part_of_one_read_is_put_back() -> None:
    # the same class in the same blocks as paragraphs trafilatura read, between them: the
    # template's article text (a subhead comes back only beside a paragraph read)
    tree = _tree(
        _panel("Themes", PARAS[0]) + _panel("Add-ons", PARAS[1]) + _panel("Search", PARAS[2])
    )
    assert _restore(tree, (PARAS[0], PARAS[2])) == [PARAS[0], PARAS[1], "Search", PARAS[2]]


def test_a_teasers_paragraph_shaped_like_the_articles_stays_out() -> None:
    # a card under a heading that links to another article is a teaser, whatever its class
    card = (
        '<div class="card"><div class="copy"><h3><a href="https://news.example/other">Other'
        f'</a></h3><p class="lead">{PARAS[1]}</p></div></div>'
    )
    own = '<div class="card"><div class="copy"><p class="lead">{{}}</p></div></div>'
    tree = _tree(own.format(PARAS[0]) + card + own.format(PARAS[2]))
    assert _restore(tree, (PARAS[0], PARAS[2])) == [PARAS[0], PARAS[2]]
    # without a class nothing ties the paragraph to the template's part
    bare = _tree("".join(f"<div><p>{p}</p></div>" for p in PARAS[:3]))
    assert _restore(bare, (PARAS[0], PARAS[2])) == [PARAS[0], PARAS[2]]


def test_a_long_page_of_dropped_paragraphs_is_put_back_whole() -> None:
    # trafilatura read the first and the last of 3,000 paragraphs of one part: all come back,
    # each judged by the heading over it from one walk of the box (asking each paragraph
    # for its preceding heading made this page take seconds)
    texts = [f"Paragraph {n} of the article, long enough to read as prose." for n in range(3000)]
    tree = _tree("<h2>Minutes</h2>" + "".join(f'<div><p class="c">{t}</p></div>' for t in texts))
    assert _restore(tree, (texts[0], texts[-1])) == texts


def test_the_heading_over_a_paragraph_is_the_last_to_end_before_it() -> None:
    own = '<div class="copy"><p class="lead">{}</p></div>'
    teaser = '<h3><a href="https://news.example/other">Other</a></h3>'
    # the teaser's linked heading ends before the paragraph: it stands over it
    tree = _tree(own.format(PARAS[0]) + teaser + own.format(PARAS[1]) + own.format(PARAS[2]))
    assert _restore(tree, (PARAS[0], PARAS[2])) == [PARAS[0], PARAS[2]]
    # a subhead after the linked heading stands over the paragraph instead
    tree = _tree(
        own.format(PARAS[0])
        + teaser
        + "<h3>Our subhead</h3>"
        + own.format(PARAS[1])
        + own.format(PARAS[2])
    )
    assert _restore(tree, (PARAS[0], PARAS[2])) == [PARAS[0], "Our subhead", *PARAS[1:3]]


def test_a_long_page_of_subheads_gets_every_subhead_back() -> None:
    # 3,000 subheads beside 3,000 paragraphs, all siblings: whether each sits among the
    # paragraphs is looked up, not asked of its 6,000 siblings (which took seconds)
    texts = [f"Paragraph {n} of the article, long enough to read as prose." for n in range(3000)]
    tree = _tree("".join(f"<h3>Part {n}</h3><p>{t}</p>" for n, t in enumerate(texts)))
    subheads = [f"Part {n}" for n in range(1, 3000)]
    assert _restore(tree, (texts[0], texts[-1])) == [texts[0], *subheads, texts[-1]]
    tree = _tree("".join(f"<h3>Part {n}</h3><p>{t}</p>" for n, t in enumerate(texts)))
    assert _restore(tree, texts) == [x for n, t in enumerate(texts) for x in (f"Part {n}", t)][1:]
