"""Canonical article URLs, tracking-parameter removal and host keys.

Every URL versiontrack stores or compares goes through :func:`canonicalize` first, so the same
article reached from a feed link, a share link with ``utm_*`` parameters and a redirect's final
URL is one article. The rules are deliberately conservative: only parameters known to be
analytics noise are dropped, the path keeps its case and every other parameter keeps its
position, because news sites do route on query strings (``?id=123``, ``?page=2``).

Pure functions of strings; no I/O.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, unquote_plus, urljoin, urlsplit

import idna

from versiontrack.errors import InvalidURL

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "InvalidURL",
    "canonicalize",
    "host_key",
    "resolve_canonical",
    "same_site",
]

#: Query parameters that only identify a campaign, click or sharer, never the content.
#: Compared case-insensitively (Guardian share links use ``CMP``, some mailers ``UTM_SOURCE``).
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # ad-network click ids
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "s_kwcid",
        "ef_id",
        # Mailchimp, HubSpot, Marketo and other mailers
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        # Google Analytics cross-domain linker
        "_ga",
        "_gl",
        # Twitter/X share links
        "ref_src",
        "ref_url",
        # publishers' own campaign and share markers
        "cmpid",  # Yahoo, many Gannett sites
        "cmp",  # Guardian: ?CMP=share_btn_tw
        "ocid",  # MSN
        "ncid",  # Yahoo
        "smid",  # New York Times share links
        "smtyp",  # New York Times
        "xtor",  # AT Internet (Le Monde, Le Figaro)
        "sr_share",
        "wickedid",
    }
)

#: Parameter-name prefixes that are tracking whatever follows: Google/Urchin ``utm_``, AT
#: Internet/Piano ``at_`` (Guardian and BBC: ``at_medium``, ``at_campaign``, ``at_custom1``),
#: comScore ``ns_`` (BBC), Matomo ``pk_``/``mtm_``, Webtrends ``wt.``, HubSpot ads ``hsa_``.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "at_", "ns_", "pk_", "mtm_", "wt.", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Characters that may stay literal in a path or query; everything else (spaces, non-ASCII) is
# percent-encoded the way httpx does it, so a feed link and a fetched final URL agree.
_PATH_SAFE = "/:@!$&'()*+,;=%~-._"
_QUERY_SAFE = _PATH_SAFE + "?"
_USERINFO_SAFE = ":%!$&'()*+,;=~-._"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What may stand in a host name once IDNA has made it ASCII: letters, digits, "-", "_" (seen
# in real subdomains) and dots between non-empty labels.
_HOST = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")

# Mobile and AMP editions of a site serve the same articles as the main host.
_SITE_VARIANT_PREFIXES = ("www.", "amp.", "m.", "mobile.")


def _is_tracking(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _encode_host(host: str) -> str:
    """Lower-case ``host`` and turn an internationalised name into its ASCII (punycode) form.

    httpx sends IDN hosts as IDNA 2008 A-labels, so using the same encoding here makes a
    Unicode feed link and the punycode final URL of its fetch the same canonical URL. Anything
    that is not a host name or an IP address (``%``, spaces, an empty name such as ``.``)
    raises ``InvalidURL``: written back into a URL it would be read as another host, or as
    none, and the result would not be a canonical form.
    """
    name = host.lower().rstrip(".")
    if ":" in name:
        try:
            ipaddress.IPv6Address(name)
        except ValueError as exc:
            raise InvalidURL(f"invalid IPv6 address {host!r}") from exc
        return name
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidURL(f"invalid internationalised host name {host!r}: {exc}") from exc
    if not _HOST.fullmatch(name):
        raise InvalidURL(f"invalid host name {host!r}")
    return name


def _split(url: str) -> tuple[str, str, str, int | None, str, str]:
    """Validate an http(s) URL: (scheme, userinfo, ASCII host, port, path, query)."""
    if not isinstance(url, str):
        raise InvalidURL(f"URL must be a string, not {type(url).__name__}")
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:  # also a bad IPv6 literal, or a netloc NFKC makes odd
        raise InvalidURL(f"invalid URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidURL(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise InvalidURL(f"URL has no host: {url!r}")
    host = _encode_host(parts.hostname)
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    return scheme, _quote(userinfo, _USERINFO_SAFE), host, port, parts.path, parts.query


def _quote(text: str, safe: str) -> str:
    return quote(_LONE_PERCENT.sub("%25", text), safe=safe)


def canonicalize(url: str) -> str:
    """Return the canonical form of an http(s) URL.

    Drops the fragment and tracking parameters (other parameters keep their order and exact
    spelling), lower-cases scheme and host, encodes IDN hosts as punycode, drops the default
    port and an empty ``?``, and writes an empty path as ``/``. The path keeps its case.

    The result is a fixed point: canonicalising it again returns it unchanged. Raises
    ``InvalidURL`` (a ``ValueError``) for non-http(s) URLs, URLs without a usable host and
    invalid ports.
    """
    scheme, userinfo, host, port, path, query = _split(url)
    netloc = f"[{host}]" if ":" in host else host  # IPv6 literal
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    kept = [p for p in query.split("&") if p and not _is_tracking(p.partition("=")[0])]
    canonical = f"{scheme}://{netloc}{_quote(path, _PATH_SAFE) or '/'}"
    if kept:
        canonical += "?" + _quote("&".join(kept), _QUERY_SAFE)
    return canonical


def host_key(url: str) -> str:
    """The URL's lower-case (punycode) host without a leading ``www.``; no port.

    Used to group URLs by site, e.g. for per-host request limits. Raises ``InvalidURL`` like
    :func:`canonicalize`.
    """
    host = _split(url)[2]
    return host.removeprefix("www.")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _site_key(host: str) -> str:
    for prefix in _SITE_VARIANT_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            return host.removeprefix(prefix)
    return host


def same_site(a: str, b: str) -> bool:
    """Whether two URLs belong to the same site.

    True when the hosts are equal once a ``www.``/``amp.``/``m.``/``mobile.`` prefix is set
    aside, or when one is a subdomain of the other (``news.example.com`` and ``example.com``).
    The scheme does not matter. Loopback hosts must also match in port, because every test
    server on 127.0.0.1 is a different site. A URL that is not http(s) is on no site: False.
    """
    try:
        scheme_a, _, host_a, port_a, _, _ = _split(a)
        scheme_b, _, host_b, port_b, _, _ = _split(b)
    except ValueError:
        return False
    if _is_loopback(host_a) or _is_loopback(host_b):
        return host_a == host_b and (port_a or _DEFAULT_PORTS[scheme_a]) == (
            port_b or _DEFAULT_PORTS[scheme_b]
        )
    if _is_ip(host_a) or _is_ip(host_b):
        return host_a == host_b
    key_a, key_b = _site_key(host_a), _site_key(host_b)
    return key_a == key_b or key_a.endswith("." + key_b) or key_b.endswith("." + key_a)


def resolve_canonical(page_url: str, canonical: str | None) -> str:
    """The article's canonical URL given the page it was fetched from and its canonical link.

    A relative canonical link is resolved against ``page_url``. The link is ignored (and the
    page URL used) when it is missing, not http(s), on another site — a page must not be able
    to claim another site's article — or the bare home page, which some CMSs emit on every
    article and which would merge all of them into one. Raises ``ValueError`` when
    ``page_url`` itself is not a valid http(s) URL.
    """
    page = canonicalize(page_url)
    if not canonical or not canonical.strip():
        return page
    try:
        target = canonicalize(urljoin(page, canonical.strip()))
    except ValueError:
        return page
    if not same_site(page, target):
        return page
    if urlsplit(target).path == "/" and urlsplit(page).path != "/":
        return page
    return target
