"""A real git repository holding a tiny pytest project with one bug, and model answers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci_agent.fix.loop import FixTask
from ci_agent.git import Git

CALC = '''"""A calculator with a bug."""


def add(a: int, b: int) -> int:
    return a - b


def sub(a: int, b: int) -> int:
    return a - b
'''
TEST_CALC = """from calc import add, sub


def test_add() -> None:
    assert add(2, 3) == 5


def test_sub() -> None:
    assert sub(5, 3) == 2
"""
WORKFLOW = "name: ci\non: push\njobs: {}\n"
FAILING = "test_calc.py::test_add"
BUGGY_LINE = "    return a - b\n\n\ndef sub"
FIXED_LINE = "    return a + b\n\n\ndef sub"


@dataclass(frozen=True)
class Project:
    """The repository, its git and the commit whose test fails."""

    path: Path
    git: Git
    sha: str

    def task(self, **overrides: Any) -> FixTask:
        """The fix task for the failing test."""
        values: dict[str, Any] = {
            "sha": self.sha,
            "failing_tests": (FAILING,),
            "locations": ("calc.py:5", "test_calc.py:5"),
            "excerpt": "FAILED test_calc.py::test_add - assert -1 == 5",
            "kind": "test",
        }
        values.update(overrides)
        return FixTask(**values)

    def worktrees(self) -> list[str]:
        """Paths of the repository's worktrees (the main one included)."""
        out = self.git.run("worktree", "list", "--porcelain")
        return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")]


def answer(*edits: tuple[str, str, str], explanation: str = "fix add") -> dict[str, Any]:
    """A model answer with (path, search, replace) edits."""
    return {
        "explanation": explanation,
        "edits": [{"path": p, "search": s, "replace": r} for p, s, r in edits],
    }


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A committed repository where test_calc.py::test_add fails."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(TEST_CALC)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    git = Git(root)
    git.run("init", "--quiet")
    git.run("add", "--all")
    git.run(
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "--quiet",
        "-m",
        "buggy",
    )
    return Project(root, git, git.run("rev-parse", "HEAD"))
