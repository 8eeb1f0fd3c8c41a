"""Post a verified review to GitHub: one review, one sticky summary, one check run — idempotently.

A re-run on the same head posts nothing new and leaves the summary alone unless what it says
changed (the findings, the coverage, the risk); findings over the inline cap are listed in the
summary with hidden markers, so a re-run keeps them there instead of posting them; a comment GitHub
rejects (422) moves into the summary instead of failing the review; a read-only token (fork
pull requests) is reported so the caller can fall back to annotations and the job summary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from ci_agent.errors import CiAgentError
from ci_agent.forge.protocol import ReviewForge
from ci_agent.forge.types import Comment, CommentKind, ReviewEvent
from ci_agent.markers import find_markers, fingerprint, marker, parse_state, state_marker
from ci_agent.report.check_run import complete_check, start_check
from ci_agent.report.limits import CHECK_SUMMARY_LIMIT
from ci_agent.report.pr_review import post_review, wire_comment
from ci_agent.report.sticky_comment import find_ours, upsert_comment
from ci_agent.report.value import Report
from ci_agent.review.comments import (
    SUMMARY_MARKER,
    annotation_for,
    inline_comment,
)
from ci_agent.review.pipeline import ReviewReport
from ci_agent.review.summary import review_report
from ci_agent.sanitize import wire_text

__all__ = [
    "CHECK_NAME",
    "LISTED_MARKER",
    "Published",
    "find_summary",
    "last_reviewed_head",
    "listed_keys",
    "publish_review",
    "summary_markers",
]

CHECK_NAME = "ci-agent / review"
# Codes meaning the token may not write here (fork pull requests get a read-only token).
READ_ONLY_CODES = {"CA303", "CA304"}
LISTED_MARKER = "listed"


@dataclass(frozen=True)
class Published:
    """What was posted (or, with a read-only token, what could not be)."""

    report: ReviewReport
    review_id: int | None = None
    inline_posted: int = 0
    rejected: int = 0
    summary_comment_id: int | None = None
    summary_action: str = "none"
    check_run_id: int | None = None
    read_only: bool = False


def summary_markers(
    number: int, head_sha: str, listed: Sequence[str] = (), digest: str = ""
) -> str:
    """The sticky summary's markers: which comment it is, which head it reviewed, a digest of
    what it says, and the keys of the findings only the summary lists (a re-run keeps them
    there; an incremental re-review cannot carry them forward)."""
    state = {"head": head_sha, "listed": str(len(listed))}
    if digest:
        state["digest"] = digest
    rows = [marker(SUMMARY_MARKER, f"pr-{number}"), state_marker(state)]
    rows += [marker(LISTED_MARKER, key) for key in listed]
    return "\n".join(rows)


def listed_keys(summary: Comment | None) -> frozenset[str]:
    """Keys of the findings an earlier run listed in the summary only."""
    if summary is None:
        return frozenset()
    return frozenset(m.key for m in find_markers(summary.body) if m.kind == LISTED_MARKER)


def _digest(report: ReviewReport) -> str:
    """What the review found, without timings and token counts: equal means nothing changed.

    A finding posted inline by this run or an earlier one counts the same, so a re-run that
    finds what the last one posted has the same digest.
    """
    selection = report.selection
    inline = [*selection.inline, *selection.already_posted]
    parts = [
        report.risk,
        *sorted(f"i:{report.keys.get(f, f.title)}" for f in inline),
        *(f"s:{report.key(f)}" for f in selection.summary_only),
        *(f"f:{f.path}:{f.reviewed}:{f.reason}:{f.summary}" for f in report.files),
        *report.notes,
    ]
    return fingerprint(parts)


def find_summary(forge: ReviewForge, number: int) -> Comment | None:
    """ci-agent's sticky summary comment on the pull request, if any."""
    return find_ours(forge.comments(number, CommentKind.ISSUE), SUMMARY_MARKER, f"pr-{number}")


def last_reviewed_head(summary: Comment | None) -> str | None:
    """The head SHA the previous run reviewed, from the summary's state marker."""
    return parse_state(summary.body).get("head") if summary else None


def publish_review(
    forge: ReviewForge,
    report: ReviewReport,
    render_summary: Callable[[ReviewReport, str, int], str],
    *,
    request_changes: bool = False,
    summary: Comment | None = None,
) -> Published:
    """Post the review, the sticky summary and the check run for ``report``."""
    pr = report.pull_request
    try:
        check = start_check(forge, CHECK_NAME, pr.head_sha)
    except CiAgentError as exc:
        if exc.code not in READ_ONLY_CODES:
            raise
        return Published(report, read_only=True)
    try:
        review_id, posted, rejected, report = _post_review(forge, report, request_changes)
        listed = [report.key(f) for f in report.selection.summary_only]
        digest = _digest(report)
        # Fitted to the check run's limit (one less than a comment's): one body serves both.
        markers = summary_markers(pr.number, pr.head_sha, listed, digest)
        body = wire_text(render_summary(report, markers, CHECK_SUMMARY_LIMIT))
        if summary is not None and parse_state(summary.body) == parse_state(body):
            # Same head, same findings, same coverage: a re-run leaves the summary as it is.
            comment_id, action = summary.id, "unchanged"
        else:
            comment_id, action = upsert_comment(forge, pr.number, body, summary)
    except CiAgentError as exc:
        _abandon(forge, check.id, exc)
        raise
    findings = report.findings + report.selection.already_posted
    complete_check(
        forge,
        check.id,
        review_report(report),
        summary=body,
        annotations=[annotation_for(f) for f in findings],
    )
    return Published(
        report,
        review_id=review_id,
        inline_posted=posted,
        rejected=rejected,
        summary_comment_id=comment_id,
        summary_action=action,
        check_run_id=check.id,
    )


def _post_review(
    forge: ReviewForge,
    report: ReviewReport,
    request_changes: bool,
) -> tuple[int | None, int, int, ReviewReport]:
    inline = report.selection.inline
    if not inline:
        return None, 0, 0, report
    comments = [wire_comment(inline_comment(f, report.key(f))) for f in inline]
    event: ReviewEvent = (
        "REQUEST_CHANGES" if request_changes and report.at_fail_level else "COMMENT"
    )
    body = (
        f"{marker('review', report.pull_request.head_sha[:40])}\n"
        f"ci-agent found {len(inline)} issue(s) on this commit; the summary comment has the rest."
    )
    result = post_review(
        forge,
        report.pull_request.number,
        report.pull_request.head_sha,
        body,
        comments,
        event=event,
    )
    # By comment, not by place: two findings may share a line, and paths are sent as wire text.
    moved = tuple(f for f, c in zip(inline, comments, strict=True) if c in result.rejected)
    if moved:
        selection = replace(
            report.selection,
            inline=tuple(f for f in inline if f not in moved),
            summary_only=moved + report.selection.summary_only,
        )
        report = replace(report, selection=selection)
    return result.id, len(inline) - len(moved), len(moved), report


def _abandon(forge: ReviewForge, check_run_id: int, error: CiAgentError) -> None:
    """Complete the started check run as failed, so it is not left in progress forever."""
    with contextlib.suppress(CiAgentError):  # the original error is the one to report
        complete_check(
            forge,
            check_run_id,
            Report(f"ci-agent could not publish the review ({error.code})", conclusion="failure"),
            summary=f"{error.code}: {error.message}\n\n{error.suggestion}",
        )
