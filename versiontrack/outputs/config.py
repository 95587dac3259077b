"""The ``[[outputs]]`` tables and ``[watch]`` of the config: typed, validated, nothing else.

Each output names a ``type`` (``webhook``, ``apprise``, ``mastodon``, ``bluesky``), the keys that
type needs, and filters that pick which changes it is sent: ``min`` (a feed level), ``flags``
(any of them), ``sources`` and watch ``terms``. ``per_minute`` caps its deliveries. Invalid
tables raise ``ConfigError`` naming the output and the key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from versiontrack import flag_rules
from versiontrack.errors import ConfigError

log = logging.getLogger(__name__)

TYPES = ("webhook", "apprise", "mastodon", "bluesky")
#: The flag of source-health notices (``enqueue_notice``); outputs ask for them by flag.
HEALTH_FLAG = "health"
DEFAULT_PER_MINUTE = 20
DEFAULT_BLUESKY_SERVICE = "https://bsky.social"

#: Every key an ``[[outputs]]`` table may hold, with its TOML type.
OUTPUT_KEYS: dict[str, type] = {
    "name": str,
    "type": str,
    "min": str,
    "flags": list,
    "sources": list,
    "terms": list,
    "per_minute": int,
    "url": str,
    "secret": str,
    "urls": list,
    "instance": str,
    "token": str,
    "handle": str,
    "app_password": str,
    "service": str,
}
#: What each type needs besides the common keys.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "webhook": ("url",),
    "apprise": ("urls",),
    "mastodon": ("instance", "token"),
    "bluesky": ("handle", "app_password"),
}
_HTTP_KEYS = ("url", "instance", "service")


@dataclass(frozen=True, slots=True)
class Output:
    """One configured output. Secrets (``secret``, ``token``, ``app_password``) are never shown."""

    name: str
    type: str
    min: str = "minor"
    flags: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    per_minute: int = DEFAULT_PER_MINUTE
    url: str | None = None
    secret: str | None = None
    urls: tuple[str, ...] = ()
    instance: str | None = None
    token: str | None = None
    handle: str | None = None
    app_password: str | None = None
    service: str = DEFAULT_BLUESKY_SERVICE

    @property
    def target(self) -> str:
        """Where it sends, without secrets (for listings and logs)."""
        if self.type == "webhook":  # a hook's path or query often holds its token
            parts = urlsplit(self.url or "")
            rest = "…" if parts.path not in ("", "/") or parts.query else ""
            return f"{parts.scheme}://{parts.netloc}/{rest}"
        if self.type == "apprise":
            return ", ".join(u.split("://", 1)[0] + "://…" for u in self.urls)
        if self.type == "mastodon":
            return self.instance or ""
        return f"{self.handle} @ {self.service}"


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """``[watch] terms``: a change touching a sentence with one of them gets flag ``terms``."""

    terms: tuple[str, ...] = ()


def build_outputs(raw: Any) -> tuple[Output, ...]:
    """Validate the ``[[outputs]]`` array of tables."""
    if not isinstance(raw, list):
        raise ConfigError("[[outputs]] must be an array of tables")
    outputs: list[Output] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        if not isinstance(table, Mapping):
            raise ConfigError(f"outputs[{i}] must be a table")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"outputs[{i}]: 'name' is required")
        if name in seen:
            raise ConfigError(f"output {name!r} is defined twice")
        seen.add(name)
        outputs.append(_output(name, i, table))
    return tuple(outputs)


def _output(name: str, i: int, table: Mapping[str, Any]) -> Output:
    values: dict[str, Any] = {}
    for key, value in table.items():
        kind = OUTPUT_KEYS.get(key)
        if kind is None:
            log.warning("unknown config key %r ignored", f"outputs[{i}].{key}")
            continue
        if kind is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"output {name!r}: {key!r} must be a list of strings")
            values[key] = tuple(value)
        elif kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"output {name!r}: {key!r} must be a whole number")
            values[key] = value
        else:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"output {name!r}: {key!r} must be a non-empty string")
            values[key] = value.strip()
    kind = values.get("type")
    if kind not in TYPES:
        raise ConfigError(f"output {name!r}: 'type' must be one of {', '.join(TYPES)}")
    for key in _REQUIRED[kind]:
        if not values.get(key):
            raise ConfigError(f"output {name!r}: type {kind} needs {key!r}")
    for key in _HTTP_KEYS:
        if key in values and not values[key].startswith(("http://", "https://")):
            raise ConfigError(f"output {name!r}: {key!r} must be an http(s) URL")
    if values.get("min", "minor") not in flag_rules.LEVELS:
        raise ConfigError(f"output {name!r}: 'min' must be {', '.join(flag_rules.LEVELS)}")
    known = (*flag_rules.FLAGS, HEALTH_FLAG)
    if unknown := sorted(set(values.get("flags", ())) - set(known)):
        raise ConfigError(f"output {name!r}: unknown flag {', '.join(unknown)}")
    if values.get("per_minute", DEFAULT_PER_MINUTE) < 1:
        raise ConfigError(f"output {name!r}: 'per_minute' must be at least 1")
    if any(not t.strip() for t in values.get("terms", ())):
        raise ConfigError(f"output {name!r}: 'terms' must not hold empty strings")
    return Output(**values)


def build_watch(raw: Any) -> WatchSettings:
    """Validate ``[watch]``."""
    if not isinstance(raw, Mapping):
        raise ConfigError("[watch] must be a table")
    for key in raw:
        if key != "terms":
            log.warning("unknown config key %r ignored", f"watch.{key}")
    return WatchSettings(terms_list("watch.terms", raw.get("terms", [])))


def terms_list(where: str, value: Any) -> tuple[str, ...]:
    """A list of watch terms: non-empty strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def documented_keys() -> set[str]:
    return {f"outputs.{key}" for key in OUTPUT_KEYS} | {"watch.terms"}
