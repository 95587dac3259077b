"""The unchanged-check fast path's old home: it lives in ``versiontrack.fingerprint`` (the
reader, the hash) and ``versiontrack.locate`` (where the article sits in its page) now."""

from __future__ import annotations

from versiontrack.domain import Region
from versiontrack.fingerprint import FORMAT, Reader, reader

__all__ = ["FORMAT", "Reader", "Region", "reader"]
