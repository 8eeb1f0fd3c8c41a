"""Renderings of a review report: JSON result, terminal text, markdown summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from ci_agent.metrics import Metrics
from ci_agent.render import TemplateRenderer, render_text
from ci_agent.report.fit import fit_lists
from ci_agent.report.value import ArtifactRef, Conclusion, Report, severity_counts
from ci_agent.review.comments import check_conclusion
from ci_agent.review.findings import Finding, severity_rank
from ci_agent.review.pipeline import ReviewReport

__all__ = ["review_markdown", "review_report", "review_result", "review_text"]


def _finding(f: Finding, *, inline: bool) -> dict[str, Any]:
    return {**f.model_dump(), "inline": inline}


def review_result(report: ReviewReport) -> dict[str, Any]:
    """The ``result`` object of the JSON envelope (and the action's result-json)."""
    selection = report.selection
    pr = report.pull_request
    return {
        "pull_request": {
            "number": pr.number,
            "title": pr.title,
            "base": pr.base_sha,
            "head": pr.head_sha,
        },
        "risk": report.risk,
        "findings_count": len(report.findings),
        "max_severity": report.max_severity,
        "at_fail_level": _at_fail_level(report),
        "fail_level": report.fail_level.label,
        "findings": [_finding(f, inline=True) for f in selection.inline]
        + [_finding(f, inline=False) for f in selection.summary_only],
        "already_reported": len(selection.already_posted),
        "duplicates_dropped": selection.duplicates,
        "suggestions_dropped": report.dropped_suggestions,
        "suggestions_dropped_by_reason": dict(report.dropped_reasons),
        "partial": len(report.partial),
        "out_of_scope_dropped": report.out_of_scope,
        "files": [f.__dict__ for f in report.files],
        "coverage": _coverage(report),
        "engines": list(report.engines),
        "notes": list(report.notes),
    }


def review_report(report: ReviewReport, artifact: ArtifactRef | None = None) -> Report:
    """The typed report the surfaces read: the check run's title and conclusion, the counts."""
    findings = report.findings + report.selection.already_posted
    conclusion: Conclusion = check_conclusion(findings, int(report.fail_level))
    title = f"{len(report.findings)} new finding(s), risk {report.risk}"
    if report.partial:
        # Green would say the change was reviewed and found clean; part of it was not read.
        conclusion = "neutral" if conclusion == "success" else conclusion
        title += f"; partial: {len(report.partial)} file(s) not reviewed"
    return Report(
        title=title,
        conclusion=conclusion,
        severity_counts=severity_counts(f.severity for f in report.findings),
        findings_count=len(report.findings),
        max_severity=report.max_severity,
        artifact=artifact,
    )


def _at_fail_level(report: ReviewReport) -> int:
    """Findings meeting fail-level, new or reported by an earlier run: they all still stand,
    so the exit code agrees with the check run's conclusion on a re-run."""
    if not report.fail_level:
        return 0
    standing = report.findings + report.selection.already_posted
    return sum(1 for f in standing if severity_rank(f.severity) >= report.fail_level)


def _coverage(report: ReviewReport) -> dict[str, Any]:
    reasons = Counter(f.reason for f in report.files if not f.reviewed)
    reviewed = sum(1 for f in report.files if f.reviewed)
    return {
        "total": len(report.files),
        "reviewed": reviewed,
        "reviewed_earlier": sum(1 for f in report.files if f.reviewed and f.reason),
        "skipped": len(report.files) - reviewed,
        "reasons": dict(reasons),
    }


def review_text(
    report: ReviewReport,
    *,
    note: str | None = None,
    would_post: int | None = None,
    posted: Mapping[str, Any] | None = None,
    read_only: bool = False,
) -> str:
    """Findings as ``path:line: severity: title`` lines, then the coverage footer and what was
    posted: ``note`` (the engines'), ``would_post`` inline comments (a dry run), ``posted``
    (the result's ``published``) or a ``read_only`` token (templates/text/review.txt.j2)."""
    return render_text(
        "review.txt.j2",
        findings=report.findings,
        risk=report.risk,
        coverage=_coverage(report),
        engines=report.engines,
        files=report.files,
        notes=report.notes,
        note=note,
        would_post=would_post,
        posted=posted,
        read_only=read_only,
    )


def review_markdown(
    report: ReviewReport,
    renderer: TemplateRenderer,
    metrics: Metrics | None = None,
    *,
    marker: str = "",
    note: str = "",
    max_inline: int = 20,
    list_all: bool = False,
    limit: int | None = None,
    whole: str = "",
) -> str:
    """The summary comment / job summary / ``--output markdown`` text.

    ``list_all`` lists every finding (local runs, where nothing is posted inline). With
    ``limit`` whole rows are left out until the text fits (files first, then notes, then
    findings) and the text says how many and that ``whole`` has them all.
    """

    def render(shown: Mapping[str, int]) -> str:
        return _render(
            report,
            renderer,
            metrics=metrics,
            marker=marker,
            note=note,
            max_inline=max_inline,
            list_all=list_all,
            shown=shown,
            whole=whole,
        )

    listed = report.findings if list_all else report.selection.summary_only
    totals = {"files": len(report.files), "notes": len(report.notes), "findings": len(listed)}
    if limit is None:
        return render(totals)
    return fit_lists(render, totals, limit, where=whole).text


def _render(
    report: ReviewReport,
    renderer: TemplateRenderer,
    *,
    metrics: Metrics | None,
    marker: str,
    note: str,
    max_inline: int,
    list_all: bool,
    shown: Mapping[str, int],
    whole: str,
) -> str:
    listed = report.findings if list_all else report.selection.summary_only
    metric_values = None
    if metrics is not None:
        counted = metrics.snapshot()
        metric_values = {
            "tokens": metrics.tokens,
            "cost": metrics.cost,
            "api_calls": counted.api_calls.total,
            "seconds": sum(counted.durations_s.values()),
        }
    # The sticky comment's counts are the typed report's, as every other surface's.
    value = review_report(report)
    return renderer.render(
        "comments/review_summary.md.j2",
        marker=marker,
        risk=report.risk,
        counts={
            "total": value.findings_count,
            "by_severity": value.severity_counts,
            "inline": len(report.selection.inline),
            "already_posted": len(report.selection.already_posted),
            "beyond_cap": report.selection.beyond_cap,
        },
        summary_findings=listed[: shown["findings"]],
        list_all=list_all,
        files=report.files[: shown["files"]],
        coverage=_coverage(report),
        engines=report.engines,
        notes=report.notes[: shown["notes"]],
        omitted={
            "findings": len(listed) - shown["findings"],
            "files": len(report.files) - shown["files"],
            "notes": len(report.notes) - shown["notes"],
        },
        whole=whole,
        note=note,
        metrics=metric_values,
        max_inline=max_inline,
    )
