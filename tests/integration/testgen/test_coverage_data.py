"""Coverage the CI job already measured is used as the baseline (a coverage JSON report or a
.coverage data file); data without branches, or not coverage at all, is CA192."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS


def _measure(python: Path, root: Path, *, branch: bool = True) -> None:
    run = [str(python), "-m", "coverage", "run", *(["--branch"] if branch else [])]
    subprocess.run(
        [*run, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(python), "-m", "coverage", "json", "-o", "cov.json", "-q"],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_the_ci_jobs_coverage_is_the_baseline(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    _measure(project_python, root)
    for given in ("cov.json", ".coverage"):
        result = run_cli(
            "tests",
            "--path",
            "calc.py",
            "--coverage-data",
            str(root / given),
            "--repo",
            str(root),
            "--python",
            str(project_python),
            "--dry-run",
            "--output",
            "json",
        )
        assert result.code == 0, result.out + result.err
        targets = result.json()["result"]["targets"]["list"]
        assert [(t["function"], t["missing_lines"]) for t in targets] == [
            ("clamp", [3, 4, 5, 6, 7])
        ]


def test_coverage_data_that_cannot_serve_is_ca192(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    _measure(project_python, root, branch=False)
    # Measured in another checkout (a container's /app): a data file records absolute paths,
    # none of them here. It gave no target at all, and no word why.
    elsewhere = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS}, "elsewhere")
    _measure(project_python, elsewhere)
    (elsewhere / ".coverage").rename(root / "elsewhere.coverage")
    (root / "junk.json").write_text(json.dumps({"files": 3}) + "{")
    (root / "junk.bin").write_bytes(b"\x00not a coverage database")
    for given, problem in (
        ("cov.json", "it was measured without --branch"),
        (".coverage", "it was measured without --branch"),  # the data file alike
        ("junk.json", "not a coverage JSON report"),
        ("junk.bin", ""),
        ("absent.json", "the file does not exist"),
        ("elsewhere.coverage", f"it measures no Python file of the repository at {root}"),
    ):
        result = run_cli(
            "tests",
            "--all",
            "--coverage-data",
            str(root / given),
            "--repo",
            str(root),
            "--python",
            str(project_python),
            "--output",
            "json",
        )
        assert result.code == 2, result.out
        (error,) = result.json()["errors"]
        assert error["code"] == "CA192" and problem in error["message"]


def test_a_project_measuring_in_parallel_with_a_coverage_floor_is_measured(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, tmp_path: Path
) -> None:
    """``parallel = true`` writes one data file per process and ``fail_under`` makes every
    report exit 2 below the floor: neither may hide the figures."""
    import os

    from ci_agent.change.isolation import choose_isolation
    from ci_agent.change.sandbox import Sandbox
    from ci_agent.testgen.coverage_data import measure
    from ci_agent.testgen.execute import SandboxExecutor

    config = (
        "[tool.coverage.run]\nbranch = true\nparallel = true\n\n"
        "[tool.coverage.report]\nfail_under = 100\n"
    )
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS, "pyproject.toml": config})
    work = tmp_path / "work"
    (work / "home").mkdir(parents=True)
    environ = dict(os.environ)
    executor = SandboxExecutor(
        Sandbox(choose_isolation("none", environ), environ),
        (str(project_python),),
        work / "home",
        root,
    )

    ran, report, _ = measure(
        executor, root, work, ["-q"], timeout=120, env={"PYTHONPATH": str(root)}
    )

    assert ran.ok, ran.output
    assert report is not None and report["calc.py"].missing  # clamp is not run
    assert 11 in report["calc.py"].executed  # add's body is
    assert list(work.glob("cov-*")) == []  # the per-process files are combined and removed
