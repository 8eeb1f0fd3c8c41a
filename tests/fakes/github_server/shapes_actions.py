"""JSON shapes of workflow runs, jobs and artifacts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso
from .shapes import repo_api, repository, user
from .shapes_checks import pull_minimal

if TYPE_CHECKING:
    from .records_actions import Artifact, Job, WorkflowRun
    from .routing import Request
    from .state import RepoState


def workflow_run(req: Request, repo: RepoState, run: WorkflowRun) -> dict[str, Any]:
    """``workflow-run``; ``pull_requests`` is empty for fork PRs, as on GitHub."""
    api = f"{repo_api(req, repo)}/actions/runs/{run.id}"
    head_repo = req.store.get_repo(run.head_repo)
    info = repo.git.read_commit(run.head_sha)
    pulls = [pull_minimal(req, repo, p.number) for p in repo.pull_for_head(run.head_sha)]
    if run.head_repo != repo.full_name:
        pulls = []
    return {
        "id": run.id,
        "name": run.name,
        "node_id": run.node_id,
        "head_branch": run.head_branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.display_title,
        "run_number": run.run_number,
        "event": run.event,
        "status": run.status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "check_suite_id": run.check_suite_id,
        "check_suite_node_id": req.store.node_id("CS", run.check_suite_id),
        "url": api,
        "html_url": f"{req.web}/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": pulls,
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "actor": user(req, run.actor),
        "run_attempt": run.run_attempt,
        "referenced_workflows": [],
        "run_started_at": iso(run.created_at),
        "triggering_actor": user(req, run.actor),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{repo_api(req, repo)}/check-suites/{run.check_suite_id}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": f"{api}/attempts/{run.run_attempt - 1}"
        if run.run_attempt > 1
        else None,
        "workflow_url": f"{repo_api(req, repo)}/actions/workflows/{run.workflow_id}",
        "head_commit": {
            "id": info.sha,
            "tree_id": info.tree,
            "message": info.message.rstrip("\n"),
            "timestamp": iso(info.committer.date),
            "author": {"name": info.author.name, "email": info.author.email},
            "committer": {"name": info.committer.name, "email": info.committer.email},
        },
        "repository": repository(req, repo),
        "head_repository": repository(req, head_repo),
        "head_repository_id": head_repo.id,
    }


def job(req: Request, repo: RepoState, item: Job) -> dict[str, Any]:
    """``job``."""
    api = repo_api(req, repo)
    run = repo.runs[item.run_id]
    return {
        "id": item.id,
        "run_id": item.run_id,
        "workflow_name": run.name,
        "head_branch": run.head_branch,
        "run_url": f"{api}/actions/runs/{item.run_id}",
        "run_attempt": item.run_attempt,
        "node_id": item.node_id,
        "head_sha": item.head_sha,
        "url": f"{api}/actions/jobs/{item.id}",
        "html_url": f"{req.web}/{repo.full_name}/actions/runs/{item.run_id}/job/{item.id}",
        "status": item.status,
        "conclusion": item.conclusion,
        "created_at": iso(item.created_at),
        "started_at": iso(item.started_at),
        "completed_at": iso(item.completed_at),
        "name": item.name,
        "steps": [
            {
                "name": s.name,
                "status": s.status,
                "conclusion": s.conclusion,
                "number": s.number,
                "started_at": iso(s.started_at),
                "completed_at": iso(s.completed_at),
            }
            for s in item.steps
        ],
        "check_run_url": f"{api}/check-runs/{item.id}",
        "labels": item.labels,
        "runner_id": item.runner_id,
        "runner_name": item.runner_name,
        "runner_group_id": 1 if item.runner_id else None,
        "runner_group_name": "GitHub Actions" if item.runner_id else None,
    }


def artifact(req: Request, repo: RepoState, item: Artifact) -> dict[str, Any]:
    """``artifact``."""
    api = f"{repo_api(req, repo)}/actions/artifacts/{item.id}"
    run = repo.runs.get(item.run_id) if item.run_id else None
    shape: dict[str, Any] = {
        "id": item.id,
        "node_id": item.node_id,
        "name": item.name,
        "size_in_bytes": len(item.data),
        "url": api,
        "archive_download_url": f"{api}/zip",
        "expired": repo.artifact_expired(item),
        "digest": item.digest,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.created_at),
        "expires_at": iso(item.expires_at),
    }
    if run is not None:
        shape["workflow_run"] = {
            "id": run.id,
            "repository_id": repo.id,
            "head_repository_id": req.store.get_repo(run.head_repo).id,
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
        }
    return shape
