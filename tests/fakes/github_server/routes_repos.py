"""Repository, branches, contents (read and write), collaborator permission and ``/rate_limit``."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from . import shapes, shapes_git
from .errors import ApiError, invalid_request, not_found, require
from .git_objects import Person
from .pagination import paginate
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()
_MAX_INLINE = 1024 * 1024  # contents above 1 MB come back with encoding "none"
_ROLES = {
    "admin": ("admin", "admin"),
    "maintain": ("write", "maintain"),
    "write": ("write", "write"),
    "triage": ("read", "triage"),
    "read": ("read", "read"),
    "none": ("none", "none"),
}


@routes.get("/repos/{owner}/{repo}")
def get_repo(req: Request) -> dict[str, Any]:
    return shapes.repository(req, req.repo(), full=True)


@routes.get("/repos/{owner}/{repo}/branches")
def list_branches(req: Request) -> Response:
    repo = req.repo()
    api = shapes.repo_api(req, repo)
    items = [
        {
            "name": name.removeprefix("refs/heads/"),
            "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
            "protected": False,
        }
        for name, sha, _ in repo.git.refs("refs/heads/")
    ]
    if req.arg("protected") == "true":
        items = []
    return paginate(req, items)


@routes.get("/repos/{owner}/{repo}/branches/{branch:path}")
def get_branch(req: Request) -> dict[str, Any]:
    repo = req.repo()
    name = req.params["branch"]
    sha = repo.branch_sha(name)
    if sha is None:
        raise ApiError(404, "Branch not found")
    api = shapes.repo_api(req, repo)
    return {
        "name": name,
        "commit": shapes_git.commit(req, repo, repo.git.read_commit(sha)),
        "_links": {
            "self": f"{api}/branches/{quote(name)}",
            "html": f"{req.web}/{repo.full_name}/tree/{quote(name)}",
        },
        "protected": False,
        "protection": {
            "enabled": False,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": f"{api}/branches/{quote(name)}/protection",
    }


def _content_item(
    req: Request, repo: RepoState, ref: str, entry: Any, *, inline: bool
) -> dict[str, Any]:
    api = shapes.repo_api(req, repo)
    # Before API version 2026-03-10 a submodule in a directory listing has type "file".
    submodule = "file" if req.legacy and not inline else "submodule"
    kind = {"blob": "file", "tree": "dir", "commit": submodule}[entry.type]
    path = quote(entry.path)
    html = f"{req.web}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
    git_url = f"{api}/git/{'trees' if kind == 'dir' else 'blobs'}/{entry.sha}"
    item: dict[str, Any] = {
        "type": kind,
        "size": entry.size or 0,
        "name": entry.path.rsplit("/", 1)[-1],
        "path": entry.path,
        "sha": entry.sha,
        "url": f"{api}/contents/{path}?ref={quote(ref)}",
        "git_url": git_url,
        "html_url": html,
        "download_url": f"{req.web}/{repo.full_name}/raw/{ref}/{path}" if kind == "file" else None,
        "_links": {
            "self": f"{api}/contents/{path}?ref={quote(ref)}",
            "git": git_url,
            "html": html,
        },
    }
    if inline:
        data = repo.git.read_blob(entry.sha)
        big = len(data) > _MAX_INLINE
        item["content"] = "" if big else shapes_git.encode_content(data)
        item["encoding"] = "none" if big else "base64"
    return item


def _lookup(repo: RepoState, ref: str, path: str) -> tuple[str, Any]:
    sha = repo.git.resolve(ref)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    if not path:
        return sha, None
    entry = next((e for e in repo.git.ls_tree(sha, path=path) if e.path == path), None)
    if entry is None:
        raise not_found()
    return sha, entry


@routes.get("/repos/{owner}/{repo}/contents")
@routes.get("/repos/{owner}/{repo}/contents/{path:path}")
def get_contents(req: Request) -> Response | dict[str, Any] | list[Any]:
    repo = req.repo()
    ref = req.arg("ref") or repo.default_branch
    path = req.params.get("path", "").strip("/")
    sha, entry = _lookup(repo, ref, path)
    if entry is not None and entry.type == "blob":
        if req.accepts("vnd.github.raw", "vnd.github.v3.raw"):
            return Response(
                200, raw=repo.git.read_blob(entry.sha), content_type="text/plain; charset=utf-8"
            )
        return _content_item(req, repo, ref, entry, inline=True)
    children = repo.git.ls_tree(f"{sha}:{path}" if path else sha)
    prefix = f"{path}/" if path else ""
    return [
        _content_item(
            req, repo, ref, type(e)(e.mode, e.type, e.sha, e.size, prefix + e.path), inline=False
        )
        for e in children
    ]


def _person(body: dict[str, Any], key: str, req: Request) -> Person:
    info = body.get(key) or body.get("committer") or {}
    login = req.viewer
    return Person(
        info.get("name") or login,
        info.get("email") or f"{login}@users.noreply.github.com",
        req.store.clock.now(),
    )


@routes.put("/repos/{owner}/{repo}/contents/{path:path}")
@routes.delete("/repos/{owner}/{repo}/contents/{path:path}")
def write_contents(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "message", *(["content"] if req.method == "PUT" else ["sha"]))
    path = req.params["path"].strip("/")
    branch = body.get("branch") or repo.default_branch
    tip = repo.branch_sha(branch)
    if tip is None:
        raise ApiError(404, f"Branch {branch} not found")
    existing = next((e for e in repo.git.ls_tree(tip, path=path) if e.path == path), None)
    if existing is None and req.method == "DELETE":
        raise not_found()
    if existing is not None and not body.get("sha"):
        raise invalid_request('"sha" wasn\'t supplied.')
    if existing is not None and body["sha"] != existing.sha:
        raise ApiError(409, f"{path} does not match {body['sha']}")
    entries: list[dict[str, str | None]] = [{"path": path, "sha": None}]  # DELETE
    if req.method == "PUT":
        data = base64.b64decode(str(body["content"]))
        entries = [{"path": path, "mode": "100644", "sha": repo.git.write_blob(data)}]
    tree = repo.git.write_tree(entries, repo.git.read_commit(tip).tree)
    author = _person(body, "author", req)
    sha = repo.git.write_commit(
        tree, [tip], str(body["message"]), author, _person(body, "committer", req)
    )
    repo.git.set_ref(f"refs/heads/{branch}", sha)
    content = None
    if req.method == "PUT":
        entry = next(e for e in repo.git.ls_tree(sha, path=path) if e.path == path)
        content = _content_item(req, repo, branch, entry, inline=False)
        content.pop("_links")
        content["_links"] = {
            "self": content["url"],
            "git": content["git_url"],
            "html": content["html_url"],
        }
    commit = shapes_git.git_commit(req, repo, repo.git.read_commit(sha))
    status = 201 if req.method == "PUT" and existing is None else 200
    return Response(status, {"content": content, "commit": commit})


@routes.get("/repos/{owner}/{repo}/collaborators/{username}/permission")
def collaborator_permission(req: Request) -> dict[str, Any]:
    repo = req.repo()
    login = req.params["username"]
    if login not in req.store.users:
        raise not_found()
    level = repo.permissions.get(login, "none" if repo.private else "read")
    permission, role = _ROLES[level]
    person = shapes.user(req, login) or {}
    person.update(permissions=shapes.permissions(level), role_name=role)
    return {"permission": permission, "role_name": role, "user": person}


@routes.get("/rate_limit")
def rate_limit(req: Request) -> dict[str, Any]:
    rate = req.store.rate
    core = {
        "limit": rate.limit,
        "used": rate.used,
        "remaining": rate.remaining,
        "reset": rate.reset,
    }

    def other(limit: int) -> dict[str, Any]:
        return {"limit": limit, "used": 0, "remaining": limit, "reset": rate.reset}

    resources = {
        "core": core,
        "search": other(30),
        "graphql": other(5000),
        "integration_manifest": other(5000),
        "code_search": other(10),
    }
    body: dict[str, Any] = {"resources": resources}
    if req.legacy:  # "rate" was removed in API version 2026-03-10
        body["rate"] = core
    return body
