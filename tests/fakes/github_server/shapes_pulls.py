"""JSON shapes of pull requests, reviews and review comments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso
from .shapes import label, milestone, reactions, repo_api, repository, user

if TYPE_CHECKING:
    from .records import Issue, Review, ReviewComment
    from .routing import Request
    from .state import RepoState


def _end(
    req: Request, repo: RepoState, owner_repo: RepoState, ref: str, sha: str
) -> dict[str, Any]:
    return {
        "label": f"{owner_repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(req, owner_repo.owner),
        "repo": repository(req, owner_repo),
    }


def pull_request(
    req: Request, repo: RepoState, issue: Issue, *, full: bool = True
) -> dict[str, Any]:
    """``pull-request`` (``full=False``: ``pull-request-simple`` as lists return it)."""
    info = issue.pull
    assert info is not None
    api, number = repo_api(req, repo), issue.number
    web = f"{req.web}/{repo.full_name}/pull/{number}"
    head_repo = req.store.get_repo(info.head_repo)
    links = {
        "self": f"{api}/pulls/{number}",
        "html": web,
        "issue": f"{api}/issues/{number}",
        "comments": f"{api}/issues/{number}/comments",
        "review_comments": f"{api}/pulls/{number}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{api}/pulls/{number}/commits",
        "statuses": f"{api}/statuses/{info.head_sha}",
    }
    shape: dict[str, Any] = {
        "url": links["self"],
        "id": info.id,
        "node_id": info.node_id,
        "html_url": web,
        "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch",
        "issue_url": links["issue"],
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": number,
        "state": issue.state,
        "locked": issue.locked,
        "title": issue.title,
        "user": user(req, issue.user),
        "body": issue.body,
        "labels": [label(req, repo, repo.ensure_label(n), embedded=True) for n in issue.labels],
        "milestone": milestone(req, repo, repo.milestones[issue.milestone])
        if issue.milestone in repo.milestones
        else None,
        "active_lock_reason": None,
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.closed_at),
        "merged_at": iso(info.merged_at),
        "assignees": [user(req, a) for a in issue.assignees],
        "requested_reviewers": [user(req, r) for r in info.requested_reviewers],
        "requested_teams": [],
        "head": _end(req, repo, head_repo, info.head_ref, info.head_sha),
        "base": _end(req, repo, repo, info.base_ref, info.base_sha),
        "_links": {k: {"href": v} for k, v in links.items()},
        "author_association": repo.association(issue.user),
        "auto_merge": None,
        "draft": info.draft,
    }
    if req.legacy:  # removed in API version 2026-03-10
        shape["merge_commit_sha"] = info.merge_commit_sha
        shape["assignee"] = user(req, issue.assignees[0]) if issue.assignees else None
    if full:
        shape.update(_counts(req, repo, issue))
    return shape


def _counts(req: Request, repo: RepoState, issue: Issue) -> dict[str, Any]:
    info = issue.pull
    assert info is not None
    diff = repo.pull_diff(issue)
    mergeable = None if info.merged else repo.git.mergeable(info.base_sha, info.head_sha)
    state = (
        "draft"
        if info.draft
        else "unknown"
        if mergeable is None
        else "clean"
        if mergeable
        else "dirty"
    )
    return {
        "merged": info.merged,
        "mergeable": mergeable,
        "rebaseable": mergeable,
        "mergeable_state": state,
        "merged_by": user(req, info.merged_by),
        "comments": len(repo.comments_on(issue.number)),
        "review_comments": sum(
            1 for c in repo.review_comments.values() if c.pull_number == issue.number
        ),
        "maintainer_can_modify": info.maintainer_can_modify,
        "commits": len(diff.commits),
        "additions": sum(f.additions for f in diff.files),
        "deletions": sum(f.deletions for f in diff.files),
        "changed_files": len(diff.files),
    }


def review(req: Request, repo: RepoState, item: Review) -> dict[str, Any]:
    """``pull-request-review``."""
    api = repo_api(req, repo)
    web = f"{req.web}/{repo.full_name}/pull/{item.pull_number}"
    shape: dict[str, Any] = {
        "id": item.id,
        "node_id": item.node_id,
        "user": user(req, item.user),
        "body": item.body,
        "state": item.state,
        "html_url": f"{web}#pullrequestreview-{item.id}",
        "pull_request_url": f"{api}/pulls/{item.pull_number}",
        "author_association": repo.association(item.user),
        "_links": {
            "html": {"href": f"{web}#pullrequestreview-{item.id}"},
            "pull_request": {"href": f"{api}/pulls/{item.pull_number}"},
        },
        "commit_id": item.commit_id,
    }
    if item.submitted_at is not None:
        shape["submitted_at"] = iso(item.submitted_at)
    return shape


def review_comment(req: Request, repo: RepoState, item: ReviewComment) -> dict[str, Any]:
    """``pull-request-review-comment``."""
    api = repo_api(req, repo)
    url = f"{api}/pulls/comments/{item.id}"
    web = f"{req.web}/{repo.full_name}/pull/{item.pull_number}#discussion_r{item.id}"
    shape: dict[str, Any] = {
        "url": url,
        "pull_request_review_id": item.review_id,
        "id": item.id,
        "node_id": item.node_id,
        "diff_hunk": item.diff_hunk,
        "path": item.path,
        "position": item.position,
        "original_position": item.position if item.position is not None else 1,
        "commit_id": item.commit_id,
        "original_commit_id": item.commit_id,
        "user": user(req, item.user),
        "body": item.body,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "html_url": web,
        "pull_request_url": f"{api}/pulls/{item.pull_number}",
        "author_association": repo.association(item.user),
        "_links": {
            "self": {"href": url},
            "html": {"href": web},
            "pull_request": {"href": f"{api}/pulls/{item.pull_number}"},
        },
        "reactions": reactions(req, repo, ("review_comment", item.id), url),
        "start_line": item.start_line,
        "original_start_line": item.start_line,
        "start_side": item.start_side,
        "line": item.line,
        "original_line": item.line,
        "side": item.side,
        "subject_type": item.subject_type,
    }
    if item.in_reply_to_id is not None:
        shape["in_reply_to_id"] = item.in_reply_to_id
    return shape
