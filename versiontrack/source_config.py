"""The ``[[sources]]`` tables of the config file, checked and turned into ``Source`` values.

:mod:`versiontrack.settings` builds the one ``Settings`` object and hands this module the
sources array, the way :mod:`versiontrack.outputs.config` reads ``[[outputs]]`` and ``[watch]``.
A source needs a ``name`` and an http(s) ``feed`` unless it is found through a sitemap or a
front page (``discovery_keys``); its ``selector`` must be valid CSS and its ``ignore`` and
``links`` patterns must compile, so a typo fails at start-up rather than on every check.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import cssselect

from versiontrack.domain import Source
from versiontrack.errors import ConfigError
from versiontrack.outputs import config as outputs_config

log = logging.getLogger(__name__)

#: The keys a ``[[sources]]`` table may have, with their TOML types.
SOURCE_KEYS = {
    "name": str,
    "feed": str,
    "interval": int,
    "selector": str,
    "ignore": list,
    "sitemap": str,
    "front": str,
    "links": str,
    "terms": list,
}


def documented_keys() -> set[str]:
    """Every ``sources.key`` understood (tests compare it with the docs)."""
    return {f"sources.{k}" for k in SOURCE_KEYS}


def build_sources(raw: Any) -> tuple[Source, ...]:
    """The ``[[sources]]`` array as ``Source`` values, checked; ``ConfigError`` when invalid."""
    if not isinstance(raw, list):
        raise ConfigError("[[sources]] must be an array of tables")
    sources: list[Source] = []
    seen: set[str] = set()
    for i, table in enumerate(raw):
        if not isinstance(table, Mapping):
            raise ConfigError(f"sources[{i}] must be a table")
        for key in table:
            if key not in SOURCE_KEYS:
                log.warning("unknown config key %r ignored", f"sources[{i}].{key}")
        name, feed = table.get("name"), table.get("feed")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"sources[{i}]: 'name' is required")
        listings = discovery_keys(name, table)  # sitemap, front and links (versiontrack.harvest)
        if (feed is not None or not listings) and (
            not isinstance(feed, str) or not feed.startswith(("http://", "https://"))
        ):
            raise ConfigError(f"source {name!r}: 'feed' must be an http(s) URL")
        if name in seen:
            raise ConfigError(f"source {name!r} is defined twice")
        seen.add(name)
        interval = table.get("interval")
        if interval is not None and (not isinstance(interval, int) or interval <= 0):
            raise ConfigError(f"source {name!r}: 'interval' must be a positive number of seconds")
        sources.append(
            Source(
                name=name,
                feed=feed,
                interval=interval,
                selector=_selector(name, table.get("selector")),
                ignore=_patterns(name, table.get("ignore", [])),
                **listings,
                terms=outputs_config.terms_list(f"source {name!r}: terms", table.get("terms", [])),
            )
        )
    return tuple(sources)


def discovery_keys(source: str, table: Mapping[str, Any]) -> dict[str, str]:
    """A source's ``sitemap``, ``front`` and ``links``, checked: URLs must be http(s), ``front``
    and ``links`` come together and ``links`` must compile."""
    found: dict[str, str] = {}
    for key in ("sitemap", "front"):
        value = table.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.startswith(("http://", "https://")):
            raise ConfigError(f"source {source!r}: {key!r} must be an http(s) URL")
        found[key] = value
    links = table.get("links")
    if ("front" in found) != (links is not None):
        raise ConfigError(f"source {source!r}: 'front' and 'links' go together")
    if links is not None:
        if not isinstance(links, str) or not links:
            raise ConfigError(f"source {source!r}: 'links' must be a regular expression")
        try:
            re.compile(links)
        except re.error as exc:
            raise ConfigError(f"source {source!r}: invalid links pattern {links!r}: {exc}") from exc
        found["links"] = links
    return found


def _selector(source: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"source {source!r}: 'selector' must be a CSS selector string")
    try:
        cssselect.GenericTranslator().css_to_xpath(value)
    except cssselect.SelectorError as exc:
        raise ConfigError(f"source {source!r}: invalid CSS selector {value!r}: {exc}") from exc
    return value


def _patterns(source: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"source {source!r}: 'ignore' must be a list of regular expressions")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"source {source!r}: invalid ignore pattern {pattern!r}: {exc}"
            ) from exc
    return tuple(value)
