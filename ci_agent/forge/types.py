"""Data of the review side of a forge: repositories, pull requests, files, commits, comments.

Every text that comes from git (paths, patches, messages) is ``str`` decoded from UTF-8 with
``surrogateescape``: bytes that are not UTF-8 survive as lone surrogates, so
``text.encode("utf-8", "surrogateescape")`` gives back git's exact bytes. Code that sends
such text over the network must encode it with an error handler of its own choosing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "ChangedFile",
    "Comment",
    "CommentKind",
    "Commit",
    "FileStatus",
    "InlineComment",
    "IssueInfo",
    "Permission",
    "PullRequestInfo",
    "Reaction",
    "RepoName",
    "ReviewEvent",
    "ReviewResult",
    "Side",
]

Side = Literal["LEFT", "RIGHT"]
# No "APPROVE": ci-agent comments or asks for changes; approving is a person's decision.
ReviewEvent = Literal["COMMENT", "REQUEST_CHANGES"]
# https://docs.github.com/en/rest/reactions/reactions#about-reactions
Reaction = Literal["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]


@dataclass(frozen=True)
class RepoName:
    """A repository as ``owner/name``."""

    owner: str
    name: str

    def __post_init__(self) -> None:
        for part in (self.owner, self.name):
            if not part or "/" in part or part.strip() != part:
                raise ValueError(f"not a repository owner/name: {self.owner!r}/{self.name!r}")

    @classmethod
    def parse(cls, text: str) -> RepoName:
        """``RepoName`` from ``"owner/name"``; ValueError for anything else."""
        owner, sep, name = text.partition("/")
        if not sep:
            raise ValueError(f"not a repository owner/name: {text!r}")
        return cls(owner, name)

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return self.full_name


class Permission(enum.Enum):
    """A collaborator's permission on a repository, weakest first."""

    NONE = "none"
    READ = "read"
    TRIAGE = "triage"
    WRITE = "write"
    MAINTAIN = "maintain"
    ADMIN = "admin"

    def at_least(self, other: Permission) -> bool:
        """Whether this permission includes ``other`` (``maintain`` includes ``write``)."""
        order = list(Permission)
        return order.index(self) >= order.index(other)


class FileStatus(enum.Enum):
    """How a file changed; values are GitHub's words, :meth:`from_git` maps git's letters."""

    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"
    RENAMED = "renamed"
    COPIED = "copied"
    TYPE_CHANGED = "changed"  # git's T: file <-> symlink <-> submodule, or mode only on GitHub

    @classmethod
    def from_git(cls, letter: str) -> FileStatus:
        """The status for a ``git diff --raw`` letter (A, M, D, R, C, T; scores ignored)."""
        try:
            return _GIT_LETTERS[letter[:1]]
        except KeyError:
            raise ValueError(f"unexpected git diff status {letter!r}") from None


_GIT_LETTERS = {
    "A": FileStatus.ADDED,
    "M": FileStatus.MODIFIED,
    "D": FileStatus.REMOVED,
    "R": FileStatus.RENAMED,
    "C": FileStatus.COPIED,
    "T": FileStatus.TYPE_CHANGED,
}


@dataclass(frozen=True)
class ChangedFile:
    """One file of a change.

    ``patch`` holds the hunks (from the first ``@@``, no file headers, no final newline):
    ``""`` when the content did not change (pure rename, mode change, empty new file) and
    None when there is no text diff (binary, or too large for the forge to show).
    """

    path: str
    status: FileStatus
    additions: int = 0
    deletions: int = 0
    patch: str | None = ""
    previous_path: str | None = None
    binary: bool = False


@dataclass(frozen=True)
class Commit:
    """One commit; ``author_login`` is the forge account, None when unknown (local runs)."""

    sha: str
    message: str
    author_name: str
    author_email: str
    authored_at: datetime
    committer_name: str = ""
    committer_email: str = ""
    committed_at: datetime | None = None
    parents: tuple[str, ...] = ()
    author_login: str | None = None

    @property
    def title(self) -> str:
        """The first line of the message."""
        return self.message.split("\n", 1)[0]


@dataclass(frozen=True)
class PullRequestInfo:
    """What a capability needs to know about a pull request."""

    number: int
    title: str
    body: str
    author: str
    author_association: str
    draft: bool
    state: Literal["open", "closed"]
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    head_repo: str  # owner/name of the head branch's repository
    is_fork: bool
    labels: tuple[str, ...] = ()
    url: str = ""
    author_type: str = "User"  # GitHub's user type: User, Bot or Organization


@dataclass(frozen=True)
class InlineComment:
    """A review comment anchored on a line (or lines ``start_line``..``line``) of the diff."""

    path: str
    line: int
    body: str
    side: Side = "RIGHT"
    start_line: int | None = None
    start_side: Side | None = None

    def __post_init__(self) -> None:
        if self.line < 1:
            raise ValueError(f"line must be >= 1, not {self.line}")
        if self.start_line is None:
            if self.start_side is not None:
                raise ValueError("start_side needs start_line")
        elif not 1 <= self.start_line < self.line:
            raise ValueError(f"start_line {self.start_line} must lie before line {self.line}")


@dataclass(frozen=True)
class ReviewResult:
    """A posted review and the ids of its inline comments, in the order given.

    ``rejected`` holds the comments the forge could not anchor (GitHub's 422); they are not
    in the review, so the caller can carry them in its summary instead.
    """

    id: int
    comment_ids: tuple[int, ...] = ()
    url: str = ""
    rejected: tuple[InlineComment, ...] = ()


class CommentKind(enum.Enum):
    """Issue comments live in the conversation; review comments sit on diff lines."""

    ISSUE = "issue"
    REVIEW = "review"


@dataclass(frozen=True)
class Comment:
    """An issue or review comment; ``path``/``line`` only for review comments."""

    id: int
    kind: CommentKind
    body: str
    author: str
    created_at: datetime
    updated_at: datetime
    url: str = ""
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class IssueInfo:
    """An issue (never a pull request): what ci-agent needs to find and update its own."""

    number: int
    title: str
    body: str
    author: str
    state: str
    url: str = ""
