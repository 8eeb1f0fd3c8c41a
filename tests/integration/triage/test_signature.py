"""Signatures: the same failure run twice (other directories, timestamps, durations, object
addresses) has one signature; a different failure has another."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from .conftest import CALC, CONFTEST, Project
from .joblog import START

FAILING = """\
import time


class Thing:
    pass


def test_thing():
    time.sleep(0.01)
    assert Thing() is None


def test_file():
    raise ValueError(f"cannot parse {__file__}")
"""


def make(root: Path, tests: str = FAILING) -> Project:
    project = Project(root)
    project.write("src/calc.py", CALC)
    project.write("tests/conftest.py", CONFTEST)
    project.write("tests/test_things.py", tests)
    return project


def test_the_same_failure_twice_has_one_signature(tmp_path: Path) -> None:
    first = make(tmp_path / "a" / "proj")
    second = make(tmp_path / "b" / "elsewhere" / "proj")
    one = first.pytest("tests")
    other = second.pytest("tests")
    assert one.output != other.output, "paths, addresses and durations differ"
    [a] = first.triage(one).jobs
    [b] = second.triage(other, start=START + timedelta(hours=5), tick=timedelta(seconds=1)).jobs
    assert (
        a.failing_tests
        == b.failing_tests
        == (
            "tests/test_things.py::test_thing",
            "tests/test_things.py::test_file",
        )
    )
    assert "0x" in a.failures[0].message and str(first.root) in a.failures[1].message
    assert a.signature == b.signature


def test_a_different_failure_has_another_signature(tmp_path: Path) -> None:
    base = make(tmp_path / "a" / "proj")
    [reference] = base.triage(base.pytest("tests")).jobs
    value = make(tmp_path / "b" / "proj", FAILING.replace("is None", "is 1"))
    [changed] = value.triage(value.pytest("tests")).jobs
    other_test = make(tmp_path / "c" / "proj", FAILING.replace("def test_file", "def test_path"))
    [renamed] = other_test.triage(other_test.pytest("tests")).jobs
    assert len({reference.signature, changed.signature, renamed.signature}) == 3
