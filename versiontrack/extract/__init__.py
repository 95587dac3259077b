"""The extraction stage: HTML bytes → ``Extracted`` (headline, standfirst, byline, body paragraphs).

The package owns everything between a fetched page and its raw article text; this module is
the stage itself (``extract``) and the version of its rules (``EXTRACTOR_VERSION``). The parts,
each in its own module: ``decode`` (is it HTML, which encoding), ``unread`` and ``markup``
(what is never read, our repairs to the markup), ``select`` (a source's CSS selector and
``ignore`` patterns), ``reading`` (trafilatura's reading, flattened to paragraphs), ``rules``
and ``boilerplate`` (our boilerplate lines as data, and applying them), ``metadata`` (headline,
standfirst, byline, canonical URL). It is pure: no I/O, no settings. Whitespace is only folded
here; Unicode normalisation and sentences belong to ``text``.

A source's own overrides (``Source.selector`` and ``Source.ignore``) arrive as arguments: a CSS
selector naming the body, read directly instead of trafilatura's guess, and regexes for the
site's own lines to drop, applied along with the boilerplate rules.
"""

from __future__ import annotations

from collections.abc import Sequence

import lxml.html
import trafilatura
import trafilatura.utils
from lxml import etree

from versiontrack.domain import Extracted
from versiontrack.errors import EmptyArticle, ExtractionError, NotHTML
from versiontrack.extract import decode
from versiontrack.extract.boilerplate import _drop_boilerplate
from versiontrack.extract.markup import _prepare
from versiontrack.extract.metadata import (
    _canonical,
    _evident_byline,
    _first,
    _h1,
    _key,
    _lede,
    _meta,
    _NearHeadline,
    _shown,
    _strip_repeats,
    _strip_site_name,
    _title_part_in_body,
    _trafilatura_metadata,
)
from versiontrack.extract.reading import _fuller, _merged, _reading, _thin
from versiontrack.extract.restore import _restore
from versiontrack.extract.select import _compiled, _selected_paragraphs, _selector
from versiontrack.text import fold

#: Identifies the extraction rules; stored with each version so a change of rules (ours: the
#: ``+vtN`` suffix, bumped whenever the boilerplate table or flattening changes) is explainable.
EXTRACTOR_VERSION: str = f"trafilatura-{trafilatura.__version__}+vt9"

__all__ = ["EXTRACTOR_VERSION", "HTML_CLASSES", "extract"]

#: Every element of a parsed page an ``lxml.html`` class, chosen in C: lxml.html's own lookup
#: calls Python for each element it hands out, to give form controls classes of their own
#: that nothing here uses (about 7% of an extraction, a fifth of a fingerprint). Trafilatura's
#: parser, which parses every page ``extract`` reads, chooses them so too.
HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml.html.HtmlElement,
    comment=lxml.html.HtmlComment,
    pi=lxml.html.HtmlProcessingInstruction,
    entity=lxml.html.HtmlEntity,
)
trafilatura.utils.HTML_PARSER.set_element_class_lookup(HTML_CLASSES)


def extract(
    html: bytes,
    url: str | None = None,
    *,
    selector: str | None = None,
    ignore: Sequence[str] = (),
) -> Extracted:
    """Extract the article from a page's raw bytes.

    ``selector`` (a source's CSS selector for its article body) is tried first: when it matches
    elements with text, the body is read from those, in document order; when it matches
    nothing, or only elements without text, the page goes to trafilatura as without one. Headline,
    standfirst, byline and canonical URL always come from the whole page. ``ignore`` holds
    regexes: a body paragraph any of them finds is dropped, as boilerplate is.

    Raises ``NotHTML`` when the bytes are not an HTML page, ``EmptyArticle`` when no body
    paragraph survives, and ``ExtractionError`` when the extractor itself fails on the page.
    A selector or pattern that does not compile is the caller's error (``ValueError`` or
    ``re.error``), raised before the page is looked at; settings validate both at start-up.
    """
    if isinstance(ignore, str):  # a str is a Sequence[str] too: one letter per pattern
        raise TypeError("ignore must be a sequence of patterns, not one string")
    select = _selector(selector) if selector else None
    patterns = _compiled(tuple(ignore))
    decode._sniff(html)
    # trafilatura gets the text we decoded deterministically (see decode), parsed as its own
    # loader parses it, so that our metadata reads and its extraction see the same tree
    tree = decode.parse(html)
    if tree is None:
        raise NotHTML("the document does not parse as an HTML page")
    try:
        # the selector runs first, on the page as served: it was written against that markup
        # (after _prepare, the <td>s of a layout table are <div>s)
        found = _selected_paragraphs(tree, select) if select is not None else []
        _prepare(tree)
        # trafilatura's metadata, read once here: its readings are asked for the body alone
        document = _trafilatura_metadata(tree, url)
        if not found:
            found = _reading(tree, url, precise=True)
            if _thin(found, tree):
                # precision mode dropped part of the article (seen on live blogs and
                # galleries): an edit there would go unseen, so take the fuller reading
                more = _reading(tree, url, precise=False)
                if _fuller(found, more):
                    found = _merged(found, more)
            found = _restore(tree, found)
    except Exception as exc:
        # A hostile page must fail this one check, never the pass: whatever trafilatura or
        # lxml raise on it becomes an ExtractionError.
        raise ExtractionError(f"extractor failed: {exc!r}") from exc
    if not found:
        raise EmptyArticle("no article body found")

    og_title = _meta(tree, "og:title")
    title = fold(" ".join(tree.xpath("//head//title//text()")))
    h1 = _h1(tree, (og_title, title))
    headline = _strip_site_name(
        _first((og_title, h1, document.title, title)),
        h1,
        (_meta(tree, "og:site_name", "application-name"), document.sitename or ""),
    )
    standfirst = _shown(
        tree,
        _first(
            (
                document.description,
                _meta(tree, "og:description", "description", "twitter:description"),
            )
        ),
    )
    near = _NearHeadline(tree, found)  # read once, as far as needed, for either candidate
    byline = _evident_byline(fold(document.author or ""), near.shows) or _evident_byline(
        _meta(tree, "author", "article:author", "parsely-author", "sailthru.author"), near.shows
    )

    paragraphs = _drop_boilerplate(found, patterns)
    if not og_title and not h1:
        headline = _title_part_in_body(title, headline, paragraphs)
    repeated = _key(standfirst)
    if standfirst and repeated in {_key(p) for p in paragraphs}:
        # the text is read twice, as the standfirst and as a body paragraph (not always the
        # first: a caption may come before it); kept twice, one edit would show as two changes
        if _lede(tree, standfirst):
            # the description copies a paragraph the page shows among the article's: body
            # text, and no standfirst of its own
            standfirst = ""
        else:
            # the page shows it apart, as a dek: the body's copy is that element read again
            paragraphs = [p for p in paragraphs if _key(p) != repeated]
    paragraphs = _strip_repeats(paragraphs, headline, standfirst, byline)
    if not paragraphs:
        raise EmptyArticle("no article body found")
    return Extracted(
        headline=headline,
        standfirst=standfirst,
        byline=byline,
        paragraphs=tuple(paragraphs),
        canonical_url=_canonical(tree, url),
    )
