"""State rules the capabilities rely on: permissions and author association, reactions, check
run annotation limits, list filters, the settable clock, realistic ids and URLs."""

from __future__ import annotations

import pytest

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .world import World, build

R = "/repos/acme/widgets"


@pytest.fixture
def world(fake_github: FakeGitHub) -> World:
    return build(fake_github)


def test_collaborator_permission_and_role(fake_github: FakeGitHub, world: World) -> None:
    world.repo.grant("maya", "maintain")
    world.repo.grant("tom", "triage")
    fake_github.state.add_user("stranger")
    raw = Raw(fake_github.base_url)

    def level(login: str) -> tuple[str, str]:
        body = raw.get(f"{R}/collaborators/{login}/permission").json
        return body["permission"], body["role_name"]

    assert level("carol") == ("admin", "admin")
    assert level("maya") == ("write", "maintain")
    assert level("tom") == ("read", "triage")
    assert level("stranger") == ("read", "read"), "public repository"
    assert raw.get(f"{R}/collaborators/ghost/permission").status == 404
    private = fake_github.create_repo("acme/secret", files={"a": "a\n"}, private=True)
    assert private.private
    body = raw.get("/repos/acme/secret/collaborators/stranger/permission").json
    assert body["permission"] == "none"


def test_author_association(fake_github: FakeGitHub, world: World) -> None:
    raw = Raw(fake_github.base_url)
    world.repo.grant("reader", "read", association="MEMBER")
    issue = world.repo.add_issue("q", user="reader")
    drive_by = world.repo.add_issue("q", user="drive-by")
    assert raw.get(f"{R}/issues/{issue.number}").json["author_association"] == "MEMBER"
    assert raw.get(f"{R}/issues/{drive_by.number}").json["author_association"] == "NONE"
    assert raw.get(f"{R}/pulls/{world.fork_pr}").json["author_association"] == "CONTRIBUTOR"
    assert raw.get("/repos/acme/widgets").json["owner"]["login"] == "acme"
    bot = raw.post(f"{R}/issues/{issue.number}/comments", {"body": "hi"}).json["user"]
    assert (bot["login"], bot["type"], bot["id"]) == ("github-actions[bot]", "Bot", 41898282)


def test_reactions_201_then_200(fake_github: FakeGitHub, world: World) -> None:
    raw = Raw(fake_github.base_url)
    path = f"{R}/issues/comments/{world.issue_comment}/reactions"
    created = raw.post(path, {"content": "hooray"})
    again = raw.post(path, {"content": "hooray"})
    assert (created.status, again.status) == (201, 200)
    assert created.json["id"] == again.json["id"]
    assert raw.post(path, {"content": "thumbsup"}).status == 422
    listed = raw.get(path, query={"content": "hooray"}).json
    assert [r["content"] for r in listed] == ["hooray"]
    rollup = raw.get(f"{R}/issues/comments/{world.issue_comment}").json["reactions"]
    assert (rollup["total_count"], rollup["+1"], rollup["hooray"]) == (2, 1, 1)
    assert raw.delete(f"{path}/{created.json['id']}").status == 204


def test_more_than_50_annotations_in_one_request_is_422(
    fake_github: FakeGitHub, world: World
) -> None:
    raw = Raw(fake_github.base_url)
    note = {
        "path": "app.py",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "warning",
        "message": "m",
    }
    output = {"title": "t", "summary": "s", "annotations": [note] * 51}
    reply = raw.post(f"{R}/check-runs", {"name": "x", "head_sha": world.head_sha, "output": output})
    assert reply.status == 422
    run = f"{R}/check-runs/{world.check_run}"
    assert raw.patch(run, {"output": output}).status == 422
    assert len(raw.get(f"{run}/annotations", query={"per_page": 100}).json) == 1, "unchanged"
    bad = raw.post(f"{R}/check-runs", {"name": "x", "head_sha": "main"})
    assert (bad.status, bad.json["message"]) == (422, "No commit found for SHA: main")


def test_list_filters(fake_github: FakeGitHub, world: World) -> None:
    raw = Raw(fake_github.base_url)

    def numbers(path: str, **query: str) -> list[int]:
        return [i["number"] for i in raw.get(path, query=query).json]

    assert numbers(f"{R}/pulls") == [world.fork_pr, world.pr]
    assert numbers(f"{R}/pulls", state="closed") == [world.merged_pr]
    assert numbers(f"{R}/pulls", head="mallory:patch-1") == [world.fork_pr]
    assert numbers(f"{R}/issues", labels="bug") == [world.issue]
    assert numbers(f"{R}/issues", creator="alice") == [world.pr]
    assert numbers(f"{R}/issues", assignee="alice") == [world.issue]
    assert numbers(f"{R}/issues", milestone="1") == [world.issue]
    assert world.merged_pr in numbers(f"{R}/issues", state="all")

    def runs(**query: str) -> int:
        return raw.get(f"{R}/actions/runs", query=query).json["total_count"]

    assert (runs(), runs(status="failure"), runs(status="completed")) == (2, 1, 2)
    assert (runs(branch="patch-1"), runs(event="push"), runs(head_sha=world.fork_sha)) == (1, 0, 1)


def test_the_clock_drives_timestamps(fake_github: FakeGitHub, world: World) -> None:
    fake_github.clock.set("2030-05-01T12:00:00Z")
    raw = Raw(fake_github.base_url)
    made = raw.post(f"{R}/issues", {"title": "future"}).json
    assert made["created_at"] == "2030-05-01T12:00:00Z"
    fake_github.clock.advance(90)
    edited = raw.patch(f"{R}/issues/{made['number']}", {"state": "closed"}).json
    assert (edited["updated_at"], edited["closed_at"]) == ("2030-05-01T12:01:30Z",) * 2
    assert edited["state_reason"] == "completed"


def test_ids_and_urls_look_like_githubs(fake_github: FakeGitHub, world: World) -> None:
    raw = Raw(fake_github.base_url)
    pr = raw.get(f"{R}/pulls/{world.pr}").json
    issue = raw.get(f"{R}/issues/{world.pr}").json
    assert pr["id"] != issue["id"], "a PR and its issue have different ids"
    assert pr["node_id"].startswith("PR_") and issue["node_id"].startswith("I_")
    assert pr["url"] == f"{fake_github.base_url}{R}/pulls/{world.pr}"
    assert pr["html_url"] == f"{fake_github.base_url}/acme/widgets/pull/{world.pr}"
    assert issue["pull_request"]["url"] == pr["url"]
    by_id = raw.get(f"/repositories/{world.repo.id}/pulls/{world.pr}").json
    assert by_id["number"] == world.pr


def test_a_run_for_a_fork_commit_without_a_pr(fake_github: FakeGitHub, world: World) -> None:
    sha = world.fork.commit("wip", {"wip.txt": "wip\n"}, "WIP")
    run = world.repo.add_workflow_run(head_sha=sha, head_branch="wip", head_repo=world.fork)
    body = Raw(fake_github.base_url).get(f"{R}/actions/runs/{run.id}").json
    assert (body["head_sha"], body["head_repository"]["full_name"]) == (sha, "mallory/widgets")
    assert body["pull_requests"] == []
