"""The one place ci-agent runs git: argument lists only (never a shell), errors coded."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from ci_agent.errors import fail

__all__ = ["Git", "repository_from_url"]

# owner/name from https://host/owner/name(.git) or git@host:owner/name(.git)
_REMOTE = re.compile(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$")


def repository_from_url(url: str) -> str | None:
    """``owner/name`` from a remote URL, or None when the URL has no such shape."""
    match = _REMOTE.search(url.strip())
    return f"{match.group(1)}/{match.group(2)}" if match else None


class Git:
    """git commands run in one working directory."""

    def __init__(self, path: Path, executable: str | None = None) -> None:
        self.path = path
        self._executable = executable

    def _git(self) -> str:
        if self._executable is None:
            found = shutil.which("git")
            if found is None:
                raise fail("CA201")
            self._executable = found
        return self._executable

    def run(self, *args: str, check: bool = True) -> str:
        """Run ``git ARGS`` and return stdout stripped; a failure is CA203."""
        try:
            proc = subprocess.run(
                [self._git(), *args],
                cwd=self.path,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        except FileNotFoundError:
            raise fail("CA201") from None
        except NotADirectoryError:
            raise fail("CA202", path=self.path) from None
        if check and proc.returncode != 0:
            problem = (proc.stderr.strip() or f"exit status {proc.returncode}").splitlines()[-1]
            raise fail("CA203", args=" ".join(args), problem=problem)
        return proc.stdout.strip()

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

    def remote_repository(self, remote: str = "origin") -> str | None:
        """``owner/name`` of a remote, if it has a GitHub-like URL."""
        url = self.run("remote", "get-url", remote, check=False)
        return repository_from_url(url) if url else None
