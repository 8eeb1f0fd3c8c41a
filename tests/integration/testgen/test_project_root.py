"""Which directory is the project: run from a repository's ``src/``, the repository (it measured
``src/`` alone, without the project's tests or pytest configuration, and wrote
``src/tests/…``, which the project's own run never collects); a monorepo's subdirectory with
its own ``pyproject.toml`` is a project of its own, and its change is read from there."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from ci_agent.testgen.scope import changed_lines, project_root
from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS

Project = Callable[[Mapping[str, str]], Path]
PYPROJECT = '[tool.pytest.ini_options]\npythonpath = ["src"]\n'


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=u", "-c", "user.email=u@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_a_directory_without_project_files_belongs_to_the_project_above_it(
    make_project: Project, tmp_path: Path
) -> None:
    root = make_project(
        {"pyproject.toml": PYPROJECT, "src/pkg/calc.py": CALC, "tests/test_calc.py": TESTS}
    )
    assert project_root(root / "src" / "pkg") == root
    assert project_root(root) == root
    plain = tmp_path / "plain" / "src"
    plain.mkdir(parents=True)
    (plain.parent / "pyproject.toml").write_text(PYPROJECT)
    assert project_root(plain) == plain  # outside git: the directory given, as before


def test_a_path_given_from_src_is_read_from_there_and_named_from_the_project(
    make_project: Project, run_cli: RunCli
) -> None:
    root = make_project(
        {"pyproject.toml": PYPROJECT, "src/pkg/calc.py": CALC, "tests/test_calc.py": TESTS}
    )

    result = run_cli(
        "tests", "--repo", str(root / "src"), "--path", "pkg/nope.py", "--output", "json"
    )

    assert result.code == 2, result.out + result.err
    (error,) = result.json()["errors"]
    assert error["code"] == "CA250", error
    assert "src/pkg/nope.py is not a Python source file" in error["message"], error


def test_a_monorepo_project_reads_its_own_change_from_its_directory(
    make_project: Project,
) -> None:
    root = make_project(
        {
            "backend/pyproject.toml": PYPROJECT,
            "backend/src/pkg/calc.py": CALC,
            "frontend/tool.py": "def f():\n    return 1\n",
        }
    )
    _git(root, "checkout", "-q", "-b", "feature")
    (root / "backend/src/pkg/calc.py").write_text(CALC + "\n\ndef twice(x):\n    return 2 * x\n")
    (root / "frontend/tool.py").write_text("def f():\n    return 2\n")
    _git(root, "commit", "-q", "-am", "change")

    backend = project_root(root / "backend" / "src")

    assert backend == root / "backend"
    # From the project's directory and only under it: its sources are named so too.
    assert list(changed_lines(backend, "main", "HEAD")) == ["src/pkg/calc.py"]
