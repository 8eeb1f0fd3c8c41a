"""A builder for real git repositories in temporary directories (paths and contents as bytes)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ci_agent.forge.local import LocalRepository

IDENTITY = ("-c", "user.name=Test Author", "-c", "user.email=author@example.com")


class Repo:
    """A repository on disk, driven by the real git; paths may be bytes (non-UTF-8 names)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str | bytes, stdin: bytes | None = None) -> bytes:
        """Run git; fail the test if it fails; return stdout bytes."""
        proc = subprocess.run(
            ["git", *IDENTITY, *args],
            cwd=self.path,
            input=stdin,
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert proc.returncode == 0, f"git {args!r} failed: {proc.stderr!r}"
        return proc.stdout

    def text(self, *args: str | bytes) -> str:
        """git's stdout as stripped text."""
        return self.git(*args).decode().strip()

    def _file(self, name: str | bytes) -> bytes:
        return os.path.join(os.fsencode(self.path), os.fsencode(name))

    def write(self, name: str | bytes, data: str | bytes, *, mode: int | None = None) -> None:
        """Write a file (creating directories) and stage it."""
        target = self._file(name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(target, mode)
        self.git("--literal-pathspecs", "add", "--", name)

    def symlink(self, name: str, target: str) -> None:
        """Create a symbolic link and stage it."""
        if os.path.lexists(self._file(name)):
            os.remove(self._file(name))
        os.symlink(target, self._file(name))
        self.git("--literal-pathspecs", "add", "--", name)

    def remove(self, name: str | bytes) -> None:
        """Delete a file from the index and the work tree."""
        self.git("--literal-pathspecs", "rm", "-q", "--", name)

    def move(self, old: str | bytes, new: str | bytes) -> None:
        """Rename a file (creating the new directory)."""
        os.makedirs(os.path.dirname(self._file(new)), exist_ok=True)
        self.git("--literal-pathspecs", "mv", "--", old, new)

    def commit(self, message: str | bytes = "change", *config: str) -> str:
        """Commit what is staged (empty commits allowed); return the SHA."""
        extra = [arg for item in config for arg in ("-c", item)]
        msg = message if isinstance(message, bytes) else message.encode()
        self.git(*extra, "commit", "-q", "--allow-empty", "-F", "-", stdin=msg)
        return self.text("rev-parse", "HEAD")

    def diff(self, *args: str) -> bytes:
        """What `git diff -M -C ARGS` prints, path quoting off as the forge has it."""
        return self.git("-c", "core.quotepath=false", "diff", "-M", "-C", *args)

    def open(self) -> LocalRepository:
        """The repository as the local forge opens it."""
        return LocalRepository.open(self.path)


@pytest.fixture
def new_repo(tmp_path: Path) -> Callable[..., Repo]:
    """Make an empty repository (branch main) under the test's temporary directory."""

    def make(name: str = "repo", *args: str) -> Repo:
        path = tmp_path / name
        path.mkdir()
        repo = Repo(path)
        repo.git("init", "-q", "-b", "main", *args)
        return repo

    return make


@pytest.fixture
def repo(new_repo: Callable[..., Repo]) -> Repo:
    """An empty repository."""
    return new_repo()
