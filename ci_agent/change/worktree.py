"""A scratch ``git worktree`` of one commit in a temporary directory, always removed after."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ci_agent.git import Git

__all__ = ["reset_worktree", "scratch_worktree", "worktree_diff"]


@contextmanager
def scratch_worktree(git: Git, sha: str) -> Iterator[Path]:
    """Check out ``sha`` detached in a temp dir; yield its path; remove it even on error."""
    if not sha or sha.startswith("-"):
        raise ValueError(f"not a commit: {sha!r}")
    parent = Path(tempfile.mkdtemp(prefix="ci-agent-fix-"))
    path = parent / "worktree"
    try:
        git.run("worktree", "add", "--detach", "--quiet", str(path), f"{sha}^{{commit}}")
        yield path
    finally:
        git.run("worktree", "remove", "--force", str(path), check=False)
        shutil.rmtree(parent, ignore_errors=True)
        git.run("worktree", "prune", check=False)


def reset_worktree(path: Path) -> None:
    """Drop every change in the scratch worktree (tracked and untracked) back to its commit."""
    tree = Git(path)
    tree.run("reset", "--hard", "--quiet")
    tree.run("clean", "-fdq")


def worktree_diff(path: Path, added: Iterable[str] = ()) -> str:
    """The unified diff of the changes to tracked files and of the files named in ``added``
    (the ones the edits created); test runs' caches and other untracked files stay out."""
    tree = Git(path)
    if new := sorted(added):
        # Intent-to-add makes git diff show the new files without staging their content.
        tree.run("add", "--intent-to-add", "--", *new)
    raw = tree.run_bytes("diff", "--no-color", "--no-ext-diff", "--binary")
    return raw.decode("utf-8", errors="replace")
