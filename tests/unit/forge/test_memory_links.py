"""The in-memory forge tells where a path crosses a symbolic link, as the GitHub adapter does."""

from __future__ import annotations

from pathlib import Path

from ci_agent.forge.memory import InMemoryForge
from tests.support import git


def test_links_in_a_seeded_repository_are_found(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    (work / ".github").mkdir()
    (work / ".github" / "ci.yml").write_text("on: push\n")
    (work / "calc.py").write_text("a = 1\n")
    (work / "docs").symlink_to(".github")
    (work / "alias.py").symlink_to("calc.py")
    git(work, "add", "-A")
    git(work, "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "init")
    forge = InMemoryForge()
    sha = forge.seed_branch(work, "main", "HEAD")
    paths = ["docs/ci.yml", "alias.py", "calc.py", "new/file.py"]
    assert forge.symlinked(sha, paths) == {"docs/ci.yml": "docs", "alias.py": "alias.py"}
    assert forge.symlinked("main", ["calc.py"]) == {}
