"""The analysis posted instead of a code change (unknown failures, or a failure on the default
branch after a merge): root-cause candidates from triage and the commits since the last
green run of the same workflow on the branch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ci_agent.errors import CiAgentError
from ci_agent.fix.triage import TriageResult
from ci_agent.forge.run_protocol import WorkflowRuns
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.forge.types import Commit

__all__ = ["MAX_SUSPECTS", "Analysis", "analyze", "last_green", "newer_green"]

MAX_CANDIDATES = 10
MAX_SUSPECTS = 20
RUNS_SEARCHED = 50


@dataclass(frozen=True)
class Analysis:
    """Root-cause candidates, the last green commit, and the commits suspected since."""

    candidates: tuple[str, ...]
    last_green: str | None
    suspects: tuple[tuple[str, str], ...]  # (sha, subject), oldest first
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "candidates": list(self.candidates),
            "last_green": self.last_green,
            "suspects": [{"sha": s, "subject": t} for s, t in self.suspects],
            "note": self.note,
        }


def last_green(forge: WorkflowRuns, run: WorkflowRun) -> str | None:
    """The head SHA of the newest successful run of the same workflow on the same branch."""
    if not run.head_branch:
        return None
    try:
        for index, other in enumerate(forge.workflow_runs(branch=run.head_branch)):
            if index >= RUNS_SEARCHED:
                break
            # Same workflow and event, and older: a run that passed after this one failed
            # (out of order) or a fork's branch of the same name is no "last green".
            same = other.workflow_id == run.workflow_id and other.event == run.event
            earlier = other.id < run.id and other.head_sha != run.head_sha
            if same and earlier and other.conclusion == "success":
                return other.head_sha
    except CiAgentError:
        return None  # the analysis is still useful without it
    return None


def newer_green(forge: WorkflowRuns, run: WorkflowRun) -> int | None:
    """The id of a successful run of the same workflow and event on the same branch that
    started after ``run`` (runs finish out of order), if any."""
    if not run.head_branch:
        return None
    try:
        for index, other in enumerate(forge.workflow_runs(branch=run.head_branch)):
            if index >= RUNS_SEARCHED or other.id <= run.id:
                break  # newest first: the rest started before this run
            same = other.workflow_id == run.workflow_id and other.event == run.event
            if same and other.conclusion == "success":
                return other.id
    except CiAgentError:
        return None  # unknown: act on this run
    return None


def analyze(
    triage: TriageResult, green: str | None, commits: Sequence[Commit], total: int | None = None
) -> Analysis:
    """Candidates from the failed jobs; suspects are ``commits`` after ``green`` (all of them
    when ``green`` is not among them: it is on the base branch). ``total`` counts the suspects
    when ``commits`` holds only the newest of them."""
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
    elif max(total or 0, len(suspects)) > min(len(suspects), MAX_SUSPECTS):
        unlisted = max(total or 0, len(suspects)) - min(len(suspects), MAX_SUSPECTS)
        note = f"{unlisted} older suspect commit(s) not listed"
    return Analysis(
        tuple(dict.fromkeys(candidates))[:MAX_CANDIDATES],
        green,
        suspects[-MAX_SUSPECTS:],
        note,
    )
