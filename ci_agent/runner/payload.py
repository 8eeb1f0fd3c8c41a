"""Type-checked reads from webhook payloads, which are JSON of no guaranteed shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["as_int", "as_str", "dig", "dig_str", "json_type_name", "obj"]

_JSON_TYPE_NAMES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
    type(None): "null",
}


def obj(value: object) -> Mapping[str, Any]:
    """The value if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def as_str(value: object) -> str | None:
    """The value if it is a string, else None."""
    return value if isinstance(value, str) else None


def as_int(value: object) -> int | None:
    """The value if it is an integer (not a boolean), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dig(value: object, *keys: str) -> object:
    """Follow keys through nested objects; None as soon as one is missing."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def dig_str(value: object, *keys: str) -> str | None:
    """:func:`dig`, then :func:`as_str`."""
    return as_str(dig(value, *keys))


def json_type_name(value: object) -> str:
    """The JSON name of a parsed value's type (``array``, ``string``...)."""
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)
