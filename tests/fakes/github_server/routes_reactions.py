"""Reactions on issue comments, issues and review comments: 201 for a new reaction, 200 with
the existing one when the same user already reacted with the same content."""

from __future__ import annotations

import functools

from . import shapes_issues
from .errors import not_found, require
from .pagination import paginate
from .routing import Request, Response, RouteTable
from .state import RepoState

routes = RouteTable()
_SUBJECTS = {
    "/repos/{owner}/{repo}/issues/comments/{id:int}/reactions": "issue_comment",
    "/repos/{owner}/{repo}/issues/{id:int}/reactions": "issue",
    "/repos/{owner}/{repo}/pulls/comments/{id:int}/reactions": "review_comment",
}


def _subject(req: Request, repo: RepoState, kind: str) -> tuple[str, int]:
    number = int(req.params["id"])
    if kind == "issue_comment":
        return kind, repo.issue_comment(number).id
    if kind == "review_comment":
        return kind, repo.review_comment(number).id
    return kind, repo.issue(number).id


def _list(req: Request, kind: str) -> Response:
    repo = req.repo()
    subject = _subject(req, repo, kind)
    items = repo.reactions_on(subject)
    if req.arg("content"):
        items = [r for r in items if r.content == req.arg("content")]
    return paginate(req, [shapes_issues.reaction(req, r) for r in items])


def _create(req: Request, kind: str) -> Response:
    repo = req.repo()
    subject = _subject(req, repo, kind)
    body = require(req.json(), "content")
    reaction, created = repo.react(subject, req.viewer, str(body["content"]))
    return Response(201 if created else 200, shapes_issues.reaction(req, reaction))


for _pattern, _kind in _SUBJECTS.items():
    routes.get(_pattern)(functools.partial(_list, kind=_kind))
    routes.post(_pattern)(functools.partial(_create, kind=_kind))


@routes.delete("/repos/{owner}/{repo}/issues/comments/{id:int}/reactions/{reaction_id:int}")
@routes.delete("/repos/{owner}/{repo}/issues/{id:int}/reactions/{reaction_id:int}")
@routes.delete("/repos/{owner}/{repo}/pulls/comments/{id:int}/reactions/{reaction_id:int}")
def delete_reaction(req: Request) -> Response:
    repo = req.repo()
    reaction = repo.reactions.get(int(req.params["reaction_id"]))
    if reaction is None:
        raise not_found()
    del repo.reactions[reaction.id]
    return Response(204)
