"""Two of the corpus site templates, both WordPress: JNS and the shop blog.

See ``versiontrack.corpus.templates`` for what each imitates. Every template prints the page's
``realism`` slots (``extras``) where its real site would put such things.
"""

# ruff: noqa: E501  (site chrome: long literal markup lines)

from __future__ import annotations

from versiontrack.corpus.markup import block, day, head, links
from versiontrack.corpus.model import Block
from versiontrack.corpus.realism import extras
from versiontrack.corpus.render import OTHER_STORIES, PageContext, attr, esc

# -- JNS ------------------------------------------------------------------------------------


def jns(ctx: PageContext) -> str:
    v, churn = ctx.version, ctx.churn
    body = []
    for n, item in enumerate(ctx.body()):
        if isinstance(item, Block):
            body.append(block(item, ctx, "wp-block-heading"))
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
    date = day(ctx.article.published)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
{head(ctx, f"{v.headline} - JNS.org", '<meta charset="UTF-8">')}<link rel="alternate" type="application/rss+xml" title="JNS.org » Feed" href="{attr(ctx.base_url)}/jns/feed/">
<link rel="https://api.w.org/" href="{attr(ctx.base_url)}/jns/wp-json/">
<link rel="shortlink" href="{attr(ctx.base_url)}/jns/?p=412873">
<script id="jns-ajax-js-extra">var jnsAjax = {ajax};</script>
<script src="/jns/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>
<body class="post-template-default single single-post postid-412873 single-format-standard">
<div class="gdpr-cookie-banner"><p>We use cookies to improve your experience on our site. By continuing you accept our use of cookies.</p><button>Accept</button></div>
<div id="page" class="site">
<header id="masthead" class="site-header">
<div class="top-bar"><span class="today">{churn.now:%A}, {day(churn.now)}</span> <a href="/jns/donate">Donate</a></div>
<div class="site-branding"><a href="/jns/" rel="home">JNS.org</a><p class="site-description">Jewish News Syndicate</p></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{links(nav, "/jns/category/")}</ul></nav>
<div class="breaking-ticker"><strong>Breaking</strong> <span>{esc(churn.pick(OTHER_STORIES, 1)[0])}</span> <em>Updated {minutes} minute{"s" if minutes > 1 else ""} ago</em></div>
</header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article id="post-412873" class="post-412873 post type-post status-publish format-standard has-post-thumbnail hentry category-world">
<header class="entry-header">
<div class="cat-links"><a href="/jns/category/world/" rel="category tag">World</a></div>
<h1 class="entry-title">{esc(v.headline)}</h1>
<div class="jns-subtitle">{esc(v.standfirst)}</div>
<div class="entry-meta"><span class="byline">By <span class="author vcard"><a class="url fn n" href="/jns/author/jns-staff/">{esc(v.byline)}</a></span></span> <time class="entry-date published" datetime="{ctx.article.published.isoformat()}">{date}</time><time class="updated" datetime="{ctx.modified.isoformat()}"></time></div>
{extras(ctx, "top")}</header>
{extras(ctx, "before")}<div class="entry-content">
{"".join(body)}{extras(ctx, "end")}</div>
{extras(ctx, "after")}<footer class="entry-footer"><span class="tags-links">{links(["North Korea", "Russia", "Ukraine", "Volodymyr Zelensky"], "/jns/tag/")}</span>
<div class="share">Share: <a href="#fb">Facebook</a> <a href="#x">X</a> <a href="#mail">Email</a></div></footer>
</article>
<div id="comments" class="comments-area"><p class="no-comments">Comments are closed.</p></div>
<section class="related-posts"><h2>Related</h2><ul>{links(churn.pick(OTHER_STORIES, 3), "/jns/related/")}</ul></section>
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
        block(item, ctx) if isinstance(item, Block) else f"<p>{esc(item)}</p>\n"
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
{head(ctx, f"{v.headline} | Contrarian Investor", '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">')}<script id="wc-cart-fragments-js-extra">var wc_cart_fragments_params = {fragments};</script>
<link rel="stylesheet" id="woocommerce-general-css" href="/blog/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver={churn.token(3)}" media="all">
</head>
<body class="post-template-default single single-post theme-contrarian woocommerce-js">
<a id="top"></a>
<div class="shop-bar"><a href="/blog/checkout/">Checkout</a>
<a class="cart-contents" href="/blog/cart/" title="View your shopping cart">Cart: {cart}</a></div>
<header class="site-header"><div class="site-title"><a href="/blog/">Contrarian Investor</a></div>
<p class="site-description">Markets, money and the books that explain them</p>
<nav class="main-navigation"><ul>{links(nav, "/blog/menu/")}</ul></nav></header>
<div id="content" class="site-content"><main id="main" class="site-main">
<article class="post type-post status-publish format-standard hentry category-geopolitics">
<header class="entry-header"><h1 class="entry-title">{esc(v.headline)}</h1>
<div class="entry-meta">Posted on <time class="entry-date" datetime="{ctx.article.published.isoformat()}">{day(ctx.article.published)}</time> by <span class="author vcard">{esc(v.byline)}</span> · <a href="#comments">{churn.number(0, 80)} Comments</a></div>
{extras(ctx, "top")}</header>
{extras(ctx, "before")}<div class="entry-content">
{body}{extras(ctx, "end")}<div class="sharedaddy sd-block sd-like jetpack-likes-widget-wrapper" id="like-post-wrapper-{churn.number(10**8, 10**9)}"><h3 class="sd-title">Like this:</h3><div class="likes-widget-placeholder post-likes-widget-placeholder"><span class="button"><span>Like</span></span> <span class="loading">Loading…</span></div></div>
<div class="widget book-promo"><h4 class="widget-title">INVESTING BOOKS</h4><ul class="products">{books}</ul></div>
<div class="mailpoet_form" id="mailpoet_form_1"><p class="mailpoet_paragraph">Be the first to know when NEW books are released!</p>
<form method="post"><input type="email" name="data[email]" placeholder="Email Address"><input type="hidden" name="token" value="{churn.token(5)}"><input type="submit" value="Subscribe"></form>
<p class="mailpoet_paragraph">We don’t spam! Read our <a href="/blog/privacy-policy/">privacy policy</a> for more info.</p></div>
</div>
{extras(ctx, "after")}</article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Write a Reply or Comment:</h3>
<form action="/blog/wp-comments-post.php" method="post"><textarea name="comment"></textarea><input type="hidden" name="akismet_comment_nonce" value="{churn.token(5)}"><input type="submit" value="Post Comment"></form></div></div>
</main>
<aside class="widget-area"><section class="widget"><h2 class="widget-title">Top Posts &amp; Pages</h2><ul>{top_posts}</ul></section>
<section class="widget"><h2 class="widget-title">Recent Posts</h2><ul>{links(churn.pick(OTHER_STORIES, 4), "/blog/recent/")}</ul></section></aside>
</div>
<footer class="site-footer"><a href="#top" class="back-to-top">Back to top</a><p>© {churn.now.year} Contrarian Investor · Not investment advice.</p></footer>
</body>
</html>
"""
