"""A pull-request run whose base cannot be read says which ref is missing and how to get it,
before any interpreter is looked for or any code runs: an unknown ref, a depth-1 clone without
the merge base (actions/checkout's default), a directory that is not a repository."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS

Project = Callable[[Mapping[str, str]], Path]


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An interpreter without pytest: a run that got as far as looking for one would say so."""
    home = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True)
    return home / "bin" / "python"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def _error(run_cli: RunCli, root: Path, python: Path, *args: str) -> dict[str, str]:
    result = run_cli(
        "tests", *args, "--repo", str(root), "--python", str(python), "--output", "json"
    )
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err
    (error,) = result.json()["errors"]
    return dict(error)


def test_an_unknown_base_or_head_is_ca206(
    make_project: Project, run_cli: RunCli, bare_python: Path
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})

    error = _error(run_cli, root, bare_python, "--base", "origin/nope")
    assert error["code"] == "CA206" and "'origin/nope'" in error["message"], error

    error = _error(run_cli, root, bare_python, "--base", "main", "--head", "nope")
    assert error["code"] == "CA206" and "'nope'" in error["message"], error
    assert not (root / "tests" / "test_calc_generated.py").exists()


def test_a_shallow_clone_without_the_merge_base_is_ca204(
    make_project: Project, run_cli: RunCli, bare_python: Path, tmp_path: Path
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    _git(root, "checkout", "-q", "-b", "feature")
    (root / "calc.py").write_text(CALC + "\n\ndef twice(x):\n    return 2 * x\n")
    _git(root, "commit", "-q", "-am", "twice")
    clone = tmp_path / "clone"
    # As CI checks out a pull request: its head at depth 1, then the base branch at depth 1.
    url = root.as_uri()
    _git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", url, str(clone))
    _git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")

    error = _error(run_cli, clone, bare_python, "--base", "origin/main")

    assert error["code"] == "CA204", error
    assert "fetch-depth: 0" in error["suggestion"]


def test_a_directory_that_is_not_a_repository_is_ca202_in_pull_request_mode(
    run_cli: RunCli, bare_python: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "calc.py").write_text(CALC)

    error = _error(run_cli, plain, bare_python, "--base", "main")

    assert error["code"] == "CA202", error
