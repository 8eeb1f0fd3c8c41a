"""Actions: workflow runs (filters), jobs, job and run logs (302 to short-lived URLs), re-runs
(201, recorded in ``repo.reruns``), workflow dispatches (204, recorded in ``repo.dispatches``),
cancel, artifacts (list, get, delete, zip via 302)."""

from __future__ import annotations

from typing import Any

from . import shapes_actions
from .errors import ApiError, invalid_request, require
from .pagination import paginate
from .routing import Request, Response, RouteTable

routes = RouteTable()
_CONCLUSIONS = {
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
    "stale",
    "startup_failure",
}


def redirect(req: Request, data: bytes, content_type: str, filename: str | None = None) -> Response:
    """302 to a short-lived URL serving ``data`` (like GitHub's signed storage URLs)."""
    path = req.store.blobs.publish(data, content_type, filename=filename)
    return Response(302, headers={"location": f"{req.store.blob_base}{path}"})


@routes.get("/repos/{owner}/{repo}/actions/runs")
def list_runs(req: Request) -> Response:
    repo = req.repo()
    runs = sorted(repo.runs.values(), key=lambda r: r.id, reverse=True)
    status = req.arg("status")
    if status:
        field = "conclusion" if status in _CONCLUSIONS else "status"
        runs = [r for r in runs if getattr(r, field) == status]
    for key, field in (
        ("head_sha", "head_sha"),
        ("branch", "head_branch"),
        ("event", "event"),
        ("actor", "actor"),
        ("check_suite_id", "check_suite_id"),
    ):
        if req.arg(key):
            runs = [r for r in runs if str(getattr(r, field)) == req.arg(key)]
    exclude = req.arg("exclude_pull_requests") == "true"

    def shape(run: Any) -> dict[str, Any]:
        item = shapes_actions.workflow_run(req, repo, run)
        if exclude:
            item["pull_requests"] = []
        return item

    # Only the page asked for is shaped: a shape reads the head commit from git.
    return paginate(req, runs, key="workflow_runs", shape=shape)


@routes.get("/repos/{owner}/{repo}/actions/runs/{run_id:int}")
def get_run(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_actions.workflow_run(req, repo, repo.run(int(req.params["run_id"])))


@routes.get("/repos/{owner}/{repo}/actions/runs/{run_id:int}/jobs")
def list_jobs(req: Request) -> Response:
    repo = req.repo()
    run = repo.run(int(req.params["run_id"]))
    which = req.arg("filter") or "latest"
    if which not in ("latest", "all"):
        raise invalid_request(f"filter must be latest or all, not {which!r}")
    jobs = repo.attempt_jobs(run, latest=which == "latest")
    return paginate(req, [shapes_actions.job(req, repo, j) for j in jobs], key="jobs")


@routes.get("/repos/{owner}/{repo}/actions/jobs/{job_id:int}")
def get_job(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_actions.job(req, repo, repo.job(int(req.params["job_id"])))


@routes.get("/repos/{owner}/{repo}/actions/jobs/{job_id:int}/logs")
def job_logs(req: Request) -> Response:
    repo = req.repo()
    job = repo.job(int(req.params["job_id"]))
    return redirect(req, job.log.encode(), "text/plain")


@routes.get("/repos/{owner}/{repo}/actions/runs/{run_id:int}/logs")
def run_logs(req: Request) -> Response:
    repo = req.repo()
    run = repo.run(int(req.params["run_id"]))
    return redirect(req, repo.run_logs_zip(run), "application/zip", f"logs_{run.id}.zip")


@routes.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/rerun-failed-jobs")
@routes.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/rerun")
def rerun(req: Request) -> Response:
    repo = req.repo()
    run = repo.run(int(req.params["run_id"]))
    if run.status != "completed":
        raise ApiError(403, f"The workflow run {run.id} is still running")
    body = require(req.json())
    failed_only = req.path.endswith("rerun-failed-jobs")
    repo.rerun(run, failed_only=failed_only, debug=bool(body.get("enable_debug_logging")))
    return Response(201, {})


@routes.post("/repos/{owner}/{repo}/actions/jobs/{job_id:int}/rerun")
def rerun_job(req: Request) -> Response:
    repo = req.repo()
    job = repo.job(int(req.params["job_id"]))
    run = repo.run(job.run_id)
    body = require(req.json())
    repo.reruns.append(
        {
            "run_id": run.id,
            "failed_only": False,
            "job_ids": [job.id],
            "debug": bool(body.get("enable_debug_logging")),
        }
    )
    run.run_attempt += 1
    run.status, run.conclusion = "queued", None
    job.status, job.conclusion, job.completed_at = "queued", None, None
    return Response(201, {})


_DISPATCH_DOCS = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
MAX_DISPATCH_INPUTS = 25


@routes.post("/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches")
def dispatch(req: Request) -> Response:
    """Any workflow id or file name is accepted; the ref must be a branch or tag of the repo."""
    repo = req.repo()
    body = require(req.json(), "ref", documentation_url=_DISPATCH_DOCS)
    ref, inputs = str(body["ref"]), body.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        raise invalid_request("For 'properties/inputs', is not an object.", _DISPATCH_DOCS)
    if inputs is not None and len(inputs) > MAX_DISPATCH_INPUTS:
        message = f"you may only define up to {MAX_DISPATCH_INPUTS} inputs for a workflow_dispatch"
        raise ApiError(422, message, documentation_url=_DISPATCH_DOCS)
    if ref.startswith("refs/"):
        candidates = [ref] if ref.startswith(("refs/heads/", "refs/tags/")) else []
    else:
        candidates = [f"refs/heads/{ref}", f"refs/tags/{ref}"]
    if not any(repo.git.ref_sha(name) for name in candidates):
        raise ApiError(422, f"No ref found for: {ref}", documentation_url=_DISPATCH_DOCS)
    repo.dispatches.append(
        {"workflow": req.params["workflow_id"], "ref": ref, "inputs": dict(inputs or {})}
    )
    return Response(204)


@routes.post("/repos/{owner}/{repo}/actions/runs/{run_id:int}/cancel")
def cancel(req: Request) -> Response:
    repo = req.repo()
    run = repo.run(int(req.params["run_id"]))
    if run.status == "completed":
        raise ApiError(409, "Cannot cancel a workflow run that is completed.")
    run.status, run.conclusion = "completed", "cancelled"
    return Response(202, {})


def _artifacts(req: Request, items: list[Any]) -> Response:
    repo = req.repo()
    if req.arg("name"):
        items = [a for a in items if a.name == req.arg("name")]
    items.sort(key=lambda a: a.id, reverse=True)
    return paginate(req, [shapes_actions.artifact(req, repo, a) for a in items], key="artifacts")


@routes.get("/repos/{owner}/{repo}/actions/artifacts")
def list_artifacts(req: Request) -> Response:
    return _artifacts(req, list(req.repo().artifacts.values()))


@routes.get("/repos/{owner}/{repo}/actions/runs/{run_id:int}/artifacts")
def list_run_artifacts(req: Request) -> Response:
    repo = req.repo()
    run = repo.run(int(req.params["run_id"]))
    return _artifacts(req, [a for a in repo.artifacts.values() if a.run_id == run.id])


@routes.get("/repos/{owner}/{repo}/actions/artifacts/{artifact_id:int}")
def get_artifact(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_actions.artifact(req, repo, repo.artifact(int(req.params["artifact_id"])))


@routes.delete("/repos/{owner}/{repo}/actions/artifacts/{artifact_id:int}")
def delete_artifact(req: Request) -> Response:
    repo = req.repo()
    artifact = repo.artifact(int(req.params["artifact_id"]))
    del repo.artifacts[artifact.id]
    return Response(204)


@routes.get("/repos/{owner}/{repo}/actions/artifacts/{artifact_id:int}/{archive_format}")
def download_artifact(req: Request) -> Response:
    repo = req.repo()
    artifact = repo.artifact(int(req.params["artifact_id"]))
    if req.params["archive_format"] != "zip":
        raise ApiError(404, "Not Found")
    if repo.artifact_expired(artifact):
        raise ApiError(410, "Artifact has expired")
    return redirect(req, artifact.data, "application/zip", f"{artifact.name}.zip")
