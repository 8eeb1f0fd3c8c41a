"""Commits through the API, branches and commit ranges on both forges: a commit replaces only the
files given, a branch moves only forward from where it was expected, ranges list oldest first."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import InlineComment

from .conftest import APP, Side

AUTHOR = "ci-agent <ci-agent@users.noreply.github.com>"


def test_commit_files_then_advance_the_branch(side: Side) -> None:
    forge = side.forge
    sha = forge.commit_files(side.head_sha, {"app.py": b"fixed\n"}, "Fix app", AUTHOR)
    assert forge.file_contents("app.py", sha) == b"fixed\n"
    assert forge.file_contents("docs/guide.md", sha) == b"# G\n"  # the rest is the parent's
    assert forge.branch_head("feature") == side.head_sha

    forge.advance_branch("feature", sha, side.head_sha)

    assert forge.branch_head("feature") == sha
    commits, total = forge.newest_commits(side.head_sha, sha, 10)
    assert [(c.sha, c.message.strip(), c.parents) for c in commits] == [
        (sha, "Fix app", (side.head_sha,))
    ]
    assert total == 1


def test_a_branch_that_moved_is_not_overwritten(side: Side) -> None:
    forge = side.forge
    sha = forge.commit_files(side.head_sha, {"app.py": b"fixed\n"}, "Fix app", AUTHOR)
    moved = side.commit("feature", {"README.md": "# moved\n"}, "Someone else pushed")
    with pytest.raises(CiAgentError) as caught:
        forge.advance_branch("feature", sha, side.head_sha)
    assert caught.value.code == "CA531"
    assert forge.branch_head("feature") == moved


def test_only_a_fast_forward_is_accepted(side: Side) -> None:
    forge = side.forge
    sideways = forge.commit_files(side.base_sha, {"app.py": b"other\n"}, "Elsewhere", AUTHOR)
    with pytest.raises(CiAgentError) as caught:
        forge.advance_branch("feature", sideways, side.head_sha)
    assert caught.value.code == "CA531"
    assert forge.branch_head("feature") == side.head_sha


def test_branches(side: Side) -> None:
    forge = side.forge
    assert forge.branch_head("ci-agent/fix-1") is None
    forge.create_branch("ci-agent/fix-1", side.head_sha)
    assert forge.branch_head("ci-agent/fix-1") == side.head_sha
    with pytest.raises(CiAgentError) as caught:
        forge.create_branch("ci-agent/fix-1", side.base_sha)
    assert (caught.value.code, caught.value.context["status"]) == ("CA308", 422)
    assert forge.file_contents("app.py", "main") == APP.encode()


def test_newest_commits_oldest_first_with_the_total(side: Side) -> None:
    shas = [side.commit("main", {"n.txt": f"{n}\n"}, f"Commit {n}") for n in range(5)]
    commits, total = side.forge.newest_commits(side.base_sha, shas[-1], 3)
    assert [c.sha for c in commits] == shas[-3:]
    assert total == 5
    with pytest.raises(CiAgentError) as caught:
        side.forge.newest_commits("0" * 40, shas[-1], 3)
    assert caught.value.code == "CA305"


def test_the_pull_request_follows_its_branch(side: Side) -> None:
    forge = side.forge
    fixed = APP.replace("line 10\n", "line ten\n").encode()
    sha = forge.commit_files(side.head_sha, {"app.py": fixed}, "Fix line 10", AUTHOR)
    forge.advance_branch("feature", sha, side.head_sha)

    info = forge.pull_request(side.number)
    assert (info.head_sha, info.base_sha) == (sha, side.base_sha)
    assert [c.sha for c in forge.commits(side.number)] == [side.head_sha, sha]
    files = {f.path: f for f in forge.changed_files(side.number)}
    assert sorted(files) == ["app.py", "docs/guide.md", "new.txt"]
    patch = files["app.py"].patch or ""
    assert "+line ten" in patch and "-line 3" not in patch  # line 3 is back as it was
    assert "+line ten" in forge.diff(side.number)

    # Anchors are checked on the diff of the commit a review names.
    ten = InlineComment("app.py", 10, "on the new line 10")
    old = forge.create_review(side.number, side.head_sha, "old", [ten])
    new = forge.create_review(side.number, sha, "new", [ten])
    assert (old.rejected, new.rejected) == ((ten,), ())
