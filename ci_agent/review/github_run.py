"""Review a GitHub pull request end to end: read, review (incrementally), verify, publish."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.config import Settings
from ci_agent.config_trust import repository_renderer
from ci_agent.errors import CiAgentError
from ci_agent.forge.protocol import ChangeSource, ReviewForge
from ci_agent.forge.types import ChangedFile, Comment, CommentKind, Commit, PullRequestInfo
from ci_agent.llm.setup import LLMSetup
from ci_agent.markers import parse_state
from ci_agent.metrics import Metrics
from ci_agent.report.limits import STEP_SUMMARY_LIMIT_BYTES
from ci_agent.report.markdown import code_span
from ci_agent.retry import RetryPolicy
from ci_agent.review.comments import (
    inline_comment,
    is_ours,
    posted_keys,
    standing_findings,
    workflow_annotation,
)
from ci_agent.review.engine import RiskLevel, build_engines
from ci_agent.review.findings import Finding, severity_rank
from ci_agent.review.pipeline import BatchContents, ReviewReport, run_review
from ci_agent.review.publish import (
    Published,
    find_summary,
    last_reviewed_head,
    listed_keys,
    publish_review,
)
from ci_agent.review.summary import review_markdown, review_result, review_text
from ci_agent.terminal import Terminal

if TYPE_CHECKING:
    from ci_agent.forge.local import LocalRepository
    from ci_agent.runner.annotations import Annotation as WorkflowAnnotation

__all__ = ["GitHubReview", "changed_since", "review_pull_request"]

# (head SHA reviewed last, paths changed since): the other files are not reviewed again.
Since = tuple[str, frozenset[str]]
_RISKS: tuple[RiskLevel, ...] = ("low", "medium", "high", "critical")
# The job summary holds 1 MiB of UTF-8; a UTF-16 unit is at most 3 bytes of it, and the
# run's heading and error lines need a little room.
SUMMARY_ROOM = (STEP_SUMMARY_LIMIT_BYTES - 16 * 1024) // 3


@dataclass(frozen=True)
class GitHubReview:
    """The outcome of reviewing a pull request on GitHub."""

    report: ReviewReport | None
    published: Published | None
    result: dict[str, Any]
    markdown: str
    text: str

    @property
    def annotations(self) -> tuple[WorkflowAnnotation, ...]:
        """The new findings as workflow annotations (for runs that cannot post a review)."""
        if self.report is None:
            return ()
        selection = self.report.selection
        return tuple(workflow_annotation(f) for f in (*selection.inline, *selection.summary_only))


def changed_since(workspace: Path, previous: str, head: str) -> frozenset[str] | None:
    """Paths changed from ``previous`` to ``head`` in the local clone, or None for a full review.

    None when the clone lacks either commit or ``previous`` is not an ancestor of ``head``
    (a force-push rewrote history: what was reviewed may no longer exist).
    """
    from ci_agent.forge.local import LocalRepository

    try:
        local = LocalRepository.open(workspace)
        if local.merge_base(previous, head) != local.resolve(previous):
            return None
        return frozenset(change.path for change in local.changed_files(previous, head))
    except CiAgentError:
        return None


def review_pull_request(
    forge: ReviewForge,
    number: int,
    settings: Settings,
    metrics: Metrics,
    term: Terminal,
    *,
    repository: str,
    server_url: str = "https://github.com",
    retry: RetryPolicy | None = None,
    whole: str = "",
    llm: LLMSetup | None = None,
) -> GitHubReview:
    """Review pull request ``number``; with ``settings.dry_run`` nothing is posted.

    ``whole`` names where the complete report is kept when a posted text must leave rows out.
    """
    review = settings.config.review
    pr = forge.pull_request(number)
    if pr.draft and not review.review_drafts:
        reason = "draft pull request (set review.review-drafts to review drafts)"
        return GitHubReview(
            None, None, {"skipped": reason, "pull_request": number}, "", f"skipped: {reason}"
        )
    renderer = repository_renderer(settings)
    summary = find_summary(forge, number)
    earlier = [c for c in forge.comments(number, CommentKind.REVIEW) if is_ours(c)]
    since, carried = _incremental(settings.workspace, summary, earlier, pr.head_sha)
    repository_url = f"{server_url.rstrip('/')}/{repository}"
    engines, note = build_engines(
        settings,
        llm=llm or LLMSetup(),
        metrics=metrics,
        log=term.detail,
        renderer=renderer,
        pull_request=pr,
        repository_url=repository_url,
        retry=retry,
    )
    with metrics.timed("review"):
        report = run_review(
            _with_local_contents(forge, settings.workspace, pr.head_sha),
            number,
            review,
            settings.fail_level,
            engines,
            posted_keys=posted_keys(earlier),
            listed_keys=listed_keys(summary),
            progress=term.detail,
            since=since,
            pull_request=pr,
        )
    report = _standing_risk(_carry(report, carried))
    outdated = _outdated(earlier, since)
    if outdated:
        report = replace(report, notes=(*report.notes, outdated))
    if settings.config_source.kind == "base":  # say whose settings and prompts reviewed it
        report = replace(report, notes=(*report.notes, settings.config_source.note))

    def render(
        current: ReviewReport, markers: str, limit: int | None = None, *, list_all: bool = False
    ) -> str:
        return review_markdown(
            current,
            renderer,
            metrics,
            marker=markers,
            note=note,
            max_inline=review.max_inline_comments,
            list_all=list_all,
            limit=limit,
            whole=whole,
        )

    result = review_result(report)
    if settings.dry_run:
        would = [inline_comment(f, report.key(f)).__dict__ for f in report.selection.inline]
        result["dry_run"] = {
            "inline_comments": would,
            "summary_action": "create" if summary is None else "update",
        }
        # Nothing is posted: list everything (within what a job summary can hold).
        markdown = render(report, "", SUMMARY_ROOM, list_all=True)
        text = review_text(report, would_post=len(would))
        return GitHubReview(report, None, result, markdown, text)
    published = publish_review(
        forge, report, render, request_changes=review.request_changes, summary=summary
    )
    result = review_result(published.report)
    result["published"] = {
        "review_id": published.review_id,
        "inline_comments": published.inline_posted,
        "rejected_moved_to_summary": published.rejected,
        "summary_comment_id": published.summary_comment_id,
        "summary": published.summary_action,
        "check_run_id": published.check_run_id,
        "read_only_token": published.read_only,
    }
    # With a read-only token nothing was posted inline: the job summary lists every finding.
    markdown = render(published.report, "", SUMMARY_ROOM, list_all=published.read_only)
    text = review_text(
        published.report,
        posted=None if published.read_only else result["published"],
        read_only=published.read_only,
    )
    return GitHubReview(published.report, published, result, markdown, text)


def _incremental(
    workspace: Path, summary: Comment | None, earlier: list[Comment], head: str
) -> tuple[Since | None, list[tuple[str, Finding]]]:
    """(last reviewed head, paths changed since) and the findings still standing elsewhere.

    Full review (None) when there is no earlier review, when it was of this very head (a
    re-run or `/ci-agent review`: reviewing again is what was asked, and skipping would
    forget its findings), when history was rewritten or the clone lacks the commits, and when
    earlier findings cannot all be carried forward: those only the summary listed, or an
    inline comment that cannot be read back.
    """
    previous = last_reviewed_head(summary)
    if summary is None or not previous or previous == head:
        return None, []
    if parse_state(summary.body).get("listed") != "0":
        return None, []
    paths = changed_since(workspace, previous, head)
    standing = None if paths is None else standing_findings(earlier, paths)
    if paths is None or standing is None:
        return None, []
    return (previous, paths), standing


def _carry(report: ReviewReport, carried: list[tuple[str, Finding]]) -> ReviewReport:
    """Count findings standing on files not reviewed again as already reported."""
    present = {f.path for f in report.files}
    kept = [(key, f) for key, f in carried if f.path in present]
    if not kept:
        return report
    selection = replace(
        report.selection,
        already_posted=report.selection.already_posted + tuple(f for _, f in kept),
    )
    return replace(report, selection=selection, keys={**report.keys, **{f: k for k, f in kept}})


def _standing_risk(report: ReviewReport) -> ReviewReport:
    """The risk raised to match findings still standing, not only new ones (as the check run
    counts them): a re-run must not call a PR with a standing high finding low-risk."""
    worst = max((severity_rank(f.severity) for f in report.selection.already_posted), default=0)
    # critical → critical, high → high, medium → medium, low/info → low, as the pipeline maps.
    risk = _RISKS[max(_RISKS.index(report.risk), 0, min(3, worst - 2))]
    return report if risk == report.risk else replace(report, risk=risk)


def _outdated(earlier: list[Comment], since: Since | None) -> str:
    """Earlier inline findings on files changed since they were posted."""
    if since is None or not since[1]:
        return ""
    stale = [c for c in earlier if c.path in since[1]]
    if not stale:
        return ""
    places = ", ".join(
        code_span(f"{c.path}:{c.line}" if c.line else str(c.path)) for c in stale[:10]
    )
    more = f" and {len(stale) - 10} more" if len(stale) > 10 else ""
    return (
        f"{len(stale)} earlier finding(s) are on files changed since {since[0][:12]}"
        f" and may be outdated: {places}{more}"
    )


class _LocalContents:
    """The forge's change, with file contents read from the local clone: no API request each."""

    def __init__(self, forge: ReviewForge, local: LocalRepository) -> None:
        self._forge = forge
        self._local = local

    def pull_request(self, number: int) -> PullRequestInfo:
        """From the forge."""
        return self._forge.pull_request(number)

    def changed_files(self, number: int) -> Iterator[ChangedFile]:
        """From the forge."""
        return self._forge.changed_files(number)

    def diff(self, number: int) -> str:
        """From the forge."""
        return self._forge.diff(number)

    def commits(self, number: int) -> Iterator[Commit]:
        """From the forge."""
        return self._forge.commits(number)

    def file_contents(self, path: str, ref: str) -> bytes:
        """From the clone; from the forge if the clone lacks it."""
        try:
            return self._local.file_contents(path, ref)
        except CiAgentError:
            return self._forge.file_contents(path, ref)

    def files_contents(self, paths: Sequence[str], ref: str) -> dict[str, bytes | None]:
        """From the clone in one batch; what it lacks from the forge."""
        found = self._local.files_contents(paths, ref)
        missing = [p for p, data in found.items() if data is None]
        if missing and isinstance(self._forge, BatchContents):
            found.update(self._forge.files_contents(missing, ref))
            return found
        for path in missing:
            try:
                found[path] = self._forge.file_contents(path, ref)
            except CiAgentError:
                continue
        return found


def _with_local_contents(forge: ReviewForge, workspace: Path, head_sha: str) -> ChangeSource:
    """Use the checkout for contents when it has the head commit (saves one GET per file)."""
    from ci_agent.forge.local import LocalRepository

    try:
        local = LocalRepository.open(workspace)
        if local.resolve(head_sha) == head_sha:
            return _LocalContents(forge, local)
    except CiAgentError:
        pass
    return forge
