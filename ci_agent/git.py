"""The one place ci-agent runs git: argument lists only (never a shell), errors coded."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ci_agent.errors import fail

__all__ = ["Git", "repository_from_url"]

# owner/name from https://host/owner/name(.git) or git@host:owner/name(.git)
# A network remote: scheme://[user@]host[:port]/…/owner/name or user@host:owner/name.
# Local paths and file:// URLs name no GitHub repository.
_NETWORK = re.compile(r"^(?:(?:https?|ssh|git)://[^/]+/|[\w.-]+@[\w.-]+:)")
_REMOTE = re.compile(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$")


def repository_from_url(url: str) -> str | None:
    """``owner/name`` from a remote URL, or None when the URL has no such shape."""
    url = url.strip()
    match = _REMOTE.search(url) if _NETWORK.match(url) else None
    return f"{match.group(1)}/{match.group(2)}" if match else None


class Git:
    """git commands run in one working directory."""

    def __init__(self, path: Path, executable: str | None = None) -> None:
        self.path = path
        self._executable = executable

    def at(self, path: Path) -> Git:
        """The same git executable, run in ``path``."""
        return Git(path, self._executable)

    def _git(self) -> str:
        if self._executable is None:
            found = shutil.which("git")
            if found is None:
                raise fail("CA201")
            self._executable = found
        return self._executable

    def executable(self) -> str:
        """The git program this runs (CA201 when git is not installed)."""
        return self._git()

    def run(self, *args: str, check: bool = True, env: Mapping[str, str] | None = None) -> str:
        """Run ``git ARGS`` and return stdout stripped; a failure is CA203.

        ``env`` adds to (or overrides) the inherited environment for this one command.
        """
        out = self._exec(args, check, env)
        return out.decode("utf-8", errors="replace").strip()

    def run_bytes(
        self, *args: str, check: bool = True, env: Mapping[str, str] | None = None
    ) -> bytes:
        """Run ``git ARGS`` and return stdout exactly as git wrote it; a failure is CA203.

        For ``-z`` outputs, diffs and blobs: nothing is decoded or stripped.
        """
        return self._exec(args, check, env)

    def feed(self, *args: str, stdin: bytes) -> bytes:
        """Run ``git ARGS`` with ``stdin`` as its input (``cat-file --batch`` reads its
        requests there); stdout as git wrote it; a failure is CA203."""
        return self._exec(args, True, None, stdin)

    def _exec(
        self,
        args: tuple[str, ...],
        check: bool,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> bytes:
        executable = self._git()
        merged = {**os.environ, **env} if env else None  # None: inherit unchanged
        try:
            proc = subprocess.run(
                [executable, *args],
                cwd=self.path,
                capture_output=True,
                check=False,
                env=merged,
                input=stdin,
            )
        except FileNotFoundError:
            # subprocess raises the same error for a missing working directory.
            if not self.path.is_dir():
                raise fail("CA202", path=self.path) from None
            raise fail("CA201") from None
        except NotADirectoryError:
            raise fail("CA202", path=self.path) from None
        if check and proc.returncode != 0:
            raise fail("CA203", args=" ".join(args), problem=_problem(proc))
        return proc.stdout

    def version(self) -> str:
        """The installed git version, e.g. ``2.39.5``."""
        return self.run("--version").removeprefix("git version ").split()[0]

    def is_repository(self) -> bool:
        """Whether ``path`` lies inside a git work tree."""
        if not self.path.is_dir():
            return False
        return self.run("rev-parse", "--is-inside-work-tree", check=False) == "true"

    def head(self) -> str | None:
        """The commit SHA of HEAD, or None in an empty repository."""
        sha = self.run("rev-parse", "--verify", "--quiet", "HEAD", check=False)
        return sha or None

    def branch(self) -> str | None:
        """The current branch name, or None on a detached HEAD."""
        name = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return name or None

    def is_shallow(self) -> bool:
        """Whether the clone has truncated history."""
        return self.run("rev-parse", "--is-shallow-repository") == "true"

    def state(self) -> tuple[str | None, str | None, bool] | None:
        """HEAD's SHA, the branch and whether the clone is shallow, in one git run (``doctor``
        starts faster); None outside a work tree."""
        if self.path.is_dir():
            args = ("--is-inside-work-tree", "--is-shallow-repository", "--abbrev-ref", "HEAD")
            lines = self.run("rev-parse", *args, "HEAD", check=False).splitlines()
            if (
                len(lines) == 4
                and lines[0] == "true"
                and re.fullmatch(r"[0-9a-f]{40,64}", lines[3])
            ):
                _, shallow, branch, sha = lines
                return sha, None if branch == "HEAD" else branch, shallow == "true"
        # Outside a work tree, or no commit yet (rev-parse refuses HEAD): one question at a time.
        if not self.is_repository():
            return None
        return self.head(), self.branch(), self.is_shallow()

    def remote_repository(self, remote: str = "origin") -> str | None:
        """``owner/name`` of a remote, if it has a GitHub-like URL."""
        url = self.run("remote", "get-url", remote, check=False)
        return repository_from_url(url) if url else None


def _problem(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The line of git's stderr that says what failed (hints may follow it)."""
    lines = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
    if not lines:
        return f"exit status {proc.returncode}"
    return next((x for x in reversed(lines) if x.startswith(("fatal:", "error:"))), lines[-1])
