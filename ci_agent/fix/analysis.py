"""The analysis posted instead of a code change (unknown failures, or a failure on the default
branch after a merge): root-cause candidates from triage and the commits since the last
green run of the same workflow on the branch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ci_agent.errors import CiAgentError
from ci_agent.forge.run_protocol import WorkflowRuns
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.forge.types import Commit
from ci_agent.json_form import json_meta
from ci_agent.triage.triage import TriageResult

__all__ = ["MAX_SUSPECTS", "Analysis", "Greens", "analyze", "green_runs"]

MAX_CANDIDATES = 10
MAX_SUSPECTS = 20
RUNS_SEARCHED = 50


def _suspects(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"sha": sha, "subject": subject} for sha, subject in pairs]


@dataclass(frozen=True)
class Analysis:
    """Root-cause candidates, the last green commit, and the commits suspected since."""

    candidates: tuple[str, ...]
    last_green: str | None
    # (sha, subject), oldest first
    suspects: tuple[tuple[str, str], ...] = field(metadata=json_meta(convert=_suspects))
    note: str = ""
    passed_after: int | None = None  # a run of the workflow that started later and passed


@dataclass(frozen=True)
class Greens:
    """Successful runs of a failed run's workflow and event on its branch: the newest one
    that started before it (its head is the last green commit), and any that started after
    it (runs finish out of order)."""

    last: str | None = None
    newer: int | None = None


def green_runs(forge: WorkflowRuns, run: WorkflowRun) -> Greens:
    """One pass over the branch's newest runs: a fork's branch of the same name or another
    event is not this workflow's history."""
    if not run.head_branch:
        return Greens()
    newer = None
    try:
        for index, other in enumerate(forge.workflow_runs(branch=run.head_branch)):
            if index >= RUNS_SEARCHED:
                break
            same = other.workflow_id == run.workflow_id and other.event == run.event
            if not same or other.conclusion != "success":
                continue
            if other.id > run.id:
                newer = newer or other.id
            elif other.head_sha != run.head_sha:
                return Greens(other.head_sha, newer)
    except CiAgentError:
        pass  # the analysis is still useful without them
    return Greens(None, newer)


def analyze(
    triage: TriageResult, greens: Greens, commits: Sequence[Commit], total: int | None = None
) -> Analysis:
    """Candidates from the failed jobs; suspects are ``commits`` after the last green one (all
    of them when it is not among them: it is on the base branch). ``total`` counts the
    suspects when ``commits`` holds only the newest of them."""
    green = greens.last
    candidates: list[str] = []
    for job in triage.jobs:
        for failure in job.failures:
            where = f" at {failure.location}" if failure.location else ""
            test = f" ({failure.test_id})" if failure.test_id else ""
            message = " ".join(failure.message.split())[:160]
            candidates.append(f"{job.job}: {failure.kind}{test}{where}: {message}")
    shas = [c.sha for c in commits]
    after = commits[shas.index(green) + 1 :] if green in shas else commits
    suspects = tuple((c.sha, c.message.splitlines()[0] if c.message else "") for c in after)
    note = ""
    if not commits:
        note = "no commit list: compare the last green commit with this one on GitHub"
    elif (unlisted := max(total or 0, len(suspects)) - min(len(suspects), MAX_SUSPECTS)) > 0:
        note = f"{unlisted} older suspect commit(s) not listed"
    return Analysis(
        tuple(dict.fromkeys(candidates))[:MAX_CANDIDATES],
        green,
        suspects[-MAX_SUSPECTS:],
        note,
        greens.newer,
    )
