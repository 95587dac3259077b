"""URL canonicalisation: canonical forms are fixed points, and feed links never crash it."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from versiontrack.discover import _entry_url
from versiontrack.urls import InvalidURL, canonicalize, host_key, same_site

# Characters that make URL parsing interesting, plus any text at all.
_URL_CHARS = st.sampled_from("aZ09./:@?#%&=[]-_~+!$;,'*() \t\\\u00e9\u3002\uff0e\x00")
_TAIL = st.one_of(st.text(_URL_CHARS, max_size=30), st.text(max_size=30))
_PREFIX = st.sampled_from(
    ["http://", "https://", "HTTP://", "http:", "http:/", "//", "", "http://[::1]", "http://a.b:80"]
)
urls = st.builds(str.__add__, _PREFIX, _TAIL)


@given(urls)
@example("http://./")
@example("http://a..b/")
@example("http://[::ffff:127.0.0.1]/x")
@example("http://xn--caf-dma.example/")
def test_a_canonical_url_is_a_fixed_point(url: str) -> None:
    try:
        canonical = canonicalize(url)
    except InvalidURL:
        return
    assert canonicalize(canonical) == canonical
    assert host_key(canonical) == host_key(url)
    assert same_site(url, canonical)


@given(st.sampled_from(["https://example.org/news/", "http://127.0.0.1:8080/feed"]), _TAIL)
@example("https://example.org/news/", "//[")  # urljoin itself raises on a bad IPv6 literal
def test_a_feed_link_is_canonical_or_invalid_never_a_crash(base: str, link: str) -> None:
    try:
        canonical = _entry_url({"link": link}, base)  # what discover does with an entry's link
    except InvalidURL:
        return
    assert canonical.startswith(("http://", "https://"))
    assert "#" not in canonical
