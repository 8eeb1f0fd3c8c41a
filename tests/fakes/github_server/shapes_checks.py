"""JSON shapes of check runs and annotations, commit statuses, deployments and their statuses,
and the GitHub Actions app that owns check runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso
from .shapes import repo_api, repository, user

if TYPE_CHECKING:
    from .records import CheckRun, CommitStatus, Deployment, DeploymentStatus
    from .routing import Request
    from .state import RepoState

_APP_TIME = "2018-07-30T09:30:17Z"


def actions_app(req: Request) -> dict[str, Any]:
    """The ``github-actions`` app (``integration``) that owns Actions check runs."""
    return {
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "client_id": "Iv1.05c79e9ad1f6bdfa",
        "owner": {**(user(req, "github") or {}), "type": "Organization"},
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{req.web}/apps/github-actions",
        "created_at": _APP_TIME,
        "updated_at": _APP_TIME,
        "permissions": {
            "actions": "write",
            "checks": "write",
            "contents": "write",
            "issues": "write",
            "metadata": "read",
            "pull_requests": "write",
            "statuses": "write",
        },
        "events": ["check_run", "check_suite", "pull_request", "push", "workflow_run"],
    }


def pull_minimal(req: Request, repo: RepoState, number: int) -> dict[str, Any]:
    """``pull-request-minimal`` (check runs and workflow runs list these)."""
    issue = repo.issues[number]
    info = issue.pull
    assert info is not None

    def end(ref: str, sha: str, owner_repo: RepoState) -> dict[str, Any]:
        return {
            "ref": ref,
            "sha": sha,
            "repo": {
                "id": owner_repo.id,
                "url": repo_api(req, owner_repo),
                "name": owner_repo.name,
            },
        }

    return {
        "id": info.id,
        "number": number,
        "url": f"{repo_api(req, repo)}/pulls/{number}",
        "head": end(info.head_ref, info.head_sha, req.store.get_repo(info.head_repo)),
        "base": end(info.base_ref, info.base_sha, repo),
    }


def check_run(req: Request, repo: RepoState, run: CheckRun) -> dict[str, Any]:
    """``check-run``."""
    url = f"{repo_api(req, repo)}/check-runs/{run.id}"
    html = f"{req.web}/{repo.full_name}/runs/{run.id}"
    return {
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": run.node_id,
        "external_id": run.external_id or "",
        "url": url,
        "html_url": html,
        "details_url": run.details_url or html,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.check_suite_id},
        "app": actions_app(req),
        "pull_requests": [
            pull_minimal(req, repo, p.number) for p in repo.pull_for_head(run.head_sha)
        ],
    }


def annotation(
    req: Request, repo: RepoState, run: CheckRun, item: dict[str, Any]
) -> dict[str, Any]:
    """``check-annotation``."""
    return {
        "path": item["path"],
        "blob_href": f"{req.web}/{repo.full_name}/blob/{run.head_sha}/{item['path']}",
        "start_line": item["start_line"],
        "end_line": item["end_line"],
        "start_column": item.get("start_column"),
        "end_column": item.get("end_column"),
        "annotation_level": item["annotation_level"],
        "title": item.get("title") or "",
        "message": item["message"],
        "raw_details": item.get("raw_details") or "",
    }


def status(req: Request, repo: RepoState, item: CommitStatus) -> dict[str, Any]:
    """``status``."""
    creator = user(req, item.creator) or {}
    return {
        "url": f"{repo_api(req, repo)}/statuses/{item.sha}",
        "avatar_url": creator.get("avatar_url"),
        "id": item.id,
        "node_id": item.node_id,
        "state": item.state,
        "description": item.description,
        "target_url": item.target_url,
        "context": item.context,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "creator": creator,
    }


def combined(req: Request, repo: RepoState, sha: str) -> dict[str, Any]:
    """``combined-commit-status``."""
    state, latest = repo.combined_status(sha)
    statuses = []
    for item in latest:
        shape = status(req, repo, item)
        shape.pop("creator")
        statuses.append(shape)
    return {
        "state": state,
        "statuses": statuses,
        "sha": sha,
        "total_count": len(statuses),
        "repository": repository(req, repo),
        "commit_url": f"{repo_api(req, repo)}/commits/{sha}",
        "url": f"{repo_api(req, repo)}/commits/{sha}/status",
    }


def deployment(req: Request, repo: RepoState, item: Deployment) -> dict[str, Any]:
    """``deployment``."""
    url = f"{repo_api(req, repo)}/deployments/{item.id}"
    return {
        "url": url,
        "id": item.id,
        "node_id": item.node_id,
        "sha": item.sha,
        "ref": item.ref,
        "task": item.task,
        "payload": item.payload,
        "original_environment": item.environment,
        "environment": item.environment,
        "description": item.description,
        "creator": user(req, item.creator),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "statuses_url": f"{url}/statuses",
        "repository_url": repo_api(req, repo),
        "transient_environment": item.transient_environment,
        "production_environment": item.production_environment,
        "performed_via_github_app": None,
    }


def environment(req: Request, repo: RepoState, item: dict[str, Any]) -> dict[str, Any]:
    """``environment`` with its protection rules (GitHub lists only the rules that are on)."""
    node = f"EN_{item['id']}"
    rules: list[dict[str, Any]] = []
    if item["wait_timer"]:
        rules.append(
            {
                "id": item["id"] * 10 + 1,
                "node_id": f"GA_{item['id']}1",
                "type": "wait_timer",
                "wait_timer": item["wait_timer"],
            }
        )
    if item["reviewers"]:
        rules.append(
            {
                "id": item["id"] * 10 + 2,
                "node_id": f"GA_{item['id']}2",
                "prevent_self_review": False,
                "type": "required_reviewers",
                "reviewers": [
                    {"type": "User", "reviewer": user(req, login)} for login in item["reviewers"]
                ],
            }
        )
    return {
        "id": item["id"],
        "node_id": node,
        "name": item["name"],
        "url": f"{repo_api(req, repo)}/environments/{item['name']}",
        "html_url": f"{req.web}/{repo.full_name}/deployments/activity_log?environments_filter="
        f"{item['name']}",
        "created_at": iso(item["created_at"]),
        "updated_at": iso(item["created_at"]),
        "protection_rules": rules,
        "deployment_branch_policy": None,
    }


def deployment_status(req: Request, repo: RepoState, item: DeploymentStatus) -> dict[str, Any]:
    """``deployment-status``."""
    deployment_url = f"{repo_api(req, repo)}/deployments/{item.deployment_id}"
    return {
        "url": f"{deployment_url}/statuses/{item.id}",
        "id": item.id,
        "node_id": item.node_id,
        "state": item.state,
        "creator": user(req, item.creator),
        "description": item.description,
        "environment": item.environment,
        "target_url": item.target_url or item.log_url,
        "log_url": item.log_url or item.target_url,
        "environment_url": item.environment_url,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "deployment_url": deployment_url,
        "repository_url": repo_api(req, repo),
        "performed_via_github_app": None,
    }
