"""Review a GitHub pull request end to end: read, review (incrementally), verify, publish."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ci_agent.config import Settings
from ci_agent.errors import CiAgentError
from ci_agent.forge.protocol import ReviewForge
from ci_agent.forge.types import Comment, CommentKind, PullRequestInfo
from ci_agent.llm.choice import choose_provider
from ci_agent.metrics import Metrics
from ci_agent.render import TemplateRenderer
from ci_agent.review.comments import inline_comment, is_ours, posted_keys
from ci_agent.review.engine import ReviewEngine, StaticEngine
from ci_agent.review.pipeline import ReviewReport, run_review
from ci_agent.review.publish import Published, find_summary, last_reviewed_head, publish_review
from ci_agent.review.summary import review_markdown, review_result, review_text
from ci_agent.terminal import Terminal

__all__ = ["GitHubReview", "changed_since", "review_pull_request"]


@dataclass(frozen=True)
class GitHubReview:
    """The outcome of reviewing a pull request on GitHub."""

    report: ReviewReport | None
    published: Published | None
    result: dict[str, Any]
    markdown: str
    text: str


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


def _engines(
    settings: Settings,
    *,
    metrics: Metrics,
    term: Terminal,
    renderer: TemplateRenderer,
    pull_request: PullRequestInfo,
    repository_url: str,
) -> tuple[list[ReviewEngine], str]:
    review = settings.config.review
    engines: list[ReviewEngine] = [StaticEngine(review.ruff_select, review.ruff_ignore)]
    choice = choose_provider(settings)
    if choice.provider == "none":
        return engines, "no LLM configured: static engine only"
    from ci_agent.llm.factory import build_provider
    from ci_agent.review.llm_engine import LLMEngine

    provider = build_provider(settings, metrics=metrics, log=term.detail)
    engines.append(
        LLMEngine(
            provider,
            renderer,
            pull_request,
            prompt=review.prompt,
            max_concurrency=settings.config.llm.max_concurrency,
            repository_url=repository_url,
        )
    )
    return engines, f"{choice.provider} model {choice.model}"


def review_pull_request(
    forge: ReviewForge,
    number: int,
    settings: Settings,
    metrics: Metrics,
    term: Terminal,
    *,
    repository: str,
    server_url: str = "https://github.com",
) -> GitHubReview:
    """Review pull request ``number``; with ``settings.dry_run`` nothing is posted."""
    review = settings.config.review
    pr = forge.pull_request(number)
    if pr.draft and not review.review_drafts:
        reason = "draft pull request (set review.review-drafts to review drafts)"
        return GitHubReview(
            None, None, {"skipped": reason, "pull_request": number}, "", f"skipped: {reason}"
        )
    renderer = TemplateRenderer([settings.workspace / ".github" / "ci-agent"])
    summary = find_summary(forge, number)
    previous = last_reviewed_head(summary)
    since = None
    if previous and previous != pr.head_sha:
        paths = changed_since(settings.workspace, previous, pr.head_sha)
        since = (previous, paths) if paths is not None else None
    elif previous == pr.head_sha:
        since = (previous, frozenset[str]())
    earlier = [c for c in forge.comments(number, CommentKind.REVIEW) if is_ours(c)]
    repository_url = f"{server_url.rstrip('/')}/{repository}"
    engines, note = _engines(
        settings,
        metrics=metrics,
        term=term,
        renderer=renderer,
        pull_request=pr,
        repository_url=repository_url,
    )
    with metrics.timed("review"):
        report = run_review(
            forge,
            number,
            review,
            settings.fail_level,
            engines,
            posted_keys=posted_keys(earlier),
            progress=term.detail,
            since=since,
        )
    outdated = _outdated(earlier, since)
    if outdated:
        report = replace(report, notes=(*report.notes, outdated))

    def render(current: ReviewReport, markers: str) -> str:
        return review_markdown(
            current,
            renderer,
            metrics,
            marker=markers,
            note=note,
            max_inline=review.max_inline_comments,
        )

    result = review_result(report)
    if settings.dry_run:
        would = [inline_comment(f, report.key(f)).__dict__ for f in report.selection.inline]
        result["dry_run"] = {
            "inline_comments": would,
            "summary_action": "create" if summary is None else "update",
        }
        markdown = render(report, "")
        text = review_text(report) + f"\ndry run: would post {len(would)} inline comment(s)"
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
    markdown = render(published.report, "")
    posted = result["published"]
    text = review_text(published.report) + (
        f"\nposted {posted['inline_comments']} inline comment(s); summary {posted['summary']}"
        if not published.read_only
        else "\nread-only token: nothing posted (annotations and the job summary only)"
    )
    return GitHubReview(published.report, published, result, markdown, text)


def _outdated(earlier: list[Comment], since: tuple[str, frozenset[str]] | None) -> str:
    """Earlier inline findings on files changed since they were posted."""
    if since is None or not since[1]:
        return ""
    stale = [c for c in earlier if c.path in since[1]]
    if not stale:
        return ""
    places = ", ".join(f"{c.path}:{c.line}" for c in stale[:10])
    more = f" and {len(stale) - 10} more" if len(stale) > 10 else ""
    return (
        f"{len(stale)} earlier finding(s) are on files changed since {since[0][:12]}"
        f" and may be outdated: {places}{more}"
    )
