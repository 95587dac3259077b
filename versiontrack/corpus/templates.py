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

The templates live in ``sites_news`` and ``sites_wp``, sharing ``markup``; what a page carries
beyond its site's own chrome (ad copy, volatile metadata, rotating blocks) is ``realism``.
"""

from __future__ import annotations

from collections.abc import Callable

from versiontrack.corpus.render import PageContext
from versiontrack.corpus.sites_news import enr, guardian, zerohedge
from versiontrack.corpus.sites_wp import blog, jns

Template = Callable[[PageContext], str]

TEMPLATES: dict[str, Template] = {
    "guardian": guardian,
    "zerohedge": zerohedge,
    "enr": enr,
    "jns": jns,
    "blog": blog,
}
