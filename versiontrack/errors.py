"""The one exception tree of versiontrack.

The orchestrator maps these to check outcomes; the CLI maps them to one-line messages and exit
codes. Anything a bad page, feed or server can cause is a subclass of ``CheckError``, so a pass
records it on the check and moves on::

    VersiontrackError
    ├── ConfigError              bad config file, unknown value, invalid setting
    ├── DatabaseError            cannot open or migrate the database
    │   └── SchemaMismatch       database schema newer (or older) than this code
    ├── NotFound                 an article/source/version the user named does not exist
    ├── InvalidArgument          a filter or option value that makes no sense (e.g. ?min=)
    ├── InvalidURL               a URL with no canonical http(s) form (also a ValueError)
    ├── ArchiveError             a WARC/ARC file or the Wayback Machine cannot be read
    ├── OutputError              an output (webhook, Apprise, Mastodon, Bluesky) failed a delivery
    └── CheckError               recorded on a check; never stops a pass
        ├── FetchError           transport-level failure (connection refused, DNS, TLS)
        │   ├── FetchTimeout
        │   ├── TooManyRedirects
        │   ├── BodyTooLarge
        │   ├── BlockedAddress   SSRF guard: the host is (or resolves to) a non-public address
        │   └── HTTPStatusError  4xx/5xx other than the ones the pipeline handles itself
        ├── RobotsDisallowed     robots.txt forbids the URL (outcome "disallowed"); not fetched
        ├── FeedError            malformed or non-feed response for a source feed
        └── ExtractionError      page could not be turned into an article
            ├── NotHTML          the response is not an HTML page
            ├── EmptyArticle     no headline/body found
            └── BodyCollapsed    body shrank implausibly against the previous version
"""

from __future__ import annotations


class VersiontrackError(Exception):
    """Base of every error versiontrack raises on purpose."""


class ConfigError(VersiontrackError):
    """The configuration cannot be used."""


class DatabaseError(VersiontrackError):
    """The database cannot be opened, read or migrated."""


class SchemaMismatch(DatabaseError):
    """The database schema revision does not match this version of versiontrack."""


class NotFound(VersiontrackError):
    """Something the user named (article, source, version) does not exist."""


class InvalidArgument(VersiontrackError):
    """An option or query value the user gave is not one we understand."""


class ArchiveError(VersiontrackError):
    """A WARC/ARC file that cannot be read, or a Wayback Machine that does not answer."""


class InvalidURL(VersiontrackError, ValueError):
    """A URL that has no canonical http(s) form: not http(s), no usable host, a bad port…

    Also a ``ValueError``, which is what the URL helpers raised before it existed.
    """


class CheckError(VersiontrackError):
    """A problem with one feed or page: recorded on the check, the pass goes on."""

    outcome = "failed"


class FetchError(CheckError):
    """The HTTP request failed below the HTTP status level."""


class FetchTimeout(FetchError):
    """Connecting or reading took longer than the configured timeout."""


class TooManyRedirects(FetchError):
    """The redirect chain was too long or looped."""


class BodyTooLarge(FetchError):
    """The response body exceeded the configured maximum size."""


class BlockedAddress(FetchError):
    """The URL's host is, or resolves to, a loopback/private/link-local/… address.

    ``address`` is the refused IP address and ``reason`` names its kind ("private",
    "loopback", …). Raised before any connection to that address is opened.
    """

    def __init__(self, message: str, *, address: str, reason: str) -> None:
        super().__init__(message)
        self.address = address
        self.reason = reason


class HTTPStatusError(FetchError):
    """The server answered with an error status.

    ``retry_after`` is the server's Retry-After in seconds when it sent one (on 429/503): the
    scheduler should not check again sooner.
    """

    def __init__(self, message: str, status: int, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RobotsDisallowed(CheckError):
    """robots.txt does not allow versiontrack to fetch the URL, so it was not requested."""

    outcome = "disallowed"


class FeedError(CheckError):
    """A source feed could not be parsed as RSS or Atom."""


class ExtractionError(CheckError):
    """A fetched page could not be turned into an article."""


class NotHTML(ExtractionError):
    """The response is not an HTML document."""


class EmptyArticle(ExtractionError):
    """The page has no recognisable article body."""


class BodyCollapsed(ExtractionError):
    """The body shrank implausibly compared with the previous version (a broken page)."""


class OutputError(VersiontrackError):
    """An output refused or failed a delivery; the outbox retries it later."""
