"""Issues (PRs included, with the ``pull_request`` key), issue comments (per issue and
repo-wide with ``since``), labels and milestones."""

from __future__ import annotations

from typing import Any

from . import shapes, shapes_issues
from .errors import require, validation_failed
from .pagination import paginate
from .records import Issue
from .routes_pulls import sort_items
from .routes_reviews import ordered, since_filter
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()


def _matches(req: Request, repo: RepoState, issue: Issue) -> bool:
    state = req.arg("state") or "open"
    if state not in ("all", issue.state):
        return False
    if req.arg("labels"):
        wanted = {n.strip().lower() for n in str(req.arg("labels")).split(",") if n.strip()}
        if not wanted <= {n.lower() for n in issue.labels}:
            return False
    if req.arg("creator") and issue.user != req.arg("creator"):
        return False
    assignee = req.arg("assignee")
    if (assignee == "none" and issue.assignees) or (assignee == "*" and not issue.assignees):
        return False
    if assignee not in (None, "none", "*") and assignee not in issue.assignees:
        return False
    milestone = req.arg("milestone")
    if milestone == "none" and issue.milestone is not None:
        return False
    if milestone == "*" and issue.milestone is None:
        return False
    return not (milestone not in (None, "none", "*") and str(issue.milestone) != milestone)


@routes.get("/repos/{owner}/{repo}/issues")
def list_issues(req: Request) -> Response:
    repo = req.repo()
    items = [i for i in repo.issues.values() if _matches(req, repo, i)]
    items = since_filter(req, items, lambda i: i.updated_at)
    if req.arg("sort") == "comments":
        items.sort(
            key=lambda i: (len(repo.comments_on(i.number)), i.id),
            reverse=(req.arg("direction") or "desc") == "desc",
        )
    else:
        items = sort_items(req, items)
    return paginate(req, [shapes_issues.issue(req, repo, i) for i in items])


@routes.post("/repos/{owner}/{repo}/issues")
def create_issue(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "title")
    issue = repo.add_issue(
        str(body["title"]),
        body=body.get("body"),
        user=req.viewer,
        labels=[str(n if isinstance(n, str) else n.get("name")) for n in body.get("labels") or []],
        assignees=body.get("assignees") or [],
        milestone=body.get("milestone"),
    )
    return Response(201, shapes_issues.issue(req, repo, issue))


@routes.get("/repos/{owner}/{repo}/issues/{number:int}")
def get_issue(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_issues.issue(req, repo, repo.issue(int(req.params["number"])))


@routes.patch("/repos/{owner}/{repo}/issues/{number:int}")
def update_issue(req: Request) -> dict[str, Any]:
    repo = req.repo()
    issue = repo.issue(int(req.params["number"]))
    body = require(req.json())
    now = req.store.clock.now()
    for key in ("title", "body", "assignees", "milestone"):
        if key in body:
            setattr(issue, key, body[key])
    if "labels" in body:
        issue.labels = [str(n) for n in body["labels"]]
        for name in issue.labels:
            repo.ensure_label(name)
    state = body.get("state")
    if state in ("open", "closed") and state != issue.state:
        issue.state = state
        issue.closed_at, issue.closed_by = (now, req.viewer) if state == "closed" else (None, None)
        issue.state_reason = body.get("state_reason") or (
            "completed" if state == "closed" else "reopened"
        )
    issue.updated_at = now
    return shapes_issues.issue(req, repo, issue)


@routes.get("/repos/{owner}/{repo}/issues/{number:int}/comments")
def list_issue_comments(req: Request) -> Response:
    repo = req.repo()
    number = int(req.params["number"])
    repo.issue(number)
    items = since_filter(req, repo.comments_on(number), lambda c: c.updated_at)
    return paginate(req, [shapes_issues.issue_comment(req, repo, c) for c in items])


@routes.post("/repos/{owner}/{repo}/issues/{number:int}/comments")
def create_issue_comment(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "body")
    comment = repo.add_issue_comment(int(req.params["number"]), str(body["body"]), user=req.viewer)
    return Response(201, shapes_issues.issue_comment(req, repo, comment))


@routes.get("/repos/{owner}/{repo}/issues/comments")
def list_repo_issue_comments(req: Request) -> Response:
    repo = req.repo()
    items = sorted(repo.issue_comments.values(), key=lambda c: c.id)
    items = ordered(
        req,
        since_filter(req, items, lambda c: c.updated_at),
        lambda c: (c.created_at, c.id),
        lambda c: (c.updated_at, c.id),
    )
    return paginate(req, [shapes_issues.issue_comment(req, repo, c) for c in items])


@routes.get("/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
def get_issue_comment(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_issues.issue_comment(req, repo, repo.issue_comment(int(req.params["comment_id"])))


@routes.patch("/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
def update_issue_comment(req: Request) -> dict[str, Any]:
    repo = req.repo()
    comment = repo.issue_comment(int(req.params["comment_id"]))
    comment.body = str(require(req.json(), "body")["body"])
    comment.updated_at = req.store.clock.now()
    return shapes_issues.issue_comment(req, repo, comment)


@routes.delete("/repos/{owner}/{repo}/issues/comments/{comment_id:int}")
def delete_issue_comment(req: Request) -> Response:
    repo = req.repo()
    comment = repo.issue_comment(int(req.params["comment_id"]))
    del repo.issue_comments[comment.id]
    return Response(204)


@routes.get("/repos/{owner}/{repo}/labels")
def list_labels(req: Request) -> Response:
    repo = req.repo()
    items = sorted(repo.labels.values(), key=lambda item: item.id)
    return paginate(req, [shapes.label(req, repo, item) for item in items])


@routes.post("/repos/{owner}/{repo}/labels")
def create_label(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "name")
    if str(body["name"]).lower() in repo.labels:
        raise validation_failed({"resource": "Label", "code": "already_exists", "field": "name"})
    item = repo.ensure_label(
        str(body["name"]), str(body.get("color") or "ededed"), body.get("description")
    )
    return Response(201, shapes.label(req, repo, item))


@routes.get("/repos/{owner}/{repo}/issues/{number:int}/labels")
def list_issue_labels(req: Request) -> Response:
    repo = req.repo()
    issue = repo.issue(int(req.params["number"]))
    return paginate(req, [shapes.label(req, repo, repo.ensure_label(n)) for n in issue.labels])


@routes.post("/repos/{owner}/{repo}/issues/{number:int}/labels")
def add_issue_labels(req: Request) -> list[Any]:
    repo = req.repo()
    issue = repo.issue(int(req.params["number"]))
    body = req.json()
    names = body.get("labels", []) if isinstance(body, dict) else body
    for item in names:
        name = str(item if isinstance(item, str) else item.get("name"))
        repo.ensure_label(name)
        if name not in issue.labels:
            issue.labels.append(name)
    issue.updated_at = req.store.clock.now()
    return [shapes.label(req, repo, repo.ensure_label(n)) for n in issue.labels]


@routes.get("/repos/{owner}/{repo}/milestones")
def list_milestones(req: Request) -> Response:
    repo = req.repo()
    state = req.arg("state") or "open"
    items = [m for m in repo.milestones.values() if state in ("all", m.state)]
    if (req.arg("sort") or "due_on") == "due_on":
        items.sort(key=lambda m: (m.due_on is None, m.due_on or m.created_at, m.number))
    if (req.arg("direction") or "asc") == "desc":
        items.reverse()
    return paginate(req, [shapes.milestone(req, repo, m) for m in items])


@routes.post("/repos/{owner}/{repo}/milestones")
def create_milestone(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "title")
    if any(m.title == body["title"] for m in repo.milestones.values()):
        raise validation_failed(
            {"resource": "Milestone", "code": "already_exists", "field": "title"}
        )
    item = repo.add_milestone(
        str(body["title"]),
        description=body.get("description"),
        state=str(body.get("state") or "open"),
        user=req.viewer,
    )
    return Response(201, shapes.milestone(req, repo, item))
