"""Real commits of a fix, fast-forward pushes to the fake GitHub's repository, and pull
requests from a new branch."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from ci_agent.change.deliver import commit_fix, fix_message, open_fix_pull_request, push_fix
from ci_agent.errors import CiAgentError
from ci_agent.forge.github import GitHubForge
from tests.integration.github_fake.world import APP_FEATURE
from tests.support import git

from .conftest import Clone

AUTHOR = "ci-agent[bot] <ci-agent@users.noreply.github.com>"
FIXED = APP_FEATURE.replace("LINE THREE\n", "line 3\n")


def unified(before: str, after: str, path: str = "app.py") -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


FIX = unified(APP_FEATURE, FIXED)
MESSAGE = fix_message(
    "ci-agent: fix the test failure",
    "app.py shouted on line 3.",
    {"Ci-Agent-Fix": "123", "Ci-Agent-Attempt": "2", "Ci-Agent-Verified": "pytest\n1 passed"},
)


def commit(clone: Clone, diff: str = FIX) -> str:
    return commit_fix(clone.git, clone.rig.world.head_sha, diff, message=MESSAGE, author=AUTHOR)


def test_commit_fix_commits_the_diff_with_author_and_trailers(clone: Clone) -> None:
    sha = commit(clone)
    log = git(clone.path, "log", "-1", "--format=%an%n%ae%n%cn%n%ce%n%P%n%B", sha)
    assert log.splitlines()[:5] == [
        "ci-agent[bot]",
        "ci-agent@users.noreply.github.com",
        "ci-agent[bot]",
        "ci-agent@users.noreply.github.com",
        clone.rig.world.head_sha,
    ]
    assert log.split("\n", 5)[5].rstrip("\n") == MESSAGE.rstrip("\n")
    trailers = git(clone.path, "log", "-1", "--format=%(trailers:only,unfold)", sha)
    assert trailers.strip().splitlines() == [
        "Ci-Agent-Fix: 123",
        "Ci-Agent-Attempt: 2",
        "Ci-Agent-Verified: pytest 1 passed",
    ]
    assert git(clone.path, "show", f"{sha}:app.py") == FIXED
    assert git(clone.path, "diff", "--name-only", f"{sha}^", sha) == "app.py\n"


def test_commit_fix_leaves_the_clone_as_it_was(clone: Clone) -> None:
    before = git(clone.path, "status", "--porcelain=v1", "--branch")
    head = git(clone.path, "rev-parse", "HEAD")
    sha = commit(clone)
    assert git(clone.path, "status", "--porcelain=v1", "--branch") == before
    assert git(clone.path, "rev-parse", "HEAD") == head
    assert len(git(clone.path, "worktree", "list").splitlines()) == 1
    assert git(clone.path, "cat-file", "-t", sha).strip() == "commit"


def test_commit_fix_runs_no_hook_and_signs_nothing(clone: Clone, tmp_path: Path) -> None:
    hooks = clone.path / ".git" / "hooks"
    ran = tmp_path / "hook-ran"
    for name in ("pre-commit", "commit-msg", "prepare-commit-msg", "post-commit", "post-checkout"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> '{ran}'\nexit 1\n")
        hook.chmod(0o755)
    git(clone.path, "config", "commit.gpgsign", "true")
    git(clone.path, "config", "gpg.program", str(tmp_path / "no-such-gpg"))
    git(clone.path, "config", "apply.whitespace", "error")
    sha = commit(clone, unified(APP_FEATURE, FIXED.replace("line 3\n", "line 3  \n")))
    assert not ran.exists()
    assert git(clone.path, "cat-file", "-p", sha).count("gpgsig") == 0


@pytest.mark.parametrize(
    ("diff", "problem"),
    [
        (unified("nothing like it\n", "x\n"), "app.py: patch does not apply"),
        ("", "the patch is empty"),
        (unified("line 1\n", "line 1\n"), "No valid patches in input"),
        (
            "--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,3 @@\n line 1\n-line 2\n+line 2\n LINE THREE\n",
            "the patch changes nothing",
        ),
    ],
    ids=["stale", "empty", "no-hunks", "no-change"],
)
def test_a_diff_that_does_not_apply_is_ca231(clone: Clone, diff: str, problem: str) -> None:
    with pytest.raises(CiAgentError) as caught:
        commit(clone, diff)
    assert caught.value.code == "CA231"
    assert caught.value.context["sha"] == clone.rig.world.head_sha
    assert problem in caught.value.context["problem"]
    assert len(git(clone.path, "worktree", "list").splitlines()) == 1


def test_a_malformed_author_is_refused(clone: Clone) -> None:
    with pytest.raises(ValueError, match="Name <email>"):
        commit_fix(clone.git, clone.rig.world.head_sha, FIX, message=MESSAGE, author="bot")


# --- push ---


def test_push_fix_fast_forwards_the_branch_on_github(clone: Clone) -> None:
    sha = commit(clone)
    push_fix(clone.rig.forge, clone.git, sha, "feature", clone.rig.world.head_sha)
    repo = clone.rig.world.repo
    assert repo.branch_sha("feature") == sha
    assert repo.git.text("rev-parse", f"{sha}^") == clone.rig.world.head_sha


def test_a_branch_that_moved_is_ca531_and_left_alone(clone: Clone) -> None:
    sha = commit(clone)
    repo = clone.rig.world.repo
    newer = repo.commit("feature", {"docs/more.md": "more\n"}, "Someone pushed")
    with pytest.raises(CiAgentError) as caught:
        push_fix(clone.rig.forge, clone.git, sha, "feature", clone.rig.world.head_sha)
    assert caught.value.code == "CA531"
    assert caught.value.context == {
        "branch": "feature",
        "expected": clone.rig.world.head_sha,
        "actual": newer,
    }
    assert repo.branch_sha("feature") == newer


def test_a_deleted_branch_is_ca531(clone: Clone) -> None:
    sha = commit(clone)
    clone.rig.world.repo.git.delete_ref("refs/heads/feature")
    with pytest.raises(CiAgentError) as caught:
        push_fix(clone.rig.forge, clone.git, sha, "feature", clone.rig.world.head_sha)
    assert caught.value.context["actual"] == "deleted"
    assert clone.rig.world.repo.branch_sha("feature") is None


class _Racing:
    """The GitHub forge, but another commit lands on the branch just before the push."""

    def __init__(self, forge: GitHubForge, land: object) -> None:
        self._forge = forge
        self._land = land
        self.branch_head = forge.branch_head
        self.create_branch = forge.create_branch
        self.open_pull_request = forge.open_pull_request

    def push(self, workdir: Path, sha: str, branch: str) -> None:
        assert callable(self._land)
        self._land()
        self._forge.push(workdir, sha, branch)


def test_a_push_git_rejects_because_the_branch_just_moved_is_ca531(clone: Clone) -> None:
    sha = commit(clone)
    repo = clone.rig.world.repo
    landed: list[str] = []

    def land() -> None:
        landed.append(repo.commit("feature", {"docs/race.md": "race\n"}, "Raced"))

    with pytest.raises(CiAgentError) as caught:
        push_fix(
            _Racing(clone.rig.forge, land), clone.git, sha, "feature", clone.rig.world.head_sha
        )
    assert caught.value.code == "CA531"
    assert caught.value.context["actual"] == landed[0]
    assert isinstance(caught.value.__cause__, CiAgentError)
    assert caught.value.__cause__.code == "CA203", "git refused the non-fast-forward push"
    assert repo.branch_sha("feature") == landed[0]


# --- pull request ---


def test_open_fix_pull_request_creates_the_branch_and_the_pull_request(clone: Clone) -> None:
    sha = commit(clone)
    world = clone.rig.world
    pr = open_fix_pull_request(
        clone.rig.forge,
        clone.git,
        sha,
        base_branch="feature",
        branch="ci-agent/fix-123",
        title="ci-agent: fix the test failure",
        body="Fixes run 123.",
    )
    assert world.repo.branch_sha("ci-agent/fix-123") == sha
    assert world.repo.branch_sha("feature") == world.head_sha, "the base is not touched"
    assert (pr.base_ref, pr.head_ref, pr.head_sha, pr.title) == (
        "feature",
        "ci-agent/fix-123",
        sha,
        "ci-agent: fix the test failure",
    )
    stored = world.repo.pull(pr.number)
    assert stored.body == "Fixes run 123."
