"""New files: test generation writes them through the same exact, path-checked edits, and the
scratch worktree's diff carries them (and nothing else untracked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from ci_agent.change.edits import Edit, NewFile, plan_changes, write_plan
from ci_agent.change.worktree import scratch_worktree, worktree_diff
from ci_agent.git import Git
from tests.support import git


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "m.py").write_text("def f():\n    return 1\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    return root


def test_a_new_file_in_a_new_directory_is_planned_then_written(repo: Path) -> None:
    test = "from pkg.m import f\n\n\ndef test_f():\n    assert f() == 1\n"
    plan = plan_changes(repo, [NewFile(path="tests/unit/test_m.py", content=test)])
    assert plan.ok and len(plan.changes) == 1
    change = plan.changes[0]
    assert (change.path, change.before, change.after, change.added) == (
        "tests/unit/test_m.py",
        "",
        test,
        True,
    )
    assert not (repo / "tests").exists()  # planning writes nothing
    write_plan(repo, plan.changes)
    assert (repo / "tests" / "unit" / "test_m.py").read_text() == test


def test_a_later_edit_changes_the_new_file_and_edits_still_modify_others(repo: Path) -> None:
    plan = plan_changes(
        repo,
        [
            NewFile(path="tests/test_m.py", content="X = 1\n"),
            Edit(path="tests/test_m.py", search="X = 1", replace="X = 2"),
            Edit(path="pkg/m.py", search="return 1", replace="return 2"),
        ],
    )
    assert plan.ok
    by_path = {c.path: c for c in plan.changes}
    assert by_path["tests/test_m.py"].after == "X = 2\n" and by_path["tests/test_m.py"].added
    assert by_path["pkg/m.py"].after.endswith("return 2\n") and not by_path["pkg/m.py"].added


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("pkg/m.py", "the file exists already"),
        ("pkg", "the file exists already"),
        ("../escape.py", "the path is outside the repository"),
        ("/tmp/abs.py", "the path is outside the repository"),
    ],
)
def test_new_files_never_replace_or_escape(repo: Path, path: str, reason: str) -> None:
    plan = plan_changes(repo, [NewFile(path=path, content="x = 1\n")])
    assert not plan.ok and plan.changes == ()
    assert plan.refused[0].startswith(f"edit 1 ({path}): {reason}")


def test_the_same_new_file_twice_is_refused(repo: Path) -> None:
    plan = plan_changes(
        repo, [NewFile(path="a.py", content="1\n"), NewFile(path="a.py", content="2\n")]
    )
    assert plan.refused == (
        "edit 2 (a.py): the file exists already (a new file must not replace one)",
    )


def test_an_empty_new_file_is_not_a_proposal() -> None:
    with pytest.raises(ValidationError):
        NewFile(path="a.py", content="")


def test_the_worktree_diff_holds_new_files_and_no_other_untracked_file(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    with scratch_worktree(Git(repo), head) as root:
        plan = plan_changes(root, [NewFile(path="tests/test_m.py", content="X = 1\n")])
        write_plan(root, plan.changes)
        (root / ".pytest_cache").mkdir()
        (root / ".pytest_cache" / "v").write_text("cache\n")
        assert worktree_diff(root) == ""  # untracked files stay out unless named as added
        diff = worktree_diff(root, [c.path for c in plan.changes if c.added])
        assert "new file mode 100644" in diff
        assert "+++ b/tests/test_m.py" in diff and "+X = 1" in diff
        assert ".pytest_cache" not in diff
    # The diff applies to a clean checkout of the commit and recreates the file.
    (repo / "fix.patch").write_text(diff)
    git(repo, "apply", "fix.patch")
    assert (repo / "tests" / "test_m.py").read_text() == "X = 1\n"


def test_a_new_file_through_a_linked_folder_is_refused(repo: Path) -> None:
    # docs -> .github: a "new" docs/workflows/x.yml would be a file under .github.
    (repo / ".github").mkdir()
    (repo / "docs").symlink_to(".github")
    plan = plan_changes(repo, [NewFile(path="docs/workflows/x.yml", content="on: push\n")])
    assert plan.refused == (
        "edit 1 (docs/workflows/x.yml): docs is a symbolic link; create the file by its own path",
    )
