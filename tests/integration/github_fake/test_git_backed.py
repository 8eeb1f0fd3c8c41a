"""Repositories are real git repositories: what git says is what the fake serves, and what a
client writes through the API is in git."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from tests.conftest import git
from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .world import build

R = "/repos/acme/widgets"


def test_a_test_repository_is_served_in_place(
    fake_github: FakeGitHub, make_repo: Callable[..., Path]
) -> None:
    path = make_repo("local")
    repo = fake_github.create_repo("acme/widgets", path=path)
    raw = Raw(fake_github.base_url)
    assert raw.get(f"{R}/branches/main").json["commit"]["sha"] == git(path, "rev-parse", "HEAD")
    (path / "CHANGES.md").write_text("- third\n", encoding="utf-8")
    git(path, "commit", "-qam", "third")
    head = git(path, "rev-parse", "HEAD")
    assert raw.get(f"{R}/commits/main").json["sha"] == head
    assert repo.branch_sha("main") == head


def test_clients_can_push_to_the_bare_repository(fake_github: FakeGitHub, tmp_path: Path) -> None:
    repo = fake_github.create_repo("acme/widgets", files={"a.txt": "a\n"})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo.git.path), str(clone))
    (clone / "b.txt").write_text("b\n", encoding="utf-8")
    git(clone, "add", "b.txt")
    git(clone, "commit", "-qm", "b")
    git(clone, "push", "-q", "origin", "HEAD:refs/heads/topic")
    pr = Raw(fake_github.base_url).post(
        f"{R}/pulls", {"title": "B", "head": "topic", "base": "main"}
    )
    assert pr.status == 201
    assert pr.json["head"]["sha"] == git(clone, "rev-parse", "HEAD")


def test_diffs_and_patches_are_gits(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    raw = Raw(fake_github.base_url)
    merge_base = world.repo.git.merge_base(world.base_sha, world.head_sha)
    assert merge_base
    expected = world.repo.git.diff(merge_base, world.head_sha)
    for path in (f"{R}/pulls/{world.pr}", f"{R}/compare/main...feature"):
        reply = raw.get(path, headers={"Accept": "application/vnd.github.diff"})
        assert reply.headers["content-type"] == "application/vnd.github.diff; charset=utf-8"
        assert reply.text == expected
    patch = raw.get(f"{R}/pulls/{world.pr}", headers={"Accept": "application/vnd.github.patch"})
    assert patch.text.startswith(f"From {world.head_sha} ")
    commit_diff = raw.get(
        f"{R}/commits/{world.head_sha}", headers={"Accept": "application/vnd.github.v3.diff"}
    )
    assert commit_diff.headers["content-type"].startswith("application/vnd.github.v3.diff")
    files = raw.get(f"{R}/pulls/{world.pr}/files").json
    app = next(f for f in files if f["filename"] == "app.py")
    assert app["patch"] == expected.split("+++ b/app.py\n", 1)[1].split("\ndiff --git", 1)[0]
    assert (app["additions"], app["deletions"], app["changes"]) == (3, 2, 5)
    assert app["sha"] == world.repo.git.text("rev-parse", f"{world.head_sha}:app.py")


def test_git_data_errors(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    raw = Raw(fake_github.base_url)
    exists = raw.post(f"{R}/git/refs", {"ref": "refs/heads/main", "sha": world.head_sha})
    assert (exists.status, exists.json["message"]) == (422, "Reference already exists")
    missing = raw.post(f"{R}/git/refs", {"ref": "refs/heads/x", "sha": "1" * 40})
    assert missing.json["message"] == "Object does not exist"
    assert raw.patch(f"{R}/git/refs/heads/nope", {"sha": world.head_sha}).status == 422
    assert raw.delete(f"{R}/git/refs/heads/small").status == 204
    assert raw.get(f"{R}/git/ref/heads/small").status == 404
    assert raw.get(f"{R}/git/matching-refs/heads/zzz").json == []
    assert raw.get(f"{R}/git/commits/{'2' * 40}").status == 404


def test_contents_writes_commit_to_the_branch(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    raw = Raw(fake_github.base_url)
    body = {"message": "edit", "content": base64.b64encode(b"new\n").decode(), "branch": "feature"}
    assert raw.put(f"{R}/contents/app.py", body).status == 422, "sha is required for updates"
    stale = raw.put(f"{R}/contents/app.py", {**body, "sha": "3" * 40})
    assert stale.status == 409
    blob = world.repo.git.text("rev-parse", "feature:app.py")
    done = raw.put(f"{R}/contents/app.py", {**body, "sha": blob})
    assert done.status == 200
    tip = world.repo.branch_sha("feature")
    assert done.json["commit"]["sha"] == tip
    assert world.repo.git.run("show", f"{tip}:app.py") == b"new\n"
    assert world.repo.git.read_commit(tip).parents == [world.head_sha]
    raw_file = raw.get(
        f"{R}/contents/app.py?ref=feature", headers={"Accept": "application/vnd.github.raw+json"}
    )
    assert raw_file.body == b"new\n"


def test_pull_request_creation_rules(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    raw = Raw(fake_github.base_url)
    duplicate = raw.post(f"{R}/pulls", {"title": "x", "head": "feature", "base": "main"})
    assert duplicate.status == 422
    assert (
        duplicate.json["errors"][0]["message"] == "A pull request already exists for acme:feature."
    )
    world.repo.commit("empty", {}, "nothing", parent=world.base_sha)
    world.repo.git.set_ref("refs/heads/empty", world.base_sha)
    none = raw.post(f"{R}/pulls", {"title": "x", "head": "empty", "base": "main"})
    assert none.json["errors"][0]["message"] == "No commits between main and empty"
    fork_pr = raw.post(
        f"{R}/pulls", {"title": "fork", "head": "mallory:patch-1", "base": "feature"}
    )
    assert fork_pr.status == 201
    assert fork_pr.json["head"]["repo"]["full_name"] == "mallory/widgets"
    world.fork.commit("patch-1", {"more.txt": "more\n"}, "More")
    files = raw.get(f"{R}/pulls/{fork_pr.json['number']}/files").json
    assert "more.txt" in [f["filename"] for f in files], "fork PRs follow the fork's branch"
    assert world.repo.git.ref_sha(f"refs/pull/{fork_pr.json['number']}/head") == (
        world.fork.branch_sha("patch-1")
    )
