"""What insights reads of one workflow run: its jobs of every attempt with their steps and
timings, the test cases of its JUnit reports, the signatures of its failed jobs' logs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "CaseResult",
    "JobFacts",
    "RunFacts",
    "Signature",
    "StepFacts",
    "billable_minutes",
    "latest_jobs",
    "runner_os",
]


@dataclass(frozen=True)
class StepFacts:
    """One step of a job attempt: its name, conclusion and duration in seconds."""

    name: str
    conclusion: str | None
    seconds: float | None


@dataclass(frozen=True)
class JobFacts:
    """One job of one attempt of a run."""

    id: int
    name: str
    attempt: int
    conclusion: str | None
    created: datetime | None
    started: datetime | None
    completed: datetime | None
    labels: tuple[str, ...] = ()
    steps: tuple[StepFacts, ...] = ()

    @property
    def queued(self) -> float | None:
        """Seconds from the job's creation to its start: the wait for a runner."""
        if self.created is None or self.started is None:
            return None
        return max(0.0, (self.started - self.created).total_seconds())

    @property
    def seconds(self) -> float | None:
        """Seconds from the job's start to its end."""
        if self.started is None or self.completed is None:
            return None
        return max(0.0, (self.completed - self.started).total_seconds())

    @property
    def ok(self) -> bool:
        """Whether the job passed (skipped jobs are neither runs nor failures)."""
        return self.conclusion == "success"

    @property
    def failed(self) -> bool:
        """Whether the job failed or timed out."""
        return self.conclusion in ("failure", "timed_out")


@dataclass(frozen=True)
class CaseResult:
    """One test case of a run's JUnit reports: id, outcome (pass/fail/skip), seconds."""

    id: str
    outcome: str
    seconds: float


@dataclass(frozen=True)
class Signature:
    """A failed job's failure, as triage classifies it: kind, a stable text, a sample line."""

    key: str
    kind: str
    message: str
    job: str


@dataclass(frozen=True)
class RunFacts:
    """A completed workflow run with everything insights counts about it."""

    id: int
    workflow: str
    path: str
    branch: str
    event: str
    sha: str
    created_at: datetime
    conclusion: str | None
    attempts: int
    url: str = ""
    jobs: tuple[JobFacts, ...] = ()
    tests: tuple[CaseResult, ...] = ()
    signatures: tuple[Signature, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether the run's last attempt passed."""
        return self.conclusion == "success"

    def latest_jobs(self) -> tuple[JobFacts, ...]:
        """Each job's newest attempt."""
        return latest_jobs(self.jobs)

    def seconds(self) -> float | None:
        """The run's wall time: the latest attempt's first job start to its last job end."""
        spans = [(j.started, j.completed) for j in self.latest_jobs() if j.started and j.completed]
        starts = [start for start, _ in spans if start is not None]
        ends = [end for _, end in spans if end is not None]
        if not starts or not ends:
            return None
        return max(0.0, (max(ends) - min(starts)).total_seconds())


def latest_jobs(jobs: tuple[JobFacts, ...] | list[JobFacts]) -> tuple[JobFacts, ...]:
    """Each job's newest attempt, in first-seen order."""
    newest: dict[str, JobFacts] = {}
    for job in jobs:
        if job.name not in newest or job.attempt >= newest[job.name].attempt:
            newest[job.name] = job
    return tuple(newest.values())


_OS = (("windows", "Windows"), ("macos", "macOS"), ("ubuntu", "Linux"), ("linux", "Linux"))


def runner_os(labels: tuple[str, ...]) -> str:
    """The billed OS of a job from its ``runs-on`` labels; ``self-hosted`` is not billed."""
    lowered = [label.lower() for label in labels]
    if "self-hosted" in lowered:
        return "self-hosted"
    for label in lowered:
        for prefix, name in _OS:
            if label.startswith(prefix):
                return name
    return "Linux" if not lowered else "other"


def billable_minutes(job: JobFacts) -> int:
    """GitHub bills each job's run time rounded up to a whole minute (self-hosted: 0)."""
    if job.seconds is None or runner_os(job.labels) == "self-hosted":
        return 0
    return max(1, math.ceil(job.seconds / 60)) if job.seconds > 0 else 0
