"""Canonical URLs: tracking parameters, normalisation, same-site checks, canonical links."""

from __future__ import annotations

import pytest

from versiontrack.urls import canonicalize, host_key, resolve_canonical, same_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # utm_* in any position and case; other parameters keep their order
        (
            "https://example.com/a?utm_source=rss&id=5&utm_medium=feed&page=2&UTM_CAMPAIGN=x",
            "https://example.com/a?id=5&page=2",
        ),
        ("https://example.com/a?fbclid=IwAR0abc", "https://example.com/a"),
        ("https://example.com/a?gclid=xyz&q=1", "https://example.com/a?q=1"),
        ("https://example.com/a?mc_cid=abc&mc_eid=def", "https://example.com/a"),
        ("https://example.com/a?msclkid=1&dclid=2&yclid=3&igshid=4&_ga=5", "https://example.com/a"),
        ("https://example.com/a?ref_src=twsrc&cmpid=x&ocid=y", "https://example.com/a"),
        # Guardian and BBC share/RSS markers
        (
            "https://www.theguardian.com/world/2024/nov/05/x?CMP=share_btn_tw",
            "https://www.theguardian.com/world/2024/nov/05/x",
        ),
        (
            "https://www.bbc.co.uk/news/articles/c0l?at_medium=RSS&at_campaign=rss",
            "https://www.bbc.co.uk/news/articles/c0l",
        ),
        # fragment dropped, also with an otherwise empty query
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?#top", "https://example.com/a"),
        ("https://example.com/a?utm_source=x#top", "https://example.com/a"),
        # scheme and host lower-cased, path case kept
        ("HTTPS://WWW.Example.COM/News/Story-A", "https://www.example.com/News/Story-A"),
        # default ports dropped, others kept
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://127.0.0.1:8765/a", "http://127.0.0.1:8765/a"),
        # non-tracking parameters kept verbatim, including blank values and encodings
        ("https://example.com/s?q=a+b&lang=&x=%2F", "https://example.com/s?q=a+b&lang=&x=%2F"),
        ("https://example.com/s?a=1&&b=2", "https://example.com/s?a=1&b=2"),
        # empty path becomes "/", trailing slash otherwise kept
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a/", "https://example.com/a/"),
        # IDN host to punycode (as httpx sends it), non-ASCII and spaces percent-encoded
        ("https://Bücher.de/Café?q=a b", "https://xn--bcher-kva.de/Caf%C3%A9?q=a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
        # IPv6 literal keeps its brackets
        ("http://[::1]:8080/x?utm_source=y", "http://[::1]:8080/x"),
        # surrounding whitespace from feeds is ignored
        ("  https://example.com/a\n", "https://example.com/a"),
    ],
)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


def test_canonicalize_is_idempotent() -> None:
    url = "HTTPS://Bücher.de:443/Café?q=a b&utm_source=x&id=1#frag"
    once = canonicalize(url)
    assert canonicalize(once) == once


def test_tracking_prefix_does_not_swallow_similar_names() -> None:
    # "utm" without the underscore, and names merely containing a tracking word, are content
    assert canonicalize("https://example.com/?utm=1&gclid_x=2&ref=3") == (
        "https://example.com/?utm=1&gclid_x=2&ref=3"
    )


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "mailto:letters@example.com",
        "javascript:alert(1)",
        "/relative/path",
        "https:///no-host",
        "https://example.com:99999/a",
        "",
    ],
)
def test_canonicalize_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        canonicalize(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.theguardian.com/world", "theguardian.com"),
        ("https://WWW.BBC.co.uk:443/news", "bbc.co.uk"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("https://news.example.com/", "news.example.com"),
        ("https://wwwexample.com/", "wwwexample.com"),
    ],
)
def test_host_key(url: str, expected: str) -> None:
    assert host_key(url) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("https://www.theguardian.com/a", "https://theguardian.com/b", True),
        ("https://amp.theguardian.com/a", "https://www.theguardian.com/b", True),
        ("https://m.bbc.co.uk/a", "https://amp.bbc.co.uk/b", True),
        ("https://www.bbc.co.uk/news", "https://news.bbc.co.uk/x", True),
        ("http://example.com/a", "https://example.com/b", True),
        ("https://example.com/a", "https://example.org/a", False),
        ("https://notexample.com/a", "https://example.com/a", False),
        ("https://evil-theguardian.com/a", "https://www.theguardian.com/a", False),
        # loopback: every port is another site (tests run several servers on 127.0.0.1)
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", True),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a", False),
        ("http://localhost/a", "http://localhost:80/b", True),
        ("http://localhost:8000/a", "http://127.0.0.1:8000/a", False),
        # IP addresses are never "subdomains" of each other
        ("http://10.1.2.3/a", "http://1.2.3/a", False),
        ("https://example.com/a", "mailto:x@example.com", False),
    ],
)
def test_same_site(a: str, b: str, expected: bool) -> None:
    assert same_site(a, b) is expected
    assert same_site(b, a) is expected


@pytest.mark.parametrize(
    ("page", "canonical", "expected"),
    [
        # absolute, same site: canonicalised
        (
            "https://www.bbc.co.uk/news/articles/c0l?at_medium=RSS",
            "https://www.bbc.co.uk/news/articles/c0l?utm_source=x#a",
            "https://www.bbc.co.uk/news/articles/c0l",
        ),
        # relative canonical resolved against the page
        (
            "https://www.example.com/news/2024/story?page=1",
            "/news/story-slug",
            "https://www.example.com/news/story-slug",
        ),
        (
            "https://www.example.com/news/2024/story",
            "other-story",
            "https://www.example.com/news/2024/other-story",
        ),
        # AMP page pointing at the main site
        (
            "https://amp.example.com/news/story",
            "https://www.example.com/news/story",
            "https://www.example.com/news/story",
        ),
        # off-site canonical ignored: the page URL wins
        (
            "https://www.example.com/news/story?utm_source=x",
            "https://syndicator.example.org/story",
            "https://www.example.com/news/story",
        ),
        # protocol-relative off-site link ignored too
        (
            "https://www.example.com/news/story",
            "//evil.example.net/news/story",
            "https://www.example.com/news/story",
        ),
        # missing, blank or unusable canonical
        ("https://www.example.com/a#x", None, "https://www.example.com/a"),
        ("https://www.example.com/a", "   ", "https://www.example.com/a"),
        ("https://www.example.com/a", "javascript:void(0)", "https://www.example.com/a"),
        # a CMS that points every article's canonical at the home page
        (
            "https://www.example.com/news/story",
            "https://www.example.com/",
            "https://www.example.com/news/story",
        ),
    ],
)
def test_resolve_canonical(page: str, canonical: str | None, expected: str) -> None:
    assert resolve_canonical(page, canonical) == expected


def test_resolve_canonical_rejects_bad_page_url() -> None:
    with pytest.raises(ValueError):
        resolve_canonical("not a url", "https://example.com/a")
