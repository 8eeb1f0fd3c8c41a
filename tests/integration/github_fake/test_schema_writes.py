"""Every write endpoint of the fake answers with GitHub's status code and schema."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .schema import validate
from .world import World, build

R = "/repos/acme/widgets"


def _tree(w: World) -> str:
    return w.repo.git.text("rev-parse", "main^{tree}")


def _note(line: int) -> dict[str, Any]:
    return {"path": "app.py", "start_line": line, "end_line": line, "message": "m",
            "annotation_level": "notice"}  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class Write(NamedTuple):
    """A write: ``path`` is formatted with the world as ``w``; ``body`` is built from it."""

    method: str
    path: str
    body: Callable[[World], Any]
    status: int
    model: str | None  # None: an empty body
    many: bool = False


def nobody(w: World) -> None:
    """No request body."""


WRITES = {
    "create ref": Write("POST", f"{R}/git/refs",
                        lambda w: {"ref": "refs/heads/new", "sha": w.base_sha}, 201, "GitRef"),
    "update ref": Write("PATCH", f"{R}/git/refs/heads/feature",
                        lambda w: {"sha": w.base_sha, "force": True}, 200, "GitRef"),
    "delete ref": Write("DELETE", f"{R}/git/refs/heads/small", nobody, 204, None),
    "create blob": Write("POST", f"{R}/git/blobs",
                         lambda w: {"content": "aGk=", "encoding": "base64"}, 201, "ShortBlob"),
    "create tree": Write("POST", f"{R}/git/trees", lambda w: {"base_tree": _tree(w), "tree": [
        {"path": "src/x.py", "mode": "100644", "type": "blob", "content": "x = 1\n"}]},
        201, "GitTree"),
    "create commit": Write("POST", f"{R}/git/commits", lambda w: {
        "message": "m", "tree": _tree(w), "parents": [w.base_sha],
        "author": {"name": "A", "email": "a@example.com", "date": "2026-01-01T00:00:00Z"}},
        201, "GitCommit"),
    "create file": Write("PUT", f"{R}/contents/docs/new.md",
                         lambda w: {"message": "add", "content": _b64(b"new\n")}, 201,
                         "FileCommit"),
    "update file": Write("PUT", f"{R}/contents/app.py", lambda w: {
        "message": "edit", "content": _b64(b"x\n"), "sha": w.blob_sha}, 200, "FileCommit"),
    "delete file": Write("DELETE", f"{R}/contents/app.py",
                         lambda w: {"message": "rm", "sha": w.blob_sha}, 200, "FileCommit"),
    "create pull": Write("POST", f"{R}/pulls",
                         lambda w: {"title": "T", "head": "small2", "base": "main"}, 201,
                         "PullRequest"),
    "update pull": Write("PATCH", f"{R}/pulls/{{w.pr}}",
                         lambda w: {"title": "New", "state": "closed"}, 200, "PullRequest"),
    "merge pull": Write("PUT", f"{R}/pulls/{{w.pr}}/merge", lambda w: {}, 200,
                        "PullRequestMergeResult"),
    "create review": Write("POST", f"{R}/pulls/{{w.pr}}/reviews", lambda w: {
        "event": "COMMENT", "body": "b",
        "comments": [{"path": "app.py", "line": 19, "start_line": 17, "body": "c"}]},
        200, "PullRequestReview"),
    "update review": Write("PUT", f"{R}/pulls/{{w.pr}}/reviews/{{w.review}}",
                           lambda w: {"body": "edited"}, 200, "PullRequestReview"),
    "submit review": Write("POST", f"{R}/pulls/{{w.pr}}/reviews/{{w.pending_review}}/events",
                           lambda w: {"event": "APPROVE"}, 200, "PullRequestReview"),
    "delete pending review": Write("DELETE", f"{R}/pulls/{{w.pr}}/reviews/{{w.pending_review}}",
                                   nobody, 200, "PullRequestReview"),
    "create review comment": Write("POST", f"{R}/pulls/{{w.pr}}/comments", lambda w: {
        "body": "b", "commit_id": w.head_sha, "path": "app.py", "line": 2, "side": "RIGHT"},
        201, "PullRequestReviewComment"),
    "reply": Write("POST", f"{R}/pulls/{{w.pr}}/comments/{{w.review_comment}}/replies",
                   lambda w: {"body": "r"}, 201, "PullRequestReviewComment"),
    "update review comment": Write("PATCH", f"{R}/pulls/comments/{{w.review_comment}}",
                                   lambda w: {"body": "e"}, 200, "PullRequestReviewComment"),
    "delete review comment": Write("DELETE", f"{R}/pulls/comments/{{w.review_comment}}", nobody,
                                   204, None),
    "create issue": Write("POST", f"{R}/issues",
                          lambda w: {"title": "t", "body": "b", "labels": ["bug"]}, 201, "Issue"),
    "update issue": Write("PATCH", f"{R}/issues/{{w.issue}}",
                          lambda w: {"state": "closed", "state_reason": "not_planned"}, 200,
                          "Issue"),
    "create issue comment": Write("POST", f"{R}/issues/{{w.pr}}/comments",
                                  lambda w: {"body": "hello"}, 201, "IssueComment"),
    "update issue comment": Write("PATCH", f"{R}/issues/comments/{{w.issue_comment}}",
                                  lambda w: {"body": "edited"}, 200, "IssueComment"),
    "delete issue comment": Write("DELETE", f"{R}/issues/comments/{{w.issue_comment}}", nobody,
                                  204, None),
    "react": Write("POST", f"{R}/issues/comments/{{w.issue_comment}}/reactions",
                   lambda w: {"content": "rocket"}, 201, "Reaction"),
    "create label": Write("POST", f"{R}/labels", lambda w: {"name": "x", "color": "ff0000"}, 201,
                          "Label"),
    "add labels": Write("POST", f"{R}/issues/{{w.issue}}/labels",
                        lambda w: {"labels": ["triage"]}, 200, "Label", many=True),
    "create milestone": Write("POST", f"{R}/milestones", lambda w: {"title": "v2"}, 201,
                              "Milestone"),
    "create release": Write("POST", f"{R}/releases", lambda w: {"tag_name": "v2"}, 201,
                            "Release"),
    "create check run": Write("POST", f"{R}/check-runs", lambda w: {
        "name": "review", "head_sha": w.head_sha, "status": "in_progress"}, 201, "CheckRun"),
    "update check run": Write("PATCH", f"{R}/check-runs/{{w.check_run}}", lambda w: {
        "output": {"title": "t", "summary": "s", "annotations": [_note(1)]}}, 200, "CheckRun"),
    "create status": Write("POST", f"{R}/statuses/{{w.head_sha}}", lambda w: {
        "state": "failure", "context": "ci/x", "target_url": "https://ci.test/1"}, 201, "Status"),
    "create deployment": Write("POST", f"{R}/deployments", lambda w: {
        "ref": "feature", "environment": "qa", "payload": {"a": 1}}, 201, "Deployment"),
    "create deployment status": Write("POST", f"{R}/deployments/{{w.deployment}}/statuses",
                                      lambda w: {"state": "in_progress",
                                                 "log_url": "https://ci.test/log"},
                                      201, "DeploymentStatus"),
    "rerun failed jobs": Write("POST", f"{R}/actions/runs/{{w.run}}/rerun-failed-jobs",
                               lambda w: {}, 201, "EmptyObject"),
    "rerun": Write("POST", f"{R}/actions/runs/{{w.run}}/rerun", lambda w: {}, 201,
                   "EmptyObject"),
    "rerun job": Write("POST", f"{R}/actions/jobs/{{w.failed_job}}/rerun", lambda w: {}, 201,
                       "EmptyObject"),
    "delete artifact": Write("DELETE", f"{R}/actions/artifacts/{{w.artifact}}", nobody, 204,
                             None),
    "dispatch workflow": Write("POST", f"{R}/actions/workflows/ci.yml/dispatches",
                               lambda w: {"ref": "main", "inputs": {"sha": w.head_sha}}, 204,
                               None),
}  # fmt: skip


@pytest.mark.parametrize("case", WRITES.values(), ids=WRITES.keys())
def test_write_answers_in_githubs_schema(fake_github: FakeGitHub, case: Write) -> None:
    world = build(fake_github)
    world.repo.commit("small2", {"NEW.md": "n\n"}, "n")
    world.pending_review = world.repo.add_review(world.pr, user="github-actions[bot]").id
    reply = Raw(fake_github.base_url).request(
        case.method,
        case.path.format(w=world),
        case.body(world),
        headers={"X-GitHub-Api-Version": "2026-03-10"},
    )
    assert reply.status == case.status, reply.text
    if case.model is None:
        assert reply.body == b""
    else:
        validate(case.model, reply.json, many=case.many)
