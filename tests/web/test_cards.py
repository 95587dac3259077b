"""Diff cards over HTTP, feed items linking them, and feeds filtered by ``?terms=``."""

from __future__ import annotations

import io

import feedparser
from PIL import Image

from versiontrack import service_outputs

from .conftest import GUARDIAN, HOSTILE, NEW_HEADLINE, OLD_HEADLINE, Site, TestClient

PNG = b"\x89PNG\r\n\x1a\n"


def test_card_of_the_guardian_headline_change(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    response = client.get(f"/articles/{g}/diff/2/3.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == service_outputs.card_png(site.db, str(g), 2, 3)
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG" and image.width == 1200 and 630 <= image.height <= 2400
    data = service_outputs.card_data(site.db, str(g), 2, 3)
    assert data.diff.field_change("headline").old == OLD_HEADLINE  # type: ignore[union-attr]
    assert data.detected_at is not None and data.source == "guardian"
    # the HTML diff page still answers at the same address without ".png"
    assert client.get(f"/articles/{g}/diff/2/3").headers["content-type"].startswith("text/html")


def test_card_of_hostile_text_and_unknown_versions(site: Site, client: TestClient) -> None:
    h = site.ids[HOSTILE]
    assert client.get(f"/articles/{h}/diff/1/2.png").content[:8] == PNG
    assert client.get(f"/articles/{h}/diff/1/9.png").status_code == 404
    assert client.get("/articles/99999/diff/1/2.png").status_code == 404


def test_feed_items_carry_the_card_as_an_enclosure(site: Site, client: TestClient) -> None:
    g = site.ids[GUARDIAN]
    for path in (f"/articles/{g}/feed.xml", f"/articles/{g}/feed.atom"):
        entries = feedparser.parse(client.get(path).content).entries
        assert [e.enclosures[0].href for e in entries] == [
            f"http://127.0.0.1:8080/articles/{g}/diff/2/3.png",
            f"http://127.0.0.1:8080/articles/{g}/diff/1/2.png",
        ], path
        assert all(e.enclosures[0].type == "image/png" for e in entries)
        assert entries[0].link.endswith("/diff/2/3")  # the page, not the card


def test_feeds_filter_by_terms(site: Site, client: TestClient) -> None:
    def titles(query: str) -> list[str]:
        response = client.get(f"/feed.xml{query}")
        assert response.status_code == 200
        return [e.title for e in feedparser.parse(response.content).entries]

    kursk = titles("?terms=kursk")
    assert f"Headline: “{OLD_HEADLINE}” → “{NEW_HEADLINE}”" in kursk
    assert not any("Council row" in t for t in kursk)
    assert len(kursk) < len(titles(""))
    assert titles("?terms=,%20") == titles("")  # empty terms filter nothing
    assert titles("?terms=nosuchwordanywhere") == []
    assert set(titles("?terms=kursk,council")) == set(kursk) | set(titles("?terms=council"))
    assert client.get("/feed.xml?terms=" + ",".join(f"t{i}" for i in range(21))).status_code == 400
    etags = {client.get(f"/feed.xml{q}").headers["etag"] for q in ("", "?terms=kursk")}
    assert len(etags) == 2
