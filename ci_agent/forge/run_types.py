"""Data of the CI side of a forge: check runs, statuses, workflow runs, jobs, artifacts,
deployments, and the kinds of records a backup archives."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeAlias

__all__ = [
    "MAX_ANNOTATIONS_PER_REQUEST",
    "Annotation",
    "AnnotationLevel",
    "ArchiveKind",
    "Artifact",
    "CheckConclusion",
    "CheckOutput",
    "CheckRun",
    "CommitState",
    "CommitStatus",
    "Deployment",
    "DeploymentState",
    "EnvironmentProtection",
    "Job",
    "Record",
    "RepoFacts",
    "Step",
    "WorkflowRun",
]

# "The Checks API limits the number of annotations to a maximum of 50 per API request."
# https://docs.github.com/en/rest/checks/runs#update-a-check-run
MAX_ANNOTATIONS_PER_REQUEST = 50

AnnotationLevel = Literal["notice", "warning", "failure"]
CheckConclusion = Literal[
    "success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"
]
CommitState = Literal["error", "failure", "pending", "success"]
DeploymentState = Literal[
    "error", "failure", "inactive", "in_progress", "queued", "pending", "success"
]
# A backup keeps GitHub's JSON as it came: a faithful copy, not our model of it.
Record: TypeAlias = dict[str, Any]


@dataclass(frozen=True)
class Annotation:
    """A check-run annotation on lines ``start_line``..``end_line`` of ``path``."""

    path: str
    start_line: int
    end_line: int
    level: AnnotationLevel
    message: str
    title: str | None = None
    raw_details: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.start_line <= self.end_line:
            raise ValueError(f"bad annotation lines {self.start_line}..{self.end_line}")


@dataclass(frozen=True)
class CheckOutput:
    """The report of a check run; any number of annotations (the forge batches them)."""

    title: str
    summary: str
    text: str = ""
    annotations: tuple[Annotation, ...] = ()


@dataclass(frozen=True)
class CheckRun:
    """A check run on a commit."""

    id: int
    name: str
    head_sha: str
    status: Literal["queued", "in_progress", "completed"]
    conclusion: CheckConclusion | None = None
    external_id: str = ""
    url: str = ""


@dataclass(frozen=True)
class CommitStatus:
    """A commit status, one per ``context``."""

    state: CommitState
    context: str
    description: str = ""
    target_url: str | None = None


@dataclass(frozen=True)
class WorkflowRun:
    """One attempt of a GitHub Actions workflow run."""

    id: int
    name: str
    workflow_id: int
    head_sha: str
    head_branch: str | None
    event: str
    status: str
    conclusion: str | None
    run_attempt: int = 1
    url: str = ""
    created_at: datetime | None = None
    pull_requests: tuple[int, ...] = ()  # empty for fork PRs: find those by head SHA
    path: str = ""  # the workflow file, e.g. .github/workflows/ci.yml
    head_repository: str | None = None  # owner/name the run's code came from (a fork's)
    updated_at: datetime | None = None
    run_started_at: datetime | None = None  # of the latest attempt


@dataclass(frozen=True)
class Step:
    """One step of a job."""

    number: int
    name: str
    status: str
    conclusion: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Job:
    """One job of a workflow run, with its steps."""

    id: int
    run_id: int
    name: str
    status: str
    conclusion: str | None
    steps: tuple[Step, ...] = ()
    started_at: datetime | None = None
    completed_at: datetime | None = None
    run_attempt: int = 1
    url: str = ""
    created_at: datetime | None = None  # queued: created_at -> started_at is the wait
    labels: tuple[str, ...] = ()  # runs-on labels (the runner's OS for hosted runners)

    @property
    def failed(self) -> bool:
        """Whether the job ended in failure or timed out."""
        return self.conclusion in ("failure", "timed_out")


@dataclass(frozen=True)
class Artifact:
    """An Actions artifact; ``digest`` is ``sha256:HEX`` when GitHub recorded one."""

    id: int
    name: str
    size: int
    digest: str | None
    created_at: datetime | None
    expired: bool = False
    run_id: int | None = None
    head_branch: str | None = None  # of the run that made it
    head_repository_id: int | None = None
    repository_id: int | None = None


@dataclass(frozen=True)
class RepoFacts:
    """A repository as GitHub describes it: id, name, default branch, whether the wiki is on."""

    id: int
    full_name: str
    default_branch: str
    has_wiki: bool = False


@dataclass(frozen=True)
class Deployment:
    """A deployment of ``sha`` to ``environment``."""

    id: int
    sha: str
    ref: str
    environment: str
    created_at: datetime
    task: str = "deploy"
    description: str = ""
    creator: str = ""


@dataclass(frozen=True)
class EnvironmentProtection:
    """A GitHub Environment's protection rules that gate a deployment job."""

    name: str
    rules: tuple[str, ...] = ()  # the rules' types as GitHub names them, e.g. wait_timer
    reviewers: int = 0  # people and teams of its required_reviewers rule
    wait_timer_minutes: int = 0

    @property
    def requires_reviewers(self) -> bool:
        """Whether a person must approve each job (a required_reviewers rule with reviewers)."""
        return "required_reviewers" in self.rules and self.reviewers > 0


class ArchiveKind(enum.Enum):
    """Repository-wide listings a backup archives, named as in the REST paths."""

    ISSUES = "issues"  # issues and pull requests, as GitHub lists them
    PULLS = "pulls"
    ISSUE_COMMENTS = "issues/comments"
    REVIEW_COMMENTS = "pulls/comments"
    RELEASES = "releases"
    LABELS = "labels"
    MILESTONES = "milestones"

    @property
    def supports_since(self) -> bool:
        """Whether GitHub filters this listing by ``since`` (others are listed whole)."""
        return self in (ArchiveKind.ISSUES, ArchiveKind.ISSUE_COMMENTS, ArchiveKind.REVIEW_COMMENTS)
