from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

import pytest

from versiontrack.errors import ConfigError
from versiontrack.settings import documented_keys, load_settings, settings_from_dict

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    s = load_settings(env={}, cwd=tmp_path)
    assert s.database.url == "sqlite:///versiontrack.db"
    assert (s.server.host, s.server.port) == ("127.0.0.1", 8080)
    assert s.server.public_url == "http://127.0.0.1:8080"
    assert s.fetch.timeout == 20
    assert s.fetch.max_bytes == 5_000_000
    assert s.fetch.user_agent.startswith("versiontrack/")
    assert s.sources == ()
    assert s.config_path is None


def test_default_file_in_cwd_is_read(tmp_path: Path) -> None:
    (tmp_path / "versiontrack.toml").write_text(
        '[database]\nurl = "sqlite:///other.db"\n'
        '[[sources]]\nname = "g"\nfeed = "https://example.org/rss"\ninterval = 300\n'
    )
    s = load_settings(env={}, cwd=tmp_path)
    assert s.database.url == "sqlite:///other.db"
    assert [(x.name, x.feed, x.interval) for x in s.sources] == [
        ("g", "https://example.org/rss", 300)
    ]


def test_env_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[fetch]\ntimeout = 3\n")
    s = load_settings(
        path,
        env={"VERSIONTRACK_FETCH_TIMEOUT": "7.5", "VERSIONTRACK_DATABASE_URL": "sqlite:///e.db"},
    )
    assert s.fetch.timeout == 7.5
    assert s.database.url == "sqlite:///e.db"


def test_config_env_variable_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[server]\nport = 9000\n")
    assert load_settings(env={"VERSIONTRACK_CONFIG": str(path)}, cwd=tmp_path).server.port == 9000


def test_unknown_keys_warn_and_name_the_key(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        settings_from_dict(
            {
                "fetch": {"timeout": 5, "shiny": 1},
                "telemetry": {},
                "sources": [{"name": "a", "feed": "https://x.org/f", "colour": "red"}],
            }
        )
    messages = [r.getMessage() for r in caplog.records]
    assert "unknown config key 'fetch.shiny' ignored" in messages
    assert "unknown config key 'telemetry' ignored" in messages
    assert "unknown config key 'sources[0].colour' ignored" in messages


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"server": {"port": "eighty"}}, "server.port: expected int"),
        ({"server": {"port": 0}}, "server.port out of range"),
        ({"fetch": {"timeout": -1}}, "fetch.timeout must be positive"),
        ({"database": {"url": "versiontrack.db"}}, "not a database URL"),
        ({"sources": [{"feed": "https://x.org/f"}]}, "'name' is required"),
        ({"sources": [{"name": "a", "feed": "ftp://x"}]}, "must be an http(s) URL"),
        (
            {
                "sources": [
                    {"name": "a", "feed": "https://x/f"},
                    {"name": "a", "feed": "https://y/f"},
                ]
            },
            "defined twice",
        ),
        ({"sources": [{"name": "a", "feed": "https://x/f", "interval": 0}]}, "'interval'"),
    ],
)
def test_invalid_values_are_config_errors(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        settings_from_dict(data)


def test_source_selector_and_ignore() -> None:
    s = settings_from_dict(
        {
            "sources": [
                {
                    "name": "x",
                    "feed": "https://x.org/f",
                    "selector": "div.article-body",
                    "ignore": ["^Updated \\d+ minutes ago$"],
                }
            ]
        }
    )
    assert s.sources[0].selector == "div.article-body"
    assert s.sources[0].ignore == ("^Updated \\d+ minutes ago$",)
    for bad, message in (
        ({"selector": "div[[["}, "invalid CSS selector"),
        ({"ignore": ["(unclosed"]}, "invalid ignore pattern"),
        ({"ignore": "^x$"}, "must be a list"),
    ):
        with pytest.raises(ConfigError, match=message):
            settings_from_dict({"sources": [{"name": "x", "feed": "https://x.org/f", **bad}]})


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", env={})


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[database\nurl = 1")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(path, env={})


def test_example_config_lists_every_key_with_its_default() -> None:
    data = tomllib.loads((ROOT / "config.example.toml").read_text())
    listed = {
        f"{section}.{key}"
        for section, table in data.items()
        if section != "sources"
        for key in table
    }
    listed |= {f"sources.{key}" for key in data["sources"][0]}
    text = (ROOT / "config.example.toml").read_text()
    for optional in ("interval", "selector", "ignore", "terms"):
        # the optional source keys are documented, commented out
        assert f"# {optional} = " in text
        listed.add(f"sources.{optional}")
    # so is every [[outputs]] key (an example output would send to nowhere)
    from versiontrack.outputs.config import OUTPUT_KEYS

    for key in OUTPUT_KEYS:
        assert f"# {key} = " in text, key
        listed.add(f"outputs.{key}")
    # so is check.workers, whose default is the machine's CPU count
    assert "# workers = " in text
    listed.add("check.workers")
    assert listed == documented_keys()
    defaults = settings_from_dict({})
    example = settings_from_dict(data)
    assert example.database == defaults.database
    assert example.server == defaults.server
    assert example.check == defaults.check
    assert example.fetch.timeout == defaults.fetch.timeout
    assert example.fetch.max_bytes == defaults.fetch.max_bytes


def test_check_workers_defaults_to_the_cpus_and_is_set_like_any_key(tmp_path: Path) -> None:
    import os

    assert settings_from_dict({}).check.workers == (os.cpu_count() or 1)
    assert settings_from_dict({"check": {"workers": 0}}).check.workers == 0
    env = {"VERSIONTRACK_CHECK_WORKERS": "3"}
    assert load_settings(env=env, cwd=tmp_path).check.workers == 3
    with pytest.raises(ConfigError, match=re.escape("check.workers: expected int")):
        settings_from_dict({"check": {"workers": "many"}})
    with pytest.raises(ConfigError, match=re.escape("check.workers must be 0 or more")):
        settings_from_dict({"check": {"workers": -1}})
