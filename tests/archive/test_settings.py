"""The ``[archive]`` settings: defaults, environment overrides, refusals."""

from __future__ import annotations

import pytest

from versiontrack.errors import ConfigError
from versiontrack.settings import settings_from_dict


def test_defaults_and_environment() -> None:
    a = settings_from_dict({}).archive
    assert (a.save, a.wayback_url, a.save_delay, a.retries, a.drain_time) == (
        False,
        "https://web.archive.org",
        10.0,
        5,
        30.0,
    )
    env = {"VERSIONTRACK_ARCHIVE_SAVE": "yes", "VERSIONTRACK_ARCHIVE_SECRET_KEY": "s"}
    a = settings_from_dict({"archive": {"access_key": "k"}}, env).archive
    assert (a.save, a.access_key, a.secret_key) == (True, "k", "s")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"wayback_url": "web.archive.org"}, "archive.wayback_url must be an http(s) URL"),
        ({"save": "ture"}, "archive.save: expected true or false"),
        ({"save_delay": -1}, "archive.save_delay must not be negative"),
        ({"retries": 0}, "archive.retries must be at least 1"),
        ({"timeout": 0}, "archive.timeout must be positive"),
        ({"access_key": "k"}, "archive.access_key and archive.secret_key go together"),
    ],
)
def test_bad_archive_settings_are_refused(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings_from_dict({"archive": table})
    assert str(raised.value).startswith(message)
