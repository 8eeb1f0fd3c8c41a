"""What the fake stores: one dataclass per GitHub object (rendered to JSON by ``shapes*``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PERMISSIONS = ("admin", "maintain", "write", "triage", "read", "none")
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")


@dataclass
class User:
    """A user or bot account (bots: login ends with ``[bot]``, type ``Bot``)."""

    login: str
    id: int
    node_id: str
    type: str = "User"
    site_admin: bool = False
    name: str | None = None
    email: str | None = None


@dataclass
class Label:
    """A repository label."""

    id: int
    node_id: str
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Milestone:
    """A repository milestone."""

    id: int
    node_id: str
    number: int
    title: str
    creator: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    state: str = "open"
    closed_at: datetime | None = None
    due_on: datetime | None = None


@dataclass
class PullInfo:
    """The pull-request half of an issue that is a PR."""

    id: int
    node_id: str
    head_repo: str  # full name; differs from the base repository for fork PRs
    head_ref: str
    base_ref: str
    head_sha: str
    base_sha: str
    draft: bool = False
    merged: bool = False
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    maintainer_can_modify: bool = False
    requested_reviewers: list[str] = field(default_factory=list)


@dataclass
class Issue:
    """An issue, or a PR's issue part (``pull`` set)."""

    id: int
    node_id: str
    number: int
    title: str
    user: str
    created_at: datetime
    updated_at: datetime
    body: str | None = None
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: int | None = None
    locked: bool = False
    closed_at: datetime | None = None
    closed_by: str | None = None
    pull: PullInfo | None = None


@dataclass
class IssueComment:
    """A comment on an issue or on a PR's conversation."""

    id: int
    node_id: str
    issue_number: int
    user: str
    body: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Reaction:
    """A reaction; ``subject`` is ``("issue_comment" | "issue" | "review_comment", id)``."""

    id: int
    node_id: str
    subject: tuple[str, int]
    user: str
    content: str
    created_at: datetime


@dataclass
class Review:
    """A pull-request review."""

    id: int
    node_id: str
    pull_number: int
    user: str
    body: str
    state: str
    commit_id: str
    submitted_at: datetime | None


@dataclass
class ReviewComment:
    """An inline comment on a PR's diff (anchored by line/side or by position)."""

    id: int
    node_id: str
    pull_number: int
    review_id: int | None
    user: str
    body: str
    path: str
    commit_id: str
    diff_hunk: str
    created_at: datetime
    updated_at: datetime
    line: int | None = None
    side: str | None = "RIGHT"
    start_line: int | None = None
    start_side: str | None = None
    position: int | None = None
    in_reply_to_id: int | None = None
    subject_type: str = "line"


@dataclass
class CheckRun:
    """A check run with its accumulated annotations."""

    id: int
    node_id: str
    name: str
    head_sha: str
    check_suite_id: int
    status: str = "queued"
    conclusion: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    details_url: str | None = None
    external_id: str | None = None
    title: str | None = None
    summary: str | None = None
    text: str | None = None
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CommitStatus:
    """A commit status (``context`` keyed)."""

    id: int
    node_id: str
    sha: str
    state: str
    context: str
    creator: str
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    target_url: str | None = None


@dataclass
class Deployment:
    """A deployment."""

    id: int
    node_id: str
    sha: str
    ref: str
    task: str
    environment: str
    creator: str
    created_at: datetime
    updated_at: datetime
    payload: Any = field(default_factory=dict)
    description: str | None = None
    transient_environment: bool = False
    production_environment: bool = True


@dataclass
class DeploymentStatus:
    """A deployment's status."""

    id: int
    node_id: str
    deployment_id: int
    state: str
    creator: str
    created_at: datetime
    updated_at: datetime
    environment: str = ""
    description: str = ""
    target_url: str = ""
    log_url: str = ""
    environment_url: str = ""
