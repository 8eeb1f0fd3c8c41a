"""Value classes that behave as dataclasses do, without the dataclasses module.

Importing :mod:`dataclasses` loads ``inspect``, ``ast`` and ``tokenize`` (about 10 ms) and
building each dataclass costs about 0.5 ms, at every start: the values of local triage
(``ci-agent triage --log``, which must start about as fast as ``grep``) are records instead.

A record names its fields in order in ``FIELDS`` (the order of its constructor, its repr, its
equality, its hash and its JSON form), stores them in slots, and sets them in its own typed
``__init__`` (its parameters named as the fields) with :func:`fill`. It compares, hashes,
prints, copies and pickles as a frozen dataclass with the same fields does (with
``frozen=False`` in its class statement, as a plain one does), and :func:`replace` makes a
changed copy of a record or of a dataclass. ``JSON_FIELDS`` holds
:func:`ci_agent.json_form.json_meta` options by field name, as dataclass field metadata would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

__all__ = ["FrozenRecordError", "Record", "fill", "replace"]

_set = object.__setattr__
_T = TypeVar("_T")
_R = TypeVar("_R", bound="Record")


class FrozenRecordError(AttributeError):
    """An assignment to a field of a frozen record (``dataclasses.FrozenInstanceError``'s
    counterpart, an ``AttributeError`` as that one is)."""


class Record:
    """Base of a value class: equality, hashing, repr, copying and immutability by ``FIELDS``."""

    __slots__ = ()

    FIELDS: ClassVar[tuple[str, ...]] = ()
    # JSON options by field name (json_meta's dicts); a field not named has the plain form.
    JSON_FIELDS: ClassVar[Mapping[str, dict[str, Any]]] = {}

    def __init_subclass__(cls, *, frozen: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not frozen:  # fields assigned after construction; unhashable, as a plain dataclass
            cls.__setattr__ = object.__setattr__  # type: ignore[method-assign,assignment]
            cls.__delattr__ = object.__delattr__  # type: ignore[method-assign]
            cls.__hash__ = None  # type: ignore[assignment]

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.FIELDS])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenRecordError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Through the constructor: slots have no __dict__ to restore and assignment is refused.
        return (_rebuild, (self.__class__, self._values()))


def _rebuild(cls: type[_R], values: tuple[Any, ...]) -> _R:
    """A record of ``cls`` from its fields' values in order (what pickling stores)."""
    return cls(**dict(zip(cls.FIELDS, values, strict=True)))


def fill(record: Record, *values: Any) -> None:
    """Set ``record``'s fields to ``values``, in ``FIELDS`` order (for its ``__init__``)."""
    for name, value in zip(record.FIELDS, values, strict=True):
        _set(record, name, value)


def replace(value: _T, /, **changes: Any) -> _T:
    """A copy of the record or dataclass ``value`` with ``changes`` (``dataclasses.replace``)."""
    if isinstance(value, Record):
        unknown = set(changes).difference(value.FIELDS)
        if unknown:
            raise TypeError(f"{type(value).__qualname__} has no field {min(unknown)!r}")
        kept = {name: getattr(value, name) for name in value.FIELDS if name not in changes}
        return type(value)(**kept, **changes)
    import dataclasses  # a dataclass's module is loaded already

    return dataclasses.replace(value, **changes)  # type: ignore[type-var]
