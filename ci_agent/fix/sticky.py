"""The fix report as people read it: the sticky pull-request comment (one per failed run,
updated in place on a re-run), the job summary and terminal text.

Text that comes from logs, the model or an uploaded bundle is untrusted: it is cleaned
(mentions, images, outside links, HTML) or shown in code fences, never as markdown.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from ci_agent.change.guards import FIX_MARKER
from ci_agent.forge.types import CommentKind
from ci_agent.markers import marker, state_marker
from ci_agent.report.markdown import code_span, plain_text
from ci_agent.report.sticky_comment import find_ours, upsert_comment
from ci_agent.report.value import ArtifactRef, Report
from ci_agent.sanitize import wire_text

if TYPE_CHECKING:
    from ci_agent.fix.session import FixReport
    from ci_agent.forge.protocol import CommentStore
    from ci_agent.render import TemplateRenderer
    from ci_agent.triage.triage import TriageResult

__all__ = ["fix_markdown", "fix_report", "fix_text", "post_sticky"]

_BACKTICKS = re.compile(r"`+")
_ACTIONS = {
    "rerun": "re-ran the failed jobs",
    "no-rerun": "did not re-run the failed jobs",
    "analyzed": "analysed the failure (no code change)",
    "pushed": "pushed a verified fix",
    "pull-request": "opened a pull request with a verified fix",
    "suggested": "posted the verified fix as suggestions",
    "dry-run": "made no change (dry run)",
    "refused": "found no fix it could prove; nothing was pushed",
    "aborted": "aborted: the branch moved; nothing was pushed",
    "skipped": "did not try a fix",
    "no-fix": "had no fix to land",
    "computed": "computed a verified fix",
    "passed": "found nothing failed",
    "closed-issue": "closed the failure issue: the workflow passes again",
}
# A fix whose proof ran in another job (the pull request's own CI) is never called verified.
_REPORTED_ACTIONS = {
    "pushed": "pushed a fix it re-checked; its test proof was only reported by the CI run",
    "pull-request": "opened a pull request with a fix it re-checked; its test proof was only "
    "reported by the CI run",
    "suggested": "posted the fix as suggestions, unverified: re-checked here, its test proof "
    "only reported by the CI run",
}
TAIL_LINES = 25
# What ends a fix run green: a change made or proposed, a re-run asked for, nothing failed.
_DONE = frozenset(
    {"pushed", "pull-request", "suggested", "computed", "rerun", "passed", "closed-issue"}
)


def _action_text(report: FixReport) -> str:
    if not report.proven_here and report.action in _REPORTED_ACTIONS:
        return _REPORTED_ACTIONS[report.action]
    return _ACTIONS.get(report.action, report.action)


def fix_report(report: FixReport) -> Report:
    """The typed report the surfaces read: a one-line title, the conclusion, the bundle."""
    return Report(
        title=f"ci-agent {_action_text(report)}",
        conclusion="success" if report.action in _DONE else "neutral",
        artifact=ArtifactRef.from_mapping(report.bundle),
    )


def post_sticky(
    forge: CommentStore, number: int, run_id: int, report: FixReport, today: date
) -> dict[str, Any]:
    """Create or update the run's sticky comment; what was done and the comment's id."""
    key = f"run-{run_id}"
    state = {
        "head": report.head_sha,
        "day": today.isoformat(),
        "status": report.action,
        "strategy": report.strategy,
    }
    body = wire_text(f"{marker(FIX_MARKER, key)}\n{state_marker(state)}\n{fix_markdown(report)}")
    existing = find_ours(forge.comments(number, CommentKind.ISSUE), FIX_MARKER, key)
    comment_id, action = upsert_comment(forge, number, body, existing)
    return {"id": comment_id, "action": action}


def fix_text(report: FixReport) -> str:
    """The report for a terminal (templates/text/fix.txt.j2)."""
    from ci_agent.render import render_text

    fix = report.computation
    # The diff is shown when nothing landed it (a landed fix names its commit instead).
    shown = fix is not None and fix.diff and report.action in {"computed", "refused", "dry-run"}
    return render_text(
        "fix.txt.j2",
        action=_action_text(report),
        strategy=report.strategy,
        reasons=report.reasons,
        fix=fix,
        diff=fix.diff.rstrip("\n") if fix is not None and shown else None,
        delivered=report.delivered,
        bundle=report.bundle,
        issue=report.issue,
    )


def fix_markdown(report: FixReport, renderer: TemplateRenderer | None = None) -> str:
    """The report for the sticky comment and the job summary (templates/comments/)."""
    from ci_agent.render import TemplateRenderer

    source = report.source
    run = source.get("run_id")
    text = (renderer or TemplateRenderer()).render(
        "comments/fix_report.md.j2",
        action=report.action,
        action_text=_action_text(report),
        what=f"workflow run {run}" if run else "the failed job",
        head=report.head_sha[:12] if report.head_sha else "",
        triage=_triage_view(report.triage),
        reasons=[_clean(r) for r in report.reasons],
        fix=_fix_view(report),
        delivery=_delivery_lines(report),
        analysis=_analysis_view(report),
        issue=report.issue,
        triage_details=_triage_details(report.triage),
    )
    return text.strip() + "\n"


def _triage_view(triage: TriageResult | None) -> dict[str, str] | None:
    if triage is None:
        return None
    decision = triage.decision
    return {
        "failed": _clean(_failed(triage)),
        "kind": decision.kind,
        "strategy": decision.strategy,
        "rule": decision.rule,
        "reason": _clean(decision.reason),
    }


def _triage_details(triage: TriageResult | None) -> str:
    if triage is None:
        return ""
    from ci_agent.triage.present import triage_markdown

    return triage_markdown(triage).replace("## ci-agent triage", "#### Triage")


def _failed(triage: TriageResult) -> str:
    parts = []
    for job in triage.jobs:
        tests = f": {', '.join(job.failing_tests[:5])}" if job.failing_tests else ""
        more = f" and {len(job.failing_tests) - 5} more" if len(job.failing_tests) > 5 else ""
        parts.append(f"job '{job.job}' ({job.kind}){tests}{more}")
    return "; ".join(parts) or "nothing recognised"


def _fix_view(report: FixReport) -> dict[str, Any] | None:
    fix = report.computation
    if fix is None:
        return None
    evidence = fix.evidence
    run_id = report.source.get("run_id")
    tail = _failed_tail(evidence)
    return {
        "strategy": fix.strategy,
        "status": fix.status,
        "evidence": _evidence_lines(evidence, None if report.proven_here else run_id),
        "tokens": fix.tokens,
        "cost": fix.cost,
        "explanation": _clean(str(evidence.get("explanation") or "")),
        "patch": _fenced(fix.diff, "diff") if fix.diff else "",
        "failed_last": _fenced(tail, "") if tail and not fix.verified else "",
    }


def _evidence_lines(evidence: dict[str, Any], reported_by: object = None) -> list[str]:
    """The evidence as lines; ``reported_by``: the CI run that made it, when it was not
    made in this process (then nothing of it is called a verification)."""
    lines = []
    if reported_by is not None:
        lines.append(f"the lines below were reported by CI run {reported_by} and not re-run here")
    verification = evidence.get("verification")
    if verification:
        label = "verification" if reported_by is None else f"reported by CI run {reported_by}"
        lines.append(f"{label}: {_clean(str(verification))}")
    before = evidence.get("before")
    if isinstance(before, dict):
        lines.append(f"before the fix: {_run_line(before)}")
    verdict = evidence.get("verdict")
    if isinstance(verdict, dict):
        after = verdict.get("after") if isinstance(verdict.get("after"), list) else []
        for index, run in enumerate(after or [], 1):
            if isinstance(run, dict):
                lines.append(f"after, run {index}: {_run_line(run)}")
        broader = verdict.get("broader")
        if isinstance(broader, dict):
            lines.append(f"broader check: {_run_line(broader)}")
    for name in ("before", "after"):
        runs = evidence.get(name)
        if isinstance(runs, list):
            for run in runs:
                if isinstance(run, dict) and "argv" in run:
                    argv = " ".join(str(a) for a in run.get("argv", []))
                    lines.append(f"{name}: {code_span(argv)} exited {run.get('returncode')}")
    attempts = evidence.get("attempts")
    if isinstance(attempts, list) and attempts:
        lines.append(f"model attempts: {len(attempts)}")
    return lines


def _delivery_lines(report: FixReport) -> list[str]:
    done = report.delivered
    if done is None:
        return []
    lines = []
    if done.claims:
        lines.append(_clean(done.claims))
    if done.commit:
        lines.append(f"commit `{done.commit[:12]}` on {code_span(done.branch)}")
    if done.url:
        lines.append(f"pull request: {done.url}")
    if done.mode == "suggested":
        lines.append(f"{done.suggestions} suggestion(s) posted")
        lines += [f"not placed: {_clean(u)}" for u in done.unplaced]
    if done.mode == "pushed":
        if done.dispatched:
            lines.append("the failed workflow was started on the branch (workflow_dispatch)")
        else:
            lines.append(
                "pushes made with GITHUB_TOKEN start no CI: set `push-token` or "
                "`fix.after-push: dispatch`, or push to the branch to run CI"
            )
    return lines


def _analysis_view(report: FixReport) -> dict[str, Any] | None:
    analysis = report.analysis
    if analysis is None:
        return None
    return {
        "candidates": [_clean(c) for c in analysis.candidates],
        "last_green": f"`{analysis.last_green[:12]}`" if analysis.last_green else "not found",
        "suspects": [(sha[:12], _clean(subject)) for sha, subject in analysis.suspects],
        "passed_after": analysis.passed_after,
        "note": _clean(analysis.note) if analysis.note else "",
    }


def _run_line(run: dict[str, Any]) -> str:
    if run.get("timed_out"):
        return "timed out"
    return f"{run.get('passed', 0)} passed, {run.get('failed', 0)} failed"


def _failed_tail(evidence: dict[str, Any]) -> str:
    attempts = evidence.get("attempts")
    if isinstance(attempts, list) and attempts and isinstance(attempts[-1], dict):
        reasons = attempts[-1].get("reasons")
        if isinstance(reasons, list):
            return "\n".join(str(r) for r in reasons)
    runs = evidence.get("after")
    if isinstance(runs, list):
        tails = [str(r.get("tail", "")) for r in runs if isinstance(r, dict)]
        return "\n".join(t for t in tails if t)
    return ""


def _fenced(text: str, language: str) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > 400:
        lines = [*lines[:400], f"... {len(lines) - 400} more lines (the whole is in the bundle)"]
    body = "\n".join(lines)
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(body)), default=0))
    return f"{fence}{language}\n{body}\n{fence}"


def _clean(text: str) -> str:
    return plain_text(text)
