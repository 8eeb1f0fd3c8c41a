"""Check runs (create/update with at most 50 annotations per request; annotations accumulate),
annotations, check runs for a ref (Actions jobs included, as on GitHub), commit statuses and
the combined status."""

from __future__ import annotations

from typing import Any

from . import shapes_checks
from .errors import require
from .pagination import paginate
from .records import CheckRun
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()


def _jobs_as_runs(repo: RepoState, sha: str | None = None) -> list[CheckRun]:
    """Actions jobs are check runs of the ``github-actions`` app (same id)."""
    runs = []
    for job in repo.jobs.values():
        if sha is not None and job.head_sha != sha:
            continue
        suite = repo.runs[job.run_id].check_suite_id
        runs.append(
            CheckRun(
                job.id,
                job.node_id,
                job.name,
                job.head_sha,
                suite,
                job.status,
                job.conclusion,
                job.started_at,
                job.completed_at,
            )
        )
    return runs


def _find(repo: RepoState, run_id: int) -> CheckRun:
    if run_id in repo.jobs:
        return next(r for r in _jobs_as_runs(repo) if r.id == run_id)
    return repo.check_run(run_id)


@routes.post("/repos/{owner}/{repo}/check-runs")
def create_check_run(req: Request) -> Response:
    repo = req.repo()
    run = repo.create_check_run(require(req.json()))
    return Response(201, shapes_checks.check_run(req, repo, run))


@routes.patch("/repos/{owner}/{repo}/check-runs/{run_id:int}")
def update_check_run(req: Request) -> dict[str, Any]:
    repo = req.repo()
    run = repo.update_check_run(repo.check_run(int(req.params["run_id"])), require(req.json()))
    return shapes_checks.check_run(req, repo, run)


@routes.get("/repos/{owner}/{repo}/check-runs/{run_id:int}")
def get_check_run(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_checks.check_run(req, repo, _find(repo, int(req.params["run_id"])))


@routes.get("/repos/{owner}/{repo}/check-runs/{run_id:int}/annotations")
def list_annotations(req: Request) -> Response:
    repo = req.repo()
    run = _find(repo, int(req.params["run_id"]))
    return paginate(req, [shapes_checks.annotation(req, repo, run, a) for a in run.annotations])


@routes.get("/repos/{owner}/{repo}/commits/{ref:path}/check-runs")
def list_for_ref(req: Request) -> Response:
    repo = req.repo()
    sha = repo.commit_sha(req.params["ref"])
    runs = [r for r in repo.check_runs.values() if r.head_sha == sha] + _jobs_as_runs(repo, sha)
    runs.sort(key=lambda r: r.id, reverse=True)
    if req.arg("check_name"):
        runs = [r for r in runs if r.name == req.arg("check_name")]
    if req.arg("status"):
        runs = [r for r in runs if r.status == req.arg("status")]
    if (req.arg("filter") or "latest") == "latest":  # the newest run of each name
        newest: dict[str, CheckRun] = {}
        for run in runs:
            newest.setdefault(run.name, run)
        runs = list(newest.values())
    return paginate(req, [shapes_checks.check_run(req, repo, r) for r in runs], key="check_runs")


@routes.post("/repos/{owner}/{repo}/statuses/{sha}")
def create_status(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "state")
    status = repo.add_status(
        req.params["sha"],
        str(body["state"]),
        context=str(body.get("context") or "default"),
        description=body.get("description"),
        target_url=body.get("target_url"),
        creator=req.viewer,
    )
    return Response(201, shapes_checks.status(req, repo, status))


@routes.get("/repos/{owner}/{repo}/commits/{ref:path}/statuses")
@routes.get("/repos/{owner}/{repo}/statuses/{ref:path}")
def list_statuses(req: Request) -> Response:
    repo = req.repo()
    sha = repo.commit_sha(req.params["ref"])
    items = sorted((s for s in repo.statuses if s.sha == sha), key=lambda s: s.id, reverse=True)
    return paginate(req, [shapes_checks.status(req, repo, s) for s in items])


@routes.get("/repos/{owner}/{repo}/commits/{ref:path}/status")
def combined_status(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_checks.combined(req, repo, repo.commit_sha(req.params["ref"]))
