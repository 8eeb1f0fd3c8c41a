"""JUnit XML: pytest's (both families) and jest-junit's reports; invalid files are CA132."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.triage.junit import case_id, read_junit

PYTEST_XUNIT2 = """\
<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="1" failures="1" skipped="0"
 tests="3" time="0.05" timestamp="2026-11-21T10:00:00.000000+00:00" hostname="runner">
<testcase classname="tests.test_calc" name="test_add" time="0.001"><failure
 message="assert 3 == 4&#10; +  where 3 = add(1, 2)">def test_add():
&gt;       assert add(1, 2) == 4
E       assert 3 == 4

tests/test_calc.py:6: AssertionError</failure></testcase>
<testcase classname="tests.test_calc.TestGroup" name="test_param[a - b]" time="0.001"><error
 message="failed on setup with &quot;RuntimeError: boom&quot;">@pytest.fixture
    def broken():
&gt;       raise RuntimeError("boom")
E       RuntimeError: boom

tests/conftest.py:7: RuntimeError</error></testcase>
<testcase classname="tests.test_calc" name="test_ok" time="0.001" />
</testsuite></testsuites>
"""
JEST_JUNIT = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="2" failures="1" errors="0" time="1.2">
  <testsuite name="math" errors="0" failures="1" skipped="0" timestamp="2026-11-21T10:00:00"
   time="0.5" tests="2">
    <testcase classname="math adds numbers" name="math adds numbers" time="0.003">
      <failure>Error: expect(received).toBe(expected) // Object.is equality

Expected: 4
Received: 3
    at Object.toBe (/home/runner/work/app/app/src/sum.test.js:5:23)</failure>
    </testcase>
    <testcase classname="math subtracts" name="math subtracts" time="0.001"/>
  </testsuite>
</testsuites>
"""


def test_pytest_report(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(PYTEST_XUNIT2)
    found = read_junit(path)
    assert [(f.test_id, str(f.location), f.message) for f in found] == [
        ("tests/test_calc.py::test_add", "tests/test_calc.py:6", "assert 3 == 4"),
        (
            "tests/test_calc.py::TestGroup::test_param[a - b]",
            "tests/conftest.py:7",
            'failed on setup with "RuntimeError: boom"',
        ),
    ]


def test_other_reports_keep_classname_and_name(tmp_path: Path) -> None:
    path = tmp_path / "jest.xml"
    path.write_text(JEST_JUNIT)
    [failure] = read_junit(path)
    assert failure.test_id == "math adds numbers.math adds numbers"
    assert failure.message == "Error: expect(received).toBe(expected) // Object.is equality"


@pytest.mark.parametrize(
    ("classname", "name", "file", "expected"),
    [
        ("tests.test_calc", "test_add", None, "tests/test_calc.py::test_add"),
        ("tests.test_calc.TestA.TestB", "test_x", None, "tests/test_calc.py::TestA::TestB::test_x"),
        (
            "tests.test_calc.TestA",
            "test_x",
            "tests/test_calc.py",
            "tests/test_calc.py::TestA::test_x",
        ),
        ("test_top", "test_x", None, "test_top.py::test_x"),
    ],
)
def test_pytest_node_ids(classname: str, name: str, file: str | None, expected: str) -> None:
    assert case_id(classname, name, file, pytest=True) == expected


def test_bad_reports(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<testsuite><testcase")
    with pytest.raises(CiAgentError) as caught:
        read_junit(broken)
    assert caught.value.code == "CA132"
    with pytest.raises(CiAgentError) as caught:
        read_junit(tmp_path / "missing.xml")
    assert caught.value.code == "CA130"
