"""A ``--path`` that names no source file of the repository is CA250, found before the suite
runs: the answer does not wait for (or depend on) a coverage run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS


def test_a_path_that_is_not_a_source_file_is_ca250_before_coverage_runs(
    make_project: Callable[[Mapping[str, str]], Path], run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    # No pytest, no coverage: a baseline run would fail with CA581 if it came first.
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    for given in ("absent.py", "tests/test_calc.py", "../calc.py"):
        result = run_cli(
            "tests",
            "--path",
            given,
            "--repo",
            str(root),
            "--python",
            str(bare / "bin" / "python"),
            "--output",
            "json",
        )
        assert result.code == 2, result.out + result.err
        (error,) = result.json()["errors"]
        assert error["code"] == "CA250", error
        assert given in error["message"]
    assert not (root / "tests" / "test_calc_generated.py").exists()


def test_a_revision_that_starts_with_a_dash_is_ca108_and_git_never_sees_it(
    make_project: Callable[[Mapping[str, str]], Path], run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    planted = tmp_path / "planted"

    for option in ("--base", "--head"):
        args = ("--base", "main") if option == "--head" else ()
        result = run_cli(
            "tests", *args, f"{option}=--output={planted}", "--repo", str(root),
            "--dry-run", "--output", "json",
        )  # fmt: skip
        assert result.code == 2, result.out + result.err
        (error,) = result.json()["errors"]
        assert error["code"] == "CA108" and "starts with '-'" in error["message"]
    assert not list(tmp_path.glob("planted*"))


def test_a_repository_that_does_not_exist_is_ca108(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("tests", "--all", "--repo", str(tmp_path / "absent"), "--output", "json")

    assert result.code == 2, result.out + result.err
    (error,) = result.json()["errors"]
    assert error["code"] == "CA108" and "does not exist" in error["message"]


def test_the_configuration_of_the_repository_named_applies_wherever_ci_agent_runs(
    make_project: Callable[[Mapping[str, str]], Path],
    run_cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = "test-generation:\n  output: tests/{nope}.py\n"
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS, ".github/ci-agent.yml": bad})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    result = run_cli("tests", "--all", "--repo", str(root))

    assert result.code == 2, result.out + result.err
    assert "CA102" in result.err and "nope" in result.err
