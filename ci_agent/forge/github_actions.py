"""GitHub Actions through ghapi: workflow runs, re-runs, jobs, job logs and artifacts.

Log and artifact bytes are streamed to disk by :mod:`ci_agent.forge.github_download` (ghapi
would hold a whole download in memory).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ci_agent.forge import github_parse as parse
from ci_agent.forge.github_download import download
from ci_agent.forge.github_http import GitHubPart
from ci_agent.forge.github_reply import Reply
from ci_agent.forge.run_types import Artifact, Job, WorkflowRun

if TYPE_CHECKING:
    from ci_agent.forge.run_protocol import (
        ActionsClient,
        ArtifactStore,
        RunHistory,
        RunRerunner,
    )

__all__ = ["ActionsApi"]

JOB_LOGS = "GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs"
ARTIFACT_ZIP = "GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip"


class ActionsApi(GitHubPart):
    """WorkflowRuns, JobLogs and ArtifactStore."""

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run, latest attempt."""
        return parse.workflow_run(
            self._http.actions("actions.get_workflow_run", run_id=run_id).data
        )

    def workflow_runs(
        self, *, head_sha: str | None = None, branch: str | None = None
    ) -> Iterator[WorkflowRun]:
        """Runs, newest first, filtered by head SHA and/or branch."""
        pages = self._http.actions_pages(
            "actions.list_workflow_runs_for_repo",
            key="workflow_runs",
            head_sha=head_sha,
            branch=branch,
        )
        return (parse.workflow_run(item) for item in pages)

    def rerun_failed_jobs(self, run_id: int) -> None:
        """Re-run the failed jobs; a lost answer is checked on the run before re-sending.

        Only a completed run can be re-run, so a run that is no longer completed shows that
        the re-run was accepted.
        """

        def probe() -> Reply | None:
            run = self._http.actions("actions.get_workflow_run", run_id=run_id)
            return run if run.data.get("status") != "completed" else None

        self._http.actions("actions.re_run_workflow_failed_jobs", run_id=run_id, landed=probe)

    def rerun_workflow(self, run_id: int) -> None:
        """Re-run the whole run; a lost answer is checked on the run before re-sending.

        As for failed jobs: only a completed run can be re-run, so a run that is no longer
        completed shows that the re-run was accepted.
        """

        def probe() -> Reply | None:
            run = self._http.actions("actions.get_workflow_run", run_id=run_id)
            return run if run.data.get("status") != "completed" else None

        self._http.actions("actions.re_run_workflow", run_id=run_id, landed=probe)

    def dispatch_workflow(
        self, workflow: int | str, ref: str, inputs: Mapping[str, str] | None = None
    ) -> None:
        """Start a ``workflow_dispatch`` run of ``workflow`` (id or file name) on ``ref``.

        Never re-sent after a lost answer: nothing shows a dispatch landed until its run
        appears, which can take a while, and sending it twice starts two runs (CA306 instead).
        """
        self._http.actions(
            "actions.create_workflow_dispatch",
            workflow_id=workflow,
            ref=ref,
            inputs=dict(inputs) if inputs is not None else None,
        )

    def jobs(self, run_id: int) -> Iterator[Job]:
        """The jobs of the run's latest attempt."""
        pages = self._http.actions_pages(
            "actions.list_jobs_for_workflow_run", key="jobs", run_id=run_id, filter="latest"
        )
        return (parse.job(item) for item in pages)

    def attempt_jobs(self, run_id: int) -> Iterator[Job]:
        """The jobs of every attempt of a run, in pages of 100 (``filter=all``)."""
        pages = self._http.actions_pages(
            "actions.list_jobs_for_workflow_run", key="jobs", run_id=run_id, filter="all"
        )
        return (parse.job(item) for item in pages)

    def download_job_log(self, job_id: int, dest: Path) -> int:
        """Stream a job's log into ``dest``; return its size in bytes."""
        return download(self._http, JOB_LOGS, dest, job_id=job_id).size

    def artifacts(self, name: str | None = None) -> Iterator[Artifact]:
        """The repository's artifacts, newest first (optionally only ``name``)."""
        pages = self._http.actions_pages(
            "actions.list_artifacts_for_repo", key="artifacts", name=name
        )
        return (parse.artifact(item) for item in pages)

    def download_artifact(self, artifact: Artifact, dest: Path) -> Path:
        """Download the zip to ``dest`` (into it, as ``NAME.zip``, when it is a directory).

        A ``digest`` mismatch is CA503 and leaves nothing behind; an expired artifact CA305.
        """
        target = dest / f"{artifact.name}.zip" if dest.is_dir() else dest
        got = download(
            self._http, ARTIFACT_ZIP, target, digest=artifact.digest, artifact_id=artifact.id
        )
        return got.path

    def delete_artifact(self, artifact_id: int) -> None:
        """Delete an artifact (a retry that finds it gone counts as done)."""
        self._http.actions("actions.delete_artifact", artifact_id=artifact_id)


if TYPE_CHECKING:

    def _conforms(
        api: ActionsApi,
    ) -> tuple[ActionsClient, ArtifactStore, RunHistory, RunRerunner]:
        return api, api, api, api
