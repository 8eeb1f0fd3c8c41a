"""Reviews and inline review comments, with GitHub's anchor rules: a comment's ``line`` (and
``start_line``) must be a line of the PR diff's hunks on its side — RIGHT: added or context
lines by new-file number; LEFT: removed or context lines by old-file number — ``start_line``
must precede ``line`` in the same hunk, and ``path`` must be one of the PR's files. One bad
anchor rejects the whole review (422) and nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ApiError, invalid_request, not_found, unprocessable, validation_failed
from .records import Issue, Review, ReviewComment

if TYPE_CHECKING:
    from .git_backend import GitRepo
    from .repo_pulls import PullDiff
    from .state import Store

REVIEW_DOCS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
COMMENT_DOCS = (
    "https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request"
)
EVENTS = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED", "COMMENT": "COMMENTED"}
# Why an anchor failed → the error GitHub gives in a review (strings) and for one comment.
_REVIEW_ERRORS = {
    "path": "Path could not be resolved",
    "line": "Line could not be resolved",
    "start_line": "Start line could not be resolved",
    "order": "Start line must precede the end line",
}
_THREAD = "pull_request_review_thread"
_COMMENT_ERRORS: dict[str, list[dict[str, str]]] = {
    "path": [{"field": f"{_THREAD}.path", "message": f"{_THREAD}.path is invalid"}],
    "line": [{"field": f"{_THREAD}.line", "message": f"{_THREAD}.line must be part of the diff"}],
    "start_line": [
        {
            "field": f"{_THREAD}.start_line",
            "message": f"{_THREAD}.start_line must be part of the same hunk as the line.",
        }
    ],
    "order": [
        {
            "field": f"{_THREAD}.start_line",
            "message": f"{_THREAD}.start_line must precede the end line.",
        }
    ],
}


@dataclass
class Anchor:
    """A resolved comment position in a PR's diff."""

    path: str
    line: int | None
    side: str | None
    start_line: int | None
    start_side: str | None
    position: int | None
    diff_hunk: str
    subject_type: str = "line"


def resolve_anchor(diff: PullDiff, spec: dict[str, Any]) -> Anchor | str:
    """The anchor ``spec`` names in ``diff``, or the reason it cannot anchor there."""
    path = spec.get("path")
    changed = diff.file(str(path)) if path else None
    if changed is None:
        return "path"
    if spec.get("subject_type") == "file":
        return Anchor(changed.filename, None, None, None, None, None, "", "file")
    line, side = spec.get("line"), str(spec.get("side") or "RIGHT").upper()
    if line is None and spec.get("position") is not None:
        found = changed.at_position(int(spec["position"]))
        if found is None:
            return "line"
        line, side = found
    if not isinstance(line, int) or side not in ("LEFT", "RIGHT"):
        return "line"
    end = changed.locate(line, side)
    if end is None:
        return "line"
    start_line, start_side = spec.get("start_line"), spec.get("start_side")
    if start_line is not None:
        start_side = str(start_side or side).upper()
        if not isinstance(start_line, int) or start_side not in ("LEFT", "RIGHT"):
            return "start_line"
        start = changed.locate(start_line, start_side)
        if start is None or start[0] != end[0]:
            return "start_line"
        if start[1] >= end[1]:
            return "order"
    hunk = changed.diff_hunk(end[1])
    return Anchor(changed.filename, line, side, start_line, start_side, end[1], hunk)


class ReviewsMixin:
    """Review operations on ``RepoState``."""

    if TYPE_CHECKING:
        store: Store
        git: GitRepo

        def pull(self, number: int) -> Issue: ...
        def pull_diff(self, issue: Issue, commit_id: str | None = None) -> PullDiff: ...

    def init_reviews(self) -> None:
        """Set up review storage."""
        self.reviews: dict[int, Review] = {}
        self.review_comments: dict[int, ReviewComment] = {}

    def _commit_for(self, issue: Issue, commit_id: str | None, docs: str) -> str:
        info = issue.pull
        assert info is not None
        if commit_id is None:
            return info.head_sha
        resolved: str | None = self.git.resolve(commit_id)
        if resolved is None:
            raise ApiError(422, f"No commit found for SHA: {commit_id}", documentation_url=docs)
        return resolved

    def add_review(
        self,
        number: int,
        *,
        user: str,
        body: str | None = None,
        event: str | None = None,
        commit_id: str | None = None,
        comments: list[dict[str, Any]] | tuple[()] = (),
    ) -> Review:
        """Create a review with inline ``comments``; any bad anchor raises GitHub's 422."""
        issue = self.pull(number)
        if event is not None and event not in EVENTS:
            raise invalid_request(
                f"For 'properties/event', \"{event}\" is not a member of the enum.", REVIEW_DOCS
            )
        if event in ("APPROVE", "REQUEST_CHANGES") and user == issue.user:
            verb = "approve" if event == "APPROVE" else "request changes on"
            raise unprocessable(
                f"Can not {verb} your own pull request", documentation_url=REVIEW_DOCS
            )
        if event == "REQUEST_CHANGES" and not body:
            raise unprocessable(
                "Body is required when using REQUEST_CHANGES", documentation_url=REVIEW_DOCS
            )
        if event is None and any(
            r.user == user and r.state == "PENDING" and r.pull_number == number
            for r in self.reviews.values()
        ):
            raise unprocessable(
                "User can only have one pending review per pull request",
                documentation_url=REVIEW_DOCS,
            )
        sha = self._commit_for(issue, commit_id, REVIEW_DOCS)
        diff = self.pull_diff(issue, sha)
        anchors = [resolve_anchor(diff, spec) for spec in comments]
        failures = [a for a in anchors if isinstance(a, str)]
        if failures:
            raise unprocessable(_REVIEW_ERRORS[failures[0]], documentation_url=REVIEW_DOCS)
        now = self.store.clock.now()
        review_id = self.store.next_id("review")
        state = EVENTS.get(event or "", "PENDING")
        review = Review(
            review_id,
            self.store.node_id("PRR", review_id),
            number,
            user,
            body or "",
            state,
            sha,
            None if state == "PENDING" else now,
        )
        self.store.add_user(user)
        self.reviews[review_id] = review
        for spec, anchor in zip(comments, anchors, strict=True):
            assert not isinstance(anchor, str)
            self._store_comment(review, str(spec.get("body") or ""), anchor)
        return review

    def submit_review(self, review: Review, event: str, body: str | None) -> Review:
        """Submit a PENDING review with ``event``."""
        if review.state != "PENDING":
            raise unprocessable(
                "Can not submit a non-pending review", documentation_url=REVIEW_DOCS
            )
        if event not in EVENTS:
            raise invalid_request(
                f"For 'properties/event', \"{event}\" is not a member of the enum.", REVIEW_DOCS
            )
        review.state, review.submitted_at = EVENTS[event], self.store.clock.now()
        if body is not None:
            review.body = body
        return review

    def add_review_comment(
        self,
        number: int,
        *,
        user: str,
        body: str,
        in_reply_to: int | None = None,
        commit_id: str | None = None,
        **anchor: Any,
    ) -> ReviewComment:
        """One inline comment (or a reply); GitHub wraps it in a COMMENTED review."""
        issue = self.pull(number)
        if in_reply_to is not None:
            parent = self.review_comments.get(in_reply_to)
            if parent is None or parent.pull_number != number:
                raise not_found()
            sha = parent.commit_id
            found: Anchor | str = Anchor(
                parent.path,
                parent.line,
                parent.side,
                parent.start_line,
                parent.start_side,
                parent.position,
                parent.diff_hunk,
                parent.subject_type,
            )
        else:
            if not commit_id or not anchor.get("path"):
                raise invalid_request(
                    '"commit_id" wasn\'t supplied.'
                    if not commit_id
                    else '"path" wasn\'t supplied.',
                    COMMENT_DOCS,
                )
            sha = self._commit_for(issue, commit_id, COMMENT_DOCS)
            found = resolve_anchor(self.pull_diff(issue, sha), anchor)
        if isinstance(found, str):
            errors = [
                {"resource": "PullRequestReviewComment", "code": "custom", **e}
                for e in _COMMENT_ERRORS[found]
            ]
            if found != "path":
                errors.append(
                    {
                        "resource": "PullRequestReviewComment",
                        "code": "missing_field",
                        "field": f"{_THREAD}.diff_hunk",
                    }
                )
            raise validation_failed(*errors, documentation_url=COMMENT_DOCS)
        now = self.store.clock.now()
        review_id = self.store.next_id("review")
        review = Review(
            review_id, self.store.node_id("PRR", review_id), number, user, "", "COMMENTED", sha, now
        )
        self.reviews[review_id] = review
        self.store.add_user(user)
        return self._store_comment(review, body, found, in_reply_to)

    def _store_comment(
        self, review: Review, body: str, anchor: Anchor, in_reply_to: int | None = None
    ) -> ReviewComment:
        now = self.store.clock.now()
        comment_id = self.store.next_id("review_comment")
        comment = ReviewComment(
            comment_id,
            self.store.node_id("PRRC", comment_id),
            review.pull_number,
            review.id,
            review.user,
            body,
            anchor.path,
            review.commit_id,
            anchor.diff_hunk,
            now,
            now,
            line=anchor.line,
            side=anchor.side,
            start_line=anchor.start_line,
            start_side=anchor.start_side,
            position=anchor.position,
            in_reply_to_id=in_reply_to,
            subject_type=anchor.subject_type,
        )
        self.review_comments[comment_id] = comment
        return comment

    def review_comment(self, comment_id: int) -> ReviewComment:
        """Review comment ``comment_id`` (404 if unknown)."""
        comment = self.review_comments.get(comment_id)
        if comment is None:
            raise not_found()
        return comment

    def review(self, number: int, review_id: int) -> Review:
        """Review ``review_id`` of PR ``number`` (404 if unknown)."""
        review = self.reviews.get(review_id)
        if review is None or review.pull_number != number:
            raise not_found()
        return review
