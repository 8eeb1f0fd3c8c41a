"""A project whose pytest options start pytest-cov (``--cov`` in ``addopts``, as many do):
test generation measures coverage itself, and pytest-cov must not take its tracer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS

PYTEST_INI = "[pytest]\naddopts = --cov=calc --cov-branch --cov-report=term-missing\n"


def test_a_projects_own_cov_option_does_not_blind_the_coverage_gate(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS, "pytest.ini": PYTEST_INI})

    result = run_cli(
        "tests",
        "--all",
        "--repo",
        str(root),
        "--python",
        str(project_python),
        "--output",
        "json",
        "--dry-run",
    )

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert [t["function"] for t in data["targets"]["list"]] == ["clamp"]
    assert data["funnel"]["coverage"] == data["funnel"]["candidates"] == 1
    (accepted,) = data["accepted"]
    assert accepted["lines"] == 5 and accepted["branches"] == 4
