"""RSS/Atom feeds of changes and the HTML that describes each change."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta, timezone
from html import escape

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html

from versiontrack.domain import ChangeEntry, ChangeSummary, Diff, FieldChange, SentenceOp
from versiontrack.publish.feed import (
    FeedMeta,
    entry_guid,
    entry_link,
    entry_title,
    render_feed,
)
from versiontrack.publish.html import MAX_OPS, change_html

OLD_HEADLINE = "North Korean troops in Russian uniforms heading to Kursk, says US"
NEW_HEADLINE = (
    "North Korean troops fighting for Russia in Ukraine will "
    "\u2018surely return in body bags\u2019, US envoy says"
)
XSS = "<script>alert(1)</script>"
PUBLIC_URL = "https://vt.example/"
META = FeedMeta(
    title="versiontrack: changes",
    link="https://vt.example/",
    description="Every change to every tracked article.",
    self_url="https://vt.example/feed.xml",
)
T0 = datetime(2024, 11, 5, 10, 30, tzinfo=UTC)


def added(index: int, text: str) -> SentenceOp:
    return SentenceOp("added", None, text, None, index, f"<ins>{escape(text)}</ins>")


def removed(index: int, text: str) -> SentenceOp:
    return SentenceOp("removed", text, None, index, None, f"<del>{escape(text)}</del>")


def edited(index: int, old: str, new: str, html: str) -> SentenceOp:
    return SentenceOp("edited", old, new, index, index, html)


def change(
    id: int,
    diff: Diff | None = None,
    *,
    kind: str = "edited",
    headline: str = NEW_HEADLINE,
    from_version: int | None = 1,
    to_version: int | None = 2,
    detected_at: datetime = T0,
    http_status: int | None = None,
    article_id: int = 42,
) -> ChangeEntry:
    diff = diff or Diff()
    return ChangeEntry(
        id=id,
        article_id=article_id,
        article_url="https://www.theguardian.com/world/2024/nov/05/north-korea-troops",
        source="guardian",
        kind=kind,  # type: ignore[arg-type]
        from_version=from_version,
        to_version=to_version,
        detected_at=detected_at,
        headline=headline,
        summary=diff.summary,
        diff=diff,
        http_status=http_status,
    )


HEADLINE_DIFF = Diff(
    fields=(
        FieldChange(
            "headline",
            OLD_HEADLINE,
            NEW_HEADLINE,
            "North Korean troops <del>in Russian uniforms heading to Kursk, says US</del>"
            "<ins>fighting for Russia in Ukraine will "
            "\u2018surely return in body bags\u2019, US envoy says</ins>",
        ),
    ),
    ops=(
        edited(
            0,
            "The US says 8,000 troops are in Kursk.",
            "The US says 10,000 troops are in Kursk.",
            "The US says <del>8,000</del><ins>10,000</ins> troops are in Kursk.",
        ),
    ),
)
BODY_DIFF = Diff(
    ops=(
        added(3, "Ukraine says the first clashes have taken place."),
        added(7, "The Kremlin declined to comment."),
        edited(
            5,
            "Troops moved on Monday.",
            "Troops moved on Sunday.",
            "Troops moved on <del>Monday</del><ins>Sunday</ins>.",
        ),
    )
)


def sample_entries() -> list[ChangeEntry]:
    """Newest first, as the store returns them."""
    return [
        change(
            5, kind="restored", from_version=3, to_version=3, detected_at=T0 + timedelta(hours=4)
        ),
        change(
            4,
            kind="removed",
            from_version=3,
            to_version=None,
            http_status=404,
            detected_at=T0 + timedelta(hours=3),
        ),
        change(3, BODY_DIFF, from_version=2, to_version=3, detected_at=T0 + timedelta(hours=2)),
        change(2, HEADLINE_DIFF, headline=NEW_HEADLINE, detected_at=T0 + timedelta(hours=1)),
    ]


# ------------------------------------------------------------------ titles, links, guids


def test_title_of_headline_change() -> None:
    assert entry_title(change(1, HEADLINE_DIFF)) == (
        "Headline: “North Korean troops in Russian uniforms heading to Kursk, says US” → "
        "“North Korean troops fighting for Russia in Ukraine will \u2018surely return in body "
        "bags\u2019, US envoy says”"
    )


def test_title_of_body_change() -> None:
    assert entry_title(change(1, BODY_DIFF, to_version=3)) == (
        f"{NEW_HEADLINE} — v3: 2 sentences added, 1 edited"
    )


def test_title_of_other_field_change() -> None:
    diff = Diff(fields=(FieldChange("standfirst", "a", "b", "<del>a</del><ins>b</ins>"),))
    assert entry_title(change(1, diff, to_version=4)) == f"{NEW_HEADLINE} — v4: standfirst changed"


def test_title_of_removal_and_restoration() -> None:
    assert entry_title(change(1, kind="removed", http_status=404)) == (
        f"{NEW_HEADLINE} — removed (HTTP 404)"
    )
    assert entry_title(change(1, kind="removed", http_status=None)) == f"{NEW_HEADLINE} — removed"
    assert entry_title(change(1, kind="restored")) == f"{NEW_HEADLINE} — restored"


def test_title_is_one_line_and_falls_back_to_the_url() -> None:
    assert entry_title(change(1, kind="restored", headline="  Two\n  lines ")) == (
        "Two lines — restored"
    )
    assert entry_title(change(1, kind="restored", headline="")) == (
        "https://www.theguardian.com/world/2024/nov/05/north-korea-troops — restored"
    )


def test_links() -> None:
    assert entry_link(change(1, from_version=2, to_version=3), "https://vt.example/") == (
        "https://vt.example/articles/42/diff/2/3"
    )
    assert entry_link(change(1, from_version=2, to_version=3), "https://vt.example/vt") == (
        "https://vt.example/vt/articles/42/diff/2/3"
    )
    assert entry_link(change(1, kind="removed", to_version=None), "https://vt.example//") == (
        "https://vt.example/articles/42"
    )
    assert entry_link(change(1, kind="restored"), "https://vt.example") == (
        "https://vt.example/articles/42"
    )


def test_guid_is_independent_of_public_url() -> None:
    assert entry_guid(change(17)) == "urn:versiontrack:change:17"
    a = feedparser.parse(render_feed([change(17)], META, "https://a.example"))
    b = feedparser.parse(render_feed([change(17)], META, "https://b.example"))
    assert a.entries[0].id == b.entries[0].id == "urn:versiontrack:change:17"


# ------------------------------------------------------------------ whole feeds


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_parses_cleanly(fmt: str) -> None:
    entries = sample_entries()
    parsed = feedparser.parse(render_feed(entries, META, PUBLIC_URL, fmt))  # type: ignore[arg-type]
    assert parsed.bozo is False, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
    assert parsed.feed.title == META.title
    assert parsed.feed.link == META.link
    assert parsed.feed.subtitle == META.description
    assert parsed.feed.generator == "versiontrack"
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [META.self_url]

    # one item per change, in the order given
    assert [e.id for e in parsed.entries] == [entry_guid(e) for e in entries]
    assert len({e.id for e in parsed.entries}) == len(entries)
    for item, entry in zip(parsed.entries, entries, strict=True):
        assert item.title == entry_title(entry)
        assert item.link == entry_link(entry, PUBLIC_URL)
        assert item.published_parsed is not None
        assert item.summary == change_html(entry)


def test_rss_items_have_rfc822_pubdate_and_non_permalink_guid() -> None:
    entries = sample_entries()
    root = etree.fromstring(render_feed(entries, META, PUBLIC_URL, "rss"))
    channel = root.find("channel")
    assert channel is not None
    assert channel.findtext("description") == META.description
    # lastBuildDate is the newest change, not the time of rendering
    assert email.utils.parsedate_to_datetime(channel.findtext("lastBuildDate")) == (
        T0 + timedelta(hours=4)
    )
    items = channel.findall("item")
    assert len(items) == 4
    for item, entry in zip(items, entries, strict=True):
        for tag in ("title", "link", "guid", "description", "pubDate"):
            assert item.findtext(tag), tag
        assert item.find("guid").get("isPermaLink") == "false"
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate")) == entry.detected_at


def test_atom_id_and_updated() -> None:
    entries = sample_entries()
    parsed = feedparser.parse(render_feed(entries, META, PUBLIC_URL, "atom"))
    assert parsed.feed.id == META.self_url
    assert parsed.feed.updated == "2024-11-05T14:30:00+00:00"
    for item, entry in zip(parsed.entries, entries, strict=True):
        assert item.id == entry_guid(entry)
        assert item.updated == entry.detected_at.isoformat()
        assert item.content[0].type == "text/html"


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_rendering_is_deterministic(fmt: str) -> None:
    first = render_feed(sample_entries(), META, PUBLIC_URL, fmt)  # type: ignore[arg-type]
    second = render_feed(sample_entries(), META, PUBLIC_URL, fmt)  # type: ignore[arg-type]
    assert first == second


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_empty_feed_is_valid_and_stable(fmt: str) -> None:
    data = render_feed([], META, PUBLIC_URL, fmt)  # type: ignore[arg-type]
    assert data == render_feed([], META, PUBLIC_URL, fmt)  # type: ignore[arg-type]
    parsed = feedparser.parse(data)
    assert parsed.bozo is False
    assert parsed.entries == []
    assert b"1970" in data  # the fixed epoch, never "now"


def test_blank_description_falls_back_to_title() -> None:
    meta = FeedMeta(
        title="T", link="https://vt.example/", description="", self_url="https://vt.example/f"
    )
    parsed = feedparser.parse(render_feed([change(1, BODY_DIFF)], meta, PUBLIC_URL))
    assert parsed.bozo is False
    assert parsed.feed.subtitle == "T"


def test_naive_and_offset_datetimes_are_utc() -> None:
    naive = change(1, BODY_DIFF, detected_at=datetime(2024, 11, 5, 10, 30))
    paris = change(
        2, BODY_DIFF, detected_at=datetime(2024, 11, 5, 11, 30, tzinfo=timezone(timedelta(hours=1)))
    )
    root = etree.fromstring(render_feed([naive, paris], META, PUBLIC_URL, "rss"))
    dates = [item.findtext("pubDate") for item in root.iter("item")]
    assert dates == ["Tue, 05 Nov 2024 10:30:00 +0000", "Tue, 05 Nov 2024 10:30:00 +0000"]


def test_xml_illegal_characters_are_stripped() -> None:
    dirty = "Bad\x00 \x0bcontrol\x1f chars\ufffe"
    diff = Diff(ops=(added(0, dirty),))
    entry = change(1, diff, headline=dirty)
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(render_feed([entry], META, PUBLIC_URL, fmt))  # type: ignore[arg-type]
        assert parsed.bozo is False
        assert parsed.entries[0].title == "Bad control chars — v2: 1 sentence added"
        assert "Bad control chars" in parsed.entries[0].summary


def test_unknown_format_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown feed format"):
        render_feed([], META, PUBLIC_URL, "json")  # type: ignore[arg-type]


# ------------------------------------------------------------------ descriptions


def test_description_of_headline_change() -> None:
    html = change_html(change(1, HEADLINE_DIFF))
    assert escape(OLD_HEADLINE) in html
    assert escape(NEW_HEADLINE) in html
    assert "<del>" in html and "<ins>" in html
    # the word diff is used as given, and the sentence op with its label
    assert HEADLINE_DIFF.fields[0].html in html
    assert "<li><small>edited</small> The US says <del>8,000</del><ins>10,000</ins>" in html
    # and the same survives the round trip through a feed reader
    parsed = feedparser.parse(render_feed([change(1, HEADLINE_DIFF)], META, PUBLIC_URL))
    summary = parsed.entries[0].summary
    assert OLD_HEADLINE in summary and NEW_HEADLINE in summary
    assert "<del>" in summary and "<ins>" in summary


def test_description_of_body_change_lists_each_op_with_its_label() -> None:
    html = change_html(change(1, BODY_DIFF, from_version=2, to_version=3))
    assert "<small>Version 2 → 3: 2 sentences added, 1 edited</small>" in html
    assert html.count("<li>") == 3
    assert (
        "<li><small>added</small> <ins>Ukraine says the first clashes have taken place.</ins>"
        in html
    )
    assert (
        "<li><small>edited</small> Troops moved on <del>Monday</del><ins>Sunday</ins>.</li>" in html
    )


def test_description_of_removed_and_moved_ops() -> None:
    diff = Diff(
        ops=(
            removed(2, "An earlier claim."),
            SentenceOp("moved", "Moved text.", "Moved text.", 1, 4, "Moved text."),
        )
    )
    html = change_html(change(1, diff))
    assert "<li><small>removed</small> <del>An earlier claim.</del></li>" in html
    assert "<li><small>moved</small> Moved text.</li>" in html


def test_description_of_removal_and_restoration() -> None:
    removal = change_html(change(1, kind="removed", http_status=410))
    assert "removed" in removal and "HTTP 410" in removal
    assert "HTTP" not in change_html(change(1, kind="removed", http_status=None))
    assert "back" in change_html(change(1, kind="restored"))


def test_description_only_uses_simple_tags() -> None:
    html = change_html(change(1, HEADLINE_DIFF)) + change_html(change(2, BODY_DIFF))
    tags = {el.tag for el in lxml_html.fragment_fromstring(html, create_parent="div").iter()}
    assert tags <= {"div", "p", "ul", "li", "del", "ins", "strong", "em", "small"}
    assert "style" not in html and "class=" not in html


def test_long_changes_are_truncated() -> None:
    diff = Diff(ops=tuple(added(i, f"Sentence {i}.") for i in range(MAX_OPS + 3)))
    html = change_html(change(1, diff))
    assert html.count("<li>") == MAX_OPS
    assert "… and 3 more sentence changes." in html


# ------------------------------------------------------------------ untrusted text


def _live_tags(html: str) -> set[str]:
    return {el.tag for el in lxml_html.fragment_fromstring(html, create_parent="div").iter()}


def test_script_in_headline_and_sentence_is_escaped() -> None:
    diff = Diff(
        fields=(
            FieldChange(
                "headline",
                f"Old {XSS} headline",
                f"New {XSS} headline",
                f"<del>Old</del><ins>New</ins> {escape(XSS)} headline",
            ),
        ),
        ops=(added(0, f"A sentence with {XSS} in it."),),
    )
    entry = change(1, diff, headline=f"New {XSS} headline")
    html = change_html(entry)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script" not in _live_tags(html)
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(render_feed([entry], META, PUBLIC_URL, fmt))  # type: ignore[arg-type]
        summary = parsed.entries[0].summary
        assert "<script>" not in summary
        assert "&lt;script&gt;" in summary
        assert "script" not in _live_tags(summary)


def test_script_in_headline_of_removal_is_escaped() -> None:
    entry = change(1, kind="removed", headline=XSS, http_status=404)
    data = render_feed([entry], META, PUBLIC_URL, "rss")
    assert b"<script>" not in data
    assert "<script>" not in feedparser.parse(data).entries[0].summary


def test_stored_html_with_foreign_markup_is_not_trusted() -> None:
    # a diff-stage bug or a tampered row must not publish live markup
    evil = SentenceOp("added", None, "Plain <b>text</b>.", None, 0, '<ins onclick="x()">Hi</ins>')
    unescaped = SentenceOp(
        "removed",
        "Gone <img src=x onerror=alert(1)>",
        None,
        1,
        None,
        "Gone <img src=x onerror=alert(1)>",
    )
    field = FieldChange("byline", "A", "B", "<script>alert(1)</script>")
    html = change_html(change(1, Diff(fields=(field,), ops=(evil, unescaped))))
    assert "onclick" not in html
    assert "<img" not in html and "<script>" not in html
    assert "<li><small>added</small> <ins>Plain &lt;b&gt;text&lt;/b&gt;.</ins></li>" in html
    assert (
        "<li><small>removed</small> <del>Gone &lt;img src=x onerror=alert(1)&gt;</del></li>" in html
    )
    assert _live_tags(html) <= {"div", "p", "ul", "li", "del", "ins", "strong", "em", "small"}


def test_summary_counts_come_from_the_entry() -> None:
    # the title uses the stored summary, not a recount of the diff
    entry = change(1, BODY_DIFF, to_version=9)
    entry = ChangeEntry(
        **{**{f: getattr(entry, f) for f in entry.__slots__}, "summary": ChangeSummary(added=5)}
    )
    assert entry_title(entry) == f"{NEW_HEADLINE} — v9: 5 sentences added"
