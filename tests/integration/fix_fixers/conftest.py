"""Real git repositories for the fixers: small ruff projects and scripted fixers."""

from __future__ import annotations

import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from ci_agent.git import Git
from tests.support import git

RUFF_PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n\n[tool.ruff]\nline-length = 100\n'
# F401 (an unused import: fixable) and code that `ruff format` rewrites.
MESSY = """import os
import sys


def main( ) :
    numbers=[1,2,
       3]
    return  sys.argv, numbers
"""
TIDY = """import sys


def main():
    numbers = [1, 2, 3]
    return sys.argv, numbers
"""
# F821 (an undefined name): no fixer can fix it.
UNDEFINED = """def main() -> int:
    return missing_name
"""
# A check for scripted fixers: FILE must say "fixed".
CHECK_SCRIPT = """import sys
from pathlib import Path

name = sys.argv[1]
if "fixed" not in Path(name).read_text():
    print(f"{name}: not fixed")
    sys.exit(1)
print(f"{name}: ok")
"""


def python(*args: str) -> str:
    """A configured command that runs the Python running the tests."""
    return shlex.join((sys.executable, *args))


@dataclass(frozen=True)
class Project:
    """A committed repository, its git and the commit the fixers run on."""

    path: Path
    git: Git
    sha: str

    def worktrees(self) -> list[str]:
        """Paths of the repository's worktrees (the main one included)."""
        out = self.git.run("worktree", "list", "--porcelain")
        return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")]

    def status(self) -> str:
        """The repository's own ``git status``: the fixers never touch it."""
        return self.git.run("status", "--porcelain")


Maker = Callable[..., Project]


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Maker]:
    """Commit the given files (``executable`` ones with mode 755) in a new repository; after
    the test, only the main worktree is left and no scratch directory."""
    made: list[Project] = []
    # Scratch worktrees go to a temp dir of this test's own, so leftovers are visible.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def make(files: Mapping[str, str], executable: tuple[str, ...] = ()) -> Project:
        root = tmp_path / "repo"
        root.mkdir()
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            if name in executable:
                target.chmod(0o755)
        git(root, "init", "--quiet")
        git(root, "add", "--all")
        git(root, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "init")
        project = Project(root, Git(root), git(root, "rev-parse", "HEAD").strip())
        made.append(project)
        return project

    yield make
    for project in made:
        assert project.worktrees() == [str(project.path)]
        assert project.status() == ""
    assert list(scratch.iterdir()) == []
