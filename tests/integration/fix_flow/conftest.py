"""A real pytest project in the fake GitHub with an open pull request whose tests fail, a
clone of its head, and a failed workflow run whose log was made by really running pytest
(then given GitHub's timestamps and colours); the fix command runs in-process."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, RunCli
from tests.fakes.github_server import FakeGitHub, RepoState
from tests.fakes.github_server.fixtures import fake_github
from tests.fakes.github_server.records_actions import WorkflowRun
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.openai_server.fixture import fake_openai
from tests.integration.triage.joblog import RunStep, job_log, run_tool
from tests.support import git

__all__ = ["BUGGY", "TOKEN", "World", "fake_github", "fake_openai", "patch_answer", "world"]

TOKEN = "ghs_FIXFLOWtoken0123456789abcdefSECRET"
OPENAI_KEY = "sk-FIXFLOWopenai0123456789abcdefSECRET"
BOT = "github-actions[bot]"
CALC = '''"""Arithmetic."""


def add(a: int, b: int) -> int:
    return a + b


def sub(a: int, b: int) -> int:
    return a - b
'''
BUGGY = CALC.replace("    return a + b\n", "    return a - b\n")
TEST_CALC = """from calc import add, sub


def test_add() -> None:
    assert add(2, 3) == 5


def test_sub() -> None:
    assert sub(5, 3) == 2
"""
PYPROJECT = '[project]\nname = "calc"\nversion = "0"\n\n[tool.ruff]\nline-length = 100\n'
WORKFLOW = "name: CI\non: pull_request\njobs: {}\n"
BASE: dict[str, str | bytes | None] = {
    "calc.py": CALC,
    "test_calc.py": TEST_CALC,
    "pyproject.toml": PYPROJECT,
    ".github/workflows/ci.yml": WORKFLOW,
}


def patch_answer(search: str, replace: str, path: str = "calc.py", why: str = "Fix add") -> str:
    """A model answer with one search/replace edit."""
    edit = {"path": path, "search": search, "replace": replace}
    return json.dumps({"explanation": why, "edits": [edit]})


@dataclass
class World:
    """The fake GitHub, the pull request, a clone of its head and the fix command."""

    fake: FakeGitHub
    repo: RepoState
    openai: FakeOpenAI
    clone: Path
    number: int
    run_cli: RunCli
    monkeypatch: pytest.MonkeyPatch

    @property
    def head(self) -> str:
        """The pull request's head now."""
        sha = self.repo.branch_sha("feature")
        assert sha is not None
        return sha

    def push_change(self, files: dict[str, str | bytes | None], message: str) -> str:
        """Commit on the pull request's branch in the fake and fetch it into the clone."""
        sha = self.repo.commit("feature", files, message)
        git(self.clone, "fetch", "-q", "origin", "feature")
        git(self.clone, "checkout", "-q", sha)
        return sha

    def failed_run(self, step: RunStep, **options: Any) -> WorkflowRun:
        """A failed ``pull_request`` run at the head, with the job log of ``step``."""
        log = job_log([RunStep("pip install -e .", "Successfully installed calc-0"), step])
        job = {"name": "test (3.12)", "conclusion": "failure", "log": log}
        values: dict[str, Any] = {
            "head_sha": self.head,
            "head_branch": "feature",
            "event": "pull_request",
            "conclusion": "failure",
            "jobs": [job],
        }
        values.update(options)
        return self.repo.add_workflow_run(**values)

    def pytest_step(self, where: Path | None = None) -> RunStep:
        """Run the tests of the clone (or of ``where``) for real: the step a CI job ran."""
        output, code = run_tool(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--color=yes"],
            where or self.clone,
            env={"PY_COLORS": "1"},
        )
        assert code != 0, output
        return RunStep("python -m pytest", output, code)

    def fix(self, *args: str) -> CliResult:
        """``ci-agent fix ARGS --output json`` in the clone."""
        self.monkeypatch.chdir(self.clone)
        return self.run_cli("fix", "--repo", "acme/widgets", "--output", "json", *args)

    def comments(self) -> list[str]:
        """Bodies of the pull request's conversation comments."""
        return [c.body for c in self.repo.comments_on(self.number)]


@pytest.fixture
def world(
    fake_github: FakeGitHub,
    fake_openai: FakeOpenAI,
    run_cli: RunCli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[World]:
    fake_github.require_token(TOKEN, login=BOT)
    repo = fake_github.create_repo("acme/widgets", files=BASE)
    repo.commit("feature", {"calc.py": BUGGY}, "Refactor add")
    number = repo.open_pull("feature", title="Refactor add").number
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", repo.git.path.as_uri(), str(clone))
    git(clone, "checkout", "-q", "origin/feature")
    git(clone, "config", "user.email", "dev@example.com")
    git(clone, "config", "user.name", "Dev")
    for name, value in {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_API_URL": fake_github.base_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": fake_openai.base_url,
        "CI_AGENT_MODEL": "gpt-4.1-mini",
    }.items():
        monkeypatch.setenv(name, value)
    yield World(fake_github, repo, fake_openai, clone, number, run_cli, monkeypatch)
