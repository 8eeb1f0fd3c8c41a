"""Reviews (create with inline comments, list, get, update, submit, delete pending) and review
comments (per PR, repo-wide with ``since``, replies, update, delete)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from . import shapes_pulls
from .clock import parse_time
from .errors import require, unprocessable, validation_failed
from .pagination import paginate
from .repo_reviews import REVIEW_DOCS
from .routing import Request, Response, RouteTable

routes = RouteTable()
T = TypeVar("T")


def since_filter(req: Request, items: Iterable[T], stamp: Callable[[T], datetime]) -> list[T]:
    """Keep items updated at or after the ``since`` query parameter."""
    since = req.arg("since")
    if not since:
        return list(items)
    try:
        moment = parse_time(since)
    except ValueError:
        raise validation_failed(
            {"resource": "Search", "field": "since", "code": "invalid"}
        ) from None
    return [item for item in items if stamp(item) >= moment]


def ordered(
    req: Request, items: list[T], created: Callable[[T], Any], updated: Callable[[T], Any]
) -> list[T]:
    """Ascending by id unless ``sort`` (created/updated) is given; then ``direction``."""
    sort = req.arg("sort")
    if sort is None:
        return items
    key = created if sort == "created" else updated
    return sorted(items, key=key, reverse=(req.arg("direction") or "desc") == "desc")


def _visible(req: Request, comments: Iterable[Any]) -> list[Any]:
    """Comments of PENDING reviews are visible to their author only."""
    repo = req.repo()
    out = []
    for comment in comments:
        review = repo.reviews.get(comment.review_id) if comment.review_id else None
        if review and review.state == "PENDING" and review.user != req.viewer:
            continue
        out.append(comment)
    return sorted(out, key=lambda c: c.id)


@routes.post("/repos/{owner}/{repo}/pulls/{number:int}/reviews")
def create_review(req: Request) -> dict[str, Any]:
    repo = req.repo()
    body = require(req.json(), documentation_url=REVIEW_DOCS)
    comments = body.get("comments") or []
    for spec in comments:
        require(spec, "path", "body", documentation_url=REVIEW_DOCS)
    review = repo.add_review(
        int(req.params["number"]),
        user=req.viewer,
        body=body.get("body"),
        event=body.get("event"),
        commit_id=body.get("commit_id"),
        comments=comments,
    )
    return shapes_pulls.review(req, repo, review)


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}/reviews")
def list_reviews(req: Request) -> Response:
    repo = req.repo()
    number = int(req.params["number"])
    repo.pull(number)
    items = [
        r
        for r in sorted(repo.reviews.values(), key=lambda r: r.id)
        if r.pull_number == number and (r.state != "PENDING" or r.user == req.viewer)
    ]
    return paginate(req, [shapes_pulls.review(req, repo, r) for r in items])


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}")
def get_review(req: Request) -> dict[str, Any]:
    repo = req.repo()
    return shapes_pulls.review(
        req, repo, repo.review(int(req.params["number"]), int(req.params["review_id"]))
    )


@routes.put("/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}")
def update_review(req: Request) -> dict[str, Any]:
    repo = req.repo()
    review = repo.review(int(req.params["number"]), int(req.params["review_id"]))
    review.body = str(require(req.json(), "body")["body"])
    return shapes_pulls.review(req, repo, review)


@routes.delete("/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}")
def delete_review(req: Request) -> dict[str, Any]:
    repo = req.repo()
    review = repo.review(int(req.params["number"]), int(req.params["review_id"]))
    if review.state != "PENDING":
        raise unprocessable(
            "Can not delete a non-pending pull request review", documentation_url=REVIEW_DOCS
        )
    del repo.reviews[review.id]
    for comment_id in [c.id for c in repo.review_comments.values() if c.review_id == review.id]:
        del repo.review_comments[comment_id]
    return shapes_pulls.review(req, repo, review)


@routes.post("/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}/events")
def submit_review(req: Request) -> dict[str, Any]:
    repo = req.repo()
    review = repo.review(int(req.params["number"]), int(req.params["review_id"]))
    body = require(req.json(), "event")
    return shapes_pulls.review(
        req, repo, repo.submit_review(review, str(body["event"]), body.get("body"))
    )


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}/reviews/{review_id:int}/comments")
def list_review_comments_of_review(req: Request) -> Response:
    repo = req.repo()
    review = repo.review(int(req.params["number"]), int(req.params["review_id"]))
    items = sorted(
        (c for c in repo.review_comments.values() if c.review_id == review.id), key=lambda c: c.id
    )
    return paginate(req, [shapes_pulls.review_comment(req, repo, c) for c in items])


@routes.get("/repos/{owner}/{repo}/pulls/{number:int}/comments")
def list_pull_comments(req: Request) -> Response:
    repo = req.repo()
    number = int(req.params["number"])
    repo.pull(number)
    items = _visible(req, (c for c in repo.review_comments.values() if c.pull_number == number))
    items = ordered(
        req,
        since_filter(req, items, lambda c: c.updated_at),
        lambda c: (c.created_at, c.id),
        lambda c: (c.updated_at, c.id),
    )
    return paginate(req, [shapes_pulls.review_comment(req, repo, c) for c in items])


@routes.get("/repos/{owner}/{repo}/pulls/comments")
def list_repo_review_comments(req: Request) -> Response:
    repo = req.repo()
    items = _visible(req, repo.review_comments.values())
    items = ordered(
        req,
        since_filter(req, items, lambda c: c.updated_at),
        lambda c: (c.created_at, c.id),
        lambda c: (c.updated_at, c.id),
    )
    return paginate(req, [shapes_pulls.review_comment(req, repo, c) for c in items])


@routes.post("/repos/{owner}/{repo}/pulls/{number:int}/comments")
def create_pull_comment(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "body")
    anchor = {
        k: body[k]
        for k in ("path", "line", "side", "start_line", "start_side", "position", "subject_type")
        if k in body
    }
    comment = repo.add_review_comment(
        int(req.params["number"]),
        user=req.viewer,
        body=str(body["body"]),
        commit_id=body.get("commit_id"),
        in_reply_to=body.get("in_reply_to"),
        **anchor,
    )
    return Response(201, shapes_pulls.review_comment(req, repo, comment))


@routes.post("/repos/{owner}/{repo}/pulls/{number:int}/comments/{comment_id:int}/replies")
def reply_to_comment(req: Request) -> Response:
    repo = req.repo()
    body = require(req.json(), "body")
    comment = repo.add_review_comment(
        int(req.params["number"]),
        user=req.viewer,
        body=str(body["body"]),
        in_reply_to=int(req.params["comment_id"]),
    )
    return Response(201, shapes_pulls.review_comment(req, repo, comment))


@routes.get("/repos/{owner}/{repo}/pulls/comments/{comment_id:int}")
def get_review_comment(req: Request) -> dict[str, Any]:
    repo = req.repo()
    comment = repo.review_comment(int(req.params["comment_id"]))
    return shapes_pulls.review_comment(req, repo, comment)


@routes.patch("/repos/{owner}/{repo}/pulls/comments/{comment_id:int}")
def update_review_comment(req: Request) -> dict[str, Any]:
    repo = req.repo()
    comment = repo.review_comment(int(req.params["comment_id"]))
    comment.body = str(require(req.json(), "body")["body"])
    comment.updated_at = req.store.clock.now()
    return shapes_pulls.review_comment(req, repo, comment)


@routes.delete("/repos/{owner}/{repo}/pulls/comments/{comment_id:int}")
def delete_review_comment(req: Request) -> Response:
    repo = req.repo()
    comment = repo.review_comment(int(req.params["comment_id"]))
    del repo.review_comments[comment.id]
    return Response(204)
