"""Stored Actions and release objects: workflow runs, jobs with steps and logs, artifacts,
releases and their assets."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Step:
    """One step of a job; ``log`` holds its output lines (without timestamps)."""

    name: str
    number: int
    status: str = "completed"
    conclusion: str | None = "success"
    started_at: datetime | None = None
    completed_at: datetime | None = None
    log: list[str] = field(default_factory=list)


@dataclass
class Job:
    """A job of a workflow run; ``log`` is the full log text with timestamps."""

    id: int
    node_id: str
    run_id: int
    name: str
    head_sha: str
    created_at: datetime
    started_at: datetime
    status: str = "completed"
    conclusion: str | None = "success"
    completed_at: datetime | None = None
    steps: list[Step] = field(default_factory=list)
    labels: list[str] = field(default_factory=lambda: ["ubuntu-latest"])
    runner_id: int | None = 1
    runner_name: str | None = "GitHub Actions 1"
    run_attempt: int = 1
    log: str = ""


@dataclass
class WorkflowRun:
    """A workflow run (jobs are stored in the repository, by id)."""

    id: int
    node_id: str
    name: str
    path: str
    workflow_id: int
    head_sha: str
    head_branch: str | None
    head_repo: str
    event: str
    run_number: int
    actor: str
    created_at: datetime
    updated_at: datetime
    check_suite_id: int
    status: str = "completed"
    conclusion: str | None = "success"
    run_attempt: int = 1
    display_title: str = ""
    job_ids: list[int] = field(default_factory=list)


@dataclass
class Artifact:
    """An Actions artifact: ``data`` is the zip GitHub would serve."""

    id: int
    node_id: str
    name: str
    run_id: int | None
    data: bytes
    digest: str
    created_at: datetime
    expires_at: datetime
    expired: bool = False


@dataclass
class ReleaseAsset:
    """Release asset metadata (and its bytes, for downloads)."""

    id: int
    node_id: str
    name: str
    uploader: str
    created_at: datetime
    updated_at: datetime
    content_type: str = "application/octet-stream"
    size: int = 0
    download_count: int = 0
    label: str | None = None
    digest: str | None = None
    data: bytes = b""


@dataclass
class Release:
    """A release."""

    id: int
    node_id: str
    tag_name: str
    target_commitish: str
    author: str
    created_at: datetime
    name: str | None = None
    body: str | None = None
    draft: bool = False
    prerelease: bool = False
    published_at: datetime | None = None
    assets: list[ReleaseAsset] = field(default_factory=list)
