"""Abbreviated copies of GitHub's documented webhook payloads (docs.github.com webhook events)."""

from __future__ import annotations

from typing import Any

HEAD_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"

_REPO = {
    "id": 186853002,
    "name": "Hello-World",
    "full_name": "Codertocat/Hello-World",
    "private": False,
    "owner": {"login": "Codertocat", "id": 21031067, "type": "User"},
    "fork": False,
    "default_branch": "master",
}

_FORK_REPO = {
    "id": 186853261,
    "name": "Hello-World",
    "full_name": "Octocoders/Hello-World",
    "owner": {"login": "Octocoders", "id": 38302899, "type": "Organization"},
    "fork": True,
}

_USER = {"login": "Codertocat", "id": 21031067, "type": "User", "site_admin": False}


def _pull_request(head_repo: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/2",
        "id": 279147437,
        "number": 2,
        "state": "open",
        "title": "Update the README with new information.",
        "user": _USER,
        "body": "This is a pretty simple change that we need to pull into master.",
        "head": {
            "label": "Codertocat:changes",
            "ref": "changes",
            "sha": HEAD_SHA,
            "user": _USER,
            "repo": _REPO if head_repo is None else head_repo,
        },
        "base": {
            "label": "Codertocat:master",
            "ref": "master",
            "sha": BASE_SHA,
            "user": _USER,
            "repo": _REPO,
        },
        "author_association": "OWNER",
        "draft": False,
    }


def pull_request(action: str = "opened", head_repo: dict[str, Any] | None = None) -> dict[str, Any]:
    """``pull_request`` (also the shape of ``pull_request_target``)."""
    return {
        "action": action,
        "number": 2,
        "pull_request": _pull_request(head_repo),
        "repository": _REPO,
        "sender": _USER,
    }


def fork_pull_request() -> dict[str, Any]:
    """A pull request from a fork."""
    payload = pull_request(head_repo=_FORK_REPO)
    payload["pull_request"]["head"]["label"] = "Octocoders:changes"
    return payload


def issue_comment(on_pull_request: bool = True) -> dict[str, Any]:
    """``issue_comment``: a comment on an issue, or on a PR when ``issue.pull_request`` is set."""
    issue: dict[str, Any] = {
        "url": "https://api.github.com/repos/Codertocat/Hello-World/issues/1",
        "number": 1,
        "title": "Spelling error in the README file",
        "user": _USER,
        "state": "open",
        "author_association": "OWNER",
    }
    if on_pull_request:
        issue["pull_request"] = {
            "url": "https://api.github.com/repos/Codertocat/Hello-World/pulls/1",
            "html_url": "https://github.com/Codertocat/Hello-World/pull/1",
        }
    return {
        "action": "created",
        "issue": issue,
        "comment": {
            "id": 492700400,
            "user": _USER,
            "created_at": "2019-05-15T15:20:21Z",
            "author_association": "OWNER",
            "body": "/ci-agent review",
        },
        "repository": _REPO,
        "sender": _USER,
    }


def pull_request_review_comment() -> dict[str, Any]:
    """``pull_request_review_comment``: a comment on a line of the diff."""
    return {
        "action": "created",
        "comment": {
            "id": 275748224,
            "pull_request_review_id": 237895671,
            "diff_hunk": "@@ -1 +1 @@\n-# Hello-World",
            "path": "README.md",
            "commit_id": HEAD_SHA,
            "user": _USER,
            "body": "Maybe you should use more emoji on this line.",
            "author_association": "COLLABORATOR",
            "line": 1,
        },
        "pull_request": _pull_request(),
        "repository": _REPO,
        "sender": _USER,
    }


def workflow_run(pull_requests: int = 1, conclusion: str | None = "failure") -> dict[str, Any]:
    """``workflow_run`` completed, with ``pull_requests`` entries in ``workflow_run``."""
    prs = [
        {
            "url": f"https://api.github.com/repos/Codertocat/Hello-World/pulls/{n}",
            "id": 279147437 + n,
            "number": n,
            "head": {"ref": "changes", "sha": HEAD_SHA, "repo": {"id": 1, "name": "Hello-World"}},
            "base": {"ref": "master", "sha": BASE_SHA, "repo": {"id": 1, "name": "Hello-World"}},
        }
        for n in range(2, 2 + pull_requests)
    ]
    return {
        "action": "completed",
        "workflow_run": {
            "id": 30433642,
            "name": "Build",
            "head_branch": "changes",
            "head_sha": HEAD_SHA,
            "run_number": 562,
            "event": "pull_request",
            "status": "completed",
            "conclusion": conclusion,
            "workflow_id": 159038,
            "pull_requests": prs,
            "repository": _REPO,
            "head_repository": _REPO,
        },
        "workflow": {"id": 159038, "name": "Build", "path": ".github/workflows/build.yml"},
        "repository": _REPO,
        "sender": _USER,
    }


def workflow_dispatch() -> dict[str, Any]:
    """``workflow_dispatch`` with inputs."""
    return {
        "inputs": {"name": "Mona the Octocat", "dry-run": True, "count": 3},
        "ref": "refs/heads/master",
        "repository": _REPO,
        "sender": _USER,
        "workflow": ".github/workflows/hello-world-workflow.yml",
    }


def schedule() -> dict[str, Any]:
    """``schedule``: the cron line and the repository."""
    return {"schedule": "30 5 * * 1-5", "repository": _REPO, "workflow": ".github/workflows/x.yml"}


def push(before: str = BASE_SHA) -> dict[str, Any]:
    """``push`` of one commit to a branch."""
    return {
        "ref": "refs/heads/simple-tag",
        "before": before,
        "after": HEAD_SHA,
        "created": before == "0" * 40,
        "deleted": False,
        "forced": False,
        "compare": "https://github.com/Codertocat/Hello-World/compare/6113728f27ae...000000000000",
        "commits": [],
        "head_commit": None,
        "repository": _REPO,
        "pusher": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"},
        "sender": _USER,
    }


def release() -> dict[str, Any]:
    """``release``, an event ci-agent does not interpret."""
    return {
        "action": "published",
        "release": {"id": 17372790, "tag_name": "0.0.1", "target_commitish": "master"},
        "repository": _REPO,
        "sender": {"login": "dependabot[bot]", "id": 49699333, "type": "Bot"},
    }
