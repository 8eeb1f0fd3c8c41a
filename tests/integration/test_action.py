"""Runs the composite action's ``run:`` steps the way the Actions runner would.

Each ``run:`` step of action.yml is executed with bash in order, with the environment a runner
gives a composite action's step: ``GITHUB_ACTION_PATH`` is this checkout, ``RUNNER_TEMP``,
``GITHUB_OUTPUT`` (one file per step), ``GITHUB_ENV``, ``GITHUB_STEP_SUMMARY`` and the event
payload are temporary files, and the step's ``env:`` block is evaluated by substituting the
few expressions it uses. ``uses:`` steps are not run; the test supplies their outputs
(setup-python's Python is the interpreter running the tests) and evaluates their ``if:``.

The install step builds a real virtual environment from requirements.lock, so this test uses
the package index and takes a minute or more.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import re
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]

FAKE_TOKEN = "ghs_cia_test_token_0123456789abcdef"  # a made-up test value
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# Variables of the machine running the tests that a runner would not give the step.
FOREIGN_ENV = re.compile(
    r"^(GITHUB_|RUNNER_|INPUT_|ACTIONS_|CI_AGENT_|OPENAI_|AZURE_OPENAI|GH_TOKEN$|"
    r"VIRTUAL_ENV$|PYTHONPATH$|PYTHONHOME$|PYTEST_|COV_CORE_)"
)

pytestmark = pytest.mark.slow


@dataclass
class StepResult:
    """What one executed step left behind."""

    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    output_text: str

    @property
    def combined(self) -> str:
        return "\n".join((self.stdout, self.stderr, self.output_text))


@dataclass
class Runner:
    """A minimal stand-in for the Actions runner executing one composite action."""

    base: Path
    inputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.temp = self.base / "runner-temp"
        self.workspace = self.base / "workspace"
        self.files = self.base / "files"
        for directory in (self.temp, self.workspace, self.files, self.base / "home"):
            directory.mkdir(parents=True, exist_ok=True)
        self.event_path = self.files / "event.json"
        self.event_path.write_text(
            json.dumps(
                {
                    "inputs": {},
                    "ref": "refs/heads/main",
                    "repository": {
                        "name": "octo-repo",
                        "full_name": "octo-org/octo-repo",
                        "default_branch": "main",
                        "owner": {"login": "octo-org", "type": "Organization"},
                    },
                    "sender": {"login": "octocat", "type": "User"},
                    "workflow": ".github/workflows/ci-agent.yml",
                }
            ),
            encoding="utf-8",
        )
        self.summary = self.files / "step-summary.md"
        self.github_env = self.files / "env"
        self.github_path = self.files / "path"
        for path in (self.summary, self.github_env, self.github_path):
            path.touch()
        self._make_workspace_repository()

    def _make_workspace_repository(self) -> None:
        (self.workspace / "README.md").write_text("# octo-repo\n", encoding="utf-8")
        git = ["git", "-c", "user.name=octocat", "-c", "user.email=octocat@example.invalid"]
        git_env = {**self.base_env(), "GIT_CONFIG_GLOBAL": os.devnull}
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
            subprocess.run([*git, *args], cwd=self.workspace, env=git_env, check=True)

    def base_env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not FOREIGN_ENV.match(key)}
        env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION": "__ci-agent_ci-agent",
                "GITHUB_ACTION_PATH": str(ROOT),
                "GITHUB_ACTOR": "octocat",
                # Nothing listens there: a stray network call fails at once, offline.
                "GITHUB_API_URL": "http://127.0.0.1:9",
                "GITHUB_SERVER_URL": "https://github.com",
                "GITHUB_GRAPHQL_URL": "http://127.0.0.1:9/graphql",
                "GITHUB_EVENT_NAME": "workflow_dispatch",
                "GITHUB_EVENT_PATH": str(self.event_path),
                "GITHUB_JOB": "agent",
                "GITHUB_REF": "refs/heads/main",
                "GITHUB_REF_NAME": "main",
                "GITHUB_REF_TYPE": "branch",
                "GITHUB_REPOSITORY": "octo-org/octo-repo",
                "GITHUB_REPOSITORY_OWNER": "octo-org",
                "GITHUB_RUN_ATTEMPT": "1",
                "GITHUB_RUN_ID": "4242",
                "GITHUB_RUN_NUMBER": "7",
                "GITHUB_SHA": "0" * 40,
                "GITHUB_WORKFLOW": "ci-agent",
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_ENV": str(self.github_env),
                "GITHUB_PATH": str(self.github_path),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "RUNNER_TEMP": str(self.temp),
                "RUNNER_OS": runner_os(),
                "RUNNER_ARCH": runner_arch(),
                "RUNNER_TOOL_CACHE": str(self.base / "toolcache"),
            }
        )
        return env

    def context(self) -> dict[str, str]:
        """Values of the expressions action.yml may use, as the runner would compute them."""
        values = {
            "github.token": FAKE_TOKEN,
            "runner.temp": str(self.temp),
            "runner.os": runner_os(),
            "runner.arch": runner_arch(),
        }
        for name, spec in ACTION["inputs"].items():
            default = str(spec.get("default", ""))
            raw = self.inputs.get(name, default)
            values[f"inputs.{name}"] = EXPRESSION.sub(lambda m: values[m.group(1)], raw)
        for step_id, outputs in self.step_outputs.items():
            for name, value in outputs.items():
                values[f"steps.{step_id}.outputs.{name}"] = value
        return values

    def evaluate(self, text: str) -> str:
        values = self.context()

        def substitute(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression in values:
                return values[expression]
            if expression.startswith("steps."):
                return ""  # an output a step did not set evaluates to an empty string
            raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

        return EXPRESSION.sub(substitute, text)

    def condition_holds(self, step: Mapping[str, Any]) -> bool:
        """Evaluate the only ``if:`` form action.yml uses: ``steps.ID.outputs.NAME != ''``."""
        condition = step.get("if")
        if condition is None:
            return True
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+) != ''", str(condition))
        assert match, f"the test cannot evaluate if: {condition}"
        return self.step_outputs.get(match[1], {}).get(match[2], "") != ""

    def run_step(self, step: dict[str, Any], *, timeout: float = 900) -> StepResult:
        assert "run" in step and step.get("shell") == "bash"
        index = STEPS.index(step)
        output_file = self.files / f"output-{index}-{uuid.uuid4().hex}"
        output_file.write_text("", encoding="utf-8")
        env = self.base_env()
        env["GITHUB_OUTPUT"] = str(output_file)
        for key, value in (step.get("env") or {}).items():
            env[key] = self.evaluate(str(value))
        script = self.files / f"step-{index}-{uuid.uuid4().hex}.sh"
        script.write_text(step["run"], encoding="utf-8")
        cwd = self.workspace / self.evaluate(str(step.get("working-directory", ".")))
        # The runner's command line for `shell: bash`.
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output_text = output_file.read_text(encoding="utf-8")
        outputs = parse_output_file(output_text)
        if "id" in step:
            self.step_outputs[step["id"]] = outputs
        return StepResult(
            completed.returncode, completed.stdout, completed.stderr, outputs, output_text
        )

    def supply(self, step_id: str, outputs: dict[str, str]) -> None:
        """Outputs of a ``uses:`` step that the test does not run."""
        self.step_outputs[step_id] = outputs


def runner_os() -> str:
    return {"Linux": "Linux", "Darwin": "macOS", "Windows": "Windows"}[platform.system()]


def runner_arch() -> str:
    machine = platform.machine().lower()
    return {"x86_64": "X64", "amd64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}.get(
        machine, machine.upper()
    )


def parse_output_file(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file: ``name=value`` lines and ``name<<DELIM`` heredocs."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            while True:
                assert index < len(lines), f"output {name!r}: delimiter {delimiter!r} missing"
                current = lines[index]
                index += 1
                if current == delimiter:
                    break
                value.append(current)
            outputs[name] = "\n".join(value)
        else:
            name, _, single = line.partition("=")
            outputs[name] = single
    return outputs


def step_named(fragment: str) -> dict[str, Any]:
    matches = [step for step in STEPS if fragment in str(step.get("name", ""))]
    assert len(matches) == 1, f"expected one step named like {fragment!r}"
    return matches[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner whose install step has built ci-agent's virtual environment."""
    runner = Runner(tmp_path_factory.mktemp("action"), inputs={})
    for step in STEPS:
        if step.get("id") == "agent":
            break
        if "uses" in step:
            if step["uses"].startswith("actions/setup-python@"):
                runner.supply(
                    step["id"],
                    {"python-path": sys.executable, "python-version": platform.python_version()},
                )
            continue
        result = runner.run_step(step)
        assert result.returncode == 0, f"{step['name']} failed:\n{result.combined}"
    return runner


def agent_runner(installed: Runner, inputs: dict[str, str]) -> Runner:
    """The same job's runner with other inputs: shares the installed environment."""
    runner = copy.copy(installed)
    runner.inputs = inputs
    runner.step_outputs = dict(installed.step_outputs)
    return runner


def test_cache_key_names_os_python_and_lock(installed: Runner) -> None:
    key = installed.step_outputs["key"]["key"]
    assert key.startswith(f"ci-agent-venv-{runner_os()}-{runner_arch()}-py")
    assert platform.python_version() in key
    assert re.search(r"-[0-9a-f]{20}-[0-9a-f]{20}$", key), key


def test_install_creates_a_working_virtual_environment(installed: Runner) -> None:
    executable = installed.temp / "ci-agent-venv" / "bin" / "ci-agent"
    assert executable.exists()
    version = subprocess.run(
        [str(executable), "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=installed.base_env(),
    )
    assert version.returncode == 0, version.stdout + version.stderr
    init = (ROOT / "ci_agent" / "__init__.py").read_text(encoding="utf-8")
    expected = re.search(r'^__version__ = "(.+)"$', init, re.MULTILINE)
    assert expected and expected.group(1) in version.stdout


def test_install_reuses_a_cached_environment(installed: Runner) -> None:
    """A restored cache with the same key and version skips the install."""
    install = step_named("Install")
    result = installed.run_step(install)
    assert result.returncode == 0, result.combined
    assert "Using cached ci-agent" in result.stdout


def test_doctor_runs_and_reports_through_outputs(installed: Runner) -> None:
    runner = agent_runner(installed, {"command": "doctor", "dry-run": "true"})
    result = runner.run_step(step_named("Run ci-agent"))
    assert result.returncode == 0, result.combined
    assert "result-json" in result.outputs, result.output_text
    document = json.loads(result.outputs["result-json"])
    assert "status" in document
    assert "schema_version" in document
    # Heredoc values use a random ghadelimiter_<uuid> delimiter.
    assert re.search(r"^result-json<<ghadelimiter_[0-9a-f-]{36}$", result.output_text, re.M)
    # Nothing to upload, so the upload step is skipped.
    assert result.outputs.get("artifact-path", "") == ""
    upload = next(step for step in STEPS if step.get("id") == "upload")
    assert not runner.condition_holds(upload)
    # The token reaches the agent but never its logs or outputs, except in the command that
    # asks the runner to mask it.
    unmasked = [
        line for line in result.combined.splitlines() if not line.startswith("::add-mask::")
    ]
    assert not [line for line in unmasked if FAKE_TOKEN in line]


def test_unknown_command_fails_with_a_stable_error_code(installed: Runner) -> None:
    runner = agent_runner(installed, {"command": "bogus", "dry-run": "true"})
    result = runner.run_step(step_named("Run ci-agent"))
    assert result.returncode == 2, result.combined
    assert "CA106" in result.combined or "CA107" in result.combined, result.combined
