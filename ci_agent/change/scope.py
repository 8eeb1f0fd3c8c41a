"""What a landed change may touch: the files the pull request changes and the files the
failed jobs name, reached by their own path (no symbolic link in the head commit on the way).

The privileged job checks both before it reads any file content: GitHub's contents API
follows a symbolic link, so a path through one would be checked against other bytes than
it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ci_agent.errors import fail

__all__ = [
    "LinkReader",
    "Scope",
    "check_scope",
    "check_symlinks",
    "failure_paths",
    "linked_part",
]


class LinkReader(Protocol):
    """Reads where a path crosses a symbolic link in a commit's tree."""

    def symlinked(self, ref: str, paths: Sequence[str]) -> dict[str, str]:
        """Path → its part that is a symbolic link at ``ref``, for the paths crossing one."""


@dataclass(frozen=True)
class Scope:
    """The files a change may touch, and why each one is in."""

    pull_request: frozenset[str]
    failure: frozenset[str]

    def why(self, path: str) -> str | None:
        """Why ``path`` is in scope, or None when it is not."""
        if path in self.pull_request:
            return "the pull request changes it"
        if path in self.failure:
            return "the failed jobs name it"
        return None


def failure_paths(locations: Iterable[str], test_ids: Iterable[str]) -> frozenset[str]:
    """Repository paths of ``path:line`` locations and ``path::test`` ids."""
    paths = {
        loc.rpartition(":")[0] if loc.rpartition(":")[2].isdigit() else loc for loc in locations
    }
    paths |= {test.split("::", 1)[0] for test in test_ids}
    return frozenset(p for p in paths if p and not p.startswith("/"))


def check_scope(paths: Sequence[str], scope: Scope) -> None:
    """CA540 naming every path outside ``scope``."""
    outside = [p for p in paths if scope.why(p) is None]
    if outside:
        raise fail("CA540", paths=", ".join(outside))


def check_symlinks(reader: LinkReader, ref: str, paths: Sequence[str]) -> None:
    """CA541 when a path, or a folder on its way, is a symbolic link at ``ref``."""
    linked = reader.symlinked(ref, paths)
    for path in paths:
        if path in linked:
            raise fail("CA541", path=path, link=linked[path])


def linked_part(root: Path, path: str) -> str | None:
    """The part of ``path`` (a folder on its way, or the file) that is a symbolic link in the
    work tree at ``root``, or None: the same rule as landing's, for the compute step."""
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        if root.joinpath(*parts[:depth]).is_symlink():
            return "/".join(parts[:depth])
    return None
