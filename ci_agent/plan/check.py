"""The plan as a check run on the head commit: one per head, updated in place on a re-run.

The conclusion follows the highest risk (``deploy.check-fail-level``: ``failure`` from that
level up, ``success`` below it, ``neutral`` when nothing deploys). Every risk finding with a
file and a line becomes an annotation. GitHub appends annotations on each update and cannot
remove them, so a re-run sends only those the run does not already hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from ci_agent.forge.protocol import CheckReporter
from ci_agent.forge.run_types import Annotation, AnnotationLevel, CheckConclusion
from ci_agent.plan.risk import LEVELS
from ci_agent.report.check_run import complete_check, start_check
from ci_agent.report.limits import CHECK_SUMMARY_LIMIT
from ci_agent.report.value import Report

__all__ = ["CHECK_NAME", "PlanChecks", "plan_annotations", "plan_conclusion", "publish_check"]

CHECK_NAME = "ci-agent plan"
_ANNOTATION_LEVEL: dict[str, AnnotationLevel] = {
    "critical": "failure",
    "high": "failure",
    "medium": "warning",
    "low": "notice",
}


class PlanChecks(CheckReporter, Protocol):
    """Check runs, and the annotations one already holds."""

    def check_run_annotations(self, check_run_id: int) -> Iterator[Annotation]:
        """The annotations the run holds."""


def plan_conclusion(
    plan: Mapping[str, Any], fail_level: str, gate_findings: int = 0
) -> tuple[CheckConclusion, str]:
    """The check's conclusion and title for ``plan``.

    A GitHub Environment missing a gate the manifest promises (``gate_findings``) counts as a
    high risk: the deployment would run without the approval or wait it was planned with.
    """
    units = plan["units"]
    if not units:
        return "neutral", "Nothing to deploy: no unit owns a changed path"
    highest = max((u["risk"]["level"] for u in units), key=LEVELS.index)
    groups = len(plan["groups"])
    title = f"{len(units)} unit(s) in {groups} group(s), highest risk {highest}"
    if gate_findings:
        title += f", {gate_findings} environment gate(s) missing in GitHub"
    worst = max(highest, "high", key=LEVELS.index) if gate_findings else highest
    failing = fail_level != "never" and LEVELS.index(worst) >= LEVELS.index(fail_level)
    if failing:
        return "failure", f"{title} (fails from {fail_level})"
    return "success", title


def plan_annotations(plan: Mapping[str, Any]) -> list[Annotation]:
    """One annotation per risk finding that has a file and a line."""
    notes = []
    for unit in plan["units"]:
        for evidence in unit["risk"]["evidence"]:
            if not evidence.get("path") or not evidence.get("line"):
                continue
            level = evidence["level"]
            notes.append(
                Annotation(
                    evidence["path"],
                    evidence["line"],
                    evidence["line"],
                    _ANNOTATION_LEVEL[level],
                    f"{evidence['reason']} (unit {unit['name']}, {level} risk)",
                    title=f"{unit['name']}: {evidence['rule']}",
                    raw_details=evidence.get("text") or None,
                )
            )
    return notes


def _key(note: Annotation) -> tuple[Any, ...]:
    """What identifies an annotation on GitHub (which may not echo title or details)."""
    return (note.path, note.start_line, note.end_line, note.level, note.message)


def publish_check(
    forge: PlanChecks,
    head_sha: str,
    plan: Mapping[str, Any],
    summary: str,
    *,
    fail_level: str,
    gate_findings: int = 0,
) -> dict[str, Any]:
    """Create the plan's check run on ``head_sha``, or update the one already there."""
    existing = next(iter(forge.check_runs(head_sha, CHECK_NAME)), None)
    check = existing or start_check(forge, CHECK_NAME, head_sha)
    notes = plan_annotations(plan)
    held = {_key(n) for n in forge.check_run_annotations(check.id)} if existing else set()
    fresh = [n for n in notes if _key(n) not in held]
    conclusion, title = plan_conclusion(plan, fail_level, gate_findings)
    report = Report(title, conclusion=conclusion)
    done = complete_check(forge, check.id, report, summary=summary, annotations=fresh)
    return {
        "id": done.id,
        "action": "updated" if existing else "created",
        "conclusion": conclusion,
        "annotations": len(notes),
        "annotations_sent": len(fresh),
        "summary_limit": CHECK_SUMMARY_LIMIT,
        "url": done.url,
    }
