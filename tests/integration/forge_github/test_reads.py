"""Reading a change (PyGithub): pull request, files, diff, commits, contents, pull requests by
head commit, permissions."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import FileStatus, Permission

from .conftest import MakeForge, Rig


@pytest.fixture(params=[False, True], ids=["root", "ghes"])
def both(request: pytest.FixtureRequest, make_forge: MakeForge) -> Rig:
    return make_forge(ghes=request.param)


def test_pull_request_files_diff_and_commits(both: Rig) -> None:
    forge, world = both.forge, both.world
    pr = forge.pull_request(world.pr)
    assert (pr.number, pr.title, pr.author, pr.author_association) == (
        world.pr,
        "Feature work",
        "alice",
        "COLLABORATOR",
    )
    assert (pr.head_sha, pr.base_ref, pr.head_repo, pr.is_fork) == (
        world.head_sha,
        "main",
        "acme/widgets",
        False,
    )
    assert pr.labels == ("enhancement",)
    files = {f.path: f for f in forge.changed_files(world.pr)}
    assert files["app.py"].status is FileStatus.MODIFIED
    assert files["app.py"].patch is not None and "+LINE THREE" in files["app.py"].patch
    renamed = files["new_name.txt"]
    assert (renamed.status, renamed.previous_path, renamed.patch) == (
        FileStatus.RENAMED,
        "old_name.txt",
        "",
    )
    diff = forge.diff(world.pr)
    assert diff.startswith("diff --git a/app.py b/app.py") and "+extra" in diff
    commits = list(forge.commits(world.pr))
    assert [c.sha for c in commits] == [world.head_sha]
    assert commits[0].title == "Feature work"


def test_ghes_requests_carry_the_api_v3_prefix(make_forge: MakeForge) -> None:
    rig = make_forge(ghes=True)
    rig.forge.pull_request(rig.world.pr)
    list(rig.forge.jobs(rig.world.run))  # ghapi too
    prefixes = {r.prefix for r in rig.fake.requests}
    assert prefixes == {"/api/v3"}


def test_fork_pull_request_found_by_head_sha(rig: Rig) -> None:
    found = list(rig.forge.pull_requests_for(rig.world.fork_sha))
    assert [(p.number, p.is_fork, p.head_repo) for p in found] == [
        (rig.world.fork_pr, True, "mallory/widgets")
    ]
    assert list(rig.forge.pull_requests_for("0" * 40)) == []


def test_file_contents_small_large_and_binary(rig: Rig) -> None:
    big = b"x" * (1024 * 1024 + 10)
    rig.world.repo.commit("main", {"big.bin": big, "raw.bin": b"\x00\xff\xfe"}, "Add blobs")
    assert rig.forge.file_contents("README.md", rig.world.base_sha) == b"# widgets\n"
    assert rig.forge.file_contents("raw.bin", "main") == b"\x00\xff\xfe"
    assert rig.forge.file_contents("big.bin", "main") == big
    assert rig.fake.requests.count("GET", "/repos/*/git/blobs/*") == 1


def test_file_contents_of_a_directory_or_missing_path(rig: Rig) -> None:
    with pytest.raises(CiAgentError) as directory:
        rig.forge.file_contents("lib", "main")
    assert directory.value.code == "CA305"
    assert "is a directory" in directory.value.message
    with pytest.raises(CiAgentError) as missing:
        rig.forge.file_contents("nope.py", "main")
    assert missing.value.code == "CA305"
    assert "GET /repos/{owner}/{repo}/contents/{path}" in missing.value.message


@pytest.mark.parametrize(
    ("login", "level"),
    [
        ("alice", Permission.WRITE),
        ("bob", Permission.READ),
        ("carol", Permission.ADMIN),
        ("acme", Permission.ADMIN),
        ("stranger", Permission.NONE),
    ],
)
def test_permission(rig: Rig, login: str, level: Permission) -> None:
    assert rig.forge.permission(login) is level
