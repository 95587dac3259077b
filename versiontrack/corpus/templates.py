"""The five page templates, one per corpus source, each built the way its real site is.

* ``guardian``: the Guardian's DCR layout: ``data-gu-name`` sections inside ``<article>``,
  consent banner, pillar navigation, inline ad slots, "Most viewed".
* ``zerohedge``: a Next.js page: ``#__next``, hashed CSS-module class names, market ticker,
  tweet embed, author and date after the body, ``__NEXT_DATA__``.
* ``enr``: a Drupal node: ``field--name-*`` wrappers, the standfirst as a ``<p>`` in a lead
  field, ``<h2>`` subheads, "Author:" and translation credit after the body, Klaro consent.
* ``jns``: a WordPress news theme: ``entry-content``, subtitle, tweet embed, newsletter box
  inside the content, "Comments are closed.", trending sidebar.
* ``blog``: a WordPress shop blog: WooCommerce cart counter, Getty caption, Jetpack "Loading…",
  book promo and MailPoet form inside the content, comment form, "Back to top".

Only the article's own text comes from the version; everything else is chrome, and whatever
changes per request comes from ``ctx.churn``. Where a seed caught site boilerplate, the template
prints those exact lines (``articles.BOILERPLATE``), in the place the real site has them.
"""

# ruff: noqa: E501  (site chrome: long literal markup lines)

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from versiontrack.corpus.model import Block
from versiontrack.corpus.render import OTHER_STORIES, PageContext, attr, esc, script_json, tweet

Template = Callable[[PageContext], str]


def _list(items: list[str], href: str, cls: str = "") -> str:
    return "".join(
        f'<li{f" class={cls!r}" if cls else ""}><a href="{href}{i}">{esc(t)}</a></li>'
        for i, t in enumerate(items)
    )


def _day(moment: datetime) -> str:
    """ "November 1, 2024", as WordPress prints dates."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def _head(ctx: PageContext, title: str, charset_tag: str = '<meta charset="utf-8">') -> str:
    """The ``<head>`` metadata every news page carries; templates add their own scripts."""
    v = ctx.version
    return (
        f"{charset_tag}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="description" content="{attr(ctx.description)}">\n'
        f'<meta name="author" content="{attr(v.byline)}">\n'
        f'<meta property="og:title" content="{attr(v.headline)}">\n'
        f'<meta property="og:description" content="{attr(ctx.description)}">\n'
        f'<meta property="og:url" content="{attr(ctx.canonical)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{attr(ctx.source.title)}">\n'
        f'<meta property="article:published_time" content="{ctx.article.published.isoformat()}">\n'
        f'<meta property="article:modified_time" content="{ctx.modified.isoformat()}">\n'
        f'<meta name="twitter:card" content="summary_large_image">\n'
        f'<link rel="canonical" href="{attr(ctx.canonical)}">\n'
        f'<script type="application/ld+json">{ctx.json_ld()}</script>\n'
    )


def _block(block: Block, ctx: PageContext, subhead_cls: str = "") -> str:
    if block.kind == "subhead":
        return f"<h2{f' class={subhead_cls!r}' if subhead_cls else ''}>{esc(block.text)}</h2>\n"
    if block.kind == "tweet":
        status = f"https://twitter.com/i/status/{ctx.churn.rng.randrange(10**18, 10**19)}"
        return tweet(block, status) + "\n"
    return (
        '<figure class="wp-block-image size-large">'
        f'<img src="{ctx.source.prefix}/wp-content/uploads/2024/11/clash.jpg" alt="" '
        'width="1024" height="576" loading="lazy">'
        f"<figcaption>{esc(block.text)}</figcaption></figure>\n"
    )


# -- The Guardian ---------------------------------------------------------------------------


def guardian(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = []
    for n, item in enumerate(ctx.body()):
        if isinstance(item, Block):
            body.append(_block(item, ctx))
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
{_head(ctx, f"{v.headline} | World news | The Guardian")}<link rel="amphtml" href="{attr(ctx.base_url)}/guardian/amp{ctx.article.path.removeprefix("/guardian")}">
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
<nav aria-label="Guardian sections" data-component="nav2"><ul>{_list(pillars, "/guardian/pillar/")}</ul>
<ul class="dcr-subnav">{_list(sections, "/guardian/world/section/")}</ul></nav>
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
<div class="dcr-share"><button data-link-name="share">Share</button></div>
</div>
<div data-gu-name="body" id="maincontent" class="dcr-1l8acaa">
<div class="article-body-commercial-selector article-body-viewer-selector dcr-fp1ya">
{"".join(body)}</div>
<div data-gu-name="submeta"><span>Explore more on these topics</span><ul>{_list(["North Korea", "Ukraine", "Russia", "Asia Pacific", "Europe"], "/guardian/world/topic-")}</ul>
<a href="/guardian/help/reuse">Reuse this content</a></div>
</div>
</article>
<section data-component="most-popular" data-link-name="most-viewed"><h2>Most viewed</h2>
<ol>{_list(churn.pick(OTHER_STORIES, 10), "/guardian/most-viewed/")}</ol></section>
<section data-component="onwards-content"><h2>More on this story</h2>
<ul>{_list(churn.pick(OTHER_STORIES, 4), "/guardian/onwards/")}</ul></section>
</main>
<footer data-component="footer"><ul>{_list(["About us", "Contact us", "Complaints &amp; corrections", "Terms &amp; conditions", "Privacy policy", "Cookie policy"], "/guardian/info/")}</ul>
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
            body.append(_block(item, ctx))
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
{_head(ctx, f"{v.headline} | ZeroHedge", '<meta charSet="utf-8"/>')}<link rel="preload" href="/zerohedge/_next/static/css/{build}.css" as="style"/>
<script src="/zerohedge/_next/static/chunks/main-{build}.js" defer=""></script>
</head><body><div id="__next"><div class="Layout_container__qM4fO">
<header class="Header_header__vJ3xw"><a href="/zerohedge/" class="Header_logo__lBn8u">ZeroHedge</a>
<nav class="Header_nav__MHaY9"><ul>{_list(nav, "/zerohedge/section/")}</ul></nav>
<div class="Header_user__p2Y1C"><a href="/zerohedge/user/login">Login</a> <a href="/zerohedge/premium">Subscribe</a></div>
<ul class="Ticker_ticker__rV3aG" data-updated="{churn.now.isoformat()}">{ticker}</ul>
</header>
<div class="BannerAd_container__mT0xQ"><span>Advertisement</span><div id="zh-banner-{churn.token(4)}"></div></div>
<main class="ArticleFull_container__bD7Yc">
<article class="ArticleFull_article__aLj3v">
<header class="ArticleFull_header__vbK1f"><h1 class="ArticleFull_title__9f3xS">{esc(v.headline)}</h1></header>
<div class="NodeContent_body__HBEFs NodeBody_container__eeFKv">
{"".join(body)}</div>
<footer class="ArticleFull_headerFooter__w4gcE">
<div class="ArticleFull_headerFooter__author__pYn3Z">{esc(v.byline)}</div>
<div class="ArticleFull_headerFooter__date__UKgsh">{dateline}</div>
</footer>
<div class="ArticleComments_container__hQ0s2"><button class="Button_btn__Yx5Fn">Comments ({churn.number(100, 2500)})</button>
<span class="ArticleComments_views__z7Q1b">{churn.number(20000, 400000):,} views</span></div>
</article>
<aside class="Trending_container__kP9zL"><h2>Trending Articles</h2><ol>{_list(churn.pick(OTHER_STORIES, 5), "/zerohedge/trending/")}</ol></aside>
<aside class="PremiumPromo_box__Gj2Lq"><h3>Unlock Premium</h3><p class="PremiumPromo_copy__Uo7bJ">Get ad-free access and exclusive research.</p></aside>
</main>
<footer class="Footer_footer__w8JQ1"><ul>{_list(["About", "Privacy", "Terms", "Contact", "Advertise"], "/zerohedge/page/")}</ul>
<p>Copyright ©2009-{churn.now.year} ZeroHedge.com/ABC Media, LTD</p></footer>
</div></div>
<script id="__NEXT_DATA__" type="application/json">{next_data}</script>
</body></html>
"""


# -- European Newsroom ----------------------------------------------------------------------


def enr(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = "".join(
        _block(item, ctx) if isinstance(item, Block) else f"<p>{esc(item)}</p>\n"
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
{_head(ctx, f"{v.headline} | European Newsroom")}<link rel="shortlink" href="{attr(ctx.base_url)}/enr/node/41327">
<script type="application/json" data-drupal-selector="drupal-settings-json">{settings}</script>
<script src="/enr/core/misc/drupal.js?v={churn.token(3)}"></script>
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas" data-off-canvas-main-canvas>
<div id="klaro"><div class="cookie-notice"><p class="cn-body">This website uses cookies to analyse traffic and improve the service. You can choose which services to allow.</p><button class="cm-btn cm-btn-success">Accept all</button> <button class="cm-btn">Decline</button></div></div>
<header role="banner" class="site-header">
<a href="/enr/en" rel="home" class="site-logo">enr European Newsroom</a>
<ul class="language-switcher">{_list(languages, "/enr/lang/")}</ul>
<nav role="navigation" aria-labelledby="block-main-menu"><h2 id="block-main-menu" class="visually-hidden">Main navigation</h2><ul class="menu">{_list(nav, "/enr/en/menu/")}</ul></nav>
</header>
<main role="main"><a id="main-content" tabindex="-1"></a>
<div class="region region-content">
<article role="article" class="node node--type-article node--view-mode-full">
<h1 class="page-title"><span class="field field--name-title field--type-string">{esc(v.headline)}</span></h1>
<div class="node__meta"><span class="field--name-created">{ctx.article.published.strftime("%d.%m.%Y %H:%M")}</span> <span class="views-counter">Viewed {churn.number(200, 9000)} times</span></div>
<div class="node__content clearfix">
<div class="field field--name-field-lead field--type-text-long"><p>{esc(v.standfirst)}</p></div>
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field__item">
{body}</div>
<div class="field field--name-field-author"><p>Author: {esc(v.byline)}</p></div>
<div class="field field--name-field-translation"><p>{esc(ctx.article.credit)}</p></div>
<div class="field field--name-field-tags"><ul>{_list(["North Korea", "Russia", "Ukraine", "NATO"], "/enr/en/tags/")}</ul></div>
</div>
</article>
<section class="block-related"><h2>Related articles</h2><ul>{_list(churn.pick(OTHER_STORIES, 4), "/enr/en/related/")}</ul></section>
</div>
</main>
<footer role="contentinfo" class="site-footer"><p>The European Newsroom (enr) is a cooperation of European news agencies.</p>
<p>Co-funded by the European Union. Views and opinions expressed are those of the author(s) only.</p>
<p>© {churn.now.year} European Newsroom · Page generated {churn.now.strftime("%H:%M:%S")}</p></footer>
</div>
</body>
</html>
"""


# -- JNS ------------------------------------------------------------------------------------


def jns(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = []
    for n, item in enumerate(ctx.body()):
        if isinstance(item, Block):
            body.append(_block(item, ctx, "wp-block-heading"))
            continue
        body.append(f"<p>{esc(item)}</p>\n")
        if n == 4:
            body.append(
                '<div class="jns-inline-ad"><span class="ad-label">Advertisement</span>'
                f'<div id="div-gpt-ad-{churn.number(10**12, 10**13)}-0"></div></div>\n'
            )
        if n == 9:
            body.append(
                '<div class="newsletter-signup"><h3>Subscribe to The JNS Daily Syndicate by '
                'email and never miss our top stories</h3><form action="/jns/subscribe" '
                f'method="post"><input type="hidden" name="_wpnonce" value="{churn.token(5)}">'
                '<input type="email" name="email" placeholder="Your email address">'
                "<button>Subscribe</button></form></div>\n"
            )
    trending = "".join(
        f'<li><a href="/jns/trending/{i}">{esc(t)}</a> <span class="views">{churn.number(1, 90)}K views</span></li>'
        for i, t in enumerate(churn.pick(OTHER_STORIES, 5))
    )
    minutes = churn.number(1, 59)
    ajax = f'{{"ajax_url":"\\/jns\\/wp-admin\\/admin-ajax.php","nonce":"{churn.token(5)}"}}'
    nav = [
        "Israel",
        "World",
        "U.S.",
        "Opinion",
        "Jewish Life",
        "Antisemitism",
        "Video",
        "Podcasts",
        "Subscribe",
        "Donate",
    ]
    date = _day(ctx.article.published)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
{_head(ctx, f"{v.headline} - JNS.org", '<meta charset="UTF-8">')}<link rel="alternate" type="application/rss+xml" title="JNS.org » Feed" href="{attr(ctx.base_url)}/jns/feed/">
<link rel="https://api.w.org/" href="{attr(ctx.base_url)}/jns/wp-json/">
<link rel="shortlink" href="{attr(ctx.base_url)}/jns/?p=412873">
<script id="jns-ajax-js-extra">var jnsAjax = {ajax};</script>
<script src="/jns/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="post-template-default single single-post postid-412873 single-format-standard">
<div class="gdpr-cookie-banner"><p>We use cookies to improve your experience on our site. By continuing you accept our use of cookies.</p><button>Accept</button></div>
<div id="page" class="site">
<header id="masthead" class="site-header">
<div class="top-bar"><span class="today">{churn.now:%A}, {_day(churn.now)}</span> <a href="/jns/donate">Donate</a></div>
<div class="site-branding"><a href="/jns/" rel="home">JNS.org</a><p class="site-description">Jewish News Syndicate</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{_list(nav, "/jns/category/")}</ul></nav>
<div class="breaking-ticker"><strong>Breaking</strong> <span>{esc(churn.pick(OTHER_STORIES, 1)[0])}</span> <em>Updated {minutes} minute{"s" if minutes > 1 else ""} ago</em></div>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-412873" class="post-412873 post type-post status-publish format-standard has-post-thumbnail hentry category-world">
<header class="entry-header">
<div class="cat-links"><a href="/jns/category/world/" rel="category tag">World</a></div>
<h1 class="entry-title">{esc(v.headline)}</h1>
<div class="jns-subtitle">{esc(v.standfirst)}</div>
<div class="entry-meta"><span class="byline">By <span class="author vcard"><a class="url fn n" href="/jns/author/jns-staff/">{esc(v.byline)}</a></span></span> <time class="entry-date published" datetime="{ctx.article.published.isoformat()}">{date}</time><time class="updated" datetime="{ctx.modified.isoformat()}"></time></div>
</header>
<div class="entry-content">
{"".join(body)}</div>
<footer class="entry-footer"><span class="tags-links">{_list(["North Korea", "Russia", "Ukraine", "Volodymyr Zelensky"], "/jns/tag/")}</span>
<div class="share">Share: <a href="#fb">Facebook</a> <a href="#x">X</a> <a href="#mail">Email</a></div></footer>
</article>
<div id="comments" class="comments-area"><p class="no-comments">Comments are closed.</p></div>
<section class="related-posts"><h2>Related</h2><ul>{_list(churn.pick(OTHER_STORIES, 3), "/jns/related/")}</ul></section>
</main></div>
<aside id="secondary" class="widget-area"><section class="widget trending"><h2 class="widget-title">Trending</h2><ol>{trending}</ol></section></aside>
</div>
<footer id="colophon" class="site-footer"><p>© {churn.now.year} JNS.org – Jewish News Syndicate. All rights reserved.</p></footer>
</div>
<script id="wp-emoji-settings" type="application/json">{{"baseUrl":"\\/jns\\/emoji","ver":"{churn.token(4)}"}}</script>
</body>
</html>
"""


# -- The shop blog --------------------------------------------------------------------------


def blog(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = "".join(
        _block(item, ctx) if isinstance(item, Block) else f"<p>{esc(item)}</p>\n"
        for item in ctx.body()
    )
    items = churn.number(0, 3)
    cart = f"${items * 19.99:.2f} - ({items} item{'' if items == 1 else 's'} )"
    books = "".join(
        f'<li class="product"><a href="/blog/product/{i}">{esc(t)}</a> '
        f'<span class="price">${p}</span></li>'
        for i, (t, p) in enumerate(
            [
                ("The Gold Standard Handbook", "24.95"),
                ("Crisis Investing, Revised", "19.99"),
                ("Bonds for Skeptics", "14.50"),
            ]
        )
    )
    fragments = f'{{"ajax_url":"\\/blog\\/wp-admin\\/admin-ajax.php","cart_hash_key":"wc_cart_hash_{churn.token(8)}","fragment_name":"wc_fragments_{churn.token(8)}"}}'
    top_posts = "".join(
        f'<li><a href="/blog/top/{i}">{esc(t)}</a> ({churn.number(50, 5000)} views)</li>'
        for i, t in enumerate(churn.pick(OTHER_STORIES, 5))
    )
    nav = ["Home", "Markets", "Gold &amp; Silver", "Crypto", "Books", "Shop", "About", "Contact"]
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
{_head(ctx, f"{v.headline} | Contrarian Investor", '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">')}<script id="wc-cart-fragments-js-extra">var wc_cart_fragments_params = {fragments};</script>
<link rel="stylesheet" id="woocommerce-general-css" href="/blog/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver={churn.token(3)}" media="all">
</head>
<body class="post-template-default single single-post theme-contrarian woocommerce-js">
<a id="top"></a>
<div class="shop-bar"><a href="/blog/checkout/">Checkout</a>
<a class="cart-contents" href="/blog/cart/" title="View your shopping cart">Cart: {cart}</a></div>
<header class="site-header"><div class="site-title"><a href="/blog/">Contrarian Investor</a></div>
<p class="site-description">Markets, money and the books that explain them</p>
<nav class="main-navigation"><ul>{_list(nav, "/blog/menu/")}</ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main">
<article class="post type-post status-publish format-standard hentry category-geopolitics">
<header class="entry-header"><h1 class="entry-title">{esc(v.headline)}</h1>
<div class="entry-meta">Posted on <time class="entry-date" datetime="{ctx.article.published.isoformat()}">{_day(ctx.article.published)}</time> by <span class="author vcard">{esc(v.byline)}</span> · <a href="#comments">{churn.number(0, 80)} Comments</a></div></header>
<div class="entry-content">
{body}<div class="sharedaddy sd-block sd-like jetpack-likes-widget-wrapper" id="like-post-wrapper-{churn.number(10**8, 10**9)}"><h3 class="sd-title">Like this:</h3><div class="likes-widget-placeholder post-likes-widget-placeholder"><span class="button"><span>Like</span></span> <span class="loading">Loading…</span></div></div>
<div class="widget book-promo"><h4 class="widget-title">INVESTING BOOKS</h4><ul class="products">{books}</ul></div>
<div class="mailpoet_form" id="mailpoet_form_1"><p class="mailpoet_paragraph">Be the first to know when NEW books are released!</p>
<form method="post"><input type="email" name="data[email]" placeholder="Email Address"><input type="hidden" name="token" value="{churn.token(5)}"><input type="submit" value="Subscribe"></form>
<p class="mailpoet_paragraph">We don’t spam! Read our <a href="/blog/privacy-policy/">privacy policy</a> for more info.</p></div>
</div>
</article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Write a Reply or Comment:</h3>
<form action="/blog/wp-comments-post.php" method="post"><textarea name="comment"></textarea><input type="hidden" name="akismet_comment_nonce" value="{churn.token(5)}"><input type="submit" value="Post Comment"></form></div></div>
</main>
<aside class="widget-area"><section class="widget"><h2 class="widget-title">Top Posts &amp; Pages</h2><ul>{top_posts}</ul></section>
<section class="widget"><h2 class="widget-title">Recent Posts</h2><ul>{_list(churn.pick(OTHER_STORIES, 4), "/blog/recent/")}</ul></section></aside>
</div>
<footer class="site-footer"><a href="#top" class="back-to-top">Back to top</a><p>© {churn.now.year} Contrarian Investor · Not investment advice.</p></footer>
</body>
</html>
"""


TEMPLATES: dict[str, Template] = {
    "guardian": guardian,
    "zerohedge": zerohedge,
    "enr": enr,
    "jns": jns,
    "blog": blog,
}
