"""Triage: failed jobs' logs in, one report and decision per job and one for the run out.

Logs come from local files, or from a run's failed jobs through the forge: each job's log is
streamed to a file in a temporary directory, read once, streaming, and deleted. With
``rerun``, a run whose failures are all infrastructure or flaky gets its failed jobs re-run
(see :mod:`ci_agent.triage.rerun`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ci_agent.errors import CiAgentError, fail
from ci_agent.json_form import json_meta
from ci_agent.record import Record, fill, replace
from ci_agent.triage.classify import Decision, History, Policy, combine
from ci_agent.triage.extract import extract
from ci_agent.triage.jobs import job_report, junit_report
from ci_agent.triage.known_flaky import KnownFlaky
from ci_agent.triage.model import Failure, Kind
from ci_agent.triage.report import JobReport
from ci_agent.triage.scan import DEFAULT_WINDOW
from ci_agent.triage.sources import collect, unique_paths

if TYPE_CHECKING:  # GitHub mode's modules are imported when it runs: --log starts faster
    import tempfile

    from ci_agent.forge.run_protocol import ActionsClient
    from ci_agent.forge.run_types import WorkflowRun
    from ci_agent.triage.rerun import RerunResult

__all__ = ["TriageOptions", "TriageResult", "triage_logs", "triage_run"]

Progress = Callable[[str], None]


class TriageOptions(Record):
    """How to triage: path roots, classification policy, prior outcomes, excerpt budget,
    JUnit reports, the default branch (failures there after a merge are critical), re-run cap."""

    __slots__ = FIELDS = (
        "roots",
        "policy",
        "history",
        "excerpt_tokens",
        "window",
        "junit",
        "default_branch",
        "max_reruns_per_sha",
        "known_flaky",
    )

    roots: tuple[str, ...]
    policy: Policy
    history: History
    excerpt_tokens: int
    window: int
    junit: tuple[Path, ...]
    default_branch: str | None
    max_reruns_per_sha: int
    # Tests and jobs the CI insights dashboard marks flaky (GitHub mode reads them).
    known_flaky: KnownFlaky

    def __init__(  # noqa: PLR0917  (positional, as the dataclass's were)
        self,
        roots: tuple[str, ...] = (),
        policy: Policy | None = None,
        history: History | None = None,
        excerpt_tokens: int = 1500,
        window: int = DEFAULT_WINDOW,
        junit: tuple[Path, ...] = (),
        default_branch: str | None = None,
        max_reruns_per_sha: int = 1,
        known_flaky: KnownFlaky | None = None,
    ) -> None:
        fill(
            self,
            roots,
            Policy() if policy is None else policy,
            History() if history is None else history,
            excerpt_tokens,
            window,
            junit,
            default_branch,
            max_reruns_per_sha,
            KnownFlaky() if known_flaky is None else known_flaky,
        )

    def junit_failures(self) -> list[Failure]:
        """The failed tests of every JUnit report given."""
        if not self.junit:
            return []
        from ci_agent.triage.junit import read_junit  # the XML parser loads only for reports

        return [f for path in self.junit for f in read_junit(path, self.roots)]


class TriageResult(Record):
    """Every failed job's report, the run's decision, and what was done about re-runs."""

    # The triaged run stays out of the JSON (the jobs and the decision say what it showed).
    JSON_KEYS: ClassVar = ("source", "decision", "jobs", "rerun")
    JSON_FIELDS: ClassVar = {"decision": json_meta(spread=True)}
    __slots__ = FIELDS = ("source", "jobs", "decision", "rerun", "run")

    source: dict[str, Any]
    jobs: tuple[JobReport, ...]
    decision: Decision
    rerun: RerunResult | None
    run: WorkflowRun | None  # the triaged run (GitHub mode), for what comes next

    def __init__(
        self,
        source: dict[str, Any],
        jobs: tuple[JobReport, ...],
        decision: Decision,
        rerun: RerunResult | None = None,
        run: WorkflowRun | None = None,
    ) -> None:
        fill(self, source, jobs, decision, rerun, run)


def triage_logs(paths: Sequence[Path], options: TriageOptions) -> TriageResult:
    """Triage local job logs (files or directories of them) and JUnit reports.

    CA130/CA137 for missing logs, CA133 for an empty one, CA131 for one that is not text,
    CA140 for a run-log archive that cannot be read, CA141 when every job of a run's archive
    passed (its jobs that passed are left out and named in ``source["passed_jobs"]``).
    """
    # A log given twice (by two spellings of its path) is one job, not two.
    paths = unique_paths(paths)
    junit = options.junit_failures()
    policy, history, budget = options.policy, options.history, options.excerpt_tokens
    reports: list[JobReport] = []
    passed: list[str] = []  # jobs of a run's archive that did not fail
    with _Scratch() as scratch:
        logs = collect(paths, scratch.path)
        for log in logs:
            extraction = extract(
                log.path, roots=options.roots, window=options.window, steps=log.steps
            )
            if log.archived and not extraction.errored:  # the runner marked no error: it passed
                passed.append(log.name)
                continue
            reports.append(
                job_report(
                    log.name,
                    extraction,
                    policy=policy,
                    history=history,
                    budget=budget,
                    junit=junit if not reports else (),
                    source=log.origin,
                )
            )
    if passed and not reports and not junit:
        given = ", ".join(str(p) for p in paths)
        raise fail("CA141", path=given, count=len(passed))
    if not paths or (junit and not reports):
        origin = ", ".join(str(p) for p in options.junit)
        reports.append(
            junit_report(junit, policy=policy, history=history, budget=budget, source=origin)
        )
    decision = combine([(r.job, r.decision) for r in reports])
    source: dict[str, Any] = {"kind": "logs", "paths": [str(p) for p in paths]}
    if passed:
        source["passed_jobs"] = passed
    return TriageResult(source, tuple(reports), decision)


def triage_run(
    forge: ActionsClient,
    run_id: int,
    options: TriageOptions,
    *,
    repository: str,
    rerun: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> TriageResult:
    """Triage a completed run's failed jobs; only their logs are downloaded.

    CA134 when the run does not exist, CA135 while it runs, CA136 when no job failed.
    """
    import tempfile

    from ci_agent.triage.history import prior_outcomes
    from ci_agent.triage.rerun import rerun_failed

    try:
        run = forge.workflow_run(run_id)
    except CiAgentError as exc:
        if exc.code == "CA305":
            raise fail("CA134", run=run_id, repository=repository) from None
        raise
    if run.status != "completed":
        raise fail("CA135", run=run_id, status=run.status)
    failed = [job for job in forge.jobs(run_id) if job.failed]
    if not failed:
        raise fail("CA136", run=run_id, conclusion=run.conclusion or "none")
    prior = prior_outcomes(forge, run)
    critical = bool(options.default_branch) and run.event == "push"
    critical = critical and run.head_branch == options.default_branch
    known = options.known_flaky.of_workflow(run.name)
    policy = replace(options.policy, critical=critical, known_flaky=known)
    junit = options.junit_failures()
    reports = []
    with tempfile.TemporaryDirectory(prefix="ci-agent-triage-") as temp:
        for index, job in enumerate(failed):
            path = Path(temp) / f"job-{job.id}.log"
            missing = _download(forge, job.id, path)
            if progress is not None:
                progress(f"job '{job.name}': {path.stat().st_size} bytes of log")
            extraction = extract(path, roots=options.roots, window=options.window)
            path.unlink()
            reports.append(
                job_report(
                    job.name,
                    extraction,
                    policy=policy,
                    history=prior.history,
                    budget=options.excerpt_tokens,
                    job=job,
                    junit=[*missing, *(junit if index == 0 else ())],
                )
            )
    decision, outcome = rerun_failed(
        forge,
        run,
        combine([(r.job, r.decision) for r in reports]),
        reruns_before=prior.reruns,
        cap=options.max_reruns_per_sha,
        requested=rerun,
        dry_run=dry_run,
    )
    source = {
        "kind": "run",
        "repository": repository,
        "run_id": run.id,
        "run_attempt": run.run_attempt,
        "workflow": run.name,
        "head_sha": run.head_sha,
        "head_branch": run.head_branch,
        "event": run.event,
        "url": run.url,
        "critical": critical,
    }
    return TriageResult(source, tuple(reports), decision, outcome, run)


class _Scratch:
    """A temporary directory made on first use and removed at the end: only archives,
    ``--log-failed`` files and directories of step files need one, so a plain job log is
    triaged without making one (or importing :mod:`tempfile`)."""

    def __init__(self) -> None:
        self._made: tempfile.TemporaryDirectory[str] | None = None
        self._count = 0

    def path(self) -> Path:
        """A fresh subdirectory for one source's logs (the directory made now if it is not
        yet): each archive or folder names its files from 0 without meeting another's."""
        if self._made is None:
            import tempfile

            self._made = tempfile.TemporaryDirectory(prefix="ci-agent-triage-")
        self._count += 1
        fresh = Path(self._made.name) / str(self._count)
        fresh.mkdir()
        return fresh

    def __enter__(self) -> _Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._made is not None:
            self._made.cleanup()


def _download(forge: ActionsClient, job_id: int, path: Path) -> list[Failure]:
    """Stream the job's log to ``path``; an expired or missing log (CA305) leaves an empty
    file and a failure that says so, instead of failing the whole triage."""
    try:
        forge.download_job_log(job_id, path)
    except CiAgentError as exc:
        if exc.code != "CA305":
            raise
        path.write_bytes(b"")
        return [Failure(Kind.ERROR, "github", f"the job's log is not available: {exc.message}")]
    return []
