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
    (root / "junk.json").write_text(json.dumps({"files": 3}) + "{")
    (root / "junk.bin").write_bytes(b"\x00not a coverage database")
    for given, problem in (
        ("cov.json", "it was measured without --branch"),
        ("junk.json", "not a coverage JSON report"),
        ("junk.bin", ""),
        ("absent.json", "the file does not exist"),
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
