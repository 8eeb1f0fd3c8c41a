"""JSON shapes shared by many endpoints: users, repositories, labels, milestones, reaction
roll-ups. URLs are absolute and use the base (``/`` or ``/api/v3``) the request came in on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import iso
from .records import REACTIONS, Label, Milestone

if TYPE_CHECKING:
    from .routing import Request
    from .state import RepoState

_RANK = {"none": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}


def user(req: Request, login: str | None) -> dict[str, Any] | None:
    """A ``simple-user``."""
    if login is None:
        return None
    account = req.store.add_user(login)
    api, web = f"{req.api}/users/{login}", f"{req.web}/{login}"
    shape: dict[str, Any] = {
        "login": login,
        "id": account.id,
        "node_id": account.node_id,
        "avatar_url": f"{req.web}/avatars/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": web if account.type == "User" else f"{req.web}/apps/{login[:-5]}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": account.type,
        "user_view_type": "public",
        "site_admin": account.site_admin,
    }
    return shape


def repo_api(req: Request, repo: RepoState) -> str:
    """``{api}/repos/owner/name``."""
    return f"{req.api}/repos/{repo.full_name}"


def permissions(level: str) -> dict[str, bool]:
    """The ``permissions`` object for a permission level."""
    rank = _RANK.get(level, 0)
    return {
        "admin": rank >= 5,
        "maintain": rank >= 4,
        "push": rank >= 3,
        "triage": rank >= 2,
        "pull": rank >= 1,
    }


def repository(req: Request, repo: RepoState, *, full: bool = False) -> dict[str, Any]:
    """A ``repository`` (``full-repository`` with ``full=True``)."""
    api, web = repo_api(req, repo), f"{req.web}/{repo.full_name}"
    host = req.web.split("://", 1)[-1]
    pushed = repo.created_at
    shape: dict[str, Any] = {
        "id": repo.id,
        "node_id": repo.node_id,
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user(req, repo.owner),
        "html_url": web,
        "description": repo.description,
        "fork": repo.fork_of is not None,
        "url": api,
        **{
            f"{name}_url": f"{api}/{name}"
            for name in (
                "forks",
                "teams",
                "hooks",
                "events",
                "tags",
                "languages",
                "stargazers",
                "contributors",
                "subscribers",
                "subscription",
                "merges",
                "downloads",
                "deployments",
            )
        },
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "assignees_url": f"{api}/assignees{{/user}}",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "comments_url": f"{api}/comments{{/number}}",
        "commits_url": f"{api}/commits{{/sha}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "issues_url": f"{api}/issues{{/number}}",
        "keys_url": f"{api}/keys{{/key_id}}",
        "labels_url": f"{api}/labels{{/name}}",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "releases_url": f"{api}/releases{{/id}}",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "git_url": f"git://{host}/{repo.full_name}.git",
        "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{web}.git",
        "svn_url": web,
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "size": 108,
        "default_branch": repo.default_branch,
        "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": repo.has_wiki,
        "has_pages": False,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if repo.private else "public",
        "pushed_at": iso(pushed),
        "created_at": iso(repo.created_at),
        "updated_at": iso(pushed),
        "permissions": permissions(repo.permissions.get(req.viewer, "read")),
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "license": None,
        "forks": 0,
        "open_issues": sum(1 for i in repo.issues.values() if i.state == "open"),
        "watchers": 0,
    }
    if full:
        shape.update(
            subscribers_count=0,
            network_count=0,
            temp_clone_token=None,
            allow_squash_merge=True,
            allow_merge_commit=True,
            allow_rebase_merge=True,
            allow_auto_merge=False,
            delete_branch_on_merge=False,
            allow_update_branch=False,
        )
        if repo.fork_of:
            parent = repository(req, req.store.get_repo(repo.fork_of))
            shape.update(parent=parent, source=parent)
    return shape


def label(req: Request, repo: RepoState, item: Label, *, embedded: bool = False) -> dict[str, Any]:
    """A ``label`` (inside issues and PRs without ``archived_at``, as the schema has it)."""
    shape = {
        "id": item.id,
        "node_id": item.node_id,
        "url": f"{repo_api(req, repo)}/labels/{item.name}",
        "name": item.name,
        "description": item.description,
        "color": item.color,
        "default": item.default,
    }
    shape["archived_by"] = None
    if not embedded:
        shape["archived_at"] = None
    return shape


def milestone(req: Request, repo: RepoState, item: Milestone) -> dict[str, Any]:
    """A ``milestone`` with its issue counts."""
    issues = [i for i in repo.issues.values() if i.milestone == item.number]
    return {
        "url": f"{repo_api(req, repo)}/milestones/{item.number}",
        "html_url": f"{req.web}/{repo.full_name}/milestone/{item.number}",
        "labels_url": f"{repo_api(req, repo)}/milestones/{item.number}/labels",
        "id": item.id,
        "node_id": item.node_id,
        "number": item.number,
        "state": item.state,
        "title": item.title,
        "description": item.description,
        "creator": user(req, item.creator),
        "open_issues": sum(1 for i in issues if i.state == "open"),
        "closed_issues": sum(1 for i in issues if i.state == "closed"),
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "closed_at": iso(item.closed_at),
        "due_on": iso(item.due_on),
    }


def reactions(req: Request, repo: RepoState, subject: tuple[str, int], url: str) -> dict[str, Any]:
    """A ``reaction-rollup`` for ``subject``."""
    counts = dict.fromkeys(REACTIONS, 0)
    for reaction in repo.reactions_on(subject):
        counts[reaction.content] += 1
    return {"url": f"{url}/reactions", "total_count": sum(counts.values()), **counts}
