"""Markup every corpus site template shares: link lists, dates, ``<head>`` metadata, blocks.

``head`` also prints the page's ``realism`` features that live in ``<head>`` (per-request
metadata, nonces), so every template carries them the same way.
"""

from __future__ import annotations

from datetime import datetime

from versiontrack.corpus import realism
from versiontrack.corpus.model import Block
from versiontrack.corpus.render import PageContext, attr, esc, tweet


def links(items: list[str], href: str, cls: str = "") -> str:
    return "".join(
        f'<li{f" class={cls!r}" if cls else ""}><a href="{href}{i}">{esc(t)}</a></li>'
        for i, t in enumerate(items)
    )


def day(moment: datetime) -> str:
    """ "November 1, 2024", as WordPress prints dates."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def head(ctx: PageContext, title: str, charset_tag: str = '<meta charset="utf-8">') -> str:
    """The ``<head>`` metadata every news page carries; templates add their own scripts."""
    v = ctx.version
    modified = realism.modified_time(ctx).isoformat()
    author = realism.author_meta(ctx)
    ld: dict[str, object] = {"dateModified": modified}
    if author is None:  # such themes name the author in JSON-LD by reference only (Yoast)
        ld["author"] = {"@id": f"{ctx.base_url}/#/schema/person/{ctx.source.name}"}
    return (
        f"{charset_tag}\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<meta name="description" content="{attr(ctx.description)}">\n'
        + ("" if author is None else f'<meta name="author" content="{attr(author)}">\n')
        + f'<meta property="og:title" content="{attr(v.headline)}">\n'
        f'<meta property="og:description" content="{attr(ctx.description)}">\n'
        f'<meta property="og:url" content="{attr(ctx.canonical)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:site_name" content="{attr(ctx.source.title)}">\n'
        f'<meta property="article:published_time" content="{ctx.article.published.isoformat()}">\n'
        f'<meta property="article:modified_time" content="{modified}">\n'
        f'<meta name="twitter:card" content="summary_large_image">\n'
        f'<link rel="canonical" href="{attr(ctx.canonical)}">\n'
        f'<script type="application/ld+json">{ctx.json_ld(**ld)}</script>\n'
        + realism.extras(ctx, "head")
    )


def block(item: Block, ctx: PageContext, subhead_cls: str = "") -> str:
    """A ``Block`` of the article body as the site prints it."""
    if item.kind == "subhead":
        return f"<h2{f' class={subhead_cls!r}' if subhead_cls else ''}>{esc(item.text)}</h2>\n"
    if item.kind == "tweet":
        status = f"https://twitter.com/i/status/{ctx.churn.rng.randrange(10**18, 10**19)}"
        return tweet(item, status) + "\n"
    return (
        '<figure class="wp-block-image size-large">'
        f'<img src="{ctx.source.prefix}/wp-content/uploads/2024/11/clash.jpg" alt="" '
        'width="1024" height="576" loading="lazy">'
        f"<figcaption>{esc(item.text)}</figcaption></figure>\n"
    )
