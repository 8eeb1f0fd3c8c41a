"""Fixtures for GitHub-mode review: the fake GitHub seeded with a pull request, Settings built the
way the CLI builds them, a forge on a clock that never sleeps, and the fake OpenAI server."""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ci_agent.compose import llm_setup
from ci_agent.config import CliOverrides, Settings, load_settings
from ci_agent.forge.github import GitHubForge
from ci_agent.metrics import Metrics
from ci_agent.redact import Redactor
from ci_agent.review.github_run import GitHubReview, review_pull_request
from ci_agent.terminal import Terminal
from tests.fakes.github_server import FakeGitHub, RepoState
from tests.fakes.github_server.fixtures import fake_github
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_server.fixture import fake_openai
from tests.support import FakeClock

__all__ = [
    "BOT",
    "OPENAI_KEY",
    "REPO",
    "TOKEN",
    "FakeClock",
    "Harness",
    "fake_github",
    "fake_openai",
    "harness",
    "model_answer",
    "writes",
]

# Distinctive credentials: a leak into a posted body or a prompt is easy to find.
TOKEN = "ghs_REVIEWtoken0123456789abcdefSECRET"
OPENAI_KEY = "sk-REVIEWopenai0123456789abcdefSECRET"
REPO = "acme/widgets"
# The login GitHub gives GITHUB_TOKEN: only comments by `[bot]` authors count as ci-agent's.
BOT = "github-actions[bot]"

# app/util.py: line 1 is an unused import that predates the pull request (outside every hunk).
UTIL_BASE = (
    "import sys\n"  # 1
    "\n"
    "\n"
    "def greet(name):\n"  # 4
    '    return "hello " + name\n'  # 5: never changed
    "\n"
    "\n"
    "def twice(x):\n"  # 8
    "    return x * 2\n"
    "\n"
    "\n"
    "def half(x):\n"  # 12
    "    return x / 2\n"  # 13: changed
    "\n"
    "\n"
    "def square(x):\n"  # 16
    "    return x * x\n"  # 17: replaced by 17-18
)
UTIL = (
    UTIL_BASE.replace("x / 2", "x // 2").replace(
        "    return x * x\n", "    total = x * x\n    return total\n"
    )
    + "\n\ndef parse(text):\n    return eval(text)\n"  # 21-22: S307 on line 22
)
BASE_FILES: dict[str, str | bytes | None] = {
    "README.md": "# widgets\n",
    "app/__init__.py": "",
    "app/util.py": UTIL_BASE,
}
RUNNER = (
    "import os\n"  # 1: F401, on an added line
    "import subprocess\n"
    "\n"
    "\n"
    "def run(cmd):\n"
    "    return subprocess.call(cmd, shell=True)\n"  # 6: S602
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
FEATURE_FILES: dict[str, str | bytes | None] = {
    "app/runner.py": RUNNER,
    "app/util.py": UTIL,
    "poetry.lock": '[[package]]\nname = "requests"\nversion = "2.32.3"\n',
    "assets/logo.png": PNG,
}
CHANGED_PATHS = sorted(FEATURE_FILES)


def writes(fake: FakeGitHub) -> int:
    """Requests that change something on the fake (POST, PATCH, PUT, DELETE; no GraphQL query)."""
    return len(fake.requests.writes())


def model_answer(
    findings: list[dict[str, Any]] | None = None,
    files: list[dict[str, str]] | None = None,
    risk: str = "low",
) -> str:
    """A review answer as the model sends it (JSON text)."""
    return json.dumps({"findings": findings or [], "files": files or [], "risk": risk})


@dataclass
class Harness:
    """A seeded fake GitHub with one open pull request, and the means to review it."""

    fake: FakeGitHub
    repo: RepoState
    workspace: Path
    number: int
    environ: dict[str, str]
    clocks: list[FakeClock] = field(default_factory=list)
    forges: list[GitHubForge] = field(default_factory=list)
    last_metrics: Metrics | None = None

    @property
    def head(self) -> str:
        """The pull request's head SHA now."""
        sha = self.repo.branch_sha("feature")
        assert sha is not None
        return sha

    def use_llm(self, openai: FakeOpenAI) -> None:
        """Configure the OpenAI provider on the fake OpenAI server."""
        self.environ.update(
            OPENAI_API_KEY=OPENAI_KEY,
            OPENAI_BASE_URL=openai.base_url,
            CI_AGENT_MODEL="gpt-4.1-mini",
        )

    def config(self, text: str) -> None:
        """Write ``.github/ci-agent.yml`` in the workspace."""
        path = self.workspace / ".github" / "ci-agent.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def settings(self, *, dry_run: bool | None = None, **environ: str) -> Settings:
        """Settings as the CLI resolves them, from this environment and the workspace."""
        env = {**self.environ, **environ}
        return load_settings(CliOverrides(dry_run=dry_run), env, self.workspace)

    def forge(self, settings: Settings | None = None) -> GitHubForge:
        """A forge on the fake whose clock never sleeps (it records the write spacing)."""
        clock = FakeClock()
        self.clocks.append(clock)
        self.last_metrics = Metrics()
        forge = GitHubForge.from_settings(
            settings or self.settings(), self.last_metrics, clock=clock
        )
        self.forges.append(forge)
        return forge

    def review(
        self, settings: Settings | None = None, *, number: int | None = None, whole: str = ""
    ) -> GitHubReview:
        """Review the pull request as ``ci-agent review --repo --pr`` does (in-process)."""
        settings = settings or self.settings()
        forge = self.forge(settings)
        metrics = self.last_metrics
        assert metrics is not None
        out = io.StringIO()
        term = Terminal(out, out, redact=Redactor(settings.secrets()), color=False)
        return review_pull_request(
            forge,
            number or self.number,
            settings,
            metrics,
            term,
            repository=REPO,
            server_url="https://github.com",
            whole=whole,
            llm=llm_setup(settings),
        )

    def clone(self) -> None:
        """Make the workspace a clone of the fake's repository (all branches and PR refs)."""
        if (self.workspace / ".git").exists():
            git(self.workspace, "fetch", "-q", "--force", "origin", "+refs/*:refs/remotes/all/*")
            return
        for child in self.workspace.iterdir():
            if child.name != ".github":
                raise AssertionError(f"workspace not empty: {child}")
        scratch = self.workspace.parent / "clone-tmp"
        git(self.workspace.parent, "clone", "-q", str(self.repo.git.path), str(scratch))
        git(scratch, "fetch", "-q", "origin", "+refs/*:refs/remotes/all/*")
        for child in scratch.iterdir():
            child.rename(self.workspace / child.name)
        scratch.rmdir()

    def close(self) -> None:
        """Close every forge made."""
        for forge in self.forges:
            forge.close()


def git(cwd: Path, *args: str) -> str:
    """Run git; fail the test when it fails."""
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout


def seed(
    fake: FakeGitHub,
    *,
    base: Mapping[str, str | bytes | None] = BASE_FILES,
    feature: Mapping[str, str | bytes | None] = FEATURE_FILES,
    body: str | None = "Adds a command runner.",
    user: str = "alice",
) -> tuple[RepoState, int]:
    """``acme/widgets`` with one open pull request from ``feature``."""
    repo = fake.create_repo(REPO, files=dict(base))
    repo.commit("feature", dict(feature), "Add a runner")
    pull = repo.open_pull("feature", title="Add a runner", body=body, user=user)
    return repo, pull.number


@pytest.fixture
def harness(fake_github: FakeGitHub, tmp_path: Path) -> Iterator[Harness]:
    """The seeded fake (accepting only TOKEN, as ``github-actions[bot]``) and a workspace."""
    fake_github.require_token(TOKEN, login=BOT)
    repo, number = seed(fake_github)
    workspace = tmp_path / "review-workspace"
    workspace.mkdir()
    environ = {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
    }
    made = Harness(fake_github, repo, workspace, number, environ)
    try:
        yield made
    finally:
        made.close()
