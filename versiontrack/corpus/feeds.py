"""Each source's feed at a given step, in the source's own format: RSS 2.0, Atom 1.0 or RSS 1.0.

A feed lists the source's articles that are not gone at that step, titled with the headline
then served. Feeds carry no per-request churn, so a feed body (and the ETag the server derives
from it) changes only when the step changes something the feed shows. Item links of sources
with ``tracking`` carry ``?utm_source=rss&utm_medium=feed``; guids never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from versiontrack.corpus.model import Corpus, CorpusArticle, CorpusSource, CorpusVersion

TRACKING_QUERY = "utm_source=rss&utm_medium=feed"

CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=UTF-8",
}


@dataclass(frozen=True)
class _Item:
    article: CorpusArticle
    version: CorpusVersion
    link: str
    guid: str
    permalink: bool

    @property
    def updated(self) -> datetime:
        return self.version.modified or self.article.published

    @property
    def summary(self) -> str:
        return self.version.standfirst or self.version.paragraphs[0]


def _items(corpus: Corpus, source: CorpusSource, step: int, base_url: str) -> list[_Item]:
    items = []
    for article in corpus.articles_of(source.name):
        version = corpus.version(article.slug, step)
        if version is None:
            continue  # a removed article drops out of its feed, as on a real site
        url = base_url + article.path
        link = f"{url}?{TRACKING_QUERY}" if source.tracking else url
        guid = url if article.guid is None else article.guid.replace("{base}", base_url)
        items.append(_Item(article, version, link, guid, article.guid is None))
    return items


def _rfc822(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def feed_updated(corpus: Corpus, source: CorpusSource, step: int) -> datetime:
    """When the feed at ``step`` last changed: its build date and HTTP Last-Modified.

    A removed article counts as a change an hour after its last version, so the date never
    goes backwards when an item drops out of the feed.
    """
    times = []
    for article in corpus.articles_of(source.name):
        version = corpus.version(article.slug, step)
        if version is not None:
            times.append(version.modified or article.published)
        else:
            last = max(v.modified or article.published for v in article.versions)
            times.append(last + timedelta(hours=1))
    return max(times)


def feed_url(source: CorpusSource, base_url: str) -> str:
    return base_url + source.feed_path


def render_feed(corpus: Corpus, source: CorpusSource, step: int, base_url: str) -> bytes:
    """The source's feed document at ``step``, as UTF-8 bytes."""
    items = _items(corpus, source, step, base_url)
    built = feed_updated(corpus, source, step)
    render = {"rss2": _rss2, "atom": _atom, "rss1": _rss1}[source.feed_format]
    return render(source, items, built, base_url).encode("utf-8")


def _rss2(source: CorpusSource, items: list[_Item], built: datetime, base_url: str) -> str:
    entries = "".join(
        "<item>"
        f"<title>{escape(i.version.headline)}</title>"
        f"<link>{escape(i.link)}</link>"
        f"<description>{escape(f'<p>{escape(i.summary)}</p>')}</description>"
        f"<dc:creator>{escape(i.version.byline)}</dc:creator>"
        f"<pubDate>{_rfc822(i.article.published)}</pubDate>"
        f'<guid isPermaLink="{"true" if i.permalink else "false"}">{escape(i.guid)}</guid>'
        "</item>\n"
        for i in items
    )
    site = base_url + source.prefix + "/"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{escape(source.title)}</title>
<link>{escape(site)}</link>
<atom:link href={quoteattr(base_url + source.feed_path)} rel="self" type="application/rss+xml"/>
<description>Latest news from {escape(source.title)}</description>
<language>en</language>
<lastBuildDate>{_rfc822(built)}</lastBuildDate>
{entries}</channel>
</rss>
"""


def _atom(source: CorpusSource, items: list[_Item], built: datetime, base_url: str) -> str:
    entries = "".join(
        "<entry>"
        f"<title>{escape(i.version.headline)}</title>"
        f"<id>{escape(i.guid)}</id>"
        f'<link rel="alternate" type="text/html" href={quoteattr(i.link)}/>'
        f"<published>{i.article.published.isoformat()}</published>"
        f"<updated>{i.updated.isoformat()}</updated>"
        f"<author><name>{escape(i.version.byline)}</name></author>"
        f'<summary type="text">{escape(i.summary)}</summary>'
        "</entry>\n"
        for i in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>{escape(source.title)}</title>
<id>{escape(base_url + source.feed_path)}</id>
<link rel="self" type="application/atom+xml" href={quoteattr(base_url + source.feed_path)}/>
<link rel="alternate" type="text/html" href={quoteattr(base_url + source.prefix + "/en")}/>
<updated>{built.isoformat()}</updated>
{entries}</feed>
"""


def _rss1(source: CorpusSource, items: list[_Item], built: datetime, base_url: str) -> str:
    seq = "".join(f"<rdf:li rdf:resource={quoteattr(i.guid)}/>" for i in items)
    entries = "".join(
        f"<item rdf:about={quoteattr(i.guid)}>"
        f"<title>{escape(i.version.headline)}</title>"
        f"<link>{escape(i.link)}</link>"
        f"<dc:creator>{escape(i.version.byline)}</dc:creator>"
        f"<dc:date>{i.article.published.isoformat()}</dc:date>"
        f"<description>{escape(i.summary)}</description>"
        "</item>\n"
        for i in items
    )
    feed = base_url + source.feed_path
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns="http://purl.org/rss/1.0/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about={quoteattr(feed)}>
<title>{escape(source.title)}</title>
<link>{escape(base_url + source.prefix + "/")}</link>
<description>Markets, money and the books that explain them</description>
<dc:date>{built.isoformat()}</dc:date>
<items><rdf:Seq>{seq}</rdf:Seq></items>
</channel>
{entries}</rdf:RDF>
"""
