"""Commits (list with ``sha``/``path``/``since``/``until``, get with files) and compare
(``base...head``, fork heads as ``owner:ref``; commits paginated), each also in the diff and
patch media types."""

from __future__ import annotations

from typing import Any

from . import shapes, shapes_git
from .diffs import parse_diff
from .errors import ApiError, not_found
from .pagination import link_header, paginate
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def text_media(req: Request, text: str, kind: str) -> Response:
    """A diff/patch media-type answer, labelled with the media type the client asked for."""
    media = (
        f"application/vnd.github.v3.{kind}"
        if req.accepts("v3." + kind)
        else (f"application/vnd.github.{kind}")
    )
    return Response(200, raw=text.encode(), content_type=f"{media}; charset=utf-8")


def wants(req: Request, kind: str) -> bool:
    """Whether the Accept header asks for the ``diff`` or ``patch`` media type."""
    return req.accepts(f"vnd.github.{kind}", f"vnd.github.v3.{kind}")


@routes.get("/repos/{owner}/{repo}/commits")
def list_commits(req: Request) -> Response:
    repo = req.repo()
    start = req.arg("sha") or repo.default_branch
    if repo.git.resolve(start) is None:
        raise ApiError(404, f"No commit found for SHA: {start}")
    shas = repo.git.log(start, path=req.arg("path"), since=req.arg("since"), until=req.arg("until"))
    return paginate(req, [shapes_git.commit(req, repo, repo.git.read_commit(s)) for s in shas])


@routes.get("/repos/{owner}/{repo}/commits/{ref:path}")
def get_commit(req: Request) -> Response | dict[str, Any]:
    repo = req.repo()
    sha = repo.git.resolve(req.params["ref"])
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {req.params['ref']}")
    info = repo.git.read_commit(sha)
    parent = info.parents[0] if info.parents else EMPTY_TREE
    if wants(req, "diff"):
        return text_media(req, repo.git.diff(parent, sha), "diff")
    if wants(req, "patch"):
        return text_media(req, repo.git.format_patch(parent, sha), "patch")
    return shapes_git.commit(req, repo, info, parse_diff(repo.git.diff(parent, sha)))


def _compare_side(repo: RepoState, spec: str) -> str | None:
    """A compare endpoint: ``ref``, ``owner:ref`` or ``owner:repo:ref`` (forks)."""
    parts = spec.split(":")
    if len(parts) == 1:
        return repo.git.resolve(spec)
    owner, ref = parts[0], parts[-1]
    name = parts[1] if len(parts) == 3 else repo.name
    other = repo.store.repos.get(f"{owner}/{name}".lower())
    if other is None:
        return None
    sha = other.git.resolve(ref)
    if sha and other is not repo:
        repo.git.fetch(other.git.path, f"{sha}:refs/fake/compare")
    return sha


@routes.get("/repos/{owner}/{repo}/compare/{basehead:path}")
def compare(req: Request) -> Response:
    repo = req.repo()
    spec = req.params["basehead"]
    base_spec, sep, head_spec = spec.partition("...")
    if not sep:
        base_spec, _, head_spec = spec.partition("..")
    base, head = _compare_side(repo, base_spec), _compare_side(repo, head_spec)
    if base is None or head is None:
        raise not_found()
    merge_base = repo.git.merge_base(base, head) or base
    text = repo.git.diff(merge_base, head)
    if wants(req, "diff"):
        return text_media(req, text, "diff")
    if wants(req, "patch"):
        return text_media(req, repo.git.format_patch(merge_base, head), "patch")
    ahead, behind = len(repo.git.rev_list(base, head)), len(repo.git.rev_list(head, base))
    status = (
        "identical"
        if not ahead and not behind
        else "ahead"
        if not behind
        else "behind"
        if not ahead
        else "diverged"
    )
    api, web = shapes.repo_api(req, repo), f"{req.web}/{repo.full_name}"
    # Commits are paginated (default 250 a page, at most 1000); files come whole (max 300).
    shas = repo.git.rev_list(merge_base, head)
    per_page = min(max(req.int_arg("per_page", 250), 1), 1000)
    page = max(req.int_arg("page", 1), 1)
    commits = [
        shapes_git.commit(req, repo, repo.git.read_commit(s))
        for s in shas[(page - 1) * per_page : page * per_page]
    ]
    response = Response(
        200,
        {
            "url": f"{api}/compare/{spec}",
            "html_url": f"{web}/compare/{spec}",
            "permalink_url": f"{web}/compare/{repo.owner}:{base[:7]}...{repo.owner}:{head[:7]}",
            "diff_url": f"{web}/compare/{spec}.diff",
            "patch_url": f"{web}/compare/{spec}.patch",
            "base_commit": shapes_git.commit(req, repo, repo.git.read_commit(base)),
            "merge_base_commit": shapes_git.commit(req, repo, repo.git.read_commit(merge_base)),
            "status": status,
            "ahead_by": ahead,
            "behind_by": behind,
            "total_commits": ahead,
            "commits": commits,
            "files": [shapes_git.diff_entry(req, repo, f, head) for f in parse_diff(text)][:300],
        },
    )
    link = link_header(req, page, max((len(shas) + per_page - 1) // per_page, 1))
    if link:
        response.headers["link"] = link
    return response
