"""Fixtures: a pull request of a real local git repository seeded into an in-memory forge, and
Settings, a terminal and metrics as the CLI builds them, to run pipelines without HTTP."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ci_agent.config import CliOverrides, Settings, load_settings
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.types import PullRequestInfo
from ci_agent.llm.provider import LLMProvider
from ci_agent.metrics import Metrics
from ci_agent.redact import Redactor
from ci_agent.review.engine import ReviewEngine, build_engines
from ci_agent.review.github_run import GitHubReview, review_pull_request
from ci_agent.terminal import Terminal
from tests.conftest import git

__all__ = [
    "BASE_FILES",
    "FEATURE_FILES",
    "REPO",
    "Project",
    "commit_files",
    "project",
    "use_provider",
]

REPO = "acme/widgets"
# app/util.py: line 1 is an unused import that predates the pull request (outside every hunk).
UTIL_BASE = (
    "import sys\n\n\ndef greet(name):\n    return 'hello ' + name\n\n\n"
    "def half(x):\n    return x / 2\n"
)
UTIL = UTIL_BASE.replace("x / 2", "x // 2") + "\n\ndef parse(text):\n    return eval(text)\n"
RUNNER = (
    "import os\n"  # 1: F401, on an added line
    "import subprocess\n\n\n"
    "def run(cmd):\n"
    "    return subprocess.call(cmd, shell=True)\n"  # 6: S602
)
BASE_FILES: dict[str, str | bytes] = {
    "README.md": "# widgets\n",
    "app/__init__.py": "",
    "app/util.py": UTIL_BASE,
}
FEATURE_FILES: dict[str, str | bytes] = {
    "app/runner.py": RUNNER,
    "app/util.py": UTIL,
    "assets/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01",
}


def commit_files(repo: Path, files: Mapping[str, str | bytes], message: str) -> str:
    """Write ``files`` in the work tree, commit them all, return the new commit's SHA."""
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@dataclass
class Project:
    """A local repository with ``main`` and ``feature``, its pull request in a forge, and an
    empty workspace (so file contents come from the forge, as in a job without a checkout)."""

    repo: Path
    workspace: Path
    forge: InMemoryForge
    pull: PullRequestInfo
    environ: dict[str, str] = field(default_factory=dict)
    output: io.StringIO = field(default_factory=io.StringIO)

    def settings(self, *, dry_run: bool | None = None) -> Settings:
        """Settings as the CLI resolves them from this environment and the workspace."""
        return load_settings(CliOverrides(dry_run=dry_run), self.environ, self.workspace)

    def config(self, text: str) -> None:
        """Write ``.github/ci-agent.yml`` in the workspace."""
        path = self.workspace / ".github" / "ci-agent.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def review(self, *, dry_run: bool | None = None) -> GitHubReview:
        """Review the pull request as ``ci-agent review --pr`` does, on the in-memory forge."""
        settings = self.settings(dry_run=dry_run)
        term = Terminal(self.output, self.output, redact=Redactor(settings.secrets()), color=False)
        return review_pull_request(
            self.forge, self.pull.number, settings, Metrics(), term, repository=REPO
        )


def use_provider(monkeypatch: pytest.MonkeyPatch, provider: LLMProvider) -> None:
    """Make the review's engines the static one plus the LLM engine on ``provider`` (the
    engines the settings would build, with this provider instead of a configured one)."""
    from ci_agent.review import github_run
    from ci_agent.review.llm_engine import LLMEngine

    def build(settings: Settings, **kwargs: Any) -> tuple[list[ReviewEngine], str]:
        engines, _ = build_engines(settings, **kwargs)
        engines.append(
            LLMEngine(
                provider,
                kwargs["renderer"],
                kwargs["pull_request"],
                prompt=settings.config.review.prompt,
                max_concurrency=settings.config.llm.max_concurrency,
                repository_url=kwargs.get("repository_url"),
            )
        )
        return engines, f"{provider.profile.provider} model {provider.profile.model}"

    monkeypatch.setattr(github_run, "build_engines", build)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """``acme/widgets`` with one open pull request from ``feature``, by alice."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit_files(repo, BASE_FILES, "Initial")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_files(repo, FEATURE_FILES, "Add a runner")
    forge = InMemoryForge(REPO)
    pull = forge.seed_pull_from_git(repo, "main", "feature", title="Add a runner", author="alice")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    environ = {"GITHUB_REPOSITORY": REPO}
    return Project(repo, workspace, forge, pull, environ)
