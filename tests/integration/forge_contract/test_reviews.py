"""Reviews and inline comments on both forges: GitHub's anchor rules, the whole review refused
for one bad anchor (the adapter then posts the rest and returns the bad ones; how it finds them
is its own affair), a single bad inline comment refused with the same coded error."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.github_failures import is_anchor_rejection
from ci_agent.forge.types import CommentKind, InlineComment
from ci_agent.markers import marker

from .conftest import BOT, Side

BODY = marker("review", "contract") + "\nci-agent found things."
VALID = [
    InlineComment("app.py", 3, "a changed line"),
    InlineComment("app.py", 19, "a range", start_line=17),
    InlineComment("app.py", 3, "a removed line", side="LEFT"),
    InlineComment("new.txt", 1, "hmm"),  # a pure rename has no hunks
]


def inline(side: Side) -> list[tuple[str | None, int | None, str, str]]:
    return sorted(
        (c.path, c.line, c.body, c.author)
        for c in side.forge.comments(side.number, CommentKind.REVIEW)
    )


def test_valid_anchors_make_one_review(side: Side) -> None:
    good = VALID[:3]
    result = side.forge.create_review(side.number, side.head_sha, BODY, good)
    assert result.rejected == ()
    assert len(result.comment_ids) == 3
    assert inline(side) == sorted((c.path, c.line, c.body, BOT) for c in good)


@pytest.mark.parametrize(
    "bad",
    [
        InlineComment("app.py", 10, "outside every hunk"),
        InlineComment("nope.py", 1, "no such file"),
        InlineComment("app.py", 19, "start in another hunk", start_line=3),
        InlineComment("new.txt", 1, "a rename without hunks"),
        InlineComment("app.py", 25, "past the end", side="LEFT"),
    ],
    ids=["line", "path", "start-line", "no-hunks", "left"],
)
def test_a_bad_anchor_is_returned_and_the_rest_posted(side: Side, bad: InlineComment) -> None:
    comments = [VALID[0], bad, VALID[1]]
    result = side.forge.create_review(side.number, side.head_sha, BODY, comments)
    assert result.rejected == (bad,)
    assert len(result.comment_ids) == 2
    assert inline(side) == sorted((c.path, c.line, c.body, BOT) for c in (VALID[0], VALID[1]))


def test_only_bad_anchors_leave_a_review_without_comments(side: Side) -> None:
    bad = InlineComment("app.py", 10, "outside every hunk")
    result = side.forge.create_review(side.number, side.head_sha, BODY, [bad])
    assert result.rejected == (bad,)
    assert result.comment_ids == ()
    assert inline(side) == []


@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        (
            InlineComment("app.py", 10, "x"),
            "Validation Failed; pull_request_review_thread.line must be part of the diff; "
            "missing_field",
        ),
        (
            InlineComment("nope.py", 1, "x"),
            "Validation Failed; pull_request_review_thread.path is invalid",
        ),
        (
            InlineComment("app.py", 19, "x", start_line=3),
            "Validation Failed; pull_request_review_thread.start_line must be part of the same "
            "hunk as the line.; missing_field",
        ),
    ],
    ids=["line", "path", "start-line"],
)
def test_a_single_inline_comment_with_a_bad_anchor_is_refused(
    side: Side, bad: InlineComment, detail: str
) -> None:
    with pytest.raises(CiAgentError) as caught:
        side.forge.create_review_comment(side.number, side.head_sha, bad)
    error = caught.value
    assert (error.code, error.context["status"], error.context["detail"]) == ("CA308", 422, detail)
    assert is_anchor_rejection(error)
    assert inline(side) == []


def test_a_single_inline_comment(side: Side) -> None:
    made = side.forge.create_review_comment(side.number, side.head_sha, VALID[0])
    assert (made.kind, made.path, made.line, made.body, made.author) == (
        CommentKind.REVIEW,
        "app.py",
        3,
        "a changed line",
        BOT,
    )
    assert inline(side) == [("app.py", 3, "a changed line", BOT)]


def test_request_changes_needs_a_body(side: Side) -> None:
    with pytest.raises(CiAgentError) as caught:
        side.forge.create_review(side.number, side.head_sha, "", [VALID[0]], "REQUEST_CHANGES")
    assert caught.value.context["status"] == 422
    assert "Body is required when using REQUEST_CHANGES" in caught.value.context["detail"]
    assert inline(side) == []
