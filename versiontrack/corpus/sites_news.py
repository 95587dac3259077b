"""Three of the corpus site templates: the Guardian, ZeroHedge and the European Newsroom.

See ``versiontrack.corpus.templates`` for what each imitates. Every template prints the page's
``realism`` slots (``extras``) where its real site would put such things.
"""

# ruff: noqa: E501  (site chrome: long literal markup lines)

from __future__ import annotations

from datetime import timedelta, timezone

from versiontrack.corpus.markup import block, head, links
from versiontrack.corpus.model import Block
from versiontrack.corpus.realism import extras
from versiontrack.corpus.render import OTHER_STORIES, PageContext, attr, esc, script_json

# -- The Guardian ---------------------------------------------------------------------------


def guardian(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = []
    for n, item in enumerate(ctx.body()):
        if isinstance(item, Block):
            body.append(block(item, ctx))
            continue
        body.append(f'<p class="dcr-s3ycb2">{esc(item)}</p>\n')
        if n in (3, 11):
            slot = f"inline{1 if n == 3 else 2}"
            body.append(
                f'<figure id="{slot}" data-spacefinder-role="inline"><aside class="ad-slot-container '
                f'dcr-1o5h6zb"><div id="dfp-ad--{slot}" class="js-ad-slot ad-slot ad-slot--inline" '
                f'data-link-name="ad slot {slot}" data-refresh-id="{churn.token(6)}" '
                f'aria-hidden="true"><div class="ad-slot__label">Advertisement</div></div></aside>'
                "</figure>\n"
            )
    comments = churn.number(40, 3000)
    published = ctx.article.published.strftime("%a %d %b %Y %H.%M GMT")
    modified = ctx.modified.strftime("%a %d %b %Y %H.%M GMT")
    pillars = ["News", "Opinion", "Sport", "Culture", "Lifestyle"]
    sections = [
        "World",
        "Europe",
        "US",
        "Americas",
        "Asia",
        "Australia",
        "Middle East",
        "Africa",
        "Inequality",
        "Global development",
    ]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head(ctx, f"{v.headline} | World news | The Guardian")}<link rel="amphtml" href="{attr(ctx.base_url)}/guardian/amp{ctx.article.path.removeprefix("/guardian")}">
<script nonce="{churn.token()}">window.guardian = {{"config":{{"page":{{"pageId":"{ctx.article.path[10:]}","section":"world","isLive":false,"requestId":"{churn.token(8)}","pageUrl":{script_json(churn.request_path)},"abTests":{{"signInGate{churn.number(1, 9)}":"variant"}}}}}}}};</script>
<style>.dcr-s3ycb2{{font-family:GuardianTextEgyptian,serif}}.ad-slot__label{{font-size:12px}}</style>
</head>
<body>
<div id="bannerandheader">
<div class="cmp-container" role="dialog" aria-label="Privacy settings" data-cmp-id="{churn.token(4)}">
<p>We use cookies and similar technologies to give you a better experience, improve performance, analyse traffic and to personalise content.</p>
<button>Yes, I’m happy</button> <button>Manage or reject cookies</button>
</div>
<header data-component="header">
<a href="#maincontent" class="dcr-skip">Skip to main content</a>
<div class="dcr-date">{churn.now.strftime("%A %d %B %Y")}</div>
<a href="/guardian/support?REFPVID={churn.token(6)}">Support the Guardian</a> <a href="/guardian/signin">Sign in</a>
<nav aria-label="Guardian sections" data-component="nav2"><ul>{links(pillars, "/guardian/pillar/")}</ul>
<ul class="dcr-subnav">{links(sections, "/guardian/world/section/")}</ul></nav>
</header>
</div>
<main data-layout="StandardLayout">
<article class="dcr-1pd8i4l">
<div data-gu-name="title"><a href="/guardian/world" class="dcr-kind">World news</a></div>
<div data-gu-name="headline"><h1 class="dcr-y70mar">{esc(v.headline)}</h1></div>
<div data-gu-name="standfirst"><div class="dcr-1yi1cnj"><p>{esc(v.standfirst)}</p></div></div>
<div data-gu-name="meta">
<address aria-label="Contributor info" data-component="meta-byline"><a rel="author" href="/guardian/world/guardian-staff">{esc(v.byline)}</a></address>
<details class="dcr-1qd4ut9" data-gu-name="dateline"><summary>{published}</summary><span>Last modified on {modified}</span></details>
<div data-gu-name="comment-count"><a href="#comments" data-testid="comment-counts" aria-label="{comments} Comments">{comments}</a></div>
{extras(ctx, "top")}<div class="dcr-share"><button data-link-name="share">Share</button></div>
</div>
{extras(ctx, "before")}<div data-gu-name="body" id="maincontent" class="dcr-1l8acaa">
<div class="article-body-commercial-selector article-body-viewer-selector dcr-fp1ya">
{"".join(body)}{extras(ctx, "end")}</div>
{extras(ctx, "after")}<div data-gu-name="submeta"><span>Explore more on these topics</span><ul>{links(["North Korea", "Ukraine", "Russia", "Asia Pacific", "Europe"], "/guardian/world/topic-")}</ul>
<a href="/guardian/help/reuse">Reuse this content</a></div>
</div>
</article>
<section data-component="most-popular" data-link-name="most-viewed"><h2>Most viewed</h2>
<ol>{links(churn.pick(OTHER_STORIES, 10), "/guardian/most-viewed/")}</ol></section>
<section data-component="onwards-content"><h2>More on this story</h2>
<ul>{links(churn.pick(OTHER_STORIES, 4), "/guardian/onwards/")}</ul></section>
</main>
<footer data-component="footer"><ul>{links(["About us", "Contact us", "Complaints &amp; corrections", "Terms &amp; conditions", "Privacy policy", "Cookie policy"], "/guardian/info/")}</ul>
<small>© {churn.now.year} Guardian News &amp; Media Limited or its affiliated companies. All rights reserved. (dcr)</small></footer>
</body>
</html>
"""


# -- ZeroHedge ------------------------------------------------------------------------------

EASTERN = timezone(timedelta(hours=-4))  # US Eastern in October (EDT): the seed's dateline


def zerohedge(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = []
    for n, item in enumerate(ctx.body()):
        if isinstance(item, Block):
            body.append(block(item, ctx))
            continue
        body.append(f"<p>{esc(item)}</p>\n")
        if n == 2:
            body.append(
                '<div class="AdSlot_container__Lw1dT"><span class="AdSlot_label__ZxO1U">'
                f'Advertisement</span><div id="zh-inline-{churn.token(4)}"></div></div>\n'
            )
    dateline = ctx.article.published.astimezone(EASTERN).strftime("%a, %m/%d/%Y – %H:%M")
    ticker = "".join(
        f'<li><span>{name}</span> <span class="Ticker_change__{churn.token(2)}">'
        f"{churn.number(-250, 250) / 100:+.2f}%</span></li>"
        for name in ("S&amp;P Futures", "Nasdaq", "Gold", "WTI Crude", "10Y Yield", "Bitcoin")
    )
    build = "k7ZbmFVqd0rNP4Hc3YlL1"
    next_data = (
        '{"props":{"pageProps":{"nid":1253407,"type":"article","views":'
        f'{churn.number(20000, 400000)},"requestId":"{churn.token()}"}}}},"page":"/[...slug]",'
        f'"buildId":"{build}","isFallback":false,"gssp":true}}'
    )
    nav = [
        "Markets",
        "Political",
        "Economics",
        "Geopolitical",
        "Technology",
        "Crypto",
        "Energy",
        "Premium",
        "Store",
    ]
    return f"""<!DOCTYPE html><html lang="en"><head>
{head(ctx, f"{v.headline} | ZeroHedge", '<meta charSet="utf-8"/>')}<link rel="preload" href="/zerohedge/_next/static/css/{build}.css" as="style"/>
<script src="/zerohedge/_next/static/chunks/main-{build}.js" defer=""></script>
</head><body><div id="__next"><div class="Layout_container__qM4fO">
<header class="Header_header__vJ3xw"><a href="/zerohedge/" class="Header_logo__lBn8u">ZeroHedge</a>
<nav class="Header_nav__MHaY9"><ul>{links(nav, "/zerohedge/section/")}</ul></nav>
<div class="Header_user__p2Y1C"><a href="/zerohedge/user/login">Login</a> <a href="/zerohedge/premium">Subscribe</a></div>
<ul class="Ticker_ticker__rV3aG" data-updated="{churn.now.isoformat()}">{ticker}</ul>
</header>
<div class="BannerAd_container__mT0xQ"><span>Advertisement</span><div id="zh-banner-{churn.token(4)}"></div></div>
<main class="ArticleFull_container__bD7Yc">
<article class="ArticleFull_article__aLj3v">
<header class="ArticleFull_header__vbK1f"><h1 class="ArticleFull_title__9f3xS">{esc(v.headline)}</h1></header>
{extras(ctx, "top")}{extras(ctx, "before")}<div class="NodeContent_body__HBEFs NodeBody_container__eeFKv">
{"".join(body)}{extras(ctx, "end")}</div>
{extras(ctx, "after")}<footer class="ArticleFull_headerFooter__w4gcE">
<div class="ArticleFull_headerFooter__author__pYn3Z">{esc(v.byline)}</div>
<div class="ArticleFull_headerFooter__date__UKgsh">{dateline}</div>
</footer>
<div class="ArticleComments_container__hQ0s2"><button class="Button_btn__Yx5Fn">Comments ({churn.number(100, 2500)})</button>
<span class="ArticleComments_views__z7Q1b">{churn.number(20000, 400000):,} views</span></div>
</article>
<aside class="Trending_container__kP9zL"><h2>Trending Articles</h2><ol>{links(churn.pick(OTHER_STORIES, 5), "/zerohedge/trending/")}</ol></aside>
<aside class="PremiumPromo_box__Gj2Lq"><h3>Unlock Premium</h3><p class="PremiumPromo_copy__Uo7bJ">Get ad-free access and exclusive research.</p></aside>
</main>
<footer class="Footer_footer__w8JQ1"><ul>{links(["About", "Privacy", "Terms", "Contact", "Advertise"], "/zerohedge/page/")}</ul>
<p>Copyright ©2009-{churn.now.year} ZeroHedge.com/ABC Media, LTD</p></footer>
</div></div>
<script id="__NEXT_DATA__" type="application/json">{next_data}</script>
</body></html>
"""


# -- European Newsroom ----------------------------------------------------------------------


def enr(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = "".join(
        block(item, ctx) if isinstance(item, Block) else f"<p>{esc(item)}</p>\n"
        for item in ctx.body()
    )
    settings = (
        '{"path":{"baseUrl":"/enr/","currentPath":"node/41327","currentLanguage":"en",'
        f'"currentQuery":{{"r":"{churn.token(3)}"}}}},"ajaxPageState":{{"theme":"enr_theme",'
        f'"libraries":"{churn.token(12)}"}},"csrf_token":"{churn.token()}"}}'
    )
    languages = ["EN", "DE", "FR", "IT", "ES", "PL", "RO", "BG", "EL", "HR", "SL"]
    nav = [
        "Home",
        "Europe",
        "EU Policy",
        "Economy",
        "Climate",
        "Migration",
        "Media literacy",
        "About",
    ]
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr" prefix="og: https://ogp.me/ns#">
<head>
{head(ctx, f"{v.headline} | European Newsroom")}<link rel="shortlink" href="{attr(ctx.base_url)}/enr/node/41327">
<script type="application/json" data-drupal-selector="drupal-settings-json">{settings}</script>
<script src="/enr/core/misc/drupal.js?v={churn.token(3)}"></script>
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas" data-off-canvas-main-canvas>
<div id="klaro"><div class="cookie-notice"><p class="cn-body">This website uses cookies to analyse traffic and improve the service. You can choose which services to allow.</p><button class="cm-btn cm-btn-success">Accept all</button> <button class="cm-btn">Decline</button></div></div>
<header role="banner" class="site-header">
<a href="/enr/en" rel="home" class="site-logo">enr European Newsroom</a>
<ul class="language-switcher">{links(languages, "/enr/lang/")}</ul>
<nav role="navigation" aria-labelledby="block-main-menu"><h2 id="block-main-menu" class="visually-hidden">Main navigation</h2><ul class="menu">{links(nav, "/enr/en/menu/")}</ul></nav>
</header>
<main role="main"><a id="main-content" tabindex="-1"></a>
<div class="region region-content">
<article role="article" class="node node--type-article node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title field--type-string">{esc(v.headline)}</span></h1>
<div class="node__meta"><span class="field--name-created">{ctx.article.published.strftime("%d.%m.%Y %H:%M")}</span> <span class="views-counter">Viewed {churn.number(200, 9000)} times</span></div>
{extras(ctx, "top")}<div class="node__content clearfix">
<div class="field field--name-field-lead field--type-text-long"><p>{esc(v.standfirst)}</p></div>
{extras(ctx, "before")}<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field__item">
{body}{extras(ctx, "end")}</div>
{extras(ctx, "after")}<div class="field field--name-field-author"><p>Author: {esc(v.byline)}</p></div>
<div class="field field--name-field-translation"><p>{esc(ctx.article.credit)}</p></div>
<div class="field field--name-field-tags"><ul>{links(["North Korea", "Russia", "Ukraine", "NATO"], "/enr/en/tags/")}</ul></div>
</div>
</article>
<section class="block-related"><h2>Related articles</h2><ul>{links(churn.pick(OTHER_STORIES, 4), "/enr/en/related/")}</ul></section>
</div>
</main>
<footer role="contentinfo" class="site-footer"><p>The European Newsroom (enr) is a cooperation of European news agencies.</p>
<p>Co-funded by the European Union. Views and opinions expressed are those of the author(s) only.</p>
<p>© {churn.now.year} European Newsroom · Page generated {churn.now.strftime("%H:%M:%S")}</p></footer>
</div>
</body>
</html>
"""
