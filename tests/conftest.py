"""Shared fixtures: a clean environment, the CLI as a function, temporary git repositories and a
simulated GitHub Actions step (event payload, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Variables from the developer's shell or the CI runner that would change what ci-agent does.
_LEAKY_PREFIXES = ("GITHUB_", "INPUT_", "OPENAI_", "CI_AGENT_", "AZURE_", "RUNNER_", "GIT_")
# PYTEST_ADDOPTS too: the suite's own options (--junitxml, --durations) would reach the pytest
# runs of the tests' projects and change the output those tests read.
_LEAKY_NAMES = ("NO_COLOR", "FORCE_COLOR", "GH_TOKEN", "CI", "ACTIONS_STEP_DEBUG", "PYTEST_ADDOPTS")

# Distinctive credential values: if one of them shows up in output, redaction failed.
FAKE_GITHUB_TOKEN = "ghp_FAKEtoken0123456789abcdefSECRET"
FAKE_OPENAI_KEY = "sk-FAKEopenai0123456789abcdefSECRET"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No GITHUB_*, INPUT_*, OPENAI_*, CI_AGENT_* ... from outside leaks into a test; git is
    isolated from the user's and the system's configuration."""
    for name in list(os.environ):
        if name.startswith(_LEAKY_PREFIXES) or name in _LEAKY_NAMES:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "_home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    # The job's Python is the developer's activated environment (the one running the tests):
    # it has pytest, and ci-agent counts an activated environment as the user's own.
    monkeypatch.setenv("VIRTUAL_ENV", sys.prefix)
    monkeypatch.setenv(
        "PATH", os.pathsep.join((str(Path(sys.executable).parent), os.environ["PATH"]))
    )
    # Never let git walk above the test's directory into some enclosing repository.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    # Each test its own temporary directory, for the code under test and the processes it
    # starts: tests run in parallel (pytest-xdist), and some check that a run leaves nothing
    # behind in the temporary directory, which another test's scratch files must not upset.
    scratch = tmp_path / "_tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    yield


@dataclass
class CliResult:
    """Exit code and captured streams of one ``ci_agent.cli.main`` call."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        """stdout parsed as exactly one JSON document."""
        data = json.loads(self.out)
        assert isinstance(data, dict)
        return data


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> RunCli:
    """Call the console-script entry point in-process; return exit code, stdout, stderr."""
    from ci_agent.cli import main

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc_info:
            main(list(args))
        captured = capsys.readouterr()
        code = exc_info.value.code
        return CliResult(code if isinstance(code, int) else 1, captured.out, captured.err)

    return invoke


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stdout stripped; fail the test if git fails."""
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0, f"git {' '.join(args)} failed: {proc.stderr}"
    return proc.stdout.strip()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Path]:
    """Create a git repository (optionally with a commit and an origin remote)."""

    def make(
        name: str = "repo",
        *,
        commit: bool = True,
        remote: str | None = "https://github.com/acme/widgets.git",
    ) -> Path:
        path = tmp_path / name
        path.mkdir()
        git(path, "init", "-q", "-b", "main")
        if commit:
            (path / "README.md").write_text("# widgets\n", encoding="utf-8")
            git(path, "add", "README.md")
            git(path, "commit", "-q", "-m", "first")
            (path / "CHANGES.md").write_text("- second\n", encoding="utf-8")
            git(path, "add", "CHANGES.md")
            git(path, "commit", "-q", "-m", "second")
        if remote:
            git(path, "remote", "add", "origin", remote)
        return path

    return make


_OUTPUT_BLOCK = re.compile(r"^([^\n<]+)<<(ghadelimiter_[0-9a-f-]{36})\n(.*?)\n\2\n", re.S | re.M)


def parse_outputs(text: str) -> dict[str, str]:
    """Parse the ``name<<ghadelimiter_UUID`` blocks of a GITHUB_OUTPUT file, as the runner does;
    anything left over is a malformed entry and fails the test."""
    outputs: dict[str, str] = {}
    consumed = 0
    for match in _OUTPUT_BLOCK.finditer(text):
        assert match.start() == consumed, f"garbage in the outputs file: {text[consumed:]!r}"
        outputs[match.group(1)] = match.group(3)
        consumed = match.end()
    assert consumed == len(text), f"garbage in the outputs file: {text[consumed:]!r}"
    return outputs


@dataclass
class ActionsStep:
    """A simulated Actions step: its environment variables live in the real os.environ."""

    monkeypatch: pytest.MonkeyPatch
    root: Path
    workspace: Path
    event_path: Path
    output_path: Path
    summary_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def event(self, name: str, payload: dict[str, Any] | str) -> None:
        """Set the event name and write its payload (a dict as JSON, a str verbatim)."""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self.event_path.write_text(text, encoding="utf-8")
        self.set(GITHUB_EVENT_NAME=name)

    def set(self, **variables: str) -> None:
        """Set environment variables (``INPUT_FAIL_LEVEL`` etc.) for this step."""
        for name, value in variables.items():
            self.monkeypatch.setenv(name, value)
            self.env[name] = value

    def outputs(self) -> dict[str, str]:
        """The step outputs written so far."""
        return parse_outputs(self.output_path.read_text(encoding="utf-8"))

    def summary(self) -> str:
        """The job summary written so far."""
        return self.summary_path.read_text(encoding="utf-8")


@pytest.fixture
def actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ActionsStep:
    """GITHUB_ACTIONS=true with an event file, an outputs file and a summary file; the current
    directory and GITHUB_WORKSPACE are an empty workspace (not a git repository)."""
    root = tmp_path / "runner"
    workspace = tmp_path / "workspace"
    root.mkdir()
    workspace.mkdir()
    step = ActionsStep(
        monkeypatch,
        root,
        workspace,
        event_path=root / "event.json",
        output_path=root / "output.txt",
        summary_path=root / "summary.md",
    )
    step.output_path.write_text("", encoding="utf-8")
    step.summary_path.write_text("", encoding="utf-8")
    step.event("pull_request", {"action": "opened", "number": 7})
    step.set(
        GITHUB_ACTIONS="true",
        CI="true",
        GITHUB_EVENT_PATH=str(step.event_path),
        GITHUB_OUTPUT=str(step.output_path),
        GITHUB_STEP_SUMMARY=str(step.summary_path),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_REPOSITORY="acme/widgets",
        # The action always passes every input; `command` defaults to auto.
        INPUT_COMMAND="auto",
    )
    monkeypatch.chdir(workspace)
    return step
