"""Releases (with asset metadata) and deployments with their statuses."""

from __future__ import annotations

from typing import Any

from . import shapes_checks, shapes_issues
from .errors import not_found, require, validation_failed
from .pagination import paginate
from .routing import Request, Response, RouteTable

routes = RouteTable()


@routes.get("/repos/{owner}/{repo}/releases")
def list_releases(req: Request) -> Response:
    repo = req.repo()
    items = sorted(repo.releases.values(), key=lambda r: r.id, reverse=True)
    return paginate(req, [shapes_issues.release(req, repo, r) for r in items])


@routes.post("/repos/{owner}/{repo}/releases")
def create_release(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "tag_name")
    if any(r.tag_name == body["tag_name"] for r in repo.releases.values()):
        raise validation_failed(
            {"resource": "Release", "code": "already_exists", "field": "tag_name"}
        )
    release = repo.add_release(
        str(body["tag_name"]),
        name=body.get("name"),
        body=body.get("body"),
        target_commitish=body.get("target_commitish"),
        draft=bool(body.get("draft")),
        prerelease=bool(body.get("prerelease")),
        author=req.viewer,
    )
    return Response(201, shapes_issues.release(req, repo, release))


@routes.get("/repos/{owner}/{repo}/releases/latest")
def latest_release(req: Request) -> dict[str, Any]:
    repo = req.repo()
    published = [r for r in repo.releases.values() if not r.draft and not r.prerelease]
    if not published:
        raise not_found()
    return shapes_issues.release(req, repo, max(published, key=lambda r: r.id))


@routes.get("/repos/{owner}/{repo}/releases/tags/{tag:path}")
def release_by_tag(req: Request) -> dict[str, Any]:
    repo = req.repo()
    release = next((r for r in repo.releases.values() if r.tag_name == req.params["tag"]), None)
    if release is None:
        raise not_found()
    return shapes_issues.release(req, repo, release)


@routes.get("/repos/{owner}/{repo}/releases/{release_id:int}")
def get_release(req: Request) -> dict[str, Any]:
    repo = req.repo()
    release = repo.releases.get(int(req.params["release_id"]))
    if release is None:
        raise not_found()
    return shapes_issues.release(req, repo, release)


@routes.get("/repos/{owner}/{repo}/releases/{release_id:int}/assets")
def list_assets(req: Request) -> Response:
    repo = req.repo()
    release = repo.releases.get(int(req.params["release_id"]))
    if release is None:
        raise not_found()
    return paginate(
        req, [shapes_issues.asset(req, repo, a, release.tag_name) for a in release.assets]
    )


@routes.get("/repos/{owner}/{repo}/deployments")
def list_deployments(req: Request) -> Response:
    repo = req.repo()
    items = sorted(repo.deployments.values(), key=lambda d: d.id, reverse=True)
    for key in ("sha", "ref", "task", "environment"):
        if req.arg(key):
            items = [d for d in items if getattr(d, key) == req.arg(key)]
    return paginate(req, [shapes_checks.deployment(req, repo, d) for d in items])


@routes.post("/repos/{owner}/{repo}/deployments")
def create_deployment(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "ref")
    deployment = repo.add_deployment(
        str(body["ref"]),
        task=str(body.get("task") or "deploy"),
        environment=str(body.get("environment") or "production"),
        payload=body.get("payload"),
        description=body.get("description"),
        creator=req.viewer,
        transient_environment=bool(body.get("transient_environment")),
        production_environment=body.get("production_environment"),
    )
    return Response(201, shapes_checks.deployment(req, repo, deployment))


@routes.get("/repos/{owner}/{repo}/environments/{environment_name}")
def get_environment(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_checks.environment(req, repo, repo.environment(req.params["environment_name"]))


@routes.get("/repos/{owner}/{repo}/deployments/{deployment_id:int}")
def get_deployment(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_checks.deployment(req, repo, repo.deployment(int(req.params["deployment_id"])))


@routes.get("/repos/{owner}/{repo}/deployments/{deployment_id:int}/statuses")
def list_deployment_statuses(req: Request) -> Response:
    repo = req.repo()
    deployment = repo.deployment(int(req.params["deployment_id"]))
    items = sorted(
        (s for s in repo.deployment_statuses.values() if s.deployment_id == deployment.id),
        key=lambda s: s.id,
        reverse=True,
    )
    return paginate(req, [shapes_checks.deployment_status(req, repo, s) for s in items])


@routes.post("/repos/{owner}/{repo}/deployments/{deployment_id:int}/statuses")
def create_deployment_status(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "state")
    fields = {
        k: str(body[k])
        for k in ("description", "environment", "target_url", "log_url", "environment_url")
        if body.get(k) is not None
    }
    status = repo.add_deployment_status(
        int(req.params["deployment_id"]), str(body["state"]), creator=req.viewer, **fields
    )
    return Response(201, shapes_checks.deployment_status(req, repo, status))
