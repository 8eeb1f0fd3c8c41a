"""Findings as GitHub objects: inline comments with suggestions, check annotations, markers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from ci_agent.forge.run_types import Annotation
from ci_agent.forge.types import Comment, InlineComment
from ci_agent.markers import find_markers, marker
from ci_agent.report.sticky_comment import is_ours
from ci_agent.report.suggestion import suggestion_block, suggestion_lines
from ci_agent.review.findings import Finding, severity_rank

if TYPE_CHECKING:
    from ci_agent.runner.annotations import Annotation as WorkflowAnnotation
    from ci_agent.runner.commands import AnnotationLevel

__all__ = [
    "FINDING_MARKER",
    "SUMMARY_MARKER",
    "annotation_for",
    "check_conclusion",
    "inline_comment",
    "is_ours",
    "posted_keys",
    "standing_findings",
    "workflow_annotation",
]

FINDING_MARKER = "finding"
SUMMARY_MARKER = "review-summary"
_ICONS = {"critical": "🛑", "high": "🔴", "medium": "🟠", "low": "🟡", "info": "🔵"}
# The second line of an inline comment, as inline_comment writes it.
_HEADLINE = re.compile(
    r"^\S+ \*\*(?P<severity>critical|high|medium|low|info)\*\* · (?P<category>[a-z]+) · "
    r"\*\*(?P<title>.+)\*\*$"
)
_WORKFLOW_LEVELS: dict[str, AnnotationLevel] = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
}
_LEVELS: dict[str, Literal["failure", "warning", "notice"]] = {
    "critical": "failure",
    "high": "failure",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}


def inline_comment(finding: Finding, key: str) -> InlineComment:
    """The review comment for a finding: marker first, then the text and any suggestion."""
    lines = [
        marker(FINDING_MARKER, key),
        f"{_ICONS[finding.severity]} **{finding.severity}** · {finding.category} · "
        f"**{finding.title}**",
    ]
    if finding.body:
        lines += ["", finding.body]
    if finding.suggestion is not None:
        lines += ["", suggestion_block(suggestion_lines(finding.suggestion))]
    lines += ["", f"<sub>ci-agent · {finding.source} · confidence {finding.confidence:.0%}</sub>"]
    multi = finding.end_line > finding.start_line
    return InlineComment(
        path=finding.path,
        line=finding.end_line,
        body="\n".join(lines),
        side="RIGHT",
        start_line=finding.start_line if multi else None,
        start_side="RIGHT" if multi else None,
    )


def annotation_for(finding: Finding) -> Annotation:
    """A check-run annotation for a finding."""
    return Annotation(
        path=finding.path,
        start_line=finding.start_line,
        end_line=finding.end_line,
        level=_LEVELS[finding.severity],
        message=(finding.body or finding.title)[:64_000],
        title=f"{finding.severity}: {finding.title}"[:255],
    )


def workflow_annotation(finding: Finding) -> WorkflowAnnotation:
    """A workflow annotation for a finding (the run page and the PR's changed lines)."""
    from ci_agent.runner.annotations import Annotation as Workflow

    return Workflow(
        level=_WORKFLOW_LEVELS.get(finding.severity, "notice"),
        message=finding.body or finding.title,
        title=f"{finding.severity}: {finding.title}",
        file=finding.path,
        line=finding.start_line,
        end_line=finding.end_line,
    )


def check_conclusion(findings: Iterable[Finding], fail_level: int) -> Literal["success", "failure"]:
    """``failure`` when a finding meets fail-level (0 = never), else ``success``."""
    if fail_level and any(severity_rank(f.severity) >= fail_level for f in findings):
        return "failure"
    return "success"


def posted_keys(comments: Iterable[Comment]) -> frozenset[str]:
    """Fingerprints of findings ci-agent posted before (from its markers)."""
    return frozenset(
        m.key
        for c in comments
        if is_ours(c)
        for m in find_markers(c.body)
        if m.kind == FINDING_MARKER
    )


def standing_findings(
    comments: Iterable[Comment], changed: frozenset[str]
) -> list[tuple[str, Finding]] | None:
    """Findings ci-agent posted inline on files *not* in ``changed``, read back with their keys.

    Those files are unchanged since the last review, so its findings there still stand; an
    incremental re-review carries them so the check run and exit code do not forget them.
    Comments GitHub marks outdated (no line) are left out. None when a comment of ours cannot
    be read back: the caller must then review everything instead.
    """
    found: dict[str, Finding] = {}
    for comment in comments:
        if not is_ours(comment) or comment.path is None or comment.path in changed:
            continue
        keys = [m.key for m in find_markers(comment.body) if m.kind == FINDING_MARKER]
        if not keys or comment.line is None:
            continue
        lines = comment.body.splitlines()
        match = _HEADLINE.match(lines[1]) if len(lines) > 1 else None
        if match is None:
            return None
        try:
            finding = Finding.model_validate(
                {
                    "path": comment.path,
                    "start_line": comment.line,
                    "end_line": comment.line,
                    "severity": match["severity"],
                    "category": match["category"],
                    "title": match["title"][:200],
                    "source": "earlier review",
                }
            )
        except ValidationError:
            return None
        found.setdefault(keys[0], finding)
    return list(found.items())
