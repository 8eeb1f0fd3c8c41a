"""Which Actions artifacts count as backups: only those made by this repository's backup
workflow, never whatever is named ``ci-agent-backup-*``.

Any workflow run can upload an artifact of any name, a fork's pull-request run included. An
artifact counts only when its run is the backup workflow (by path or id), was started by
``schedule`` or ``workflow_dispatch``, on the default branch, with this repository as head
repository; and the time in its name lies between the run's start and the artifact's upload.
Once downloaded, its manifest must name this repository and a ``created_at`` in that window.
Every artifact left out is reported with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ci_agent.backup.manifest import Manifest
from ci_agent.backup.naming import format_time, parse_time
from ci_agent.forge.run_types import Artifact, RepoFacts, WorkflowRun

__all__ = [
    "DEFAULT_WORKFLOW",
    "BackupOrigin",
    "Ignored",
    "Provenance",
    "RunReader",
    "workflow_from_env",
]

DEFAULT_WORKFLOW = ".github/workflows/ci-agent-backup.yml"
EVENTS = frozenset({"schedule", "workflow_dispatch"})
# Clocks of the runner and of GitHub's API differ by seconds; a backup is named when the
# create step starts, minutes after the run did, and uploaded after it is written.
_SKEW = timedelta(minutes=5)


class RunReader(Protocol):
    """Workflow runs by id."""

    def workflow_run(self, run_id: int) -> WorkflowRun:
        """One run, latest attempt."""


@dataclass(frozen=True)
class BackupOrigin:
    """This repository and its backup workflow: what a genuine backup artifact comes from."""

    facts: RepoFacts
    workflow: str  # a path (.github/workflows/x.yml) or a workflow id


@dataclass(frozen=True)
class Ignored:
    """An artifact that does not count, and why."""

    name: str
    reason: str


def workflow_from_env(configured: str | None, environ: Mapping[str, str], repository: str) -> str:
    """``backup.workflow`` if set; else, in Actions, the running workflow's path (prune and
    restore tests run in the backup workflow); else :data:`DEFAULT_WORKFLOW`."""
    if configured:
        return configured
    ref = environ.get("GITHUB_WORKFLOW_REF", "")
    prefix = repository.lower() + "/"
    if ref.lower().startswith(prefix) and "@" in ref:
        return ref[len(prefix) :].rsplit("@", 1)[0]
    return DEFAULT_WORKFLOW


@dataclass
class Provenance:
    """Judges artifacts against :class:`BackupOrigin`, reading each run once."""

    runs: RunReader
    origin: BackupOrigin
    _seen: dict[int, WorkflowRun] = field(default_factory=dict)

    def run(self, artifact: Artifact) -> WorkflowRun | None:
        """The run that made ``artifact`` (None when GitHub names none)."""
        if artifact.run_id is None:
            return None
        if artifact.run_id not in self._seen:
            self._seen[artifact.run_id] = self.runs.workflow_run(artifact.run_id)
        return self._seen[artifact.run_id]

    def problem(self, artifact: Artifact, named_at: datetime | None) -> str | None:
        """Why ``artifact`` is not a backup of this repository's backup workflow (None: it
        is); ``named_at`` is the time its name carries."""
        facts = self.origin.facts
        if artifact.repository_id is not None and artifact.repository_id != facts.id:
            return "it belongs to another repository"
        if artifact.head_repository_id is not None and artifact.head_repository_id != facts.id:
            return "it was made by a run on another repository's code (a fork)"
        run = self.run(artifact)
        if run is None:
            return "GitHub names no workflow run that made it"
        workflow = self.origin.workflow
        if workflow not in (run.path, str(run.workflow_id)):
            return f"it was made by the workflow {run.path or run.workflow_id}, not {workflow}"
        if run.event not in EVENTS:
            return f"it was made by a '{run.event}' run, not a scheduled or dispatched one"
        if (run.head_repository or facts.full_name).lower() != facts.full_name.lower():
            return f"its run built {run.head_repository}, not {facts.full_name}"
        branch = run.head_branch or artifact.head_branch
        if branch != facts.default_branch:
            return f"it was made on the branch {branch}, not {facts.default_branch}"
        if named_at is not None:
            return self._window(run, artifact, named_at, "its name says")
        return None

    def _window(
        self, run: WorkflowRun, artifact: Artifact, moment: datetime, what: str
    ) -> str | None:
        start = run.created_at - _SKEW if run.created_at else None
        end = artifact.created_at + _SKEW if artifact.created_at else None
        if (start and moment < start) or (end and moment > end):
            started = format_time(run.created_at) if run.created_at else "?"
            uploaded = format_time(artifact.created_at) if artifact.created_at else "?"
            return (
                f"{what} {format_time(moment)}, but its run started at {started} and it was "
                f"uploaded at {uploaded}"
            )
        return None

    def manifest_problem(self, artifact: Artifact, manifest: Manifest) -> str | None:
        """Why the downloaded manifest does not agree with the artifact's run (None: it does)."""
        facts = self.origin.facts
        if manifest.repository.lower() != facts.full_name.lower():
            return f"its manifest is of {manifest.repository}"
        if manifest.name != artifact.name:
            return f"its manifest names {manifest.name}"
        run = self.run(artifact)
        if run is None:  # pragma: no cover - problem() refused it before
            return "GitHub names no workflow run that made it"
        try:
            created = parse_time(manifest.created_at)
        except ValueError:
            return f"its manifest's created_at {manifest.created_at!r} is not a time"
        return self._window(run, artifact, created, "its manifest's created_at is")
