"""Re-running a run's failed jobs when triage says ``rerun``: at most
``fix.triage.max-reruns-per-sha`` times per commit (counted from GitHub's run attempts), never
in a dry run. Past the cap the failure persists, and the decision becomes ``analyze``."""

from __future__ import annotations

from dataclasses import dataclass

from ci_agent.forge.run_protocol import WorkflowRuns
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.triage.classify import Decision, Strategy

__all__ = ["RerunResult", "rerun_failed"]


@dataclass(frozen=True)
class RerunResult:
    """Whether the failed jobs were re-run, and why (not)."""

    requested: bool
    reason: str
    reruns_before: int
    cap: int
    dry_run: bool = False


def rerun_failed(
    forge: WorkflowRuns,
    run: WorkflowRun,
    decision: Decision,
    *,
    reruns_before: int,
    cap: int,
    requested: bool,
    dry_run: bool,
) -> tuple[Decision, RerunResult]:
    """Re-run the failed jobs if the decision is ``rerun``, it was asked for and the cap
    allows; return the (possibly escalated) decision and what was done."""
    sha = run.head_sha[:7]

    def result(done: bool, reason: str, *, dry: bool = False) -> RerunResult:
        return RerunResult(done, reason, reruns_before, cap, dry)

    if decision.strategy is not Strategy.RERUN:
        return decision, result(False, f"the strategy is {decision.strategy}, not rerun")
    if reruns_before >= cap:
        reason = (
            f"{decision.reason}; but {reruns_before} re-run(s) were already made on {sha} "
            f"(fix.triage.max-reruns-per-sha is {cap}): the failure persists"
        )
        escalated = Decision(Strategy.ANALYZE, decision.kind, reason, "rerun-cap")
        return escalated, result(False, f"cap reached: {reruns_before} of {cap} re-run(s) on {sha}")
    if not requested:
        return decision, result(False, "not requested (pass --rerun to re-run the failed jobs)")
    if dry_run:
        return decision, result(False, "dry run: the failed jobs would be re-run", dry=True)
    forge.rerun_failed_jobs(run.id)
    return decision, result(True, f"re-run {reruns_before + 1} of {cap} on {sha} requested")
