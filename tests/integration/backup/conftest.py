"""Fixtures for backup tests: a repository with every kind of ref, the CLI with the backup
group, and the fake GitHub with a local clone of ``acme/widgets``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ci_agent.backup.naming import VERIFIED_SUFFIX, BackupName, format_time
from ci_agent.cli import COMMANDS
from tests.conftest import CliResult, RunCli, git
from tests.fakes.github_server import FakeGitHub
from tests.integration.forge_github.conftest import (
    TOKEN,
    FakeClock,
    MakeForge,
    Rig,
    fake_github,
    make_forge,
)

__all__ = [
    "BACKUP_WORKFLOW",
    "TOKEN",
    "FakeClock",
    "GitHubSetup",
    "Rig",
    "fake_github",
    "history",
    "make_forge",
    "refs_of",
    "run_backup",
    "upload_backup",
]

BACKUP_WORKFLOW = ".github/workflows/ci-agent-backup.yml"

RunBackup = Callable[..., CliResult]


@pytest.fixture
def run_backup(run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> RunBackup:
    """``ci-agent backup ARGS`` through the real entry point, with the backup group wired in."""
    monkeypatch.setitem(
        COMMANDS, "backup", ("ci_agent.commands.backup:backup", COMMANDS["backup"][1])
    )
    return lambda *args: run_cli("backup", *args)


def commit(repo: Path, name: str, text: str, message: str) -> str:
    """Write a file and commit it; the new SHA."""
    (repo / name).write_text(text, encoding="utf-8")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """Branches, lightweight and annotated tags, notes, a remote-tracking symref."""
    repo = tmp_path / "history"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    first = commit(repo, "a.txt", "one\n", "first")
    git(repo, "tag", "light")
    commit(repo, "a.txt", "two\n", "second")
    git(repo, "tag", "-a", "v1.0", "-m", "release one")
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, "b.txt", "feature\n", "feature work")
    git(repo, "checkout", "-q", "main")
    git(repo, "branch", "old", first)
    git(repo, "notes", "add", "-m", "reviewed", "HEAD")
    git(repo, "tag", "-a", "tree-tag", "-m", "a tag on a tree", "HEAD^{tree}")
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    return repo


def refs_of(repo: Path) -> str:
    """``git for-each-ref`` with symbolic targets, and HEAD."""
    refs = git(repo, "for-each-ref", "--format=%(objectname) %(objecttype) %(refname) %(symref)")
    head = git(repo, "symbolic-ref", "-q", "HEAD")
    return f"{refs}\nHEAD -> {head}"


@dataclass
class GitHubSetup:
    """The seeded fake GitHub, a forge on it, a local clone, and the CLI environment."""

    rig: Rig
    clone: Path
    env: dict[str, str]

    @property
    def fake(self) -> FakeGitHub:
        """The fake server."""
        return self.rig.fake


@pytest.fixture
def github(make_forge: MakeForge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitHubSetup:
    """``acme/widgets`` on the fake, cloned to ``tmp_path/clone``; the CLI talks to the fake."""
    rig = make_forge()
    rig.fake.clock.set("2030-01-01T00:00:00Z")
    # The world's pull requests were made in the same second; in a real repository the newest
    # one stands alone (an incremental run re-reads the reviews of the newest-updated PRs).
    rig.world.repo.add_issue_comment(rig.world.pr, "bumped")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", str(rig.world.repo.git.path), str(clone)], check=True, timeout=60
    )
    env = {
        "GITHUB_API_URL": rig.fake.base_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/widgets",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return GitHubSetup(rig, clone, env)


def upload_backup(
    fake: FakeGitHub,
    name: str,
    data: bytes,
    *,
    event: str = "schedule",
    workflow: str = BACKUP_WORKFLOW,
    branch: str | None = None,
    head_repo: Any = None,
    at: str | None = None,
) -> Any:
    """What the backup workflow does: a run starts (at the time in the backup's name, or
    ``at``), writes the archive and uploads it a minute later as an artifact named after it."""
    repo = fake.repo("acme/widgets")
    parsed = BackupName.parse(name.removesuffix(VERIFIED_SUFFIX))
    when = at or (format_time(parsed.created_at) if parsed else None)
    if when is not None:
        fake.clock.set(when)
    run = repo.add_workflow_run(
        name="ci-agent backup",
        path=workflow,
        event=event,
        head_branch=branch,
        head_repo=head_repo,
    )
    fake.clock.advance(60)
    return repo.add_artifact(name, run=run, data=data)
