"""Reading a pull request, finding it by head commit, file contents and permissions: the same
answers from the in-memory forge and from the GitHub adapter."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import FileStatus, Permission

from .conftest import APP, Side


def test_pull_request_files_diff_and_commits(side: Side) -> None:
    forge = side.forge
    info = forge.pull_request(side.number)
    assert (info.number, info.title, info.body, info.author) == (
        side.number,
        "Feature work",
        "Adds things",
        "alice",
    )
    assert (info.base_ref, info.base_sha, info.head_ref, info.head_sha) == (
        "main",
        side.base_sha,
        "feature",
        side.head_sha,
    )
    assert (info.state, info.draft, info.is_fork) == ("open", False, False)
    files = {f.path: f for f in forge.changed_files(side.number)}
    assert {p: f.status for p, f in files.items()} == {
        "app.py": FileStatus.MODIFIED,
        "docs/guide.md": FileStatus.ADDED,
        "new.txt": FileStatus.RENAMED,
    }
    assert files["new.txt"].previous_path == "old.txt"
    assert (files["app.py"].additions, files["app.py"].deletions) == (3, 2)
    assert files["app.py"].patch is not None and files["app.py"].patch.startswith("@@ -1,6 +1,6 @@")
    diff = forge.diff(side.number)
    assert "+LINE THREE" in diff and "rename from old.txt" in diff
    (commit,) = forge.commits(side.number)
    assert (commit.sha, commit.title) == (side.head_sha, "Feature work")


def test_file_contents_at_a_ref(side: Side) -> None:
    assert side.forge.file_contents("app.py", side.base_sha) == APP.encode()
    assert side.forge.file_contents("docs/guide.md", side.head_sha) == b"# G\n"
    with pytest.raises(CiAgentError) as caught:
        side.forge.file_contents("missing.py", side.head_sha)
    assert caught.value.code == "CA305"


def test_pull_requests_by_head_sha(side: Side) -> None:
    found = list(side.forge.pull_requests_for(side.head_sha))
    assert [p.number for p in found] == [side.number]
    assert list(side.forge.pull_requests_for("0" * 40)) == []


def test_permissions(side: Side) -> None:
    for login, level in (("alice", "write"), ("bob", "read"), ("carol", "admin")):
        side.grant(login, level)
    forge = side.forge
    assert forge.permission("alice") is Permission.WRITE
    assert forge.permission("bob") is Permission.READ
    assert forge.permission("carol") is Permission.ADMIN
    assert forge.permission("stranger") is Permission.NONE


def test_an_unknown_pull_request_is_ca305(side: Side) -> None:
    with pytest.raises(CiAgentError) as caught:
        side.forge.pull_request(999)
    assert caught.value.code == "CA305"
