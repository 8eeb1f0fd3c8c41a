"""The pull-request review surface: one review with its inline comments, in one request.

Every body is wire text (valid UTF-8) and within GitHub's 65,536-character limit; a comment the
forge could not anchor comes back in ``rejected`` so the caller can list it elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ci_agent.forge.protocol import ReviewWriter
from ci_agent.forge.types import InlineComment, ReviewEvent, ReviewResult
from ci_agent.report.fit import fit_text
from ci_agent.report.limits import COMMENT_BODY_LIMIT, REVIEW_BODY_LIMIT
from ci_agent.sanitize import wire_text

__all__ = ["post_review", "wire_comment"]


def wire_comment(comment: InlineComment) -> InlineComment:
    """The comment as it is sent: wire text, its body within the comment limit."""
    body = fit_text(wire_text(comment.body), COMMENT_BODY_LIMIT)
    return replace(comment, path=wire_text(comment.path), body=body)


def post_review(
    forge: ReviewWriter,
    number: int,
    head_sha: str,
    body: str,
    comments: Sequence[InlineComment],
    *,
    event: ReviewEvent = "COMMENT",
) -> ReviewResult:
    """Post one review on ``head_sha``; ``comments`` must already be wire comments."""
    text = fit_text(wire_text(body), REVIEW_BODY_LIMIT)
    return forge.create_review(number, head_sha, text, list(comments), event)
