"""Watch terms (pure) and the ``[[outputs]]``/``[watch]`` config."""

from __future__ import annotations

import logging

import pytest

from versiontrack import watch
from versiontrack.domain import Diff, FieldChange, SentenceOp, Source
from versiontrack.errors import ConfigError
from versiontrack.outputs.enqueue import delivery_id, wants
from versiontrack.settings import documented_keys, settings_from_dict


def op(kind: str, old: str | None, new: str | None) -> SentenceOp:
    return SentenceOp(kind, old, new, 0 if old else None, 0 if new else None, "")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("diff", "terms", "matched"),
    [
        (Diff(ops=(op("added", None, "Troops reached Kursk's border."),)), ["kursk"], ["kursk"]),
        (Diff(ops=(op("removed", "Kim Jong-un spoke.", None),)), ["Kim"], ["Kim"]),
        (Diff(ops=(op("added", None, "Kimberley Process talks."),)), ["Kim"], []),
        (Diff(ops=(op("edited", "Seoul said so.", "Officials said so."),)), ["Seoul"], ["Seoul"]),
        (Diff(ops=(op("moved", "Kursk is far.", "Kursk is far."),)), ["Kursk"], []),
        (
            Diff(fields=(FieldChange("headline", "A", "Body  bags warning", ""),)),
            ["body bags"],
            ["body bags"],
        ),
        (Diff(ops=(op("added", None, "Nothing here."),)), [], []),
        (
            Diff(ops=(op("added", None, "Kursk and Seoul."),)),
            ["Seoul", "Kursk", "Seoul"],
            ["Seoul", "Kursk"],
        ),
    ],
)
def test_matched_terms(diff: Diff, terms: list[str], matched: list[str]) -> None:
    assert watch.matched_terms(diff, terms) == matched


def test_flags_use_watch_and_source_terms() -> None:
    diff = Diff(ops=(op("added", None, "A statement from Pyongyang."),))
    source = Source("wire", "https://x.example/f", terms=("Pyongyang",))
    assert watch.flags(diff, (), source) == {"terms"}
    assert watch.flags(diff, ("Seoul",), Source("other", "https://y.example/f")) == set()
    assert watch.flags(diff, ("pyongyang",), None) == {"terms"}


def test_parse_terms() -> None:
    assert watch.parse_terms("Kursk, body bags,,Kursk") == ("Kursk", "body bags")
    assert watch.parse_terms(None) == ()
    assert watch.parse_terms(["a", " "]) == ("a",)


def test_outputs_config_is_typed() -> None:
    s = settings_from_dict(
        {
            "watch": {"terms": ["Kursk"]},
            "sources": [{"name": "wire", "feed": "https://x.example/f", "terms": ["Seoul"]}],
            "outputs": [
                {"name": "hook", "type": "webhook", "url": "https://h.example/", "secret": "x"},
                {
                    "name": "toot",
                    "type": "mastodon",
                    "instance": "https://m.example",
                    "token": "t",
                    "min": "headline",
                    "flags": ["numbers"],
                    "per_minute": 5,
                },
                {
                    "name": "sky",
                    "type": "bluesky",
                    "handle": "a.example",
                    "app_password": "secret-pw",
                },
                {
                    "name": "chat",
                    "type": "apprise",
                    "urls": ["ntfy://topic"],
                    "sources": ["wire"],
                    "terms": ["Kim"],
                },
            ],
        }
    )
    assert s.watch.terms == ("Kursk",) and s.sources[0].terms == ("Seoul",)
    hook, toot, sky, chat = s.outputs
    assert (hook.url, hook.secret, hook.min, hook.per_minute) == (
        "https://h.example/",
        "x",
        "minor",
        20,
    )
    assert (toot.min, toot.flags, toot.per_minute) == ("headline", ("numbers",), 5)
    assert sky.service == "https://bsky.social"
    assert (chat.urls, chat.sources, chat.terms) == (("ntfy://topic",), ("wire",), ("Kim",))
    assert chat.target == "ntfy://…" and "secret-pw" not in sky.target  # no secrets shown
    assert {"outputs.per_minute", "outputs.app_password", "watch.terms", "sources.terms"} <= (
        documented_keys()
    )


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ([{"type": "webhook", "url": "https://h/"}], "'name' is required"),
        ([{"name": "a", "type": "pigeon"}], "'type' must be one of webhook, apprise"),
        ([{"name": "a", "type": "webhook"}], "type webhook needs 'url'"),
        ([{"name": "a", "type": "webhook", "url": "ftp://x"}], "'url' must be an http"),
        ([{"name": "a", "type": "mastodon", "instance": "https://m"}], "needs 'token'"),
        ([{"name": "a", "type": "apprise", "urls": "json://x"}], "'urls' must be a list"),
        ([{"name": "a", "type": "webhook", "url": "https://h", "min": "loud"}], "'min' must be"),
        ([{"name": "a", "type": "webhook", "url": "https://h", "flags": ["x"]}], "unknown flag x"),
        ([{"name": "a", "type": "webhook", "url": "https://h", "per_minute": 0}], "at least 1"),
        ([{"name": "a", "type": "webhook", "url": "https://h"}] * 2, "defined twice"),
        ({"name": "a"}, "array of tables"),
    ],
)
def test_bad_outputs_are_one_line_errors(outputs: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from_dict({"outputs": outputs})


def test_bad_watch_terms_and_unknown_output_keys(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ConfigError, match=r"watch\.terms must be a list of non-empty strings"):
        settings_from_dict({"watch": {"terms": "Kursk"}})
    with pytest.raises(ConfigError, match="source 'a': terms must be a list"):
        settings_from_dict({"sources": [{"name": "a", "feed": "https://x/f", "terms": [""]}]})
    with caplog.at_level(logging.WARNING):
        settings_from_dict(
            {"outputs": [{"name": "a", "type": "webhook", "url": "https://h", "colour": 1}]}
        )
    assert "unknown config key 'outputs[0].colour' ignored" in caplog.messages


def test_output_filters() -> None:
    s = settings_from_dict(
        {
            "outputs": [
                {"name": "all", "type": "webhook", "url": "https://h"},
                {"name": "loud", "type": "webhook", "url": "https://h", "min": "headline"},
                {"name": "num", "type": "webhook", "url": "https://h", "flags": ["numbers"]},
                {"name": "src", "type": "webhook", "url": "https://h", "sources": ["wire"]},
                {"name": "kim", "type": "webhook", "url": "https://h", "terms": ["Kim"]},
                {"name": "health", "type": "webhook", "url": "https://h", "flags": ["health"]},
            ]
        }
    )
    diff = Diff(ops=(op("edited", "Kim had 10 troops.", "Kim had 12 troops."),))
    wanted = [
        o.name
        for o in s.outputs
        if wants(o, level=2, flags=["numbers", "substantive"], source="wire", diff=diff)
    ]
    assert wanted == ["all", "num", "src", "kim"]
    assert [
        o.name for o in s.outputs if wants(o, level=0, flags=[], source="wire", diff=diff)
    ] == []
    assert delivery_id(7, "all") == delivery_id(7, "all") != delivery_id(7, "loud")
    assert delivery_id(7, "all").startswith("vt-7-")
