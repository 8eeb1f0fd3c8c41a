"""Actions data of a repository: workflow runs, jobs with steps and timestamped logs, run log
archives, re-runs (recorded) and artifacts (zips with a SHA-256 ``digest``)."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .clock import log_stamp
from .errors import not_found
from .records_actions import Artifact, Job, Step, WorkflowRun

if TYPE_CHECKING:
    from .git_backend import GitRepo
    from .state import RepoState, Store

_STAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z ")
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def stamp_lines(lines: list[str], start: datetime, step_ms: int = 37) -> list[str]:
    """Prefix each line with an Actions timestamp (lines already stamped are kept)."""
    out = []
    for index, line in enumerate(lines):
        if _STAMPED.match(line):
            out.append(line)
        else:
            out.append(f"{log_stamp(start + timedelta(milliseconds=index * step_ms))} {line}")
    return out


def zip_files(files: dict[str, str | bytes]) -> bytes:
    """A zip archive of ``files`` (name → content)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class ActionsMixin:
    """Workflow-run operations on ``RepoState``."""

    if TYPE_CHECKING:
        store: Store
        git: GitRepo

        @property
        def full_name(self) -> str: ...

        default_branch: str

        def suite_for(self, sha: str) -> int: ...
        def branch_sha(self, branch: str) -> str | None: ...

    def init_actions(self) -> None:
        """Set up storage."""
        self.runs: dict[int, WorkflowRun] = {}
        self.jobs: dict[int, Job] = {}
        self.artifacts: dict[int, Artifact] = {}
        self.workflows: dict[str, int] = {}  # path → workflow id
        self.reruns: list[dict[str, Any]] = []  # what re-run requests asked for, in order
        # workflow_dispatch requests: ``workflow`` (id or file name as sent), ``ref``, ``inputs``
        self.dispatches: list[dict[str, Any]] = []

    def add_workflow_run(
        self,
        *,
        name: str = "CI",
        head_sha: str | None = None,
        head_branch: str | None = None,
        event: str = "push",
        status: str = "completed",
        conclusion: str | None = "success",
        jobs: list[dict[str, Any]] | tuple[()] = (),
        path: str | None = None,
        actor: str = "octocat",
        head_repo: RepoState | None = None,
        display_title: str | None = None,
    ) -> WorkflowRun:
        """A workflow run with ``jobs``: dicts of ``name``, ``conclusion``, ``status``,
        ``steps`` (dicts of ``name``, ``conclusion``, ``log``) and/or a whole ``log``."""
        branch = head_branch or self.default_branch
        sha = head_sha or (head_repo.branch_sha(branch) if head_repo else self.branch_sha(branch))
        assert sha, f"no commit for branch {branch!r}"
        if head_repo is not None and head_repo is not self:  # a fork's commit: GitHub has it too
            self.git.fetch(head_repo.git.path, f"{sha}:refs/fake/run-heads/{sha}")
        workflow_path = path or f".github/workflows/{name.lower().replace(' ', '-')}.yml"
        workflow_id = self.workflows.setdefault(workflow_path, self.store.next_id("workflow"))
        self.store.add_user(actor)
        now = self.store.clock.now()
        run_id = self.store.next_id("run")
        number = sum(1 for r in self.runs.values() if r.workflow_id == workflow_id) + 1
        run = WorkflowRun(
            run_id,
            self.store.node_id("WFR", run_id),
            name,
            workflow_path,
            workflow_id,
            sha,
            branch,
            (head_repo or self).full_name,
            event,
            number,
            actor,
            now,
            now,
            self.suite_for(sha),
            status=status,
            conclusion=conclusion if status == "completed" else None,
            display_title=display_title or name,
        )
        self.runs[run_id] = run
        for spec in jobs:
            self.add_job(run, **spec)
        return run

    def add_job(
        self,
        run: WorkflowRun,
        name: str,
        *,
        conclusion: str | None = "success",
        status: str = "completed",
        steps: list[dict[str, Any]] | tuple[()] = (),
        log: str | None = None,
        labels: list[str] | None = None,
        queued_seconds: float = 0,
        attempt: int | None = None,
    ) -> Job:
        """Add a job to ``run``; its log is built from the steps unless ``log`` is given.

        ``queued_seconds`` is the wait between the job's creation (now) and its start; a step
        spec's ``seconds`` its duration (2 by default; when any step gives one, the job ends
        with its last step, else a minute after it started). ``attempt`` defaults to the run's.
        """
        created = self.store.clock.now()
        start = created + timedelta(seconds=queued_seconds)
        timed = any("seconds" in spec for spec in steps)
        job_id = self.store.next_id("check_run")  # a job is a check run: same id space
        job = Job(
            job_id,
            self.store.node_id("CR", job_id),
            run.id,
            name,
            run.head_sha,
            created,
            start,
            status=status,
            conclusion=conclusion if status == "completed" else None,
            completed_at=start + timedelta(minutes=1) if status == "completed" else None,
            run_attempt=attempt or run.run_attempt,
        )
        if labels is not None:
            job.labels = labels
        clock = start
        for number, spec in enumerate([{"name": "Set up job"}, *steps], start=1):
            lines = str(spec.get("log", "")).splitlines()
            seconds = float(spec.get("seconds", 2))
            step = Step(
                str(spec["name"]),
                number,
                str(spec.get("status", "completed")),
                spec.get("conclusion", "success"),
                clock,
                clock + timedelta(seconds=seconds),
                lines,
            )
            job.steps.append(step)
            clock += timedelta(seconds=seconds)
        if timed and status == "completed":
            job.completed_at = clock
        job.log = self._job_log(job, log)
        self.jobs[job_id] = job
        run.job_ids.append(job_id)
        return job

    def add_attempt(
        self, run: WorkflowRun, jobs: list[dict[str, Any]], conclusion: str | None = "success"
    ) -> list[Job]:
        """A further attempt of ``run`` (a re-run that finished): ``jobs`` as for
        :meth:`add_workflow_run`; jobs of earlier attempts stay listed under ``filter=all``."""
        run.run_attempt += 1
        run.conclusion, run.updated_at = conclusion, self.store.clock.now()
        return [self.add_job(run, **spec) for spec in jobs]

    def attempt_jobs(self, run: WorkflowRun, latest: bool) -> list[Job]:
        """The run's jobs: every attempt's, or (``latest``) each job's newest attempt."""
        jobs = [self.jobs[j] for j in run.job_ids]
        if not latest:
            return jobs
        newest: dict[str, Job] = {}
        for job in jobs:
            if job.name not in newest or job.run_attempt >= newest[job.name].run_attempt:
                newest[job.name] = job
        return [j for j in jobs if newest[j.name] is j]

    def _job_log(self, job: Job, log: str | None) -> str:
        if log is not None:
            return "\n".join(stamp_lines(log.splitlines(), job.started_at)) + "\n"
        lines: list[str] = []
        for step in job.steps:
            assert step.started_at is not None
            body = [f"##[group]Run {step.name}", "##[endgroup]", *step.log]
            if step.conclusion == "failure" and not any("##[error]" in x for x in step.log):
                body.append("##[error]Process completed with exit code 1.")
            lines += stamp_lines(body, step.started_at)
        return "\n".join(lines) + "\n"

    def step_log(self, job: Job, step: Step) -> str:
        """One step's part of the job log (as the run-logs archive holds it)."""
        assert step.started_at is not None
        body = [f"##[group]Run {step.name}", "##[endgroup]", *step.log]
        if step.conclusion == "failure" and not any("##[error]" in x for x in step.log):
            body.append("##[error]Process completed with exit code 1.")  # as in the job's log
        return "\n".join(stamp_lines(body, step.started_at)) + "\n"

    def run_logs_zip(self, run: WorkflowRun) -> bytes:
        """The run-logs archive: ``N_job.txt`` per job and ``job/N_step.txt`` per step."""
        files: dict[str, str | bytes] = {}
        for index, job_id in enumerate(run.job_ids):
            job = self.jobs[job_id]
            safe = _UNSAFE.sub("", job.name)
            files[f"{index}_{safe}.txt"] = job.log
            for step in job.steps:
                files[f"{safe}/{step.number}_{_UNSAFE.sub('', step.name)}.txt"] = self.step_log(
                    job, step
                )
        return zip_files(files)

    def run(self, run_id: int) -> WorkflowRun:
        """Workflow run ``run_id`` (404 if unknown)."""
        run = self.runs.get(run_id)
        if run is None:
            raise not_found()
        return run

    def job(self, job_id: int) -> Job:
        """Job ``job_id`` (404 if unknown)."""
        job = self.jobs.get(job_id)
        if job is None:
            raise not_found()
        return job

    def rerun(self, run: WorkflowRun, *, failed_only: bool, debug: bool = False) -> None:
        """Record a re-run request and queue the run again, as GitHub does."""
        again = [self.jobs[j] for j in run.job_ids]
        if failed_only:
            again = [j for j in again if j.conclusion in ("failure", "cancelled", "timed_out")]
        self.reruns.append(
            {
                "run_id": run.id,
                "failed_only": failed_only,
                "debug": debug,
                "job_ids": [j.id for j in again],
            }
        )
        run.run_attempt += 1
        run.status, run.conclusion, run.updated_at = "queued", None, self.store.clock.now()
        for job in again:
            job.status, job.conclusion, job.completed_at = "queued", None, None
            job.run_attempt = run.run_attempt

    def add_artifact(
        self,
        name: str,
        *,
        run: WorkflowRun | None = None,
        files: dict[str, str | bytes] | None = None,
        data: bytes | None = None,
        expired: bool = False,
        retention_days: int = 90,
    ) -> Artifact:
        """An artifact holding ``files`` (zipped here) or the zip ``data`` as is."""
        payload = data if data is not None else zip_files(files or {})
        now = self.store.clock.now()
        artifact_id = self.store.next_id("artifact")
        artifact = Artifact(
            artifact_id,
            self.store.node_id("MA", artifact_id),
            name,
            run.id if run else None,
            payload,
            "sha256:" + hashlib.sha256(payload).hexdigest(),
            now,
            now + timedelta(days=retention_days),
            expired,
        )
        self.artifacts[artifact_id] = artifact
        return artifact

    def artifact(self, artifact_id: int) -> Artifact:
        """Artifact ``artifact_id`` (404 if unknown)."""
        artifact = self.artifacts.get(artifact_id)
        if artifact is None:
            raise not_found()
        return artifact

    def artifact_expired(self, artifact: Artifact) -> bool:
        """Expired by flag or by the clock passing ``expires_at``."""
        return artifact.expired or self.store.clock.now() >= artifact.expires_at
