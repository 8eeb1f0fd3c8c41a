"""Attestations of a digest, repository-wide issue events, and release asset downloads
(``Accept: application/octet-stream`` answers 302 to the bytes, as GitHub does)."""

from __future__ import annotations

from typing import Any

from .clock import iso
from .errors import not_found
from .pagination import paginate
from .routes_actions import redirect
from .routing import Request, Response, RouteTable
from .shapes import repo_api, user
from .shapes_issues import asset as asset_shape
from .shapes_issues import issue as issue_shape

routes = RouteTable()


@routes.get("/repos/{owner}/{repo}/attestations/{digest}")
def attestations(req: Request) -> Response:
    """200 with the attestations of ``sha256:HEX``; 404 when there is none, as on GitHub."""
    repo = req.repo()
    digest = req.params["digest"]
    if not digest.startswith("sha256:"):
        raise not_found()
    found = repo.attestations.get(digest.removeprefix("sha256:").lower())
    if not found:
        raise not_found()
    return Response(200, {"attestations": list(found)})  # few per digest: one page


@routes.get("/repos/{owner}/{repo}/issues/events")
def issue_events(req: Request) -> Response:
    """Newest first."""
    repo = req.repo()
    items = []
    for event in sorted(repo.issue_events, key=lambda e: e.id, reverse=True):
        api = repo_api(req, repo)
        items.append(
            {
                "id": event.id,
                "node_id": event.node_id,
                "url": f"{api}/issues/events/{event.id}",
                "actor": user(req, event.actor),
                "event": event.event,
                "commit_id": event.commit_id,
                "commit_url": f"{api}/commits/{event.commit_id}" if event.commit_id else None,
                "created_at": iso(event.created_at),
                "issue": issue_shape(req, repo, repo.issues[event.number])
                if event.number in repo.issues
                else None,
            }
        )
    return paginate(req, items)


@routes.get("/repos/{owner}/{repo}/releases/assets/{asset_id:int}")
def release_asset(req: Request) -> Any:
    """The asset's JSON, or with ``Accept: application/octet-stream`` a 302 to its bytes."""
    repo = req.repo()
    wanted = int(req.params["asset_id"])
    for release in repo.releases.values():
        for item in release.assets:
            if item.id == wanted:
                if req.accepts("application/octet-stream"):
                    return redirect(req, item.data, item.content_type, item.name)
                return asset_shape(req, repo, item, release.tag_name)
    raise not_found()
