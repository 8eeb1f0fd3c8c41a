"""The one serializer of result values: frozen dataclasses and records into JSON-able data.

A dataclass's JSON form is its fields in declaration order (a record's: its ``FIELDS``, see
:mod:`ci_agent.record`), each value converted the same way (dataclasses, records, mappings,
lists and tuples, enums, paths). The few shapes that differ say so on the class itself: field
metadata made by :func:`json_meta` (a record's ``JSON_FIELDS``) renames a key, converts a value
(rounding, pairs into objects), leaves a field out or spreads a nested object's keys into its
parent; a ``JSON_KEYS`` class attribute lists the keys in the order the JSON has them: a name
is a field's key or a property's (a derived value), a ``(key, getter)`` pair computes a value
from the instance, and a value that is :data:`OMIT` leaves its key out. The JSON shapes are part
of the interface (docs/cli.md, docs/result.schema.json): tests pin them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from enum import Enum
from pathlib import PurePath
from typing import Any

from ci_agent.record import Record

__all__ = ["OMIT", "JsonKey", "json_meta", "rounded", "to_json"]

# The metadata key of a field's JSON options (dataclasses keep metadata per field).
_META = "ci_agent.json_form"


class _Options:
    """How one field appears in the JSON form (never changed once made; a plain class, since
    every command loads this module and a dataclass costs its build at each start)."""

    __slots__ = ("convert", "key", "omit", "spread")

    def __init__(
        self,
        key: str | None = None,
        convert: Callable[[Any], Any] | None = None,
        omit: bool = False,
        spread: bool = False,
    ) -> None:
        self.key = key
        self.convert = convert
        self.omit = omit
        self.spread = spread


_PLAIN = _Options()


class _Omit:
    """The type of :data:`OMIT`."""

    def __repr__(self) -> str:
        return "OMIT"


# What a getter returns for a key the JSON leaves out (e.g. an optional part not set).
OMIT = _Omit()
# One entry of ``JSON_KEYS``: a field's or property's name, or a key and the getter of its value.
JsonKey = str | tuple[str, Callable[[Any], Any]]


def json_meta(
    *,
    key: str | None = None,
    convert: Callable[[Any], Any] | None = None,
    omit: bool = False,
    spread: bool = False,
) -> dict[str, Any]:
    """Field metadata for ``dataclasses.field(metadata=...)`` or a record's ``JSON_FIELDS``:
    the JSON key (default: the field's
    name), a conversion applied before the usual one, leaving the field out, or merging the
    value's own keys into the parent object."""
    return {_META: _Options(key, convert, omit, spread)}


def rounded(places: int) -> Callable[[float], float]:
    """A conversion that rounds a number (seconds to ms, dollars to micro-dollars)."""

    def convert(value: float) -> float:
        return round(value, places)

    return convert


def to_json(value: Any) -> Any:
    """``value`` as JSON-able data; a value of a kind it does not know is returned as it is
    (``json.dumps(..., default=str)`` then writes it as text)."""
    if isinstance(value, Enum):  # before str: a StrEnum member becomes its plain value
        return to_json(value.value)
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Record):
        return _object(value)
    # What dataclasses.is_dataclass asks, without importing the module (records need none).
    if hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type):
        return _object(value)
    if isinstance(value, Mapping):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(to_json(item) for item in value)
    if isinstance(value, PurePath):
        return str(value)
    return value


def _fields(cls: type[Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each field's name and metadata, in order: a record's own, else the dataclass's."""
    if issubclass(cls, Record):
        for name in cls.FIELDS:
            yield name, cls.JSON_FIELDS.get(name, {})
        return
    import dataclasses  # loaded already: a dataclass was built with it

    for item in dataclasses.fields(cls):
        yield item.name, item.metadata


# Each class's fields by JSON key and its key order, made at its first instance (a class's
# fields never change; tens of thousands of failures share one).
_LAYOUTS: dict[type, tuple[dict[str, tuple[str, _Options]], tuple[JsonKey, ...]]] = {}


def _layout(cls: type) -> tuple[dict[str, tuple[str, _Options]], tuple[JsonKey, ...]]:
    """``cls``'s fields by JSON key (name and options) and its keys in JSON order."""
    by_key: dict[str, tuple[str, _Options]] = {}
    for name, metadata in _fields(cls):
        options: _Options = metadata.get(_META, _PLAIN)
        if not options.omit:
            by_key[options.key or name] = (name, options)
    layout = by_key, getattr(cls, "JSON_KEYS", tuple(by_key))
    _LAYOUTS[cls] = layout
    return layout


def _object(instance: Any) -> dict[str, Any]:
    """A dataclass's or record's JSON object, by its fields' metadata and its ``JSON_KEYS``."""
    cls = type(instance)
    by_key, order = _LAYOUTS.get(cls) or _layout(cls)
    found: dict[str, Any] = {}
    for entry in order:
        if isinstance(entry, tuple):
            key, getter = entry
            options, value = _PLAIN, getter(instance)
        else:
            # A key that is not a field's is a property's: a value derived from the fields.
            key = entry
            attribute, options = by_key.get(key, (key, _PLAIN))
            value = getattr(instance, attribute)
        if options.convert is not None and value is not None:
            value = options.convert(value)
        if value is OMIT:
            continue
        value = to_json(value)
        if options.spread:
            found.update(value)
        else:
            found[key] = value
    return found
