"""The one serializer: dataclasses into JSON-able data, with renames, conversions, omissions,
spread objects, key order and derived values declared on the classes."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import ClassVar

from ci_agent.config_source import ConfigSource
from ci_agent.json_form import OMIT, json_meta, rounded, to_json
from ci_agent.metrics import Metrics


class Color(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class Inner:
    a: int
    b: str = "x"


@dataclass(frozen=True)
class Plain:
    number: int
    text: str
    items: tuple[Inner, ...] = ()
    mapping: dict[str, Inner] = field(default_factory=dict)
    maybe: Inner | None = None
    color: Color = Color.RED
    path: Path = Path("/tmp/p")
    tags: frozenset[str] = frozenset({"b", "a"})


@dataclass(frozen=True)
class Shaped:
    JSON_KEYS: ClassVar = ("name", "ok", "seconds", "inner")

    kind: str = field(metadata=json_meta(key="name"))
    seconds: float = field(metadata=json_meta(convert=rounded(3)))
    secret: str = field(default="hidden", metadata=json_meta(omit=True))
    inner: Inner | None = field(default=None, metadata=json_meta(convert=lambda i: [i.a]))

    @property
    def ok(self) -> bool:
        return self.seconds < 1


@dataclass(frozen=True)
class Spread:
    JSON_KEYS: ClassVar = ("first", "inner", "last")

    first: int
    inner: Inner = field(metadata=json_meta(spread=True))
    last: int = 9


def test_plain_values_pass_through() -> None:
    assert [to_json(v) for v in (None, True, 3, 1.5, "s")] == [None, True, 3, 1.5, "s"]


def test_a_dataclass_is_its_fields_in_order_converted_all_the_way_down() -> None:
    value = Plain(1, "t", (Inner(2),), {"k": Inner(3, "y")}, None)
    data = to_json(value)
    assert data == {
        "number": 1,
        "text": "t",
        "items": [{"a": 2, "b": "x"}],
        "mapping": {"k": {"a": 3, "b": "y"}},
        "maybe": None,
        "color": "red",
        "path": str(Path("/tmp/p")),
        "tags": ["a", "b"],
    }
    assert list(data) == ["number", "text", "items", "mapping", "maybe", "color", "path", "tags"]
    json.dumps(data)  # JSON-able as it is


def test_renames_conversions_omissions_order_and_derived_values() -> None:
    data = to_json(Shaped("k", 0.123456, inner=Inner(4)))
    assert data == {"name": "k", "ok": True, "seconds": 0.123, "inner": [4]}
    assert list(data) == ["name", "ok", "seconds", "inner"]
    assert "secret" not in data


def test_a_conversion_is_not_applied_to_none() -> None:
    assert to_json(Shaped("k", 2.0))["inner"] is None


def test_a_spread_field_merges_its_keys_into_the_parent() -> None:
    assert to_json(Spread(1, Inner(2, "z"))) == {"first": 1, "a": 2, "b": "z", "last": 9}


class Level(enum.StrEnum):
    HIGH = "high"


def test_a_str_enum_member_becomes_a_plain_string() -> None:
    value = to_json(Level.HIGH)
    assert value == "high" and type(value) is str


def test_an_unknown_kind_of_value_is_left_to_the_caller() -> None:
    marker = object()
    assert to_json([marker]) == [marker]
    assert to_json(PurePosixPath("a/b")) == "a/b"


def test_the_config_source_json_keeps_its_documented_keys() -> None:
    data = to_json(ConfigSource(kind="base", ref="abc", head_copy="differs", required=True))
    assert list(data) == [
        "source",
        "path",
        "found",
        "ref",
        "reason",
        "checkout_copy",
        "templates",
        "checkout_templates_ignored",
        "cut",
        "note",
    ]
    assert data["source"] == "base" and data["checkout_copy"] == "differs"
    assert data["note"].startswith("config: defaults (no .github/ci-agent.yml at base abc")


def test_the_metrics_snapshot_is_the_envelopes_metrics_object() -> None:
    metrics = Metrics()
    metrics.count_api_call("GET /x", remaining=7)
    metrics.count_llm(3, 4, 0.00000049)
    snapshot = metrics.snapshot()
    assert snapshot.api_calls.total == 1
    assert to_json(snapshot) == {
        "durations_s": {},
        "api_calls": {"total": 1, "by_endpoint": {"GET /x": 1}, "rate_limit_remaining": 7},
        "llm": {"requests": 1, "tokens_in": 3, "tokens_out": 4, "cost_usd": 0.0},
    }


@dataclass(frozen=True)
class Computed:
    JSON_KEYS: ClassVar = (
        "mode",
        ("base", lambda c: c.base or OMIT),
        ("head", lambda c: c.head if c.base else OMIT),
        ("span", lambda c: [c.start, c.end]),
    )

    mode: str
    base: str | None = None
    head: str = "HEAD"
    start: int = 1
    end: int = 2


def test_getters_compute_values_and_omit_leaves_keys_out() -> None:
    assert to_json(Computed("all")) == {"mode": "all", "span": [1, 2]}
    assert to_json(Computed("base", "abc")) == {
        "mode": "base",
        "base": "abc",
        "head": "HEAD",
        "span": [1, 2],
    }
    assert repr(OMIT) == "OMIT"
