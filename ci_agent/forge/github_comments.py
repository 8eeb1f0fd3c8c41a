"""Issue and review comments and reactions on GitHub (PyGithub).

Creating a comment is the write that must never be duplicated: when a POST fails without an
answer (5xx, reset, timeout) the comment may exist, so before re-posting the listing is searched
for the body's markers (:mod:`ci_agent.markers`, read from the top of the body). A body without
markers cannot be recognised, so it is not re-posted after such a failure (CA306).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Landed, Reply
from ci_agent.forge.types import Comment, CommentKind, InlineComment, Reaction
from ci_agent.markers import find_markers

if TYPE_CHECKING:
    from ci_agent.forge.protocol import CommentStore, Reactions

__all__ = ["CommentsApi", "inline_payload", "marked_like"]

ISSUE_COMMENTS = "/repos/{owner}/{repo}/issues/{number}/comments"
REVIEW_COMMENTS = "/repos/{owner}/{repo}/pulls/{number}/comments"
# One comment by id, per kind.
_BY_ID = {
    CommentKind.ISSUE: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    CommentKind.REVIEW: "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
}


def marked_like(body: str) -> Callable[[str | None], bool] | None:
    """A test for bodies carrying the same markers as ``body``; None if it has none."""
    wanted = find_markers(body)
    if not wanted:
        return None
    return lambda other: find_markers(other) == wanted


def inline_payload(comment: InlineComment) -> dict[str, Any]:
    """An inline comment as the reviews and review-comments APIs take it."""
    payload: dict[str, Any] = {
        "path": comment.path,
        "line": comment.line,
        "side": comment.side,
        "body": comment.body,
    }
    if comment.start_line is not None:
        payload["start_line"] = comment.start_line
        payload["start_side"] = comment.start_side or comment.side
    return payload


class CommentsApi(GitHubPart):
    """CommentStore and Reactions, and single inline comments."""

    def comments(self, number: int, kind: CommentKind) -> Iterator[Comment]:
        """Comments of ``kind`` on the pull request, oldest first."""
        template = ISSUE_COMMENTS if kind is CommentKind.ISSUE else REVIEW_COMMENTS
        pages = self._http.rest_pages("GET " + template, number=number)
        return (parse.comment(item, kind) for item in pages)

    def create_comment(self, number: int, body: str) -> Comment:
        """Post an issue comment; a lost answer is checked by marker before re-posting."""
        landed = self._find_posted("GET " + ISSUE_COMMENTS, number, body)
        reply = self._http.rest(
            "POST " + ISSUE_COMMENTS, body={"body": body}, landed=landed, number=number
        )
        return parse.comment(reply.data, CommentKind.ISSUE)

    def create_review_comment(
        self, number: int, commit_sha: str, comment: InlineComment
    ) -> Comment:
        """Post one inline comment outside a review (checked by marker before re-posting)."""
        landed = self._find_posted("GET " + REVIEW_COMMENTS, number, comment.body)
        payload = {"commit_id": commit_sha, **inline_payload(comment)}
        reply = self._http.rest(
            "POST " + REVIEW_COMMENTS, body=payload, landed=landed, number=number
        )
        return parse.comment(reply.data, CommentKind.REVIEW)

    def update_comment(self, kind: CommentKind, comment_id: int, body: str) -> Comment:
        """Replace a comment's body (idempotent, so re-sent freely)."""
        reply = self._http.rest("PATCH " + _BY_ID[kind], body={"body": body}, comment_id=comment_id)
        return parse.comment(reply.data, kind)

    def delete_comment(self, kind: CommentKind, comment_id: int) -> None:
        """Delete a comment (a retry that finds it gone counts as done)."""
        self._http.rest("DELETE " + _BY_ID[kind], comment_id=comment_id)

    def add_reaction(self, kind: CommentKind, comment_id: int, reaction: Reaction) -> None:
        """React; GitHub answers 200 with the existing reaction when it is there already."""
        self._http.rest(
            "POST " + _BY_ID[kind] + "/reactions",
            body={"content": reaction},
            resend=True,
            comment_id=comment_id,
        )

    def _find_posted(self, listing: str, number: int, body: str) -> Landed | None:
        """A probe for the newest comment of ``listing`` carrying ``body``'s markers."""
        same = marked_like(body)
        if same is None:
            return None
        match = same

        def probe() -> Reply | None:
            found = [c for c in self._http.rest_pages(listing, number=number) if match(c["body"])]
            return Reply(data=found[-1]) if found else None

        return probe


if TYPE_CHECKING:

    def _conforms(api: CommentsApi) -> tuple[CommentStore, Reactions]:
        return api, api
