"""A project whose pytest options start pytest-cov (``--cov`` in ``addopts``) or pytest-xdist's
workers (``-n 2``), as many do: test generation measures coverage itself in one process, and
neither may take its tracer or run the tests where it cannot see them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS


def test_a_projects_own_options_do_not_blind_the_coverage_gate(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    # Either option alone blinds the baseline and the coverage gate (each kept out by its own
    # hook): one run with both checks both, at the cost of one generation.
    ini = "[pytest]\naddopts = -n 2 --cov=calc --cov-branch --cov-report=term-missing\n"
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS, "pytest.ini": ini})

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
