"""Reviews, inline and issue comments, and reactions of the in-memory forge, with GitHub's anchor
rules: a comment's ``line`` (and ``start_line``) must be a line of the pull request's diff hunks
on its side — RIGHT: added or context lines by new-file number; LEFT: removed or context lines
by old-file number — ``start_line`` must lie before ``line`` in the same hunk, and ``path`` must
be one of the changed files.

GitHub rejects a whole review (422) for one bad anchor and stores nothing; the GitHub adapter
then isolates the bad comments by bisection and posts the rest
(:mod:`ci_agent.forge.github_reviews`). Here the bad comments are known directly, so
:meth:`ReviewsPart.create_review` gives the adapter's observable result — the good comments
posted in one review, the bad ones in ``ReviewResult.rejected`` — and the ``create_review``
call in the log carries ``rejected`` so tests can see a 422 happened. A single inline comment
(:meth:`ReviewsPart.create_review_comment`) with a bad anchor raises the adapter's CA308 with
GitHub's message, as on GitHub.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ci_agent.diff import parse_file_patch
from ci_agent.forge.memory_state import MemoryPart, ReviewRecord, github_error, not_found
from ci_agent.forge.types import (
    ChangedFile,
    Comment,
    CommentKind,
    InlineComment,
    Reaction,
    ReviewEvent,
    ReviewResult,
)

__all__ = ["ReviewsPart", "anchor_problem"]

REVIEWS = "POST /repos/{owner}/{repo}/pulls/{number}/reviews"
REVIEW_COMMENTS = "/repos/{owner}/{repo}/pulls/{number}/comments"
ISSUE_COMMENTS = "/repos/{owner}/{repo}/issues/{number}/comments"
_BY_ID = {
    CommentKind.ISSUE: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
    CommentKind.REVIEW: "/repos/{owner}/{repo}/pulls/comments/{comment_id}",
}
# Why an anchor failed → GitHub's words in a review's 422 (plain strings after the message).
_REVIEW_ERRORS = {
    "path": "Path could not be resolved",
    "line": "Line could not be resolved",
    "start_line": "Start line could not be resolved",
    "order": "Start line must precede the end line",
}
_THREAD = "pull_request_review_thread"
# ... and in a single comment's 422 (structured errors; all but the path one add a
# ``missing_field`` error for the diff hunk, which carries no message of its own).
_COMMENT_ERRORS = {
    "path": f"{_THREAD}.path is invalid",
    "line": f"{_THREAD}.line must be part of the diff; missing_field",
    "start_line": f"{_THREAD}.start_line must be part of the same hunk as the line.; missing_field",
    "order": f"{_THREAD}.start_line must precede the end line.; missing_field",
}
Place = tuple[int, int]  # (hunk, index in the hunk)


def _places(changed: ChangedFile) -> dict[tuple[str, int], Place]:
    """(side, line number) → its place in the file's hunks, for lines a comment may anchor on."""
    if not changed.patch:
        return {}
    parsed = parse_file_patch(changed.path, changed.patch, previous_path=changed.previous_path)
    places: dict[tuple[str, int], Place] = {}
    for h, hunk in enumerate(parsed.hunks):
        for i, line in enumerate(hunk.lines):
            if line.kind != "removed" and line.new_line:
                places[("RIGHT", line.new_line)] = (h, i)
            if line.kind != "added" and line.old_line:
                places[("LEFT", line.old_line)] = (h, i)
    return places


def anchor_problem(files: Sequence[ChangedFile], comment: InlineComment) -> str | None:
    """Why GitHub would refuse ``comment``'s anchor in ``files`` (path, line, start_line,
    order), or None when it anchors."""
    changed = next((f for f in files if f.path == comment.path), None)
    if changed is None:
        return "path"
    places = _places(changed)
    end = places.get((comment.side, comment.line))
    if end is None:
        return "line"
    if comment.start_line is not None:
        start = places.get((comment.start_side or comment.side, comment.start_line))
        if start is None or start[0] != end[0]:
            return "start_line"
        if start[1] >= end[1]:
            return "order"
    return None


class ReviewsPart(MemoryPart):
    """ReviewWriter, CommentStore and Reactions."""

    def create_review(
        self,
        number: int,
        commit_sha: str,
        body: str,
        comments: Sequence[InlineComment],
        event: ReviewEvent = "COMMENT",
    ) -> ReviewResult:
        """Post one review; comments GitHub cannot anchor come back in ``rejected``."""
        pull = self._pull(number, REVIEWS)
        files = self._files_at(pull, commit_sha)
        problems = [anchor_problem(files, c) for c in comments]
        rejected = tuple(c for c, p in zip(comments, problems, strict=True) if p is not None)
        self._write(
            "create_review",
            REVIEWS,
            number=number,
            commit_sha=commit_sha,
            body=body,
            comments=tuple(comments),
            event=event,
            rejected=rejected,
        )
        for text in (body, *(c.body for c in comments)):
            self._check_body(REVIEWS, text)
        if event == "REQUEST_CHANGES" and pull.info.author == self._state.bot:
            raise github_error(
                REVIEWS,
                422,
                "Unprocessable Entity; Can not request changes on your own pull request",
            )
        if event == "REQUEST_CHANGES" and not body:
            raise github_error(
                REVIEWS, 422, "Unprocessable Entity; Body is required when using REQUEST_CHANGES"
            )
        self._known_commit(REVIEWS, commit_sha)
        good = [c for c, p in zip(comments, problems, strict=True) if p is None]
        review_id = self._state.next_id()
        ids = tuple(self._store_inline(number, c) for c in good)
        state = "CHANGES_REQUESTED" if event == "REQUEST_CHANGES" else "COMMENTED"
        self._state.reviews[review_id] = ReviewRecord(
            review_id, number, self._state.bot, body, state, commit_sha, self._state.now(), ids
        )
        url = self._state.url(f"pull/{number}#pullrequestreview-{review_id}")
        return ReviewResult(review_id, tuple(sorted(ids)), url, rejected)

    def create_review_comment(
        self, number: int, commit_sha: str, comment: InlineComment
    ) -> Comment:
        """One inline comment outside a review; a bad anchor is GitHub's 422 (CA308)."""
        endpoint = "POST " + REVIEW_COMMENTS
        pull = self._pull(number, endpoint)
        self._write("create_review_comment", endpoint, number=number, comment=comment)
        self._check_body(endpoint, comment.body)
        problem = anchor_problem(self._files_at(pull, commit_sha), comment)
        if problem is not None:
            raise github_error(endpoint, 422, f"Validation Failed; {_COMMENT_ERRORS[problem]}")
        self._known_commit(endpoint, commit_sha)
        review_id = self._state.next_id()
        comment_id = self._store_inline(number, comment)
        self._state.reviews[review_id] = ReviewRecord(
            review_id,
            number,
            self._state.bot,
            "",
            "COMMENTED",
            commit_sha,
            self._state.now(),
            (comment_id,),
        )
        return self._state.comments[(CommentKind.REVIEW, comment_id)][1]

    def comments(self, number: int, kind: CommentKind) -> Iterator[Comment]:
        """Comments of ``kind`` on issue or pull request ``number``, oldest first."""
        template = ISSUE_COMMENTS if kind is CommentKind.ISSUE else REVIEW_COMMENTS
        self._read("comments", number=number, kind=kind)
        self._subject(number, "GET " + template, kind)
        found = [c for (k, _), (n, c) in self._state.comments.items() if k is kind and n == number]
        return iter(sorted(found, key=lambda c: (c.created_at, c.id)))

    def create_comment(self, number: int, body: str) -> Comment:
        """Post an issue comment as the bot."""
        endpoint = "POST " + ISSUE_COMMENTS
        self._write("create_comment", endpoint, number=number, body=body)
        self._subject(number, endpoint, CommentKind.ISSUE)
        self._check_body(endpoint, body)
        return self.seed_comment(number, body, self._state.bot)

    def update_comment(self, kind: CommentKind, comment_id: int, body: str) -> Comment:
        """Replace a comment's body."""
        endpoint = "PATCH " + _BY_ID[kind]
        self._write("update_comment", endpoint, kind=kind, comment_id=comment_id, body=body)
        number, old = self._comment(endpoint, kind, comment_id)
        self._check_body(endpoint, body)
        new = Comment(
            old.id,
            kind,
            body,
            old.author,
            old.created_at,
            self._state.now(),
            old.url,
            old.path,
            old.line,
        )
        self._state.comments[(kind, comment_id)] = (number, new)
        return new

    def delete_comment(self, kind: CommentKind, comment_id: int) -> None:
        """Delete a comment."""
        endpoint = "DELETE " + _BY_ID[kind]
        self._write("delete_comment", endpoint, kind=kind, comment_id=comment_id)
        self._comment(endpoint, kind, comment_id)
        del self._state.comments[(kind, comment_id)]
        self._state.reactions.pop((kind, comment_id), None)

    def add_reaction(self, kind: CommentKind, comment_id: int, reaction: Reaction) -> None:
        """React as the bot; reacting twice keeps one reaction, as on GitHub."""
        endpoint = "POST " + _BY_ID[kind] + "/reactions"
        self._write("add_reaction", endpoint, kind=kind, comment_id=comment_id, reaction=reaction)
        self._comment(endpoint, kind, comment_id)
        self._state.reactions.setdefault((kind, comment_id), set()).add((self._state.bot, reaction))

    def reactions(self, kind: CommentKind, comment_id: int) -> set[tuple[str, Reaction]]:
        """(user, reaction) pairs on a comment (not a forge protocol: for tests)."""
        return set(self._state.reactions.get((kind, comment_id), ()))

    def seed_comment(self, number: int, body: str, author: str) -> Comment:
        """An issue comment by ``author`` (a person, or another bot), without logging a call."""
        comment_id = self._state.next_id()
        now = self._state.now()
        url = self._state.url(f"issues/{number}#issuecomment-{comment_id}")
        made = Comment(comment_id, CommentKind.ISSUE, body, author, now, now, url)
        self._state.comments[(CommentKind.ISSUE, comment_id)] = (number, made)
        return made

    def _store_inline(self, number: int, comment: InlineComment) -> int:
        comment_id = self._state.next_id()
        now = self._state.now()
        url = self._state.url(f"pull/{number}#discussion_r{comment_id}")
        self._state.comments[(CommentKind.REVIEW, comment_id)] = (
            number,
            Comment(
                comment_id,
                CommentKind.REVIEW,
                comment.body,
                self._state.bot,
                now,
                now,
                url,
                comment.path,
                comment.line,
            ),
        )
        return comment_id

    def _subject(self, number: int, endpoint: str, kind: CommentKind) -> None:
        """404 unless ``number`` is a pull request (or, for issue comments, an issue)."""
        if number in self._state.pulls:
            return
        if kind is CommentKind.ISSUE and number in self._state.issues:
            return
        raise not_found(endpoint)

    def _comment(self, endpoint: str, kind: CommentKind, comment_id: int) -> tuple[int, Comment]:
        found = self._state.comments.get((kind, comment_id))
        if found is None:
            raise not_found(endpoint)
        return found

    def _known_commit(self, endpoint: str, sha: str) -> None:
        if sha not in self._state.commits:
            raise github_error(endpoint, 422, f"No commit found for SHA: {sha}")
