"""Git Data API: refs (with the fast-forward check and ``force``), commits, trees (also
``recursive=1``) and blobs — all read from and written to the repository's real git store."""

from __future__ import annotations

import base64
from typing import Any

from . import shapes_git
from .clock import parse_time
from .errors import ApiError, invalid_request, not_found, require, unprocessable
from .git_backend import GitError
from .git_objects import Person
from .pagination import paginate
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()
_LISTED = ("refs/heads/", "refs/tags/", "refs/pull/")
_REF_DOCS = "https://docs.github.com/rest/git/refs"


def _refs(repo: RepoState, prefix: str) -> list[tuple[str, str, str]]:
    return [r for r in repo.git.refs(prefix) if r[0].startswith(_LISTED)]


def _ref_shape(req: Request, repo: RepoState, row: tuple[str, str, str]) -> dict[str, Any]:
    return shapes_git.ref(req, repo, *row)


@routes.get("/repos/{owner}/{repo}/git/ref/{ref:path}")
def get_ref(req: Request) -> dict[str, Any]:
    repo = req.repo()
    name = "refs/" + req.params["ref"]
    row = next((r for r in _refs(repo, name) if r[0] == name), None)
    if row is None:
        raise not_found()
    return _ref_shape(req, repo, row)


@routes.get("/repos/{owner}/{repo}/git/refs")
@routes.get("/repos/{owner}/{repo}/git/refs/{ref:path}")
def list_refs(req: Request) -> Response | dict[str, Any]:
    """Exact name → one ref; otherwise the refs under that prefix (GitHub's legacy form)."""
    repo = req.repo()
    name = "refs/" + req.params["ref"] if "ref" in req.params else "refs/"
    rows = _refs(repo, name)
    exact = next((r for r in rows if r[0] == name), None)
    if exact is not None:
        return _ref_shape(req, repo, exact)
    rows = [r for r in rows if r[0].startswith(name.rstrip("/") + "/") or name == "refs/"]
    if not rows:
        raise not_found()
    return paginate(req, [_ref_shape(req, repo, r) for r in rows])


@routes.get("/repos/{owner}/{repo}/git/matching-refs/{ref:path}")
def matching_refs(req: Request) -> Response:
    repo = req.repo()
    prefix = "refs/" + req.params["ref"]
    rows = [r for r in _refs(repo, "refs/") if r[0].startswith(prefix)]
    return paginate(req, [_ref_shape(req, repo, r) for r in rows])


@routes.post("/repos/{owner}/{repo}/git/refs")
def create_ref(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "ref", "sha", documentation_url=_REF_DOCS)
    name, sha = str(body["ref"]), str(body["sha"])
    if not name.startswith("refs/") or name.count("/") < 2:
        raise unprocessable(
            "Reference name must start with 'refs/' and have at least two slashes.",
            documentation_url=_REF_DOCS,
        )
    if repo.git.ref_sha(name) is not None:
        raise ApiError(422, "Reference already exists", documentation_url=_REF_DOCS)
    kind = repo.git.object_type(sha) if len(sha) == 40 else None
    if kind is None:
        raise ApiError(422, "Object does not exist", documentation_url=_REF_DOCS)
    repo.git.set_ref(name, sha)
    return Response(201, _ref_shape(req, repo, (name, sha, kind)))


@routes.patch("/repos/{owner}/{repo}/git/refs/{ref:path}")
def update_ref(req: Request) -> dict[str, Any]:
    repo = req.repo()
    body = require(req.json(), "sha", documentation_url=_REF_DOCS)
    name, sha = "refs/" + req.params["ref"], str(body["sha"])
    current = repo.git.ref_sha(name)
    if current is None:
        raise ApiError(422, "Reference does not exist", documentation_url=_REF_DOCS)
    kind = repo.git.object_type(sha) if len(sha) == 40 else None
    if kind is None:
        raise ApiError(422, "Object does not exist", documentation_url=_REF_DOCS)
    if not body.get("force") and not repo.git.is_ancestor(current, sha):
        raise ApiError(422, "Update is not a fast forward", documentation_url=_REF_DOCS)
    repo.git.set_ref(name, sha)
    return _ref_shape(req, repo, (name, sha, kind))


@routes.delete("/repos/{owner}/{repo}/git/refs/{ref:path}")
def delete_ref(req: Request) -> Response:
    repo = req.repo()
    name = "refs/" + req.params["ref"]
    if repo.git.ref_sha(name) is None:
        raise ApiError(422, "Reference does not exist", documentation_url=_REF_DOCS)
    repo.git.delete_ref(name)
    return Response(204)


@routes.get("/repos/{owner}/{repo}/git/commits/{sha}")
def get_git_commit(req: Request) -> dict[str, Any]:
    repo = req.repo()
    sha = req.params["sha"]
    if repo.git.object_type(sha) != "commit":
        raise not_found()
    return shapes_git.git_commit(req, repo, repo.git.read_commit(sha))


def _person(req: Request, info: Any) -> Person:
    info = info if isinstance(info, dict) else {}
    login = req.viewer
    when = parse_time(info["date"]) if info.get("date") else req.store.clock.now()
    return Person(
        info.get("name") or login, info.get("email") or f"{login}@users.noreply.github.com", when
    )


@routes.post("/repos/{owner}/{repo}/git/commits")
def create_git_commit(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "message", "tree")
    if repo.git.object_type(str(body["tree"])) != "tree":
        raise ApiError(422, "Tree SHA does not exist")
    parents = [str(p) for p in body.get("parents") or []]
    for parent in parents:
        if repo.git.object_type(parent) != "commit":
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
    author = _person(req, body.get("author"))
    committer = _person(req, body.get("committer") or body.get("author"))
    sha = repo.git.write_commit(str(body["tree"]), parents, str(body["message"]), author, committer)
    return Response(201, shapes_git.git_commit(req, repo, repo.git.read_commit(sha)))


@routes.get("/repos/{owner}/{repo}/git/trees/{sha:path}")
def get_tree(req: Request) -> dict[str, Any]:
    repo = req.repo()
    try:
        tree_sha = repo.git.text("rev-parse", "--verify", "--quiet", req.params["sha"] + "^{tree}")
    except GitError:
        raise not_found() from None
    recursive = req.arg("recursive") not in (None, "", "0", "false")
    entries = repo.git.ls_tree(tree_sha, recursive=recursive)
    return shapes_git.tree(req, repo, tree_sha, entries)


@routes.post("/repos/{owner}/{repo}/git/trees")
def create_tree(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "tree")
    base = body.get("base_tree")
    if base and repo.git.object_type(str(base)) not in ("tree", "commit"):
        raise ApiError(422, "Invalid tree info")
    entries: list[dict[str, str | None]] = []
    for item in body["tree"]:
        if not isinstance(item, dict) or not item.get("path"):
            raise invalid_request("For 'items', nil is not an object.")
        if item.get("type") == "tree":
            raise ApiError(422, "tree entries of type 'tree' are not supported by the fake")
        sha = item.get("sha")
        if "content" in item:
            sha = repo.git.write_blob(str(item["content"]).encode())
        elif sha is not None and repo.git.object_type(str(sha)) is None:
            raise ApiError(422, "Invalid tree info", errors=[f"Object {sha} does not exist"])
        entries.append(
            {"path": str(item["path"]), "mode": str(item.get("mode") or "100644"), "sha": sha}
        )
    base_tree = repo.git.text("rev-parse", str(base) + "^{tree}") if base else None
    tree_sha = repo.git.write_tree(entries, base_tree)
    return Response(201, shapes_git.tree(req, repo, tree_sha, repo.git.ls_tree(tree_sha)))


@routes.get("/repos/{owner}/{repo}/git/blobs/{sha}")
def get_blob(req: Request) -> Response | dict[str, Any]:
    repo = req.repo()
    sha = req.params["sha"]
    if repo.git.object_type(sha) != "blob":
        raise not_found()
    data = repo.git.read_blob(sha)
    if req.accepts("vnd.github.raw"):
        return Response(200, raw=data, content_type="application/vnd.github.raw")
    return {
        "sha": sha,
        "node_id": shapes_git.node("B", sha),
        "size": len(data),
        "url": f"{req.api}/repos/{repo.full_name}/git/blobs/{sha}",
        "content": shapes_git.encode_content(data),
        "encoding": "base64",
    }


@routes.post("/repos/{owner}/{repo}/git/blobs")
def create_blob(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "content")
    encoding = body.get("encoding", "utf-8")
    if encoding not in ("utf-8", "base64"):
        raise invalid_request(f"encoding {encoding!r} is not supported")
    text = str(body["content"])
    data = base64.b64decode(text) if encoding == "base64" else text.encode()
    sha = repo.git.write_blob(data)
    return Response(201, {"url": f"{req.api}/repos/{repo.full_name}/git/blobs/{sha}", "sha": sha})
