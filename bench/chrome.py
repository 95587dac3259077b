"""The heavy part of a real news page, wrapped around the corpus's five templates.

``versiontrack.corpus.templates`` renders each site's article markup faithfully but lean
(10–15 KB). Real pages weigh 80–150 KB, nearly all of it outside the article: inline CSS and
script bundles in ``<head>``, JSON state blobs (which repeat the article text), a mega menu,
an SVG sprite, ad slots, "most read" and "recommended" lists, a long footer. ``dress`` adds
those, in each site's own flavour, up to a target size.

What is the same on every page of a site (CSS, script bundle, menu, sprite, footer) is built
once per site. What changes on every request or step (tokens, counters, rotating lists,
timestamps) comes from the page's ``Churn``. Article text is never taken from the churn.
Which of ``versiontrack.corpus.realism``'s features a site's pages carry (volatile metadata,
ad copy, in-article counters) is ``REALISM``, by level in ``LEVELS``.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import cache

from versiontrack.corpus.render import OTHER_STORIES, PageContext, esc, script_json

#: Words for invented link labels and story headlines.
_TOPICS = (
    "Economy",
    "Politics",
    "Climate",
    "Health",
    "Science",
    "Technology",
    "Business",
    "Markets",
    "Energy",
    "Education",
    "Housing",
    "Transport",
    "Culture",
    "Film",
    "Music",
    "Books",
    "Travel",
    "Food",
    "Football",
    "Cricket",
    "Tennis",
    "Cycling",
    "Europe",
    "Americas",
    "Asia",
    "Africa",
    "Middle East",
    "Australia",
    "Media",
    "Law",
    "Crime",
    "Defence",
    "Space",
    "Wildlife",
)
_VERBS = (
    "faces questions over",
    "unveils plans for",
    "rethinks",
    "warns about",
    "bets on",
    "struggles with",
    "celebrates",
    "reviews",
    "cuts funding for",
    "doubles down on",
)
_FOOTER_WORDS = ("help", "jobs", "terms", "policies", "newsletters", "apps")
_NOUNS = (
    "city budgets",
    "new rail links",
    "water shortages",
    "the housing market",
    "school meals",
    "energy prices",
    "local elections",
    "the night-time economy",
    "coastal erosion",
    "public libraries",
    "remote work",
    "rural broadband",
    "summer festivals",
    "hospital waits",
)


#: The realism features each site's pages carry (``versiontrack.corpus.realism``): those
#: real sites have, placed where the pipeline reads the page right today (what it still
#: gets wrong is recorded by ``tests/integration/test_realism.py``).
_EVERY_PAGE = frozenset({"nonces", "volatile-ld", "modified-now", "teasers"})
REALISM: dict[str, frozenset[str]] = {
    "guardian": _EVERY_PAGE | {"updated-ago", "comment-count", "related-after", "votes"},
    "zerohedge": _EVERY_PAGE | {"microdata-class", "microdata-meta"},
    "enr": _EVERY_PAGE | {"microdata", "votes"},
    "jns": _EVERY_PAGE | {"updated-ago", "comment-count", "ad-after", "stamp", "slideshow"},
    "blog": _EVERY_PAGE | {"ad-before", "related-after", "stamp", "slideshow"},
}
#: ``news`` plus, on each site, the kinds of mess the pipeline still stores today
#: (``tests/integration/test_realism.py``'s strict xfails): what a fix is measured against.
_LEAKY: dict[str, frozenset[str]] = {
    "guardian": frozenset({"related-inside"}),
    "zerohedge": frozenset({"ad-after", "slideshow"}),
    "enr": frozenset({"ad-before", "stamp"}),
    "jns": frozenset({"prev-next", "shuffled-authors"}),
    "blog": frozenset({"last-updated-author"}),
}
#: A corpus's realism by name: ``news`` (``REALISM``, what ``python -m bench`` serves),
#: ``lean`` (the site chrome alone, as before issue 10: to compare the fast path with and
#: without volatile metadata) or ``messy`` (``news`` and what the pipeline still gets wrong:
#: expect false positives and wrong text until extraction learns them).
LEVELS: dict[str, dict[str, frozenset[str]]] = {
    "news": REALISM,
    "lean": {name: frozenset() for name in REALISM},
    "messy": {name: REALISM[name] | _LEAKY[name] for name in REALISM},
}


@cache
def other_headlines() -> tuple[str, ...]:
    """About 200 invented headlines for the site's "most read" and "recommended" lists."""
    rng = random.Random("bench-headlines")
    made = {f"{t} {v} {n}" for t in _TOPICS[:20] for v in _VERBS for n in _NOUNS[:1]}
    while len(made) < 200:
        made.add(f"{rng.choice(_TOPICS)} {rng.choice(_VERBS)} {rng.choice(_NOUNS)}")
    return (*OTHER_STORIES, *sorted(made))


def _ident(rng: random.Random, n: int = 6) -> str:
    return rng.choice(string.ascii_letters) + "".join(
        rng.choice(string.ascii_letters + string.digits + "_$") for _ in range(n - 1)
    )


def _css(rng: random.Random, site: str, rules: int) -> str:
    props = (
        "display:flex",
        "display:block",
        "margin:0 auto",
        "padding:0 12px",
        "color:#121212",
        "font-size:1.0625rem",
        "line-height:1.4",
        "border-top:1px solid #dcdcdc",
        "background-color:#f6f6f6",
        "position:relative",
        "max-width:620px",
        "grid-gap:20px",
        "font-family:GuardianTextSans,Helvetica Neue,Helvetica,Arial,sans-serif",
        "text-decoration:none",
        "box-sizing:border-box",
        "overflow:hidden",
        "z-index:2",
    )
    out = []
    for _ in range(rules):
        cls = f".{site[:3]}-{rng.randrange(16**6):06x}"
        media = rng.random() < 0.2
        body = ";".join(rng.sample(props, rng.randint(2, 6)))
        rule = f"{cls}{{{body}}}"
        out.append(
            f"@media (min-width:{rng.choice((740, 980, 1140, 1300))}px){{{rule}}}"
            if media
            else rule
        )
    return "<style>" + "".join(out) + "</style>\n"


def _js(rng: random.Random, size: int) -> str:
    parts = ["!function(){"]
    total = 0
    while total < size:
        a, b, c, d = (_ident(rng, rng.randint(1, 3)) for _ in range(4))
        chunk = (
            f"var {a}=function({b},{c}){{return {b}&&{b}.{_ident(rng, 5)}?{b}.{_ident(rng, 7)}"
            f"({c}):void 0}},{d}={{{_ident(rng, 4)}:{rng.randrange(10**6)},"
            f'"{_ident(rng, 8)}":"{rng.randbytes(6).hex()}"}};'
            f"function {_ident(rng, 8)}({b}){{for(var {c}=0;{c}<{b}.length;{c}++)"
            f"{a}({b}[{c}],{d});return {b}}}"
        )
        parts.append(chunk)
        total += len(chunk)
    parts.append("}();")
    return "<script>" + "".join(parts) + "</script>\n"


def _mega_menu(rng: random.Random, site: str, sections: int, links: int) -> str:
    cols = []
    for s in range(sections):
        topic = _TOPICS[s % len(_TOPICS)]
        items = "".join(
            f'<li class="menu-item menu-item-type-taxonomy"><a href="/{site}/{topic.lower()}/'
            f'{i}-{rng.randrange(10**5)}" data-link-name="nav : {topic.lower()} : {i}">'
            f"{esc(rng.choice(_TOPICS))} {esc(rng.choice(_NOUNS))}</a></li>"
            for i in range(links)
        )
        cols.append(
            f'<li class="menu-col"><button aria-expanded="false">{esc(topic)}</button>'
            f'<ul class="sub-menu">{items}</ul></li>'
        )
    return (
        f'<nav class="mega-menu" aria-label="All sections" id="{site}-mega">'
        f'<ul class="menu-cols">{"".join(cols)}</ul></nav>\n'
    )


def _sprite(rng: random.Random, icons: int) -> str:
    symbols = "".join(
        f'<symbol id="icon-{i}" viewBox="0 0 24 24"><path d="M'
        + " ".join(f"{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}" for _ in range(12))
        + 'z"/></symbol>'
        for i in range(icons)
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{symbols}</svg>\n'


def _footer(rng: random.Random, site: str) -> str:
    cols = "".join(
        '<ul class="footer-col">'
        + "".join(
            f'<li><a href="/{site}/info/{c}-{i}">{esc(rng.choice(_TOPICS))} '
            f"{esc(rng.choice(_FOOTER_WORDS))}</a></li>"
            for i in range(12)
        )
        + "</ul>"
        for c in range(5)
    )
    return f'<div class="footer-links" data-component="footer-links">{cols}</div>\n'


@dataclass(frozen=True)
class SiteChrome:
    """The parts of a site's pages that every page of it shares."""

    css: str
    js: str
    menu: str
    sprite: str
    footer: str

    @property
    def size(self) -> int:
        return sum(len(p) for p in (self.css, self.js, self.menu, self.sprite, self.footer))


#: Per site: (CSS rules, script bytes, menu sections, links per section, sprite icons).
_SHAPES = {
    "guardian": (150, 14_000, 10, 14, 30),
    "zerohedge": (110, 20_000, 7, 12, 16),
    "enr": (130, 10_000, 9, 14, 24),
    "jns": (140, 13_000, 9, 13, 28),
    "blog": (110, 13_000, 8, 12, 20),
}


@cache
def site_chrome(site: str) -> SiteChrome:
    rules, js, sections, links, icons = _SHAPES[site]
    rng = random.Random(f"chrome-{site}")
    return SiteChrome(
        _css(rng, site, rules),
        _js(rng, js),
        _mega_menu(rng, site, sections, links),
        _sprite(rng, icons),
        _footer(rng, site),
    )


def _state(ctx: PageContext, related: int) -> str:
    """The page's JSON state blob: the article again, related stories, ad config, request ids."""
    churn, v = ctx.churn, ctx.version
    rng = random.Random(f"state-{ctx.article.slug}")  # stable per article
    stories = other_headlines()
    items = [
        {
            "id": f"{ctx.source.prefix}/{rng.randrange(10**9)}",
            "headline": stories[rng.randrange(len(stories))],
            "url": f"{ctx.base_url}{ctx.source.prefix}/story/{rng.randrange(10**7)}",
            "image": {
                "src": f"https://i.example.org/img/{rng.randbytes(10).hex()}.jpg",
                "width": 1200,
                "height": 675,
                "srcset": ", ".join(
                    f"https://i.example.org/img/{w}/{rng.randbytes(6).hex()}.jpg {w}w"
                    for w in (140, 300, 460, 620, 940)
                ),
            },
            "section": rng.choice(_TOPICS),
            "trail": rng.choice(_NOUNS),
        }
        for _ in range(related)
    ]
    data = {
        "page": {
            "slug": ctx.article.slug,
            "headline": v.headline,
            "standfirst": v.standfirst,
            "byline": v.byline,
            "blocks": [{"type": "paragraph", "html": f"<p>{esc(p)}</p>"} for p in v.paragraphs],
            "published": ctx.article.published.isoformat(),
            "modified": ctx.modified.isoformat(),
        },
        "request": {
            "id": churn.token(8),
            "at": churn.now.isoformat(),
            "edge": f"edge-{churn.number(1, 60)}",
            "abTests": {f"test{i}": churn.rng.choice(("control", "variant")) for i in range(8)},
        },
        "ads": {
            "slots": [
                {"id": f"dfp-ad--{n}", "sizes": [[300, 250], [728, 90]], "refresh": churn.token(4)}
                for n in ("top", "right", "inline1", "inline2", "merch")
            ],
            "targeting": {"k": rng.sample(list(_TOPICS), 6), "pv": churn.token(6)},
        },
        "related": items,
    }
    return script_json(data)


def _ranked(ctx: PageContext, title: str, cls: str, k: int) -> str:
    churn = ctx.churn
    rows = "".join(
        f'<li class="{cls}__item"><span class="{cls}__rank">{i + 1}</span>'
        f'<a href="{ctx.source.prefix}/{cls}/{churn.number(10**5, 10**6)}">{esc(t)}</a> '
        f'<span class="{cls}__count">{churn.number(1, 900)}K reads</span></li>'
        for i, t in enumerate(churn.pick(other_headlines(), k))
    )
    head = f'<aside class="{cls}" data-component="{cls}"><h2>{esc(title)}</h2>'
    return f"{head}<ol>{rows}</ol></aside>\n"


def _ad(ctx: PageContext, slot: str) -> str:
    churn = ctx.churn
    return (
        f'<div class="ad-slot ad-slot--{slot}" id="ad-{slot}-{churn.token(4)}" '
        f'data-refresh="{churn.number(1, 10**6)}" aria-hidden="true">'
        '<span class="ad-slot__label">Advertisement</span>'
        f'<iframe title="ad" src="about:blank#{churn.token(6)}" width="300" height="250"></iframe>'
        "</div>\n"
    )


def dress(html: str, ctx: PageContext, target_bytes: int) -> str:
    """``html`` (a template's page) with the site's heavy chrome added, about ``target_bytes``."""
    site = site_chrome(ctx.source.name)
    churn = ctx.churn
    config = (
        f'<script>window.__CONFIG__={{"site":"{ctx.source.name}","rid":"{churn.token(8)}",'
        f'"ts":{int(churn.now.timestamp())},"edition":"{churn.rng.choice(("uk", "us", "intl"))}",'
        f'"consent":"{churn.token(12)}"}};</script>\n'
        f'<script async src="{ctx.source.prefix}/assets/app.{churn.token(4)}.js"></script>\n'
    )
    top = site.sprite + _ad(ctx, "top") + site.menu
    bottom = (
        _ranked(ctx, "Most read", "most-read", 10)
        + _ranked(ctx, "Recommended for you", "recommended", 8)
        + _ad(ctx, "merch")
        + _ad(ctx, "bottom")
        + site.footer
        + f'<img src="{ctx.source.prefix}/px.gif?r={churn.token(8)}" alt="" width="1" height="1">\n'
        + f'<script src="{ctx.source.prefix}/assets/analytics.js?v={churn.token(3)}" defer>'
        + "</script>\n"
    )
    head_fixed = site.css + site.js + config
    base = len(html) + len(head_fixed) + len(top) + len(bottom)
    related = max(0, (target_bytes - base - 3000) // 720 + 3)
    state = (
        f'<script type="application/json" id="{ctx.source.name}-state">'
        f"{_state(ctx, related)}</script>\n"
    )
    head = head_fixed + state
    at = html.index("</head>")
    html = html[:at] + head + html[at:]
    open_at = html.index(">", html.index("<body")) + 1
    html = html[:open_at] + "\n" + top + html[open_at:]
    close_at = html.rindex("</body>")
    return html[:close_at] + bottom + html[close_at:]


__all__ = ["LEVELS", "REALISM", "SiteChrome", "dress", "other_headlines", "site_chrome"]
