"""Git objects as the fake reads them: people (author/committer lines), commits, tree entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from .clock import iso


@dataclass(frozen=True)
class Person:
    """An author or committer line."""

    name: str
    email: str
    date: datetime

    def env(self, role: str) -> dict[str, str]:
        """``GIT_AUTHOR_*`` / ``GIT_COMMITTER_*`` for ``role``."""
        return {
            f"GIT_{role}_NAME": self.name,
            f"GIT_{role}_EMAIL": self.email,
            f"GIT_{role}_DATE": iso(self.date) or "",
        }


@dataclass(frozen=True)
class CommitInfo:
    """A parsed commit object."""

    sha: str
    tree: str
    parents: list[str]
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True)
class TreeEntry:
    """One ``git ls-tree -l`` line."""

    mode: str
    type: str
    sha: str
    size: int | None
    path: str


def parse_person(line: str) -> Person:
    """Parse ``Name <email> 1700000000 +0100`` from a commit header."""
    name_email, _, stamp = line.rpartition("> ")
    name, _, email = name_email.partition(" <")
    seconds, _, offset = stamp.partition(" ")
    sign = -1 if offset.startswith("-") else 1
    delta = timedelta(hours=int(offset[1:3] or 0), minutes=int(offset[3:5] or 0)) * sign
    moment = datetime.fromtimestamp(int(seconds), timezone(delta)).astimezone(UTC)
    return Person(name, email, moment)
