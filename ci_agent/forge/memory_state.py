"""The state an :class:`~ci_agent.forge.memory.InMemoryForge` holds, its call log, and GitHub's
answers to bad requests as the GitHub adapter reports them.

Errors are made by the adapter's own mapping (:func:`~ci_agent.forge.github_failures.coded_error`)
from the status and message GitHub sends, so code under test sees the very error it would see
on GitHub: a 422 is CA308 with ``status`` and ``detail`` in its context, a 404 is CA305, a
read-only token's 403 is CA304.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ci_agent.errors import CiAgentError
from ci_agent.forge.github_failures import coded_error
from ci_agent.retry import Failure, RetryExhausted

if TYPE_CHECKING:
    from ci_agent.forge.local import LocalRepository
    from ci_agent.forge.run_types import (
        Annotation,
        Artifact,
        CheckOutput,
        CheckRun,
        CommitStatus,
        Deployment,
        DeploymentState,
        EnvironmentProtection,
        Job,
        WorkflowRun,
    )
    from ci_agent.forge.types import (
        ChangedFile,
        Comment,
        CommentKind,
        Commit,
        Permission,
        PullRequestInfo,
        Reaction,
        RepoName,
    )

__all__ = [
    "API_URL",
    "MAX_BODY_CHARS",
    "Call",
    "CheckRecord",
    "IssueRecord",
    "MemoryPart",
    "MemoryState",
    "PullRecord",
    "ReviewRecord",
    "RunRecord",
    "github_error",
    "not_found",
]

API_URL = "https://api.github.com"
# GitHub refuses longer comment, review, issue and pull-request bodies with 422 ("body is too
# long (maximum is 65536 characters)") and stores nothing.
MAX_BODY_CHARS = 65_536
_START = datetime(2026, 1, 1, tzinfo=UTC)


def github_error(endpoint: str, status: int, detail: str) -> CiAgentError:
    """The coded error the GitHub adapter raises when GitHub answers ``status`` with ``detail``."""
    failure = Failure(status, {}, "client", detail)
    return coded_error(RetryExhausted(failure, 1, 0.0, "final answer"), endpoint, API_URL, 0.0)


def not_found(endpoint: str) -> CiAgentError:
    """GitHub's 404 for ``endpoint``, as the adapter reports it (CA305)."""
    return github_error(endpoint, 404, "Not Found")


@dataclass(frozen=True)
class Call:
    """One protocol call: the method's name, its arguments, and whether it writes."""

    method: str
    args: Mapping[str, Any]
    write: bool


@dataclass
class PullRecord:
    """A pull request and its change, as GitHub would list them."""

    info: PullRequestInfo
    files: list[ChangedFile]
    diff: str
    commits: list[Commit]


@dataclass
class ReviewRecord:
    """A submitted (or pending) review and the ids of its inline comments."""

    id: int
    number: int
    user: str
    body: str
    state: str
    commit_sha: str
    submitted_at: datetime | None
    comment_ids: tuple[int, ...] = ()


@dataclass
class IssueRecord:
    """An issue (pull requests are PullRecords sharing the number space)."""

    number: int
    title: str
    body: str
    author: str
    labels: tuple[str, ...]
    state: str = "open"
    state_reason: str | None = None
    created_at: datetime = _START
    updated_at: datetime = _START


@dataclass
class CheckRecord:
    """A check run, its latest output and every annotation sent to it (GitHub appends them)."""

    run: CheckRun
    output: CheckOutput | None = None
    annotations: list[Annotation] = field(default_factory=list)
    updates: int = 0


@dataclass
class RunRecord:
    """A workflow run, its jobs (latest attempt) and the jobs of earlier attempts."""

    run: WorkflowRun
    jobs: list[Job] = field(default_factory=list)
    earlier: list[Job] = field(default_factory=list)


@dataclass
class MemoryState:
    """Everything one in-memory repository holds; parts of the forge share one of these."""

    repo: RepoName
    bot: str
    server_url: str
    can_write: bool = True
    calls: list[Call] = field(default_factory=list)
    pulls: dict[int, PullRecord] = field(default_factory=dict)
    issues: dict[int, IssueRecord] = field(default_factory=dict)
    comments: dict[tuple[CommentKind, int], tuple[int, Comment]] = field(default_factory=dict)
    reviews: dict[int, ReviewRecord] = field(default_factory=dict)
    reactions: dict[tuple[CommentKind, int], set[tuple[str, Reaction]]] = field(
        default_factory=dict
    )
    checks: dict[int, CheckRecord] = field(default_factory=dict)
    statuses: list[tuple[str, CommitStatus]] = field(default_factory=list)
    permissions: dict[str, Permission] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)
    sources: list[LocalRepository] = field(default_factory=list)
    branches: dict[str, str] = field(default_factory=dict)
    runs: dict[int, RunRecord] = field(default_factory=dict)
    logs: dict[int, bytes] = field(default_factory=dict)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[int, tuple[Artifact, bytes]] = field(default_factory=dict)
    deployments: dict[int, Deployment] = field(default_factory=dict)
    deployment_states: dict[int, list[DeploymentState]] = field(default_factory=dict)
    environments: dict[str, EnvironmentProtection] = field(default_factory=dict)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _ticks: Iterator[int] = field(default_factory=itertools.count)

    def next_id(self) -> int:
        """A new id for a comment, review, check run, artifact... (unique in the repository)."""
        return next(self._ids)

    def next_number(self) -> int:
        """The next issue or pull-request number (they share one sequence, as on GitHub)."""
        taken = set(self.pulls) | set(self.issues)
        number = next(self._numbers)
        while number in taken:
            number = next(self._numbers)
        return number

    def now(self) -> datetime:
        """A clock that moves one second per reading, so every write has its own time."""
        return _START + timedelta(seconds=next(self._ticks))

    def url(self, tail: str) -> str:
        """The web address of ``tail`` in this repository."""
        return f"{self.server_url.rstrip('/')}/{self.repo.full_name}/{tail}"


class MemoryPart:
    """Base of the in-memory forge's parts: each serves a few protocols over one shared state."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _read(self, method: str, **args: Any) -> None:
        self._state.calls.append(Call(method, args, write=False))

    def _write(self, method: str, endpoint: str, **args: Any) -> None:
        """Log a write; a read-only token (fork pull requests) gets GitHub's 403 first."""
        self._state.calls.append(Call(method, args, write=True))
        if not self._state.can_write:
            raise github_error(endpoint, 403, "Resource not accessible by integration")

    @staticmethod
    def _check_body(endpoint: str, body: str) -> None:
        """GitHub's 422 for a body over MAX_BODY_CHARS (nothing is stored)."""
        if len(body) > MAX_BODY_CHARS:
            raise github_error(
                endpoint,
                422,
                f"Validation Failed; body is too long (maximum is {MAX_BODY_CHARS} characters)",
            )

    def _files_at(self, pull: PullRecord, sha: str) -> list[ChangedFile]:
        """The pull request's files as of its commit ``sha`` (GitHub anchors comments there)."""
        del sha  # without a repository to diff in, the current change is all there is
        return pull.files

    def _pull(self, number: int, endpoint: str) -> PullRecord:
        """Pull request ``number``, or GitHub's 404 for ``endpoint``."""
        found = self._state.pulls.get(number)
        if found is None:
            raise not_found(endpoint)
        return found
