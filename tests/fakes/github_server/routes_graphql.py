"""``POST /graphql``: the one query shape ci-agent sends (files at a commit, aliased
``object(expression: $e)`` lookups on a repository's Blob fields). Other queries get GraphQL's
error answer (HTTP 200 with ``errors``), as GitHub answers a query it cannot run."""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()
_REPOSITORY = re.compile(r"repository\(owner:\s*\$owner,\s*name:\s*\$name\)")
_OBJECT = re.compile(r"(\w+):\s*object\(expression:\s*\$(\w+)\)")
_TRUNCATE = 512 * 1024  # Blob.text is cut (isTruncated) for larger files
_BINARY_PROBE = 8000  # git's own rule: a NUL in the first 8,000 bytes means binary


@routes.post("/graphql")
def graphql(req: Request) -> Response | dict[str, Any]:
    body = req.json()
    query, variables = str(body.get("query") or ""), body.get("variables") or {}
    if not _REPOSITORY.search(query) or not _OBJECT.search(query):
        return _error("This fake answers only the repository object(expression:) query")
    try:
        repo = req.store.get_repo(f"{variables['owner']}/{variables['name']}")
    except (KeyError, ApiError):
        return {"data": {"repository": None}, "errors": [_not_found(variables)]}
    objects = {
        alias: _object(repo, str(variables.get(name, ""))) for alias, name in _OBJECT.findall(query)
    }
    return {"data": {"repository": objects}}


def _object(repo: RepoState, expression: str) -> dict[str, Any] | None:
    ref, sep, path = expression.partition(":")
    sha = repo.git.resolve(ref) if sep else None
    if sha is None:
        return None
    entry = next((e for e in repo.git.ls_tree(sha, path=path) if e.path == path), None)
    if entry is None:
        return None
    if entry.type != "blob":
        return {"__typename": "Tree" if entry.type == "tree" else "Commit"}
    data = repo.git.read_blob(entry.sha)
    binary = b"\0" in data[:_BINARY_PROBE]
    return {
        "__typename": "Blob",
        "byteSize": len(data),
        "isBinary": binary,
        "isTruncated": not binary and len(data) > _TRUNCATE,
        # GitHub decodes as UTF-8, replacing what does not decode: the size then differs.
        "text": None if binary else data[:_TRUNCATE].decode("utf-8", errors="replace"),
    }


def _error(message: str) -> Response:
    return Response(200, {"errors": [{"message": message}]})


def _not_found(variables: dict[str, Any]) -> dict[str, Any]:
    name = f"{variables.get('owner')}/{variables.get('name')}"
    return {
        "type": "NOT_FOUND",
        "path": ["repository"],
        "message": f"Could not resolve to a Repository with the name '{name}'.",
    }
