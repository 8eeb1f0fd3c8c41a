"""Validation errors of the configuration schema, told in the user's words.

The schema's validator reports errors as types and messages of its own ("valid tuple",
"instance of ReviewConfig"); these functions turn each one into what the file's author sees:
the key path in the file's spelling, what was given and what is expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["describe_value", "dotted", "expected", "key_path", "problem"]

KeyPath = tuple[str | int, ...]

# The validator's error type -> what the value must be, in plain words ({…} from its context).
_EXPECTED = {
    "missing": "is required",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "string_pattern_mismatch": "must match the pattern {pattern}",
    "string_too_short": "must be at least {min_length} character(s) long",
    "string_too_long": "must be at most {max_length} characters long",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a section (a mapping of keys)",
    "model_attributes_type": "must be a section (a mapping of keys)",
    "dataclass_type": "must be a section (a mapping of keys)",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "none_required": "must be empty (null)",
}


def key_path(loc: tuple[Any, ...]) -> KeyPath:
    """The mapping or value an error is about; for a bad key of a mapping, the mapping."""
    return tuple(loc[:-2]) if loc and loc[-1] == "[key]" else tuple(loc)


def dotted(loc: KeyPath) -> str:
    """``review.exclude[0]``: a key path as the file's author would write it."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(root)"


def expected(error: Mapping[str, Any]) -> str:
    """What the value must be, e.g. ``must be at least 1`` or ``must be one of 'a' or 'b'``."""
    kind = str(error.get("type", ""))
    context = {k: _plain(v) for k, v in (error.get("ctx") or {}).items()}
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return f"is not valid: {message.removeprefix('Value error, ')}"
    template = _EXPECTED.get(kind)
    one = str(context.get("expected", ""))
    if kind == "literal_error" and " or " not in one and ", " not in one:
        template = "must be {expected}"  # a single allowed value
    if template is None:  # a type this schema has not raised so far: keep its own sentence
        message = str(error.get("msg", "is not valid"))
        return f"is not valid: {message[:1].lower()}{message[1:]}"
    try:
        return template.format_map(context)
    except (KeyError, IndexError):
        return template.split(" {", 1)[0]


def problem(error: Mapping[str, Any]) -> str:
    """``must be a whole number, got 'x' (text)``: what is expected and what was given."""
    loc = tuple(error.get("loc", ()))
    text = expected(error)
    if loc and loc[-1] == "[key]":
        keys = text.replace("must be", "must each be", 1)
        return f"has the key {describe_value(loc[-2])}, but its keys {keys}"
    if error.get("type") in {"missing", "value_error"}:
        return text
    return f"{text}, got {describe_value(error.get('input'))}"


def describe_value(value: Any) -> str:
    """A short, quoted view of a YAML value with its kind: ``'abc' (text)``, ``a list``."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        kind = "a whole number" if isinstance(value, int) else "a number"
        return f"{value!r} ({kind})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else f"{value[:37]}..."
        return f"'{shown}' (text)"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key(s)"
    return f"a value of type {type(value).__name__}"


def _plain(value: Any) -> Any:
    """Context values as text the user can read (patterns and numbers as they are)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)  # "at least 0", not "at least 0.0"
    return value if isinstance(value, str | int | float) else str(value)
