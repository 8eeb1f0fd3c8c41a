"""The forge interfaces of fix, backup and plan: Actions runs and logs, pushes, archives,
artifacts, deployments. See :mod:`ci_agent.forge.protocol` for the conventions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ci_agent.forge.run_types import (
    ArchiveKind,
    Artifact,
    Deployment,
    DeploymentState,
    EnvironmentProtection,
    Job,
    Record,
    RepoFacts,
    WorkflowRun,
)
from ci_agent.forge.types import PullRequestInfo

if TYPE_CHECKING:
    from ci_agent.forge.github_contents import Entry

__all__ = [
    "ActionsClient",
    "ArchiveReader",
    "ArtifactStore",
    "BackupExtras",
    "BackupProvenance",
    "DeploymentWriter",
    "Deployments",
    "EnvironmentRules",
    "JobLogs",
    "RepoWriter",
    "RunHistory",
    "RunRerunner",
    "WorkflowFiles",
    "WorkflowRuns",
]


# --- fix ---


@runtime_checkable
class WorkflowRuns(Protocol):
    """GitHub Actions workflow runs."""

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run, latest attempt."""

    def workflow_runs(
        self, *, head_sha: str | None = None, branch: str | None = None
    ) -> Iterator[WorkflowRun]:
        """Runs, newest first, filtered by head SHA and/or branch."""

    def rerun_failed_jobs(self, run_id: int) -> None:
        """Re-run the failed jobs of a run (a new attempt)."""

    def dispatch_workflow(
        self, workflow: int | str, ref: str, inputs: Mapping[str, str] | None = None
    ) -> None:
        """Start workflow ``workflow`` (id or file name) on branch ``ref`` with ``inputs``."""


@runtime_checkable
class RunRerunner(Protocol):
    """A pull request's workflow runs, and a new attempt of a whole run."""

    def workflow_runs(
        self, *, head_sha: str | None = None, branch: str | None = None
    ) -> Iterator[WorkflowRun]:
        """Runs, newest first, filtered by head SHA and/or branch."""

    def rerun_workflow(self, run_id: int) -> None:
        """Re-run every job of a completed run (a new attempt, with the run's own event)."""


@runtime_checkable
class JobLogs(Protocol):
    """Jobs of a run and their logs."""

    def jobs(self, run_id: int) -> Iterator[Job]:
        """The jobs of the run's latest attempt."""

    def download_job_log(self, job_id: int, dest: Path) -> int:
        """Stream a job's log into ``dest`` (never whole in memory); return its size."""


@runtime_checkable
class ActionsClient(WorkflowRuns, JobLogs, Protocol):
    """What fix reads and does in GitHub Actions."""


@runtime_checkable
class RepoWriter(Protocol):
    """Branches, pushes and pull requests."""

    def create_branch(self, name: str, sha: str) -> None:
        """Create branch ``name`` at ``sha``."""

    def push(self, workdir: Path, sha: str, branch: str) -> None:
        """Push commit ``sha`` of the clone at ``workdir`` to ``branch``."""

    def open_pull_request(
        self, base: str, head: str, title: str, body: str, draft: bool = False
    ) -> PullRequestInfo:
        """Open a pull request from branch ``head`` into ``base``."""

    def branch_head(self, name: str) -> str | None:
        """The SHA of ``refs/heads/NAME``, None when there is no such branch."""


# --- insights ---


@runtime_checkable
class RunHistory(Protocol):
    """A repository's Actions history: runs, every attempt's jobs, their logs."""

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run, latest attempt."""

    def workflow_runs(
        self, *, head_sha: str | None = None, branch: str | None = None
    ) -> Iterator[WorkflowRun]:
        """Runs, newest first, in pages of 100 fetched as they are read."""

    def attempt_jobs(self, run_id: int) -> Iterator[Job]:
        """The jobs of every attempt of a run (``run_attempt`` tells them apart)."""

    def download_job_log(self, job_id: int, dest: Path) -> int:
        """Stream a job's log into ``dest`` (never whole in memory); return its size."""


@runtime_checkable
class WorkflowFiles(Protocol):
    """The repository's default branch and the files on it (its workflow definitions)."""

    def repository_facts(self) -> RepoFacts:
        """The repository's id, name, default branch and wiki flag."""

    def file_at(self, path: str, ref: str | None) -> bytes | None:
        """The bytes of ``path`` at ``ref`` (None: the default branch); None when absent."""

    def directory_at(self, path: str, ref: str | None) -> tuple[Entry, ...] | None:
        """The entries of directory ``path`` at ``ref``; None when there is none."""


# --- backup ---


@runtime_checkable
class ArchiveReader(Protocol):
    """Repository-wide listings for backups, as GitHub's JSON, page by page."""

    def listing(self, kind: ArchiveKind, since: datetime | None = None) -> Iterator[Record]:
        """Every record of ``kind``; updated at or after ``since`` where GitHub supports it."""

    def reviews(self, number: int) -> Iterator[Record]:
        """The reviews of one pull request."""


@runtime_checkable
class ArtifactStore(Protocol):
    """Actions artifacts (uploads happen in the workflow, with actions/upload-artifact)."""

    def artifacts(self, name: str | None = None) -> Iterator[Artifact]:
        """The repository's artifacts, newest first, optionally only those called ``name``."""

    def download_artifact(self, artifact: Artifact, dest: Path) -> Path:
        """Download to ``dest``; a digest mismatch is CA503 and leaves nothing behind."""

    def delete_artifact(self, artifact_id: int) -> None:
        """Delete an artifact."""


@runtime_checkable
class BackupProvenance(Protocol):
    """Where a backup artifact came from: the repository, the run, the attestations."""

    def repository_facts(self) -> RepoFacts:
        """The repository's id, name, default branch and wiki flag."""

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run, latest attempt."""

    def attestations(self, sha256: str) -> list[Record]:
        """The repository's attestations of subject ``sha256:HEX`` (none: empty)."""


@runtime_checkable
class BackupExtras(Protocol):
    """What backups read besides listings and artifacts: issue events, release asset files,
    git access for pull-request refs and the wiki."""

    def issue_events(self, since: datetime | None = None) -> Iterator[Record]:
        """Issue and pull-request events, newest first, down to ``since``."""

    def download_release_asset(self, asset_id: int, dest: Path) -> tuple[int, str]:
        """A release asset's bytes into ``dest``; size and SHA-256 hex."""

    def git_access(self) -> tuple[str, str]:
        """The repository's git URL and the http.extraheader value for its host."""


# --- plan ---


@runtime_checkable
class Deployments(Protocol):
    """Deployments and their states."""

    def deployments(self, environment: str | None = None) -> Iterator[Deployment]:
        """Deployments, newest first, optionally of one environment."""

    def deployment_state(self, deployment_id: int) -> DeploymentState | None:
        """The latest state of a deployment, None when it has no status yet."""


@runtime_checkable
class EnvironmentRules(Protocol):
    """A GitHub Environment's protection rules (the plan checks its approval and wait timer)."""

    def environment_protection(self, name: str) -> EnvironmentProtection | None:
        """The environment's rules; None when the repository has no environment ``name``."""


@runtime_checkable
class DeploymentWriter(Protocol):
    """Recording deployments and their states (``ci-agent plan status``)."""

    def create_deployment(
        self, sha: str, environment: str, task: str, description: str = ""
    ) -> Deployment:
        """A deployment of ``sha`` to ``environment``."""

    def find_deployment(self, sha: str, environment: str, task: str) -> Deployment | None:
        """The newest deployment of ``sha`` with ``task`` to ``environment``, if any."""

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
