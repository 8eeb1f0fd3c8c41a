"""What happened before on the same commit, through the forge: jobs that passed in other runs
of the workflow (a failure of the same job is then flaky), and the re-runs already made (the
re-run cap counts them; GitHub keeps them as run attempts, so nothing is stored here)."""

from __future__ import annotations

from dataclasses import dataclass

from ci_agent.forge.run_protocol import ActionsClient
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.triage.classify import History

__all__ = ["MAX_RUNS", "Prior", "prior_outcomes"]

# Other runs of the same commit whose jobs are listed (one request each).
MAX_RUNS = 5


@dataclass(frozen=True)
class Prior:
    """Outcomes on the run's commit: what passed, and re-runs made (attempts after the first,
    over every run of the commit)."""

    history: History
    reruns: int
    runs: tuple[int, ...] = ()


def prior_outcomes(forge: ActionsClient, run: WorkflowRun, *, limit: int = MAX_RUNS) -> Prior:
    """Look at the other completed runs of ``run``'s workflow on its commit."""
    passed: dict[str, str] = {}
    reruns = 0
    looked: list[int] = []
    seen_self = False
    for other in forge.workflow_runs(head_sha=run.head_sha):
        reruns += max(0, other.run_attempt - 1)
        seen_self = seen_self or other.id == run.id
        if other.id == run.id or other.workflow_id != run.workflow_id:
            continue
        if other.status != "completed" or len(looked) >= limit:
            continue
        looked.append(other.id)
        for job in forge.jobs(other.id):
            if job.conclusion == "success":
                passed.setdefault(job.name, f"run {other.id}")
    if not seen_self:  # a listing that lags behind still counts this run's attempts
        reruns += max(0, run.run_attempt - 1)
    return Prior(History(passed_jobs=passed), reruns, tuple(looked))
