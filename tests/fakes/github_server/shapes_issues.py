"""JSON shapes of issues, issue comments, reactions, releases and release assets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso
from .shapes import label, milestone, reactions, repo_api, user

if TYPE_CHECKING:
    from .records import Issue, IssueComment, Reaction
    from .records_actions import Release, ReleaseAsset
    from .routing import Request
    from .state import RepoState


def issue(req: Request, repo: RepoState, item: Issue) -> dict[str, Any]:
    """``issue``; a PR's issue carries the ``pull_request`` key, as on GitHub."""
    api = f"{repo_api(req, repo)}/issues/{item.number}"
    kind = "pull" if item.pull else "issues"
    web = f"{req.web}/{repo.full_name}/{kind}/{item.number}"
    shape: dict[str, Any] = {
        "url": api,
        "repository_url": repo_api(req, repo),
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": web,
        "id": item.id,
        "node_id": item.node_id,
        "number": item.number,
        "title": item.title,
        "user": user(req, item.user),
        "labels": [label(req, repo, repo.ensure_label(n), embedded=True) for n in item.labels],
        "state": item.state,
        "locked": item.locked,
        "assignees": [user(req, a) for a in item.assignees],
        "milestone": milestone(req, repo, repo.milestones[item.milestone])
        if item.milestone in repo.milestones
        else None,
        "comments": len(repo.comments_on(item.number)),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "closed_at": iso(item.closed_at),
        "author_association": repo.association(item.user),
        "active_lock_reason": None,
        "body": item.body,
        "closed_by": user(req, item.closed_by),
        "reactions": reactions(req, repo, ("issue", item.id), api),
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": item.state_reason,
    }
    if req.legacy:  # removed in API version 2026-03-10
        shape["assignee"] = user(req, item.assignees[0]) if item.assignees else None
    if item.pull:
        shape["draft"] = item.pull.draft
        pulls = f"{repo_api(req, repo)}/pulls/{item.number}"
        shape["pull_request"] = {
            "url": pulls,
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "merged_at": iso(item.pull.merged_at),
        }
    return shape


def issue_comment(req: Request, repo: RepoState, item: IssueComment) -> dict[str, Any]:
    """``issue-comment``."""
    url = f"{repo_api(req, repo)}/issues/comments/{item.id}"
    target = repo.issues[item.issue_number]
    kind = "pull" if target.pull else "issues"
    return {
        "url": url,
        "html_url": f"{req.web}/{repo.full_name}/{kind}/{item.issue_number}#issuecomment-{item.id}",
        "issue_url": f"{repo_api(req, repo)}/issues/{item.issue_number}",
        "id": item.id,
        "node_id": item.node_id,
        "user": user(req, item.user),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "author_association": repo.association(item.user),
        "body": item.body,
        "reactions": reactions(req, repo, ("issue_comment", item.id), url),
        "performed_via_github_app": None,
    }


def reaction(req: Request, item: Reaction) -> dict[str, Any]:
    """``reaction``."""
    return {
        "id": item.id,
        "node_id": item.node_id,
        "user": user(req, item.user),
        "content": item.content,
        "created_at": iso(item.created_at),
    }


def asset(req: Request, repo: RepoState, item: ReleaseAsset, tag: str) -> dict[str, Any]:
    """``release-asset``."""
    return {
        "url": f"{repo_api(req, repo)}/releases/assets/{item.id}",
        "browser_download_url": f"{req.web}/{repo.full_name}/releases/download/{tag}/{item.name}",
        "id": item.id,
        "node_id": item.node_id,
        "name": item.name,
        "label": item.label,
        "state": "uploaded",
        "content_type": item.content_type,
        "size": item.size,
        "digest": item.digest,
        "download_count": item.download_count,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "uploader": user(req, item.uploader),
    }


def release(req: Request, repo: RepoState, item: Release) -> dict[str, Any]:
    """``release`` with its assets."""
    api = f"{repo_api(req, repo)}/releases/{item.id}"
    web = f"{req.web}/{repo.full_name}"
    uploads = (
        req.api.replace("/api/v3", "/api/uploads") if req.api.endswith("/api/v3") else (req.api)
    )
    return {
        "url": api,
        "html_url": f"{web}/releases/tag/{item.tag_name}",
        "assets_url": f"{api}/assets",
        "upload_url": f"{uploads}/repos/{repo.full_name}/releases/{item.id}/assets{{?name,label}}",
        "tarball_url": f"{repo_api(req, repo)}/tarball/{item.tag_name}",
        "zipball_url": f"{repo_api(req, repo)}/zipball/{item.tag_name}",
        "id": item.id,
        "node_id": item.node_id,
        "tag_name": item.tag_name,
        "target_commitish": item.target_commitish,
        "name": item.name,
        "body": item.body,
        "draft": item.draft,
        "prerelease": item.prerelease,
        "immutable": False,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.created_at),
        "published_at": iso(item.published_at),
        "author": user(req, item.author),
        "assets": [asset(req, repo, a, item.tag_name) for a in item.assets],
    }
