"""Hundreds of failing tests in one real pytest run, with the report sections that come between
pytest's failures and its summary (warnings, passes): past the first failures those sections
are skipped to their closing rule, and nothing in them is taken for a result."""

from __future__ import annotations

import sys

import pytest

from ci_agent.json_form import to_json

from .conftest import Project

MANY = 260  # past the failures whose excerpt lines are kept (200): the sparse reading


def test_sections_between_failures_and_summary_hide_no_result(project: Project) -> None:
    project.write(
        "tests/test_many.py",
        """\
        import warnings

        import pytest


        @pytest.mark.parametrize("n", range(260))
        def test_many(n):
            warnings.warn(f"FAILED tests/test_fake.py::bogus_{n} - ERROR not a result")
            assert n < 0


        def test_passes():
            print("FAILED tests/test_fake.py::printed - ERROR not a result either")
        """,
    )
    result = project.triage(project.pytest("-rA", "tests"))
    [job] = result.jobs
    assert job.failing_tests == tuple(f"tests/test_many.py::test_many[{n}]" for n in range(MANY))
    assert [f.message for f in job.failures] == [f"assert {n} < 0" for n in range(MANY)]
    assert {str(f.location) for f in job.failures} == {"tests/test_many.py:9"}
    assert job.decision.rule == "kind" and job.decision.strategy == "patch"


def test_the_same_result_with_and_without_hyperscan(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("hyperscan")
    project.write(
        "tests/test_many.py",
        """\
        import logging

        import pytest


        @pytest.mark.parametrize("n", range(260))
        def test_many(n):
            logging.getLogger("shop").warning("batch %d: FAIL is only a word here", n)
            if n % 3:
                raise ValueError(f"bad batch {n}")
            assert n < 0


        def test_passes():
            print("ERROR printed by a passing test")
        """,
    )
    step = project.pytest("-rA", "-o", "log_cli=true", "tests")
    fast = project.triage(step)
    monkeypatch.setitem(sys.modules, "hyperscan", None)  # as if it were not installed
    plain = project.triage(step)
    assert to_json(fast) == to_json(plain)
    [job] = fast.jobs
    assert len(job.failing_tests) == MANY
    assert job.failures[1].message == "ValueError: bad batch 1"
