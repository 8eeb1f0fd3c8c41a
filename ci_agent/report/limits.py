"""GitHub's size limits for the surfaces a report is shown on, each with the page it comes from.

GitHub refuses an over-long body with 422 and stores nothing, so every surface fits its text
before posting. Lengths are counted in UTF-16 code units: never fewer than GitHub's count of
characters, so a body that fits here fits there.
"""

from __future__ import annotations

__all__ = [
    "CHECK_ANNOTATIONS_PER_REQUEST",
    "CHECK_SUMMARY_LIMIT",
    "CHECK_TEXT_LIMIT",
    "CHECK_TITLE_LIMIT",
    "COMMENT_BODY_LIMIT",
    "ISSUE_BODY_LIMIT",
    "ISSUE_TITLE_LIMIT",
    "JOB_ANNOTATIONS_LIMIT",
    "JOB_OUTPUTS_LIMIT_BYTES",
    "REVIEW_BODY_LIMIT",
    "STEP_ANNOTATIONS_PER_LEVEL",
    "STEP_SUMMARY_LIMIT_BYTES",
    "github_length",
]

# Issue and pull-request comments, review bodies and review comments: "body is too long
# (maximum is 65536 characters)" (422 from POST /repos/{o}/{r}/issues/{n}/comments and
# /pulls/{n}/reviews). https://docs.github.com/en/rest/issues/comments
COMMENT_BODY_LIMIT = 65_536
REVIEW_BODY_LIMIT = 65_536
# Issues: the same 65,536-character body limit; titles are cut by us at 256 (GitHub's limit).
# https://docs.github.com/en/rest/issues/issues#create-an-issue
ISSUE_BODY_LIMIT = 65_536
ISSUE_TITLE_LIMIT = 256
# Check runs: output.summary and output.text "Maximum length: 65535 characters"; 50
# annotations per request (further updates append).
# https://docs.github.com/en/rest/checks/runs#update-a-check-run
CHECK_SUMMARY_LIMIT = 65_535
CHECK_TEXT_LIMIT = 65_535
CHECK_TITLE_LIMIT = 1_000
CHECK_ANNOTATIONS_PER_REQUEST = 50
# Workflow annotations: 10 per level per step, 50 per job; extras are dropped silently.
# https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations
STEP_ANNOTATIONS_PER_LEVEL = 10
JOB_ANNOTATIONS_LIMIT = 50
# Job summary: 1 MiB per step; step outputs: 1 MB per job.
# https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#step-isolation-and-limits
# https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/passing-information-between-jobs
STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024
JOB_OUTPUTS_LIMIT_BYTES = 1_000_000


def github_length(text: str) -> int:
    """The length GitHub checks against a limit, counted so that it never undercounts."""
    # Characters outside the BMP are two UTF-16 units; counting them twice errs on the safe side.
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)
