"""The forge interfaces of reading and review, and what each capability needs of a forge.

A forge object is bound to one repository (``owner/name``) and one API base URL; methods
take pull-request numbers, SHAs and ids, never a repository. Listings that can be large are
iterators that fetch page by page. Failures are coded errors (``CA2xx`` locally, ``CA3xx`` for
GitHub) raised after the shared retry policy gave up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from ci_agent.forge.run_protocol import (
    ActionsClient,
    ArchiveReader,
    ArtifactStore,
    Deployments,
    RepoWriter,
    RunHistory,
    WorkflowFiles,
)
from ci_agent.forge.run_types import CheckConclusion, CheckOutput, CheckRun, CommitStatus
from ci_agent.forge.types import (
    ChangedFile,
    Comment,
    CommentKind,
    Commit,
    InlineComment,
    IssueInfo,
    Permission,
    PullRequestInfo,
    Reaction,
    ReviewEvent,
    ReviewResult,
)

__all__ = [
    "BackupForge",
    "ChangeSource",
    "CheckReporter",
    "CommentStore",
    "CommitRange",
    "ContentReader",
    "FixForge",
    "GitData",
    "InsightsForge",
    "IssueEditor",
    "IssueForge",
    "IssueTracker",
    "Permissions",
    "PlanForge",
    "PullRequestFinder",
    "PullRequestReader",
    "Reactions",
    "ReviewForge",
    "ReviewWriter",
    "StatusReporter",
]

# --- reading a change (the local-git forge implements these too) ---


@runtime_checkable
class PullRequestReader(Protocol):
    """A pull request: metadata, changed files, unified diff, commits."""

    def pull_request(self, number: int) -> PullRequestInfo:
        """The pull request's metadata."""

    def changed_files(self, number: int) -> Iterator[ChangedFile]:
        """The files the pull request changes (merge base to head)."""

    def diff(self, number: int) -> str:
        """The whole change as one unified diff (merge base to head)."""

    def commits(self, number: int) -> Iterator[Commit]:
        """The pull request's commits, oldest first."""


@runtime_checkable
class ContentReader(Protocol):
    """Files of the repository at a ref."""

    def file_contents(self, path: str, ref: str) -> bytes:
        """The bytes of ``path`` at ``ref``; a missing file is a coded error."""


@runtime_checkable
class ChangeSource(PullRequestReader, ContentReader, Protocol):
    """Everything an engine reads about a change; GitHub and the local-git forge both fit."""


@runtime_checkable
class PullRequestFinder(Protocol):
    """Pull requests by commit (``workflow_run.pull_requests`` is empty for forks)."""

    def pull_requests_for(self, head_sha: str) -> Iterator[PullRequestInfo]:
        """Open pull requests whose head is ``head_sha``."""


# --- review: writing ---


@runtime_checkable
class ReviewWriter(Protocol):
    """Reviews with inline comments."""

    def create_review(
        self,
        number: int,
        commit_sha: str,
        body: str,
        comments: Sequence[InlineComment],
        event: ReviewEvent = "COMMENT",
    ) -> ReviewResult:
        """Post one review with all ``comments`` in a single request."""

    def create_review_comment(
        self, number: int, commit_sha: str, comment: InlineComment
    ) -> Comment:
        """Post one inline comment outside a review."""


@runtime_checkable
class CommentStore(Protocol):
    """Issue and review comments of a pull request."""

    def comments(self, number: int, kind: CommentKind) -> Iterator[Comment]:
        """The pull request's comments of ``kind``, oldest first."""

    def create_comment(self, number: int, body: str) -> Comment:
        """Post an issue comment in the pull request's conversation."""

    def update_comment(self, kind: CommentKind, comment_id: int, body: str) -> Comment:
        """Replace a comment's body."""

    def delete_comment(self, kind: CommentKind, comment_id: int) -> None:
        """Delete a comment."""


@runtime_checkable
class Reactions(Protocol):
    """Reactions on comments (e.g. ``eyes`` to acknowledge a command)."""

    def add_reaction(self, kind: CommentKind, comment_id: int, reaction: Reaction) -> None:
        """React to a comment; reacting twice is not an error."""


@runtime_checkable
class CheckReporter(Protocol):
    """Check runs with annotations."""

    def start_check_run(self, name: str, head_sha: str, external_id: str = "") -> CheckRun:
        """Create a check run in progress."""

    def complete_check_run(
        self, check_run_id: int, conclusion: CheckConclusion, output: CheckOutput
    ) -> CheckRun:
        """Finish a check run; annotations go in batches of MAX_ANNOTATIONS_PER_REQUEST."""

    def check_runs(self, head_sha: str, name: str | None = None) -> Iterator[CheckRun]:
        """Check runs on ``head_sha``, optionally only those called ``name``."""


@runtime_checkable
class StatusReporter(Protocol):
    """Commit statuses."""

    def set_status(self, sha: str, status: CommitStatus) -> None:
        """Set the status of ``status.context`` on ``sha``."""


@runtime_checkable
class Permissions(Protocol):
    """Collaborator permissions."""

    def permission(self, username: str) -> Permission:
        """``username``'s permission on the repository (NONE for strangers)."""


# --- fix: commit ranges, issues, commits through the API ---


@runtime_checkable
class CommitRange(Protocol):
    """The commits between two commits."""

    def newest_commits(self, base: str, head: str, limit: int) -> tuple[list[Commit], int]:
        """The newest ``limit`` commits in ``head`` and not in ``base``, oldest first, and
        how many there are in all."""


@runtime_checkable
class IssueTracker(Protocol):
    """Issues ci-agent opens, updates and closes (failures on the default branch)."""

    def open_issues(self, label: str) -> Iterator[IssueInfo]:
        """Open issues (pull requests left out) carrying ``label``, newest first."""

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        """Open an issue; a lost answer is checked by the body's markers before re-posting."""

    def close_issue(self, number: int) -> IssueInfo:
        """Close issue ``number`` as completed."""


@runtime_checkable
class IssueEditor(Protocol):
    """Editing an issue ci-agent keeps in place (a dashboard)."""

    def edit_issue(self, number: int, body: str) -> IssueInfo:
        """Replace the body of issue ``number``."""


@runtime_checkable
class GitData(Protocol):
    """Commits made through the API, without a clone of the code."""

    def commit_files(
        self, base_sha: str, files: Mapping[str, bytes], message: str, author: str
    ) -> str:
        """Create a commit on ``base_sha`` replacing ``files``; return its SHA."""

    def advance_branch(self, branch: str, sha: str, expected: str) -> None:
        """Move ``branch`` from ``expected`` to ``sha``, fast-forward only (CA531 if it moved)."""

    def symlinked(self, ref: str, paths: Sequence[str]) -> dict[str, str]:
        """Path → the part of it (a parent folder or the file itself) that is a symbolic link
        in the tree of commit ``ref``, for the paths that cross one."""


# --- what each capability needs ---


@runtime_checkable
class ReviewForge(
    ChangeSource,
    ReviewWriter,
    CommentStore,
    Reactions,
    CheckReporter,
    StatusReporter,
    Permissions,
    Protocol,
):
    """Review: read the change, post a review, comments, checks and statuses."""


@runtime_checkable
class FixForge(
    ChangeSource,
    PullRequestFinder,
    ActionsClient,
    RepoWriter,
    GitData,
    ReviewWriter,
    CommentStore,
    Reactions,
    Permissions,
    ArtifactStore,
    CommitRange,
    IssueTracker,
    Protocol,
):
    """Fix: read failed runs and their logs, re-run, push a fix, open a pull request, and
    keep an issue about a failing default branch."""


@runtime_checkable
class IssueForge(IssueTracker, CommentStore, Protocol):
    """An issue ci-agent keeps up to date: the issue and its comments."""


@runtime_checkable
class BackupForge(ArchiveReader, ArtifactStore, PullRequestReader, Protocol):
    """Backup: archive the metadata, store and prune the artifacts."""


@runtime_checkable
class InsightsForge(RunHistory, ArtifactStore, WorkflowFiles, IssueTracker, IssueEditor, Protocol):
    """Insights: read the Actions history, test reports and workflow files; keep the
    dashboard issue."""


@runtime_checkable
class PlanForge(ChangeSource, Deployments, Protocol):
    """Plan: read the change and what is deployed where."""
