"""The messy parts of real news pages that a lean template leaves out, as switchable features.

Real pages (issue 9) made false versions out of things our first templates did not have: ad
copy printed next to the article box, related-headline and teaser blocks that rotate, hidden
schema.org microdata, ``dd.mm.yyyy hh:mm`` stamps, "0 : 0" vote counters, "1 of 5" slideshow
counters, "Previous article: … | Next article: …" link rows, and metadata rewritten on every
render (JSON-LD ``dateModified``, ``article:modified_time``, interaction counts, a shuffled
author list). Each of those is a ``Feature`` here: a named fragment of markup placed in one
``Slot`` of a page, its volatile parts drawn from the page's ``Churn`` (never from the
article text, which stays the truth).

A page's ``PageContext.realism`` names the features it carries. ``DEFAULTS`` is what each
corpus site carries when nobody asks otherwise: only features the current pipeline reads
correctly, so that every replay test keeps its exact truth. The other features are switched
on by ``tests/integration/test_realism.py``, which records what the pipeline still gets wrong
(strict xfails), and by the bench corpus, which measures it.
"""

# ruff: noqa: E501  (markup fragments and the feature table: long literal lines)

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from versiontrack.corpus.render import OTHER_STORIES, PageContext, esc, script_json

#: Where a feature's markup goes; every template prints every slot once: in ``<head>``; in
#: the article element just before the box of article text; inside that box above the body
#: (with the byline and dates) or after the last paragraph; just after the box.
Slot = Literal["head", "before", "top", "end", "after"]
SLOTS: tuple[Slot, ...] = ("head", "before", "top", "end", "after")

#: One line of native-ad copy, as ad networks print it beside an article: a sentence that
#: reads like prose and changes with every ad served.
AD_COPY: tuple[str, ...] = (
    "Homeowners in your area are switching to solar panels this winter and saving hundreds.",
    "This new hearing aid is almost invisible, and retirees say it changed their lives.",
    "Doctors are amazed by this simple morning habit that helps you sleep through the night.",
    "Compare the best fixed-rate savings accounts before rates fall again next month.",
    "Forget expensive gyms: this ten-minute routine is taking the country by storm.",
    "The one thing every driver over fifty should check before renewing their insurance.",
    "Experts reveal the kitchen trick that keeps bread fresh for a whole fortnight.",
    "Why thousands of families are choosing this cruise line for their winter holiday.",
)
#: Co-authors a CMS lists with the byline in ``<meta name=author>``, in an order that changes.
CO_AUTHORS: tuple[str, ...] = ("Rhiannon Cole", "Peter Vance")


def _cls(ctx: PageContext, part: str) -> str:
    """A hashed CSS-module class name, stable per site: what modern front ends (and ad
    networks dodging blockers) print instead of names like "ad" or "related"."""
    return f"css-{zlib.crc32(f'{ctx.source.name}/{part}'.encode()):08x}"[:10]


def _ad(ctx: PageContext, where: str) -> str:
    """A native ad: its label and one line of ad copy (chosen per request); the click is a
    script's ``data-href``, as ad networks print it, so the copy is plain text."""
    churn = ctx.churn
    return (
        f'<div class="{_cls(ctx, "ad-" + where)}" data-href="https://ads.example.net/c/{churn.token(8)}">'
        f"<span>Advertisement</span><p>{esc(churn.rng.choice(AD_COPY))}</p></div>\n"
    )


def _related(ctx: PageContext, where: str, title: str, k: int) -> str:
    """Cards of other stories: the headline as text, the card clickable by script."""
    rows = "".join(
        f'<div class="{_cls(ctx, "card")}" data-href="{ctx.source.prefix}/story/{ctx.churn.number(10**5, 10**6)}">'
        f"<p>{esc(t)}</p></div>"
        for t in ctx.churn.pick(OTHER_STORIES, k)
    )
    return f'<div class="{_cls(ctx, where)}"><h3>{esc(title)}</h3>{rows}</div>\n'


def _teasers(ctx: PageContext) -> str:
    """Teaser pictures, each captioned with another story's headline."""
    cards = "".join(
        f'<div class="{_cls(ctx, "pic")}"><img src="https://i.example.org/t/{ctx.churn.token(6)}.jpg" '
        f'alt="" width="300" height="169"><span>{esc(t)}</span></div>'
        for t in ctx.churn.pick(OTHER_STORIES, 3)
    )
    return f'<div class="{_cls(ctx, "pics")}">{cards}</div>\n'


def _microdata(ctx: PageContext) -> str:
    """schema.org microdata a CMS prints for crawlers, hidden from readers by inline style."""
    return _hidden_microdata(ctx, 'style="display:none"')


def _microdata_class(ctx: PageContext) -> str:
    """The same microdata hidden by a stylesheet class (Bootstrap's ``d-none``), which an
    extractor that never loads the CSS cannot see."""
    return _hidden_microdata(ctx, 'class="d-none"')


def _hidden_microdata(ctx: PageContext, hide: str) -> str:
    churn = ctx.churn
    return (
        f'<div itemprop="image" itemscope itemtype="https://schema.org/ImageObject" {hide}>'
        f'<span itemprop="url">https://cdn.example.org/styles/large/{churn.token(6)}.jpg?itok={churn.token(4)}</span>'
        '<span itemprop="width">1200</span> <span itemprop="height">676</span></div>\n'
        f'<div itemprop="author" itemscope itemtype="https://schema.org/Person" {hide}>'
        f'<span itemprop="name">jdadmin</span><span itemprop="dateModified">{churn.now:%Y-%m-%d %H:%M:%S}</span></div>\n'
    )


def _microdata_meta(ctx: PageContext) -> str:
    """The same metadata as ``<meta itemprop>`` tags inside the article box."""
    churn = ctx.churn
    return (
        f'<meta itemprop="image" content="https://cdn.example.org/img/{churn.token(6)}.jpg">'
        '<meta itemprop="width" content="1200"><meta itemprop="height" content="676">'
        f'<meta itemprop="dateModified" content="{churn.now.isoformat()}">\n'
    )


def _stamp(ctx: PageContext) -> str:
    """A ``dd.mm.yyyy hh:mm`` line: the page's "as of" time, as German-made CMSes print it."""
    return f'<p class="{_cls(ctx, "stamp")}">{ctx.churn.now:%d.%m.%Y %H:%M}</p>\n'


def _votes(ctx: PageContext) -> str:
    up, down = ctx.churn.number(0, 40), ctx.churn.number(0, 40)
    return f'<div class="{_cls(ctx, "votes")}"><span>{up}</span> : <span>{down}</span></div>\n'


def _slideshow(ctx: PageContext) -> str:
    """A gallery whose start picture is picked per request, with its "n of 5" counter."""
    n = ctx.churn.number(1, 5)
    return (
        f'<div class="{_cls(ctx, "gallery")}"><img src="https://i.example.org/g/{ctx.churn.token(5)}.jpg" '
        f'alt="" width="940" height="529"><p>{n} of 5</p></div>\n'
    )


def _prev_next(ctx: PageContext) -> str:
    before, after = ctx.churn.pick(OTHER_STORIES, 2)
    href = f"{ctx.source.prefix}/story/"
    return (
        f'<p class="{_cls(ctx, "prevnext")}">Previous article: <a href="{href}{ctx.churn.number(1, 999)}">'
        f'{esc(before)}</a> | Next article: <a href="{href}{ctx.churn.number(1, 999)}">'
        f"{esc(after)}</a></p>\n"
    )


def _updated(ctx: PageContext) -> str:
    minutes = ctx.churn.number(2, 59)
    return f'<p class="{_cls(ctx, "ago")}"><span>Updated {minutes} minutes ago</span></p>\n'


def _comments(ctx: PageContext) -> str:
    count = ctx.churn.number(1, 4000)
    return f'<p class="{_cls(ctx, "count")}"><a href="#comments">{count:,} comments</a></p>\n'


def _last_updated_author(ctx: PageContext) -> str:
    """A theme that prints the update date inside the element marked as the author's, with
    no ``<meta name=author>`` (``author_meta`` leaves it out) and a JSON-LD author by
    reference only (``markup.head``)."""
    return (
        f'<div class="{_cls(ctx, "by")}"><span class="author" itemprop="author">Last Updated '
        f"{ctx.modified:%B} {ctx.modified.day}</span></div>\n"
    )


def _volatile_ld(ctx: PageContext) -> str:
    """A second JSON-LD block, the way SEO plugins add one: rewritten on every render."""
    churn = ctx.churn
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "@id": f"{ctx.canonical}#webpage-{churn.token(3)}",
        "dateModified": churn.now.isoformat(),
        "interactionStatistic": [
            {
                "@type": "InteractionCounter",
                "interactionType": f"https://schema.org/{kind}",
                "userInteractionCount": churn.number(0, 50_000),
            }
            for kind in ("CommentAction", "ShareAction", "LikeAction")
        ],
    }
    return f'<script type="application/ld+json">{script_json(data)}</script>\n'


def _nonces(ctx: PageContext) -> str:
    churn = ctx.churn
    return (
        f'<meta name="csrf-token" content="{churn.token(12)}">\n'
        f'<link rel="stylesheet" href="{ctx.source.prefix}/assets/site.css?v={churn.token(4)}">\n'
        f'<script nonce="{churn.token(8)}" src="{ctx.source.prefix}/assets/vendor.js?cb={churn.token(4)}" defer></script>\n'
    )


@dataclass(frozen=True)
class Feature:
    """One kind of realism: what it is (for reports) and where and how it is printed."""

    name: str
    what: str
    slot: Slot
    render: Callable[[PageContext], str]


_ALL: tuple[Feature, ...] = (
    Feature("nonces", "CSRF token, script nonce, asset cache-busting query strings", "head", _nonces),
    Feature("volatile-ld", "JSON-LD dateModified, @id and interaction counts per render", "head", _volatile_ld),
    # _head reads these two names itself: they change tags every page has
    Feature("modified-now", "article:modified_time and JSON-LD dateModified set to now", "head", lambda ctx: ""),
    Feature("shuffled-authors", "<meta name=author> lists the byline and co-authors, shuffled", "head", lambda ctx: ""),
    Feature("ad-before", "one line of native-ad copy just before the article box", "before", lambda ctx: _ad(ctx, "before")),
    Feature("ad-after", "one line of native-ad copy just after the article box", "after", lambda ctx: _ad(ctx, "after")),
    Feature("related-inside", "a rotating related-headlines list at the end of the article box", "end", lambda ctx: _related(ctx, "related-inline", "Related", 4)),
    Feature("related-after", "a rotating related-headlines list just after the article box", "after", lambda ctx: _related(ctx, "related-after", "More on this story", 4)),
    Feature("teasers", "teaser cards whose captions are other stories' headlines", "end", _teasers),
    Feature("microdata", "hidden schema.org microdata: image URL, 1200 676, author+timestamp", "top", _microdata),
    Feature("microdata-class", "the same microdata hidden by a CSS class (d-none)", "top", _microdata_class),
    Feature("microdata-meta", "<meta itemprop> image URL, width, height, dateModified", "top", _microdata_meta),
    Feature("stamp", "a dd.mm.yyyy hh:mm line with the time of the request", "top", _stamp),
    Feature("votes", 'a "12 : 3" vote counter', "end", _votes),
    Feature("slideshow", 'a slideshow whose "n of 5" counter starts on a random slide', "top", _slideshow),
    Feature("prev-next", '"Previous article: … | Next article: …" with rotating headlines', "end", _prev_next),
    Feature("updated-ago", '"Updated N minutes ago" inside the article box', "top", _updated),
    Feature("comment-count", '"1,204 comments" inside the article box', "top", _comments),
    Feature("last-updated-author", '"Last Updated January 4" in an element styled as the author', "top", _last_updated_author),
)  # fmt: skip
FEATURES: dict[str, Feature] = {f.name: f for f in _ALL}

#: What each corpus site carries by default: only what the pipeline reads right today, and
#: what leaves the fast path's fingerprint alone (``tests/unit/test_fingerprint.py`` holds it to
#: that): per-render JSON-LD and ``article:modified_time``, teasers and vote counters change it.
DEFAULTS: dict[str, frozenset[str]] = {
    "guardian": frozenset(
        {"nonces", "ad-before", "ad-after", "related-after", "microdata", "updated-ago",
         "comment-count"}
    ),
    "zerohedge": frozenset({"nonces", "microdata-class", "updated-ago", "comment-count"}),
    "enr": frozenset({"nonces", "microdata-meta", "microdata"}),
    "jns": frozenset(
        {"nonces", "ad-before", "ad-after", "related-after", "stamp", "slideshow",
         "updated-ago", "comment-count", "microdata-class"}
    ),
    "blog": frozenset(
        {"nonces", "microdata-meta", "ad-before", "ad-after", "related-after", "stamp",
         "slideshow"}
    ),
}  # fmt: skip


def extras(ctx: PageContext, slot: Slot) -> str:
    """The markup of the page's features that go in ``slot``, in ``FEATURES`` order."""
    return "".join(f.render(ctx) for f in _ALL if f.slot == slot and f.name in ctx.realism)


def modified_time(ctx: PageContext) -> datetime:
    """What the page's metadata calls its modification time (the request's time on sites
    that stamp every render)."""
    return ctx.churn.now if "modified-now" in ctx.realism else ctx.modified


def author_meta(ctx: PageContext) -> str | None:
    """``<meta name=author>``: the byline, or with co-authors in a per-request order; None
    where the theme prints no such tag."""
    if "last-updated-author" in ctx.realism:
        return None
    if "shuffled-authors" not in ctx.realism:
        return ctx.version.byline
    return ", ".join(ctx.churn.pick((ctx.version.byline, *CO_AUTHORS), 1 + len(CO_AUTHORS)))


def check(names: frozenset[str]) -> frozenset[str]:
    """``names`` when every one is a feature; a ``ValueError`` naming the unknown ones."""
    unknown = sorted(names - FEATURES.keys())
    if unknown:
        raise ValueError(f"unknown realism features: {', '.join(unknown)}")
    return names


__all__ = [
    "DEFAULTS",
    "FEATURES",
    "SLOTS",
    "Feature",
    "author_meta",
    "check",
    "extras",
    "modified_time",
]
