"""OPML bytes ↔ feed subscriptions: what ``versiontrack sources import`` and ``export`` speak.

Reading accepts OPML 1.0 and 2.0 as feed readers write them: every ``<outline>`` with an
``xmlUrl``, at any depth (folders are flattened), named by its ``title`` or ``text`` (else the
feed's host). Writing produces OPML 2.0 with one ``type="rss"`` outline per source. Pure: no
database, no HTTP. XML entities are never expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from versiontrack.errors import InvalidArgument

__all__ = ["Subscription", "read_opml", "write_opml"]

MAX_NAME = 200  # sources.name is a String(200)
_PARSER = {"resolve_entities": False, "no_network": True, "huge_tree": False}


@dataclass(frozen=True, slots=True)
class Subscription:
    """One feed of an OPML file: the source name it becomes and its feed URL."""

    name: str
    feed: str


@dataclass(frozen=True, slots=True)
class OpmlRead:
    subscriptions: tuple[Subscription, ...]
    skipped: tuple[str, ...] = ()


def read_opml(data: bytes) -> OpmlRead:
    """The feed subscriptions of an OPML document, in document order.

    An outline whose ``xmlUrl`` is not http(s) is skipped with its reason; so is a second
    outline with a name already read. Raises :class:`InvalidArgument` when ``data`` is not OPML.
    """
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER))
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InvalidArgument(f"not an OPML file: {exc}") from exc
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "opml":
        raise InvalidArgument("not an OPML file: the root element is not <opml>")
    subscriptions: list[Subscription] = []
    skipped: list[str] = []
    names: set[str] = set()
    for outline in root.iter("outline"):
        feed = (outline.get("xmlUrl") or "").strip()
        if not feed:
            continue  # a folder, or a link that is not a feed
        label = " ".join((outline.get("title") or outline.get("text") or "").split())
        host = _host(feed) if feed.startswith(("http://", "https://")) else None
        if not host:
            skipped.append(f"{label or feed!r}: feed is not an http(s) URL: {feed!r}")
            continue
        name = (label or host)[:MAX_NAME]
        if name in names:
            skipped.append(f"{name!r}: a second feed of that name in the file")
            continue
        names.add(name)
        subscriptions.append(Subscription(name, feed))
    return OpmlRead(tuple(subscriptions), tuple(skipped))


def _host(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:  # a bad IPv6 literal, a bad port
        return None
    return parts.hostname


def write_opml(subscriptions: list[Subscription], *, title: str, now: datetime) -> bytes:
    """An OPML 2.0 document with one ``type="rss"`` outline per subscription."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    etree.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    body = etree.SubElement(root, "body")
    for sub in subscriptions:
        etree.SubElement(
            body, "outline", type="rss", text=sub.name, title=sub.name, xmlUrl=sub.feed
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
