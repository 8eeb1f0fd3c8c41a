"""JSON shapes of git data: refs, git commits, trees, blobs, REST commits and diff entries."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .clock import iso
from .shapes import repo_api, user

if TYPE_CHECKING:
    from .diffs import FileDiff
    from .git_objects import CommitInfo, Person, TreeEntry
    from .routing import Request
    from .state import RepoState

UNSIGNED = {
    "verified": False,
    "reason": "unsigned",
    "signature": None,
    "payload": None,
    "verified_at": None,
}


def node(prefix: str, sha: str) -> str:
    """A node id derived from a SHA."""
    return f"{prefix}_kwDO" + base64.urlsafe_b64encode(bytes.fromhex(sha[:24])).decode()


def git_user(person: Person) -> dict[str, Any]:
    """``git-user``: name, email, date."""
    return {"name": person.name, "email": person.email, "date": iso(person.date)}


def ref(req: Request, repo: RepoState, name: str, sha: str, kind: str) -> dict[str, Any]:
    """``git-ref``."""
    api = repo_api(req, repo)
    kind_path = {"commit": "commits", "tag": "tags"}.get(kind, f"{kind}s")
    return {
        "ref": name,
        "node_id": "REF_kwDO" + base64.urlsafe_b64encode(name.encode()).decode().rstrip("="),
        "url": f"{api}/git/{quote(name)}",
        "object": {"sha": sha, "type": kind, "url": f"{api}/git/{kind_path}/{sha}"},
    }


def git_commit(req: Request, repo: RepoState, info: CommitInfo) -> dict[str, Any]:
    """``git-commit`` (the Git Data API view)."""
    api = repo_api(req, repo)
    return {
        "sha": info.sha,
        "node_id": node("C", info.sha),
        "url": f"{api}/git/commits/{info.sha}",
        "html_url": f"{req.web}/{repo.full_name}/commit/{info.sha}",
        "author": git_user(info.author),
        "committer": git_user(info.committer),
        "tree": {"sha": info.tree, "url": f"{api}/git/trees/{info.tree}"},
        "message": info.message.rstrip("\n"),
        "parents": [
            {
                "sha": p,
                "url": f"{api}/git/commits/{p}",
                "html_url": f"{req.web}/{repo.full_name}/commit/{p}",
            }
            for p in info.parents
        ],
        "verification": dict(UNSIGNED),
    }


def _account(req: Request, person: Person) -> dict[str, Any] | None:
    for account in req.store.users.values():
        if account.email and account.email == person.email:
            return user(req, account.login)
    return None


def commit(
    req: Request, repo: RepoState, info: CommitInfo, files: list[FileDiff] | None = None
) -> dict[str, Any]:
    """``commit`` (the REST view); ``files`` adds ``stats`` and ``files``."""
    api = repo_api(req, repo)
    shape: dict[str, Any] = {
        "sha": info.sha,
        "node_id": node("C", info.sha),
        "commit": {
            "author": git_user(info.author),
            "committer": git_user(info.committer),
            "message": info.message.rstrip("\n"),
            "tree": {"sha": info.tree, "url": f"{api}/git/trees/{info.tree}"},
            "url": f"{api}/git/commits/{info.sha}",
            "comment_count": 0,
            "verification": dict(UNSIGNED),
        },
        "url": f"{api}/commits/{info.sha}",
        "html_url": f"{req.web}/{repo.full_name}/commit/{info.sha}",
        "comments_url": f"{api}/commits/{info.sha}/comments",
        "author": _account(req, info.author),
        "committer": _account(req, info.committer),
        "parents": [
            {
                "sha": p,
                "url": f"{api}/commits/{p}",
                "html_url": f"{req.web}/{repo.full_name}/commit/{p}",
            }
            for p in info.parents
        ],
    }
    if files is not None:
        additions = sum(f.additions for f in files)
        deletions = sum(f.deletions for f in files)
        shape["stats"] = {
            "total": additions + deletions,
            "additions": additions,
            "deletions": deletions,
        }
        shape["files"] = [diff_entry(req, repo, f, info.sha) for f in files]
    return shape


def diff_entry(req: Request, repo: RepoState, item: FileDiff, at: str) -> dict[str, Any]:
    """``diff-entry``: a changed file with ``patch`` (text files) and ``previous_filename``."""
    path = quote(item.filename)
    shape: dict[str, Any] = {
        "sha": item.new_sha if item.status != "removed" else item.old_sha,
        "filename": item.filename,
        "status": item.status,
        "additions": item.additions,
        "deletions": item.deletions,
        "changes": item.additions + item.deletions,
        "blob_url": f"{req.web}/{repo.full_name}/blob/{at}/{path}",
        "raw_url": f"{req.web}/{repo.full_name}/raw/{at}/{path}",
        "contents_url": f"{repo_api(req, repo)}/contents/{path}?ref={at}",
    }
    if item.patch is not None and not item.binary:
        shape["patch"] = item.patch
    if item.status in ("renamed", "copied") and item.old_path:
        shape["previous_filename"] = item.old_path
    return shape


def tree(
    req: Request, repo: RepoState, sha: str, entries: list[TreeEntry], truncated: bool = False
) -> dict[str, Any]:
    """``git-tree``."""
    api = repo_api(req, repo)
    items = []
    for entry in entries:
        item: dict[str, Any] = {
            "path": entry.path,
            "mode": entry.mode,
            "type": entry.type,
            "sha": entry.sha,
        }
        if entry.type == "blob":
            item["size"] = entry.size
            item["url"] = f"{api}/git/blobs/{entry.sha}"
        elif entry.type == "tree":
            item["url"] = f"{api}/git/trees/{entry.sha}"
        items.append(item)
    return {"sha": sha, "url": f"{api}/git/trees/{sha}", "tree": items, "truncated": truncated}


def encode_content(data: bytes) -> str:
    """Base64 in 60-character lines, as GitHub sends file contents."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))
