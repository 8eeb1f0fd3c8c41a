"""GitHub Actions and deployments in the in-memory forge: workflow runs, jobs and their logs,
re-runs, dispatches, artifacts (bytes held in memory, checked against their digest on
download) and deployments with their states. Tests seed them with the ``seed_*`` methods."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ci_agent.errors import fail
from ci_agent.forge.memory_state import MemoryPart, RunRecord, github_error, not_found
from ci_agent.forge.run_types import (
    Artifact,
    Deployment,
    DeploymentState,
    EnvironmentProtection,
    Job,
    WorkflowRun,
)

__all__ = ["ActionsPart"]

RUN = "GET /repos/{owner}/{repo}/actions/runs/{run_id}"
RERUN = "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs"
RERUN_ALL = "POST /repos/{owner}/{repo}/actions/runs/{run_id}/rerun"
DISPATCH = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
JOB_LOGS = "GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs"
ARTIFACT = "/repos/{owner}/{repo}/actions/artifacts/{artifact_id}"
_FAILED = ("failure", "cancelled", "timed_out")


class ActionsPart(MemoryPart):
    """WorkflowRuns, JobLogs, ArtifactStore and Deployments."""

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run, latest attempt."""
        self._read("workflow_run", run_id=run_id)
        return self._run(run_id, RUN).run

    def workflow_runs(
        self, *, head_sha: str | None = None, branch: str | None = None
    ) -> Iterator[WorkflowRun]:
        """Runs, newest first, filtered by head SHA and/or branch."""
        self._read("workflow_runs", head_sha=head_sha, branch=branch)
        found = [
            r.run
            for r in self._state.runs.values()
            if (head_sha is None or r.run.head_sha == head_sha)
            and (branch is None or r.run.head_branch == branch)
        ]
        return iter(sorted(found, key=lambda run: -run.id))

    def rerun_failed_jobs(self, run_id: int) -> None:
        """A new attempt of the run's failed jobs; GitHub's 403 for a run still going."""
        self._write("rerun_failed_jobs", RERUN, run_id=run_id)
        record, attempt = self._new_attempt(run_id, RERUN)
        record.earlier += [j for j in record.jobs if j.conclusion in _FAILED]
        record.jobs = [
            replace(j, status="queued", conclusion=None, completed_at=None, run_attempt=attempt)
            if j.conclusion in _FAILED
            else j
            for j in record.jobs
        ]

    def rerun_workflow(self, run_id: int) -> None:
        """A new attempt of every job of the run; GitHub's 403 for a run still going."""
        self._write("rerun_workflow", RERUN_ALL, run_id=run_id)
        record, attempt = self._new_attempt(run_id, RERUN_ALL)
        record.earlier += list(record.jobs)
        record.jobs = [
            replace(j, status="queued", conclusion=None, completed_at=None, run_attempt=attempt)
            for j in record.jobs
        ]

    def _new_attempt(self, run_id: int, endpoint: str) -> tuple[RunRecord, int]:
        """The run's record, queued again as its next attempt; GitHub's 403 for a run still
        going."""
        record = self._run(run_id, endpoint)
        if record.run.status != "completed":
            raise github_error(endpoint, 403, "This workflow is already running")
        attempt = record.run.run_attempt + 1
        record.run = replace(record.run, status="queued", conclusion=None, run_attempt=attempt)
        return record, attempt

    def dispatch_workflow(
        self, workflow: int | str, ref: str, inputs: Mapping[str, str] | None = None
    ) -> None:
        """Record a ``workflow_dispatch`` on branch ``ref`` (its run appears later on GitHub;
        a test adds it with :meth:`seed_run` when it needs one)."""
        self._write("dispatch_workflow", DISPATCH, workflow=workflow, ref=ref, inputs=inputs)
        if ref not in self._state.branches:
            raise github_error(DISPATCH, 422, f"No ref found for: {ref}")
        self._state.dispatches.append(
            {"workflow": workflow, "ref": ref, "inputs": dict(inputs or {})}
        )

    def jobs(self, run_id: int) -> Iterator[Job]:
        """The jobs of the run's latest attempt."""
        self._read("jobs", run_id=run_id)
        return iter(list(self._run(run_id, RUN + "/jobs").jobs))

    def attempt_jobs(self, run_id: int) -> Iterator[Job]:
        """The jobs of every attempt: earlier attempts' first, then the latest's."""
        self._read("attempt_jobs", run_id=run_id)
        record = self._run(run_id, RUN + "/jobs")
        return iter([*record.earlier, *record.jobs])

    def download_job_log(self, job_id: int, dest: Path) -> int:
        """Write the job's log to ``dest``; return its size."""
        self._read("download_job_log", job_id=job_id, dest=str(dest))
        data = self._state.logs.get(job_id)
        if data is None:
            raise not_found(JOB_LOGS)
        dest.write_bytes(data)
        return len(data)

    def artifacts(self, name: str | None = None) -> Iterator[Artifact]:
        """The repository's artifacts, newest first, optionally only those called ``name``."""
        self._read("artifacts", name=name)
        found = [a for a, _ in self._state.artifacts.values() if name is None or a.name == name]
        return iter(sorted(found, key=lambda artifact: -artifact.id))

    def download_artifact(self, artifact: Artifact, dest: Path) -> Path:
        """Write the zip to ``dest`` (as ``NAME.zip`` in it when it is a directory); a digest
        that does not match is CA503 and leaves nothing behind; an expired artifact CA305."""
        endpoint = "GET " + ARTIFACT + "/zip"
        self._read("download_artifact", artifact_id=artifact.id, dest=str(dest))
        held = self._state.artifacts.get(artifact.id)
        if held is None:
            raise not_found(endpoint)
        if held[0].expired:
            raise github_error(endpoint, 410, "Artifact has expired")
        target = dest / f"{artifact.name}.zip" if dest.is_dir() else dest
        data = held[1]
        actual = hashlib.sha256(data).hexdigest()
        if artifact.digest and artifact.digest.lower() != f"sha256:{actual}":
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
            raise fail("CA503", file=target, expected=artifact.digest[7:].lower(), actual=actual)
        target.write_bytes(data)
        return target

    def delete_artifact(self, artifact_id: int) -> None:
        """Delete an artifact."""
        self._write("delete_artifact", "DELETE " + ARTIFACT, artifact_id=artifact_id)
        if self._state.artifacts.pop(artifact_id, None) is None:
            raise not_found("DELETE " + ARTIFACT)

    def deployments(self, environment: str | None = None) -> Iterator[Deployment]:
        """Deployments, newest first, optionally of one environment."""
        self._read("deployments", environment=environment)
        found = [
            d
            for d in self._state.deployments.values()
            if environment is None or d.environment == environment
        ]
        return iter(sorted(found, key=lambda deployment: -deployment.id))

    def deployment_state(self, deployment_id: int) -> DeploymentState | None:
        """The latest state of a deployment, None when it has no status yet."""
        self._read("deployment_state", deployment_id=deployment_id)
        if deployment_id not in self._state.deployments:
            raise not_found("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses")
        states = self._state.deployment_states.get(deployment_id) or []
        return states[-1] if states else None

    def create_deployment(
        self, sha: str, environment: str, task: str, description: str = ""
    ) -> Deployment:
        """A deployment of ``sha`` (GitHub refuses a ref it does not know: 422)."""
        self._write(
            "create_deployment",
            "POST /repos/{owner}/{repo}/deployments",
            sha=sha,
            environment=environment,
            task=task,
        )
        state = self._state
        if (
            sha not in state.commits
            and sha not in state.trees
            and sha not in state.branches.values()
        ):
            raise github_error(
                "POST /repos/{owner}/{repo}/deployments", 422, f"No ref found for: {sha}"
            )
        return self.seed_deployment(sha, environment, task=task, description=description)

    def find_deployment(self, sha: str, environment: str, task: str) -> Deployment | None:
        """The newest deployment of ``sha`` with ``task`` to ``environment``, if any."""
        self._read("find_deployment", sha=sha, environment=environment, task=task)
        found = [
            d
            for d in self._state.deployments.values()
            if (d.sha, d.environment, d.task) == (sha, environment, task)
        ]
        return max(found, key=lambda d: d.id, default=None)

    def set_deployment_state(
        self,
        deployment_id: int,
        state: DeploymentState,
        *,
        description: str = "",
        environment_url: str = "",
        log_url: str = "",
    ) -> None:
        """Add a status to a deployment."""
        endpoint = "POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses"
        self._write("set_deployment_state", endpoint, deployment_id=deployment_id, state=state)
        if deployment_id not in self._state.deployments:
            raise not_found(endpoint)
        self._state.deployment_states.setdefault(deployment_id, []).append(state)

    def environment_protection(self, name: str) -> EnvironmentProtection | None:
        """The environment's protection rules; None when it does not exist."""
        self._read("environment_protection", name=name)
        return self._state.environments.get(name)

    # --- seeding (not forge protocols; nothing is logged) ---

    def seed_environment(self, protection: EnvironmentProtection) -> EnvironmentProtection:
        """A GitHub Environment with these protection rules."""
        self._state.environments[protection.name] = protection
        return protection

    def seed_run(self, run: WorkflowRun, jobs: Sequence[tuple[Job, bytes]] = ()) -> WorkflowRun:
        """A workflow run (``run.id`` 0 takes a new id) with its jobs and their logs."""
        run_id = run.id or self._state.next_id()
        run = replace(run, id=run_id, url=run.url or self._state.url(f"actions/runs/{run_id}"))
        record = RunRecord(run)
        for job, log in jobs:
            job_id = job.id or self._state.next_id()
            record.jobs.append(replace(job, id=job_id, run_id=run_id))
            self._state.logs[job_id] = log
        self._state.runs[run_id] = record
        return run

    def seed_artifact(
        self, name: str, data: bytes, *, run_id: int | None = None, artifact_id: int = 0
    ) -> Artifact:
        """An artifact holding ``data`` (a zip as uploaded), with GitHub's digest of it."""
        artifact_id = artifact_id or self._state.next_id()
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        made = Artifact(artifact_id, name, len(data), digest, self._state.now(), False, run_id)
        self._state.artifacts[artifact_id] = (made, data)
        return made

    def seed_deployment(
        self, sha: str, environment: str, states: Sequence[DeploymentState] = (), **info: str
    ) -> Deployment:
        """A deployment of ``sha`` to ``environment`` with its states, oldest first."""
        deployment_id = self._state.next_id()
        made = Deployment(
            deployment_id,
            sha,
            info.get("ref", sha),
            environment,
            self._state.now(),
            info.get("task", "deploy"),
            info.get("description", ""),
            info.get("creator", self._state.bot),
        )
        self._state.deployments[deployment_id] = made
        self._state.deployment_states[deployment_id] = list(states)
        return made

    def _run(self, run_id: int, endpoint: str) -> RunRecord:
        found = self._state.runs.get(run_id)
        if found is None:
            raise not_found(endpoint)
        return found
