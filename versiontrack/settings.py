"""One typed ``Settings`` object: built-in defaults → TOML file → ``VERSIONTRACK_*`` env.

Settings are loaded once at start-up, validated, and passed explicitly; no module reads a
global. Unknown keys are reported as warnings (later versions add keys, and an old binary must
still start with a newer config); invalid values raise ``ConfigError``.

Environment overrides use ``VERSIONTRACK_<SECTION>_<KEY>``, e.g. ``VERSIONTRACK_DATABASE_URL``
or ``VERSIONTRACK_FETCH_TIMEOUT``.

This module owns the sections (one frozen dataclass each), loading and validation; the
``[[sources]]`` tables are read by :mod:`versiontrack.source_config`, ``[[outputs]]`` and
``[watch]`` by :mod:`versiontrack.outputs.config`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from versiontrack import __version__, source_config
from versiontrack.domain import Source
from versiontrack.errors import ConfigError
from versiontrack.outputs import config as outputs_config

log = logging.getLogger(__name__)

DEFAULT_CONFIG_FILE = "versiontrack.toml"
ENV_CONFIG = "VERSIONTRACK_CONFIG"
ENV_PREFIX = "VERSIONTRACK_"


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = "sqlite:///versiontrack.db"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"


@dataclass(frozen=True, slots=True)
class FetchSettings:
    user_agent: str = f"versiontrack/{__version__} (+https://example.org/versiontrack)"
    timeout: float = 20.0  # seconds, for reading; connecting gets the smaller of this and 10 s
    # seconds one fetch may take in all (connecting, reads, redirects, retries); 0: 3 × timeout
    deadline: float = 0.0
    max_bytes: int = 5_000_000
    max_redirects: int = 10
    concurrency: int = 8  # requests in flight at once, all hosts together
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0  # seconds between the starts of two requests to one host
    retries: int = 2  # extra attempts after a timeout, 5xx or 429
    retry_backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_retry_after: float = 120.0  # a longer Retry-After fails the check (rescheduled later)
    robots: bool = True  # obey robots.txt
    allow_private: bool = False  # allow loopback/private/link-local addresses (tests, demo)

    @property
    def request_deadline(self) -> float:
        """The total seconds one ``Fetcher.get`` may spend in requests (``deadline`` or 3×)."""
        return self.deadline or 3 * self.timeout


@dataclass(frozen=True, slots=True)
class CheckSettings:
    interval: int = 600  # seconds until a new or just-changed article is checked again
    backoff: float = 1.5  # each unchanged (or failed) check multiplies the interval by this
    max_interval: int = 86_400  # the interval never grows beyond this many seconds
    retire_after_quiet: int = 30  # days unchanged before an article is no longer checked
    retire_after_age: int = 90  # days since first seen before an article is no longer checked
    collapse_ratio: float = 0.2  # a body under this share of the previous one is a broken page
    # checks in a row that may skip extraction because the article's region of the page is
    # unchanged (versiontrack.fingerprint); the next one extracts in full. 0: always extract.
    fingerprint_skips: int = 20
    # how many cores a pass uses: checking processes of a big `check` pass (versiontrack.shards)
    # or page-reading processes (versiontrack.readers); 0 or 1 keeps everything in one process
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class FeedSettings:
    min_significance: str = "minor"  # minor | substantive | headline: what feeds include


@dataclass(frozen=True, slots=True)
class DaemonSettings:
    feed_interval: int = 600  # seconds between polls of a source feed (unless it sets its own)
    feed_jitter: int = 60  # up to this many seconds added to each poll, so feeds spread out
    tick: float = 5.0  # seconds between claims of due articles
    batch: int = 20  # articles claimed per tick
    lease: int = 300  # seconds a claim is held before another worker may take it over
    shutdown_timeout: float = 10.0  # seconds in-flight checks get to finish on SIGTERM
    log_level: str = "INFO"


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    # after a new version is stored, ask the Wayback Machine's Save Page Now for a capture
    save: bool = False
    # the Wayback Machine: CDX API, replay (``import wayback``) and Save Page Now
    wayback_url: str = "https://web.archive.org"
    timeout: float = 60.0  # seconds one request to the archive may take (SPN is slow)
    delay: float = 1.0  # seconds between two requests of an import (CDX, replays)
    save_delay: float = 10.0  # seconds between two Save Page Now requests (its rate limit)
    retries: int = 5  # Save Page Now attempts per version before it is given up
    retry_backoff: float = 60.0  # seconds before the first retry; doubles each time
    drain_time: float = 30.0  # seconds a `check` pass spends on the queue when it ends
    # the Internet Archive's S3-style API keys: Save Page Now through its SPN2 API
    access_key: str = ""
    secret_key: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    check: CheckSettings = field(default_factory=CheckSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    sources: tuple[Source, ...] = ()
    config_path: Path | None = None
    outputs: tuple[outputs_config.Output, ...] = ()  # [[outputs]] (versiontrack.outputs)
    watch: outputs_config.WatchSettings = field(default_factory=outputs_config.WatchSettings)

    def with_database(self, url: str) -> Settings:
        return replace(self, database=replace(self.database, url=url))


_SECTIONS: dict[str, type] = {
    "database": DatabaseSettings,
    "server": ServerSettings,
    "fetch": FetchSettings,
    "check": CheckSettings,
    "daemon": DaemonSettings,
    "feed": FeedSettings,
    "archive": ArchiveSettings,
}
_BOOLEANS = {
    **dict.fromkeys(("true", "1", "yes", "on"), True),
    **dict.fromkeys(("false", "0", "no", "off"), False),
}
#: Top-level keys that are not plain sections.
_SPECIAL = ("sources", "outputs", "watch")


def load_settings(
    path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
) -> Settings:
    """Load settings from ``path`` (or the default file, if it exists) and the environment.

    An explicitly named file that does not exist is an error; the default file is optional.
    """
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    named = path if path is not None else env.get(ENV_CONFIG)
    config_path: Path | None
    if named:
        config_path = Path(named)
        if not config_path.is_file():
            raise ConfigError(f"config file not found: {config_path}")
    else:
        candidate = cwd / DEFAULT_CONFIG_FILE
        config_path = candidate if candidate.is_file() else None

    data: dict[str, Any] = {}
    if config_path is not None:
        try:
            data = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {config_path}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML in {config_path}: {exc}") from exc
    return settings_from_dict(data, env, config_path=config_path)


def settings_from_dict(
    data: Mapping[str, Any],
    env: Mapping[str, str] | None = None,
    *,
    config_path: Path | None = None,
) -> Settings:
    """Build validated settings from parsed TOML data plus ``VERSIONTRACK_*`` overrides."""
    env = {} if env is None else env
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key in _SPECIAL:
            continue
        if key not in _SECTIONS:
            log.warning("unknown config key %r ignored", key)
            continue
        if not isinstance(value, Mapping):
            raise ConfigError(f"[{key}] must be a table")
        sections[key] = _build_section(key, _SECTIONS[key], value, env)
    for key, cls in _SECTIONS.items():
        if key not in sections:
            sections[key] = _build_section(key, cls, {}, env)
    sources = source_config.build_sources(data.get("sources", []))
    settings = Settings(
        sources=sources,
        config_path=config_path,
        outputs=outputs_config.build_outputs(data.get("outputs", [])),
        watch=outputs_config.build_watch(data.get("watch", {})),
        **sections,
    )
    _validate(settings)
    return settings


def _build_section(name: str, cls: type, table: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known:
            log.warning("unknown config key %r ignored", f"{name}.{key}")
            continue
        values[key] = _coerce(f"{name}.{key}", known[key], value)
    for key, f in known.items():
        env_key = f"{ENV_PREFIX}{name}_{key}".upper()
        if env_key in env:
            values[key] = _coerce(env_key, f, env[env_key])
    return cls(**values)


def _coerce(where: str, f: dataclasses.Field[Any], value: Any) -> Any:
    # the type of the default, also for a default computed at start-up (check.workers)
    has_factory = f.default_factory is not dataclasses.MISSING
    kind = type(f.default_factory() if has_factory else f.default)
    try:
        if kind is bool:
            if isinstance(value, bool):
                return value
            # a typo ("ture") must not silently flip a safety switch such as fetch.robots
            if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
                return _BOOLEANS[value.strip().lower()]
            raise ConfigError(
                f"{where}: expected true or false (or yes/no, on/off, 1/0), got {value!r}"
            )
        if kind is int and not isinstance(value, bool):
            return int(value)
        if kind is float and not isinstance(value, bool) and math.isfinite(float(value)):
            return float(value)  # "nan" would pass every range check below
        if kind is str and isinstance(value, str):
            return value
    except (TypeError, ValueError):
        pass
    raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}")


def _validate(s: Settings) -> None:
    if "://" not in s.database.url:
        raise ConfigError(f"database.url is not a database URL: {s.database.url!r}")
    if not 0 < s.server.port < 65536:
        raise ConfigError(f"server.port out of range: {s.server.port}")
    if not s.server.public_url.startswith(("http://", "https://")):
        raise ConfigError("server.public_url must be an http(s) URL")
    if s.fetch.timeout <= 0:
        raise ConfigError("fetch.timeout must be positive")
    if s.fetch.deadline < 0:
        raise ConfigError("fetch.deadline must not be negative (0: three times fetch.timeout)")
    if s.fetch.max_bytes <= 0:
        raise ConfigError("fetch.max_bytes must be positive")
    if s.fetch.concurrency < 1:
        raise ConfigError("fetch.concurrency must be at least 1")
    if s.fetch.max_redirects < 0:
        raise ConfigError("fetch.max_redirects must not be negative")
    if not s.fetch.user_agent.strip():
        raise ConfigError("fetch.user_agent must not be empty")
    if s.fetch.per_host_concurrency < 1:
        raise ConfigError("fetch.per_host_concurrency must be at least 1")
    for name in ("per_host_delay", "retry_backoff", "max_retry_after"):
        if getattr(s.fetch, name) < 0:
            raise ConfigError(f"fetch.{name} must not be negative")
    if s.fetch.retries < 0:
        raise ConfigError("fetch.retries must not be negative")
    if s.check.interval <= 0:
        raise ConfigError("check.interval must be positive")
    if s.check.backoff < 1:
        raise ConfigError("check.backoff must be at least 1")
    if s.check.max_interval < s.check.interval:
        raise ConfigError("check.max_interval must be at least check.interval")
    if s.check.retire_after_quiet <= 0 or s.check.retire_after_age <= 0:
        raise ConfigError("check.retire_after_quiet and check.retire_after_age must be positive")
    if s.feed.min_significance not in ("all", "minor", "substantive", "headline"):
        raise ConfigError("feed.min_significance must be all, minor, substantive or headline")
    d = s.daemon
    if d.feed_interval <= 0 or d.tick <= 0 or d.batch < 1 or d.lease <= 0:
        raise ConfigError("daemon.feed_interval, tick, batch and lease must be positive")
    if d.feed_jitter < 0 or d.shutdown_timeout < 0:
        raise ConfigError("daemon.feed_jitter and daemon.shutdown_timeout must not be negative")
    if d.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("daemon.log_level must be DEBUG, INFO, WARNING or ERROR")
    if not 0 <= s.check.collapse_ratio < 1:
        raise ConfigError("check.collapse_ratio must be in [0, 1)")
    if s.check.fingerprint_skips < 0:
        raise ConfigError("check.fingerprint_skips must be 0 or more")
    if s.check.workers < 0:
        raise ConfigError("check.workers must be 0 or more")
    _validate_archive(s.archive)


def _validate_archive(a: ArchiveSettings) -> None:
    if not a.wayback_url.startswith(("http://", "https://")):
        raise ConfigError("archive.wayback_url must be an http(s) URL")
    if a.timeout <= 0:
        raise ConfigError("archive.timeout must be positive")
    for name in ("delay", "save_delay", "retry_backoff", "drain_time"):
        if getattr(a, name) < 0:
            raise ConfigError(f"archive.{name} must not be negative")
    if a.retries < 1:
        raise ConfigError("archive.retries must be at least 1")
    if bool(a.access_key) != bool(a.secret_key):
        raise ConfigError("archive.access_key and archive.secret_key go together")


def documented_keys() -> set[str]:
    """Every ``section.key`` the settings understand (tests compare it with the docs)."""
    keys = {f"{name}.{f.name}" for name, cls in _SECTIONS.items() for f in fields(cls)}
    keys |= source_config.documented_keys()
    return keys | outputs_config.documented_keys()
