"""Fixtures: a clone of the fake's ``acme/widgets`` and a forge that pushes to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from ci_agent.git import Git
from tests.fakes.github_server import FakeGitHub
from tests.integration.forge_github.conftest import (
    TOKEN,
    MakeForge,
    Rig,
    fake_github,
    fake_openai,
    make_forge,
    rig,
)
from tests.support import git

__all__ = ["TOKEN", "Clone", "clone", "fake_github", "fake_openai", "make_forge", "rig"]


@dataclass(frozen=True)
class Clone:
    """A clone of the fake's repository and a forge whose pushes go to that repository."""

    path: Path
    git: Git
    rig: Rig


@pytest.fixture
def clone(make_forge: MakeForge, fake_github: FakeGitHub, tmp_path: Path) -> Clone:
    """``acme/widgets`` cloned from the fake's bare repository (all branches fetched)."""
    rig = make_forge(git_remote=fake_github.repo("acme/widgets").git.path.as_uri())
    origin = rig.fake.repo("acme/widgets").git.path
    path = tmp_path / "clone"
    git(tmp_path, "clone", "-q", origin.as_uri(), str(path))
    return Clone(path, Git(path), rig)
