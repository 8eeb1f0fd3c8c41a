"""One review with many inline comments on GitHub (PyGithub), and the isolation of comments
whose anchors GitHub rejects.

GitHub answers a review with one bad anchor with 422 and stores nothing. There is no dry run,
so suspects are tried as a *pending* review (no ``event``): GitHub validates its anchors the
same way, shows it to nobody but its author, and lets it be deleted. Bisection::

    isolate(group)            # group is known to hold at least one bad comment
        one comment  → it is bad
        try left half as a pending review
            accepted → delete it; the bad ones are all in the right half: isolate(right)
            rejected → isolate(left); then try the right half and isolate it if rejected

Requests: 1 (the rejected review) + 1 per rejected trial + 2 per accepted trial (create and
delete) + 1 (the review with the good comments) + 1 (its comment ids, when it has comments).
For one bad comment among n = 2^k that is 3 + 2k to 3 + 3k; for b bad ones at most
3 + 3·b·⌈log2 n⌉. The rejected comments come back in ``ReviewResult.rejected``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ci_agent.errors import CiAgentError
from ci_agent.forge.github_comments import inline_payload, marked_like
from ci_agent.forge.github_failures import is_anchor_rejection
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Landed, Reply
from ci_agent.forge.types import InlineComment, ReviewEvent, ReviewResult

__all__ = ["ReviewsApi"]

REVIEWS = "/repos/{owner}/{repo}/pulls/{number}/reviews"
REVIEW = REVIEWS + "/{review_id}"


class ReviewsApi(GitHubPart):
    """ReviewWriter.create_review, with bisection of rejected anchors."""

    def create_review(
        self,
        number: int,
        commit_sha: str,
        body: str,
        comments: Sequence[InlineComment],
        event: ReviewEvent = "COMMENT",
    ) -> ReviewResult:
        """Post one review; comments GitHub cannot anchor come back in ``rejected``."""
        try:
            return self._post_review(number, commit_sha, body, comments, event)
        except CiAgentError as exc:
            if not comments or not is_anchor_rejection(exc):
                raise
        trial = _Trial(self, number, commit_sha, comments)
        bad = set(trial.isolate(list(range(len(comments)))))
        good = [c for i, c in enumerate(comments) if i not in bad]
        result = self._post_review(number, commit_sha, body, good, event)
        rejected = tuple(c for i, c in enumerate(comments) if i in bad)
        return ReviewResult(result.id, result.comment_ids, result.url, rejected)

    def _post_review(
        self,
        number: int,
        commit_sha: str,
        body: str,
        comments: Sequence[InlineComment],
        event: ReviewEvent,
    ) -> ReviewResult:
        payload = {
            "commit_id": commit_sha,
            "body": body,
            "event": event,
            "comments": [inline_payload(c) for c in comments],
        }
        landed = self._find_review(number, body)
        reply = self._http.rest("POST " + REVIEWS, body=payload, landed=landed, number=number)
        review_id = int(reply.data["id"])
        ids: tuple[int, ...] = ()
        if comments:  # the review's answer does not list its comments
            pages = self._http.rest_pages(
                "GET " + REVIEW + "/comments", number=number, review_id=review_id
            )
            ids = tuple(sorted(int(c["id"]) for c in pages))
        return ReviewResult(review_id, ids, str(reply.data.get("html_url") or ""))

    def _find_review(self, number: int, body: str) -> Landed | None:
        """A probe for a submitted review carrying ``body``'s markers."""
        same = marked_like(body)
        if same is None:
            return None
        match = same

        def probe() -> Reply | None:
            reviews = self._http.rest_pages("GET " + REVIEWS, number=number)
            found = [r for r in reviews if r.get("state") != "PENDING" and match(r.get("body"))]
            return Reply(data=found[-1]) if found else None

        return probe


class _Trial:
    """Trial posts of subsets of one review's comments as pending reviews."""

    def __init__(
        self, api: ReviewsApi, number: int, commit_sha: str, comments: Sequence[InlineComment]
    ) -> None:
        self._http = api._http  # the trials are the reviews part's own requests
        self._number = number
        self._commit = commit_sha
        self._comments = comments

    def isolate(self, group: list[int]) -> list[int]:
        """The bad comments of ``group``, which is known to hold at least one."""
        if len(group) == 1:
            return group
        left, right = group[: len(group) // 2], group[len(group) // 2 :]
        if self.accepted(left):
            return self.isolate(right)
        bad = self.isolate(left)
        return bad if self.accepted(right) else bad + self.isolate(right)

    def accepted(self, group: list[int]) -> bool:
        """Whether GitHub anchors every comment of ``group`` (its pending review is deleted)."""
        payload: dict[str, Any] = {
            "commit_id": self._commit,
            "comments": [inline_payload(self._comments[i]) for i in group],
        }
        try:
            reply = self._http.rest(
                "POST " + REVIEWS, body=payload, landed=self._pending, number=self._number
            )
        except CiAgentError as exc:
            if is_anchor_rejection(exc):
                return False
            raise
        self._http.rest("DELETE " + REVIEW, number=self._number, review_id=int(reply.data["id"]))
        return True

    def _pending(self) -> Reply | None:
        """The pending review a lost answer may have created (only its author can see it)."""
        reviews = self._http.rest_pages("GET " + REVIEWS, number=self._number)
        found = [r for r in reviews if r.get("state") == "PENDING"]
        return Reply(data=found[-1]) if found else None
