"""The fix report as people read it: the sticky pull-request comment (one per failed run,
updated in place on a re-run), the job summary and terminal text.

Text that comes from logs, the model or an uploaded bundle is untrusted: it is cleaned
(mentions, images, outside links, HTML) or shown in code fences, never as markdown.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from ci_agent.fix.guards import FIX_MARKER
from ci_agent.forge.types import CommentKind
from ci_agent.markers import marker, state_marker
from ci_agent.report.markdown import code_span, plain_text
from ci_agent.sanitize import wire_text
from ci_agent.sticky import find_ours, upsert_comment

if TYPE_CHECKING:
    from ci_agent.fix.session import FixReport
    from ci_agent.fix.triage import TriageResult
    from ci_agent.forge.protocol import CommentStore

__all__ = ["fix_markdown", "fix_text", "post_sticky"]

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
TAIL_LINES = 25


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
    """The report for a terminal."""
    lines = [
        f"fix: {_ACTIONS.get(report.action, report.action)}",
        f"strategy: {report.strategy}",
    ]
    lines += [f"  - {r}" for r in report.reasons]
    fix = report.computation
    if fix is not None:
        lines.append(f"fix status: {fix.status} ({fix.strategy})")
        if fix.tokens:
            lines.append(f"tokens: {fix.tokens}  cost: ${fix.cost:.4f}")
        if fix.diff and report.action in {"computed", "refused", "dry-run"}:
            lines += ["", fix.diff.rstrip("\n")]
    if report.delivered and report.delivered.commit:
        lines.append(f"commit: {report.delivered.commit} on {report.delivered.branch}")
    if report.delivered and report.delivered.url:
        lines.append(f"pull request: {report.delivered.url}")
    if report.bundle:
        lines.append(f"bundle: {report.bundle['path']}")
    if report.issue:
        lines.append(f"issue: #{report.issue['number']} {report.issue['action']}")
    return "\n".join(lines)


def fix_markdown(report: FixReport) -> str:
    """The report for the sticky comment and the job summary."""
    source = report.source
    run = source.get("run_id")
    what = f"workflow run {run}" if run else "the failed job"
    head = f" at `{report.head_sha[:12]}`" if report.head_sha else ""
    lines = [
        f"## ci-agent fix: {report.action}",
        "",
        f"ci-agent {_ACTIONS.get(report.action, report.action)} for {what}{head}.",
        "",
    ]
    if report.triage is not None:
        decision = report.triage.decision
        lines += [
            f"**What failed:** {_clean(_failed(report.triage))}",
            f"**Class:** `{decision.kind}` → **strategy:** `{decision.strategy}` "
            f"({decision.rule}): {_clean(decision.reason)}",
        ]
    lines += ["", "**Why:**", *(f"- {_clean(r)}" for r in report.reasons), ""]
    lines += _fix_lines(report)
    lines += _delivery_lines(report)
    lines += _analysis_lines(report)
    if report.issue is not None:
        issue = report.issue
        lines += [f"**Issue:** #{issue['number']} ({issue['action']})", ""]
    if report.triage is not None:
        from ci_agent.fix.present import triage_markdown

        lines += [
            "<details><summary>Triage</summary>",
            "",
            triage_markdown(report.triage).replace("## ci-agent triage", "#### Triage"),
            "",
            "</details>",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _failed(triage: TriageResult) -> str:
    parts = []
    for job in triage.jobs:
        tests = f": {', '.join(job.failing_tests[:5])}" if job.failing_tests else ""
        more = f" and {len(job.failing_tests) - 5} more" if len(job.failing_tests) > 5 else ""
        parts.append(f"job '{job.job}' ({job.kind}){tests}{more}")
    return "; ".join(parts) or "nothing recognised"


def _fix_lines(report: FixReport) -> list[str]:
    fix = report.computation
    if fix is None:
        return []
    evidence = fix.evidence
    lines = ["### Evidence", ""]
    lines.append(f"- fix: `{fix.strategy}`, status `{fix.status}`")
    verification = evidence.get("verification")
    if verification:
        lines.append(f"- verification: {_clean(str(verification))}")
    before = evidence.get("before")
    if isinstance(before, dict):
        lines.append(f"- before the fix: {_run_line(before)}")
    verdict = evidence.get("verdict")
    if isinstance(verdict, dict):
        after = verdict.get("after") if isinstance(verdict.get("after"), list) else []
        for index, run in enumerate(after or [], 1):
            if isinstance(run, dict):
                lines.append(f"- after, run {index}: {_run_line(run)}")
        broader = verdict.get("broader")
        if isinstance(broader, dict):
            lines.append(f"- broader check: {_run_line(broader)}")
    for name in ("before", "after"):
        runs = evidence.get(name)
        if isinstance(runs, list):
            for run in runs:
                if isinstance(run, dict) and "argv" in run:
                    argv = " ".join(str(a) for a in run.get("argv", []))
                    lines.append(f"- {name}: {code_span(argv)} exited {run.get('returncode')}")
    attempts = evidence.get("attempts")
    if isinstance(attempts, list) and attempts:
        lines.append(f"- model attempts: {len(attempts)}")
    lines.append(f"- tokens: {fix.tokens}, cost: ${fix.cost:.4f}")
    explanation = evidence.get("explanation")
    if explanation:
        lines += ["", f"> {_clean(str(explanation))}"]
    if fix.diff:
        lines += ["", "<details><summary>The patch</summary>", "", *_fenced(fix.diff, "diff")]
        lines += ["", "</details>"]
    tail = _failed_tail(evidence)
    if tail and not fix.verified:
        lines += ["", "<details><summary>What failed last</summary>", "", *_fenced(tail, "")]
        lines += ["", "</details>"]
    return [*lines, ""]


def _delivery_lines(report: FixReport) -> list[str]:
    done = report.delivered
    if done is None:
        return []
    lines = ["### Delivery", ""]
    if done.commit:
        lines.append(f"- commit `{done.commit[:12]}` on {code_span(done.branch)}")
    if done.url:
        lines.append(f"- pull request: {done.url}")
    if done.mode == "suggested":
        lines.append(f"- {done.suggestions} suggestion(s) posted")
        lines += [f"- not placed: {_clean(u)}" for u in done.unplaced]
    if done.mode == "pushed":
        if done.dispatched:
            lines.append("- the failed workflow was started on the branch (workflow_dispatch)")
        else:
            lines.append(
                "- pushes made with GITHUB_TOKEN start no CI: set `push-token` or "
                "`fix.after-push: dispatch`, or push to the branch to run CI"
            )
    return [*lines, ""]


def _analysis_lines(report: FixReport) -> list[str]:
    analysis = report.analysis
    if analysis is None:
        return []
    lines = ["### Analysis", "", "Root-cause candidates:", ""]
    lines += [f"- {_clean(c)}" for c in analysis.candidates] or ["- none recognised"]
    green = f"`{analysis.last_green[:12]}`" if analysis.last_green else "not found"
    lines += ["", f"Last green commit of this workflow on the branch: {green}", ""]
    if analysis.suspects:
        lines.append("Commits since (suspects):")
        lines += [f"- `{sha[:12]}` {_clean(subject)}" for sha, subject in analysis.suspects]
    if analysis.passed_after is not None:
        lines.append(f"\nA later run of this workflow passed: run {analysis.passed_after}.")
    if analysis.note:
        lines.append(f"\n_{_clean(analysis.note)}_")
    return [*lines, ""]


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


def _fenced(text: str, language: str) -> list[str]:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > 400:
        lines = [*lines[:400], f"... {len(lines) - 400} more lines"]
    body = "\n".join(lines)
    fence = "`" * max(3, 1 + max((len(m) for m in _BACKTICKS.findall(body)), default=0))
    return [f"{fence}{language}", body, fence]


def _clean(text: str) -> str:
    return plain_text(text)
