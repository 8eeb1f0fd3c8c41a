"""Pull requests: list, get (JSON, or the diff/patch media types), create, update, merge, and
a PR's files (with ``patch``) and commits."""

from __future__ import annotations

from typing import Any

from . import shapes_git, shapes_pulls
from .errors import ApiError, invalid_request, require, validation_failed
from .pagination import paginate
from .records import Issue
from .routes_commits import text_media, wants
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()
MAX_FILES = 3000  # GitHub lists at most 3000 files of a PR
MAX_COMMITS = 250  # and at most 250 commits


def sort_items(req: Request, items: list[Issue], default: str = "created") -> list[Issue]:
    """Order issues/PRs by ``sort`` and ``direction`` as GitHub's list endpoints do."""
    sort = req.arg("sort") or default
    key = {
        "updated": lambda i: (i.updated_at, i.id),
        "created": lambda i: (i.created_at, i.id),
        "comments": lambda i: (i.updated_at, i.id),
        "popularity": lambda i: (i.updated_at, i.id),
        "long-running": lambda i: (i.created_at, i.id),
    }.get(sort)
    if key is None:
        raise validation_failed({"resource": "Issue", "code": "invalid", "field": "sort"})
    default_dir = "desc" if sort in ("created", "updated", "comments") else "asc"
    direction = req.arg("direction") or default_dir
    return sorted(items, key=key, reverse=direction == "desc")


@routes.get("/repos/{owner}/{repo}/pulls")
def list_pulls(req: Request) -> Response:
    repo = req.repo()
    state = req.arg("state") or "open"
    items = [p for p in repo.pulls() if state in ("all", p.state)]
    if req.arg("base"):
        items = [p for p in items if p.pull and p.pull.base_ref == req.arg("base")]
    if req.arg("head"):
        owner, _, branch = str(req.arg("head")).rpartition(":")
        items = [
            p
            for p in items
            if p.pull
            and p.pull.head_ref == branch
            and (not owner or p.pull.head_repo.split("/")[0] == owner)
        ]
    items = sort_items(req, items)
    return paginate(req, [shapes_pulls.pull_request(req, repo, p, full=False) for p in items])


def _head_repo(repo: RepoState, owner: str | None, hint: Any) -> RepoState:
    if not owner or owner == repo.owner:
        return repo
    for other in repo.store.repos.values():
        if other.owner == owner and (other.fork_of == repo.full_name or other.name == hint):
            return other
    raise validation_failed({"resource": "PullRequest", "field": "head", "code": "invalid"})


@routes.post("/repos/{owner}/{repo}/pulls")
def create_pull(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "head", "base")
    if not body.get("title") and not body.get("issue"):
        raise invalid_request('"title" wasn\'t supplied.')
    owner, _, branch = str(body["head"]).rpartition(":")
    source = _head_repo(repo, owner or None, body.get("head_repo"))
    issue = repo.open_pull(
        branch,
        str(body["base"]),
        title=str(body.get("title") or ""),
        body=body.get("body"),
        user=req.viewer,
        draft=bool(body.get("draft")),
        head_repo=source,
        maintainer_can_modify=bool(body.get("maintainer_can_modify", source is not repo)),
    )
    return Response(201, shapes_pulls.pull_request(req, repo, issue))


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}")
def get_pull(req: Request) -> Response | dict[str, Any]:
    repo = req.repo()
    issue = repo.pull(int(req.params["number"]))
    if wants(req, "diff"):
        return text_media(req, repo.pull_diff(issue).text, "diff")
    if wants(req, "patch"):
        diff = repo.pull_diff(issue)
        return text_media(req, repo.git.format_patch(diff.merge_base, diff.head), "patch")
    return shapes_pulls.pull_request(req, repo, issue)


@routes.patch("/repos/{owner}/{repo}/pulls/{number:int}")
def update_pull(req: Request) -> dict[str, Any]:
    repo = req.repo()
    issue = repo.pull(int(req.params["number"]))
    info = issue.pull
    assert info is not None
    body = require(req.json())
    now = req.store.clock.now()
    for key in ("title", "body"):
        if key in body:
            setattr(issue, key, body[key])
    if body.get("base"):
        if repo.branch_sha(str(body["base"])) is None:
            raise validation_failed({"resource": "PullRequest", "field": "base", "code": "invalid"})
        info.base_ref = str(body["base"])
    if "maintainer_can_modify" in body:
        info.maintainer_can_modify = bool(body["maintainer_can_modify"])
    if body.get("state") in ("open", "closed") and body["state"] != issue.state:
        if info.merged:
            raise validation_failed(
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": "state cannot be changed. The pull request has been merged.",
                }
            )
        issue.state = str(body["state"])
        issue.closed_at = now if issue.state == "closed" else None
    issue.updated_at = now
    return shapes_pulls.pull_request(req, repo, repo.pull(issue.number))


@routes.put("/repos/{owner}/{repo}/pulls/{number:int}/merge")
def merge_pull(req: Request) -> dict[str, Any]:
    repo = req.repo()
    issue = repo.pull(int(req.params["number"]))
    info = issue.pull
    assert info is not None
    if info.merged or issue.state != "open":
        raise ApiError(405, "Pull Request is not mergeable")
    body = require(req.json())
    if body.get("sha") and body["sha"] != info.head_sha:
        raise ApiError(409, "Head branch was modified. Review and try the merge again.")
    if not repo.git.mergeable(info.base_sha, info.head_sha):
        raise ApiError(405, "Pull Request is not mergeable")
    sha = repo.merge_pull(issue.number, by=req.viewer, message=body.get("commit_title"))
    return {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}/files")
def list_files(req: Request) -> Response:
    repo = req.repo()
    issue = repo.pull(int(req.params["number"]))
    diff = repo.pull_diff(issue)
    files = [shapes_git.diff_entry(req, repo, f, diff.head) for f in diff.files[:MAX_FILES]]
    return paginate(req, files)


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}/commits")
def list_pull_commits(req: Request) -> Response:
    repo = req.repo()
    diff = repo.pull_diff(repo.pull(int(req.params["number"])))
    commits = [
        shapes_git.commit(req, repo, repo.git.read_commit(sha))
        for sha in diff.commits[:MAX_COMMITS]
    ]
    return paginate(req, commits)
