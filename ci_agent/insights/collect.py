"""Read the runs a dashboard has not counted yet: newest first, in pages of 100, down to the
last run counted (or the window's start), plus the runs that were still going last time.

Requests grow with new runs only: one page per 100 runs listed, one jobs listing per new run
(every attempt at once), at most ``logs_per_run`` logs per run, and the artifact listing down
to the oldest new run (JUnit reports only).
"""

from __future__ import annotations

import fnmatch
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ci_agent.errors import CiAgentError
from ci_agent.forge.run_protocol import ArtifactStore, RunHistory
from ci_agent.forge.run_types import Artifact, Job, WorkflowRun
from ci_agent.insights.junit_cases import read_cases
from ci_agent.insights.model import (
    CaseResult,
    JobFacts,
    RunFacts,
    Signature,
    StepFacts,
    latest_jobs,
)
from ci_agent.insights.signatures import job_signature

__all__ = ["Bounds", "Reading", "read_history"]

Progress = Callable[[str], None]


class _Forge(RunHistory, ArtifactStore, Protocol):
    """What reading needs."""


@dataclass(frozen=True)
class Bounds:
    """How much is read: the window's start, filters, logs per run, JUnit artifact names."""

    window_start: datetime
    since_id: int = 0
    pending: tuple[int, ...] = ()
    workflow: str | None = None
    branch: str | None = None
    logs_per_run: int = 2
    max_runs: int = 1000
    junit_patterns: tuple[str, ...] = ("*junit*",)
    max_junit_bytes: int = 20 << 20
    max_junit_downloads: int = 200


@dataclass(frozen=True)
class Reading:
    """The new completed runs (oldest first) and what was left for later or left out."""

    runs: tuple[RunFacts, ...]
    pending: tuple[int, ...]  # runs still going: read again next time
    newest_id: int
    listed: int
    logs_read: int = 0
    logs_skipped: int = 0  # failed jobs past logs_per_run (or with an expired log)
    junit_reports: int = 0
    junit_skipped: tuple[str, ...] = field(default=())  # artifacts too large, by name
    seen: tuple[str, ...] = ()  # the workflow names listed (filters or not)
    capped: int = 0  # new runs past max_runs: listed, not read
    junit_capped: int = 0  # report artifacts past max_junit_downloads: not downloaded


def read_history(forge: _Forge, bounds: Bounds, progress: Progress | None = None) -> Reading:
    """The runs created since the window's start and after ``bounds.since_id``."""
    say = progress or (lambda _message: None)
    fresh: list[WorkflowRun] = []
    listed, newest = 0, bounds.since_id
    seen: set[str] = set()
    capped = 0
    for run in forge.workflow_runs(branch=bounds.branch):
        created = run.created_at
        if run.id <= bounds.since_id or (created is not None and created < bounds.window_start):
            break
        if listed >= bounds.max_runs:
            # Past the cap, runs are counted a page at a time, not read one by one.
            capped += 1
            continue
        listed += 1
        newest = max(newest, run.id)
        seen.add(run.name)
        if bounds.workflow is None or run.name == bounds.workflow:
            fresh.append(run)
    for run_id in bounds.pending:
        if run_id > bounds.since_id:
            continue  # listed again above
        try:
            again = forge.workflow_run(run_id)
        except CiAgentError as exc:
            if exc.code != "CA305":  # deleted since: nothing to count
                raise
            continue
        if again.created_at is None or again.created_at >= bounds.window_start:
            fresh.append(again)
    done = [r for r in fresh if r.status == "completed"]
    pending = tuple(sorted(r.id for r in fresh if r.status != "completed"))
    say(f"{listed} run(s) listed, {len(done)} new completed, {len(pending)} still going")
    logs_read = logs_skipped = 0
    facts: list[RunFacts] = []
    tests, reports, too_large, junit_capped = _junit(forge, done, bounds)
    with tempfile.TemporaryDirectory(prefix="ci-agent-insights-") as temp:
        for run in sorted(done, key=lambda r: (r.created_at or bounds.window_start, r.id)):
            jobs = [_job(j) for j in forge.attempt_jobs(run.id)]
            signatures: list[Signature] = []
            failed = [j for j in latest_jobs(jobs) if j.failed]
            for job in failed[: bounds.logs_per_run]:
                found = job_signature(forge, job.id, job.name, Path(temp))
                if found is None:
                    logs_skipped += 1
                else:
                    signatures.append(found)
                    logs_read += 1
            logs_skipped += max(0, len(failed) - bounds.logs_per_run)
            facts.append(_facts(run, jobs, tests.get(run.id, ()), signatures, bounds))
    return Reading(
        tuple(facts),
        pending,
        newest,
        listed,
        logs_read,
        logs_skipped,
        reports,
        tuple(too_large),
        tuple(sorted(seen)),
        capped,
        junit_capped,
    )


def _job(job: Job) -> JobFacts:
    steps = tuple(
        StepFacts(
            s.name,
            s.conclusion,
            (s.completed_at - s.started_at).total_seconds()
            if s.started_at and s.completed_at
            else None,
        )
        for s in job.steps
    )
    return JobFacts(
        job.id,
        job.name,
        job.run_attempt,
        job.conclusion,
        job.created_at,
        job.started_at,
        job.completed_at,
        job.labels,
        steps,
    )


def _facts(
    run: WorkflowRun,
    jobs: Sequence[JobFacts],
    tests: Sequence[CaseResult],
    signatures: Sequence[Signature],
    bounds: Bounds,
) -> RunFacts:
    return RunFacts(
        id=run.id,
        workflow=run.name,
        path=run.path,
        branch=run.head_branch or "",
        event=run.event,
        sha=run.head_sha,
        created_at=run.created_at or bounds.window_start,
        conclusion=run.conclusion,
        attempts=run.run_attempt,
        url=run.url,
        jobs=tuple(jobs),
        tests=tuple(tests),
        signatures=tuple(signatures),
    )


def _junit(
    forge: _Forge, runs: Sequence[WorkflowRun], bounds: Bounds
) -> tuple[dict[int, tuple[CaseResult, ...]], int, list[str], int]:
    """Test cases per run from the JUnit artifacts of ``runs`` (newest listing first, down to
    the oldest of them: an artifact is made after its run starts)."""
    wanted = {r.id for r in runs}
    if not wanted or not bounds.junit_patterns:
        return {}, 0, [], 0
    oldest = min((r.created_at for r in runs if r.created_at), default=bounds.window_start)
    found: dict[int, list[CaseResult]] = {}
    reports, too_large, downloads, capped = 0, [], 0, 0
    with tempfile.TemporaryDirectory(prefix="ci-agent-insights-junit-") as temp:
        for artifact in forge.artifacts():
            if artifact.created_at is not None and artifact.created_at < oldest:
                break
            if artifact.run_id not in wanted or artifact.expired or not _matches(artifact, bounds):
                continue
            if artifact.size > bounds.max_junit_bytes:
                too_large.append(
                    f"{artifact.name} ({artifact.size:,} bytes, run {artifact.run_id})"
                )
                continue
            if downloads >= bounds.max_junit_downloads:
                capped += 1
                continue
            downloads += 1
            path = forge.download_artifact(artifact, Path(temp) / f"{artifact.id}.zip")
            try:
                cases, count = _zip_cases(path)
            finally:
                path.unlink(missing_ok=True)
            reports += count
            found.setdefault(artifact.run_id or 0, []).extend(cases)
    found_cases = {run_id: tuple(cases) for run_id, cases in found.items()}
    return found_cases, reports, too_large, capped


def _matches(artifact: Artifact, bounds: Bounds) -> bool:
    return any(fnmatch.fnmatchcase(artifact.name, p) for p in bounds.junit_patterns)


def _zip_cases(path: Path) -> tuple[list[CaseResult], int]:
    """Every case of every ``.xml`` member (members are read as streams, never extracted)."""
    cases: list[CaseResult] = []
    count = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.is_dir() or not member.filename.lower().endswith(".xml"):
                    continue
                with archive.open(member) as stream:
                    cases.extend(read_cases(stream))
                count += 1
    except zipfile.BadZipFile:
        return [], 0
    return cases, count
