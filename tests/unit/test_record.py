"""Records behave as the frozen dataclasses they replace: the same constructor, equality,
hash, repr, copies and JSON form, and assignment refused."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any, ClassVar

import pytest

from ci_agent.json_form import json_meta, to_json
from ci_agent.record import FrozenRecordError, Record, fill, replace


class Point(Record):
    """A record with a renamed field and one the JSON leaves out."""

    JSON_FIELDS: ClassVar = {"tag": json_meta(key="label"), "extra": json_meta(omit=True)}
    __slots__ = FIELDS = ("x", "y", "tag", "extra")

    x: int
    y: int
    tag: str
    extra: Any

    def __init__(self, x: int, y: int = 0, tag: str = "", extra: Any = None) -> None:
        fill(self, x, y, tag, extra)


@dataclasses.dataclass(frozen=True)
class Point2:
    """The same fields as a frozen dataclass, named so its repr reads as the record's."""

    x: int
    y: int = 0
    tag: str = dataclasses.field(default="", metadata=json_meta(key="label"))
    extra: Any = dataclasses.field(default=None, metadata=json_meta(omit=True))


Point2.__qualname__ = "Point"


class Step(Record, frozen=False):
    """A record whose fields change after construction."""

    __slots__ = FIELDS = ("number", "failed")

    number: int
    failed: bool

    def __init__(self, number: int, failed: bool = False) -> None:
        fill(self, number, failed)


CASES = [(1,), (1, 2), (1, 2, "a"), (3, 4, "b", [1, 2])]


@pytest.mark.parametrize("args", CASES)
def test_as_a_frozen_dataclass(args: tuple[Any, ...]) -> None:
    """Repr, equality, hash (of hashable values) and JSON form are the dataclass's."""
    record, data = Point(*args), Point2(*args)
    assert repr(record) == repr(data)
    assert to_json(record) == to_json(data)
    assert list(to_json(record)) == list(to_json(data))
    assert record == Point(*args) and record != Point(9, *args[1:])
    assert record != data  # another class: as a dataclass, never equal
    if not isinstance(record.extra, list):
        assert hash(record) == hash(Point(*args))
        assert hash(record) == hash(data)  # both hash the tuple of their fields
    else:
        with pytest.raises(TypeError):
            hash(record)


def test_assignment_is_refused() -> None:
    """A frozen record's fields cannot be assigned or deleted, nor a new attribute added."""
    record = Point(1)
    for action in (
        lambda: setattr(record, "x", 2),
        lambda: delattr(record, "x"),
        lambda: setattr(record, "z", 1),
    ):
        with pytest.raises(FrozenRecordError):
            action()
    assert record.x == 1
    assert isinstance(FrozenRecordError("x"), AttributeError)


def test_copies_and_pickles() -> None:
    """copy, deepcopy and pickle give an equal record of the same class."""
    record = Point(1, 2, "t", [1])
    for made in (
        copy.copy(record),
        copy.deepcopy(record),
        pickle.loads(pickle.dumps(record)),  # noqa: S301  (bytes made here)
    ):
        assert type(made) is Point and made == record and made is not record


def test_replace() -> None:
    """replace changes the named fields of a record, or of a dataclass, and refuses others."""
    record = Point(1, 2, "t")
    assert replace(record, y=5) == Point(1, 5, "t")
    assert record == Point(1, 2, "t")
    assert replace(Point2(1), tag="u") == Point2(1, 0, "u")
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(record, z=1)
    with pytest.raises(TypeError):
        replace(Point2(1), z=1)


def test_a_mutable_record() -> None:
    """frozen=False: fields assigned after construction, compared, and no hash."""
    step = Step(1)
    step.failed = True
    assert step == Step(1, True) and repr(step) == "Step(number=1, failed=True)"
    with pytest.raises(TypeError):
        hash(step)


def test_constructor_fields_in_order() -> None:
    """fill takes exactly the fields' number of values."""
    with pytest.raises(ValueError):
        fill(Point(1), 1, 2)
