"""Runs the composite action's ``run:`` steps the way the Actions runner would.

Each ``run:`` step of action.yml is executed with bash in order, with the environment a runner
gives a composite action's step: ``GITHUB_ACTION_PATH`` is this checkout, ``RUNNER_TEMP``,
``GITHUB_OUTPUT`` (one file per step), ``GITHUB_ENV``, ``GITHUB_STEP_SUMMARY`` and the event
payload are temporary files, and the step's ``env:`` block is evaluated by substituting the
few expressions it uses. ``uses:`` steps are not run; the test supplies their outputs
(setup-python's Python is the interpreter running the tests) and evaluates their ``if:``.

The install step builds a real virtual environment from requirements.lock, so this test uses
the package index and takes a minute or more. The fix rehearsals add the job's own Python like
a real runner has it: a separate virtual environment with pytest, while ci-agent's has its lock
only (no pytest); the repository's tests run with the job's, inside the sandbox.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import offline_pip

ROOT = Path(__file__).resolve().parents[2]
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]

FAKE_TOKEN = "ghs_cia_test_token_0123456789abcdef"  # a made-up test value
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# Variables of the machine running the tests that a runner would not give the step.
FOREIGN_ENV = re.compile(
    r"^(GITHUB_|RUNNER_|INPUT_|ACTIONS_|CI_AGENT_|OPENAI_|AZURE_OPENAI|GH_TOKEN$|"
    r"VIRTUAL_ENV$|PYTHONPATH$|PYTHONHOME$|PYTEST_|COV_|PIP_)"
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
    extra_env: dict[str, str] = field(default_factory=dict)

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
        # The install step's pip finds the locked wheels without a package index.
        env.update(offline_pip())
        env.update(self.extra_env)
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
    assert key.startswith(f"ci-agent-wheels-{runner_os()}-{runner_arch()}-py")
    assert platform.python_version() in key
    assert re.search(r"-py[0-9.]+-[0-9a-f]{20}$", key), key


def agent_venv(runner: Runner) -> Path:
    """ci-agent's environment, as the install step reported it."""
    return Path(runner.step_outputs["install"]["venv"])


def test_install_creates_a_working_virtual_environment(installed: Runner) -> None:
    venv = agent_venv(installed)
    assert venv.is_relative_to(installed.temp) and (venv / "ci-agent-own").is_file()
    version = subprocess.run(
        [str(venv / "bin" / "ci-agent"), "--version"],
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
    # The lock only: the user's tests can never run with ci-agent's Python.
    no_pytest = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pytest"], capture_output=True, check=False
    )
    assert no_pytest.returncode != 0


def test_a_planted_environment_is_never_run(installed: Runner) -> None:
    """An earlier step leaves a $RUNNER_TEMP/ci-agent-venv with the marker the action once
    trusted; the install builds its own in a fresh directory, and the agent runs that one."""
    runner = agent_runner(installed, {"command": "doctor", "dry-run": "true"})
    planted = installed.temp / "ci-agent-venv"
    evidence = installed.base / "planted-ran"
    (planted / "bin").mkdir(parents=True, exist_ok=True)
    script = f'#!/bin/sh\ntouch "{evidence}"\necho planted\n'
    for name in ("ci-agent", "python"):
        (planted / "bin" / name).write_text(script, encoding="utf-8")
        (planted / "bin" / name).chmod(0o755)
    (planted / ".ci-agent-cache-key").write_text(runner.step_outputs["key"]["key"])
    (planted / "ci-agent-own").touch()
    # A tampered wheel in the restored cache is downloaded again, never installed.
    [wheel] = (installed.temp / "ci-agent-wheels").glob("idna-*.whl")
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    started = time.monotonic()
    install = runner.run_step(step_named("Install"))
    seconds = time.monotonic() - started
    assert install.returncode == 0, install.combined
    fresh = agent_venv(runner)
    assert fresh != agent_venv(installed) and fresh.parent.parent == installed.temp
    agent = runner.run_step(step_named("Run ci-agent"))
    assert agent.returncode == 0, agent.combined
    assert not evidence.exists() and "planted" not in agent.combined
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() in lock
    # With pip's download cache warm, a fresh install costs this much (printed for the docs).
    print(f"fresh install with a warm download cache: {seconds:.1f} s")


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


# --- The fix rehearsals: the job's Python and ci-agent's are two environments. -------------

CALC = '"""Arithmetic."""\n\n\ndef add(a: int, b: int) -> int:\n    return a - b\n'
TEST_CALC = "from calc import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n"
PYPROJECT = '[project]\nname = "calc"\nversion = "0"\n\n[tool.ruff]\nline-length = 100\n'
OPENAI_KEY = "sk-rehearsal-openai-key-5d8e1f"  # a made-up test value
EXTRAHEADER = "AUTHORIZATION: basic cmVoZWFyc2FsLWV4dHJhaGVhZGVy"


@pytest.fixture(scope="module")
def job_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The job's Python: a virtual environment of its own with pytest (and no ci-agent)."""
    venv = tmp_path_factory.mktemp("job-python") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "pytest"]
    done = subprocess.run(
        pip,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, **offline_pip()},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


def job_runner(
    installed: Runner, job_python: Path, files: dict[str, str], inputs: dict[str, str]
) -> Runner:
    """The installed job with a project checked out and the job's Python first on PATH; the
    test session's own environment is off PATH, so only the job's has pytest."""
    runner = agent_runner(installed, inputs)
    runner.workspace = installed.base / f"workspace-{uuid.uuid4().hex[:8]}"
    runner.workspace.mkdir()
    for name, text in files.items():
        (runner.workspace / name).write_text(text, encoding="utf-8")
    own = str(Path(sys.executable).parent)
    path = [e for e in os.environ["PATH"].split(os.pathsep) if e and e != own]
    runner.extra_env = {"PATH": os.pathsep.join((str(job_python), *path))}
    env = {**runner.base_env(), "GIT_CONFIG_GLOBAL": os.devnull}
    git = ["git", "-c", "user.name=octocat", "-c", "user.email=octocat@example.invalid"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run([*git, *args], cwd=runner.workspace, env=env, check=True)
    # What actions/checkout leaves in .git/config (persist-credentials).
    subprocess.run(
        ["git", "config", "http.https://github.com/.extraheader", EXTRAHEADER],
        cwd=runner.workspace,
        env=env,
        check=True,
    )
    return runner


def failed_step_log(runner: Runner, job_python: Path, command: list[str], name: str) -> None:
    """The failed step's log as the job ran it, saved where ``--log`` finds it."""
    from tests.integration.triage.joblog import RunStep, job_log, run_tool

    output, code = run_tool(command, runner.workspace, env={"PATH": runner.extra_env["PATH"]})
    assert code != 0, output
    log = job_log([RunStep(name, output, code)])
    (runner.workspace / "failed.log").write_text(log, encoding="utf-8")


def computed(result: StepResult) -> dict[str, Any]:
    assert result.returncode == 0, result.combined
    document = json.loads(result.outputs["result-json"])
    data: dict[str, Any] = document["result"]
    assert data["action"] == "computed", (data.get("reasons"), result.combined[-3000:])
    return data


def test_a_model_fix_is_proven_with_the_job_s_python(
    installed: Runner, job_python: Path, tmp_path: Path
) -> None:
    from tests.fakes.openai_server.server import FakeOpenAI
    from tests.integration.change.spy import spy_test

    report = tmp_path / "spy.json"
    home = Path(os.environ["HOME"])
    (home / ".config" / "gh").mkdir(parents=True, exist_ok=True)
    (home / ".config" / "gh" / "hosts.yml").write_text(f"oauth_token: {FAKE_TOKEN}\n")
    (installed.temp / "set_env_secret").write_text(OPENAI_KEY)
    targets = [str(installed.temp), str(home), ""]
    files = {"calc.py": CALC, "pyproject.toml": PYPROJECT, "test_calc.py": TEST_CALC}
    files["test_calc.py"] += spy_test(str(report), targets, None).replace(
        "import ctypes", "\nimport ctypes", 1
    )
    fake = FakeOpenAI().start()
    try:
        fix = {"path": "calc.py", "search": "return a - b", "replace": "return a + b"}
        fake.enqueue(json.dumps({"explanation": "add adds", "edits": [fix]}))
        inputs = {
            "command": "fix",
            "args": "--log failed.log",
            "dry-run": "true",
            "llm-provider": "openai-compatible",
            "llm-base-url": fake.base_url,
            "openai-api-key": OPENAI_KEY,
            "model": "gpt-4.1",
        }
        runner = job_runner(installed, job_python, files, inputs)
        failed_step_log(runner, job_python, ["python", "-m", "pytest", "-q"], "python -m pytest -q")
        data = computed(runner.run_step(step_named("Run ci-agent")))
    finally:
        fake.stop()
    evidence = data["fix"]["evidence"]
    runs = [evidence["before"], *evidence["verdict"]["after"], evidence["verdict"]["broader"]]
    for run in runs:
        assert run["command"][0] == str(job_python / "python"), run["command"]
        assert "namespaces" in run["isolation"], run["isolation"]
    # The repository's test read everything it could during the proof: no token, no key.
    seen = report.read_text(encoding="utf-8")
    for secret in (FAKE_TOKEN, OPENAI_KEY, EXTRAHEADER.rsplit(maxsplit=1)[-1]):
        assert secret not in seen
    assert json.loads(seen)["loopback"] is True


def test_a_fixers_fix_is_proven_with_the_job_s_environment(
    installed: Runner, job_python: Path
) -> None:
    from ruff.__main__ import find_ruff_bin

    files = {"calc.py": "import os\n" + CALC.replace("a - b", "a + b"), "pyproject.toml": PYPROJECT}
    inputs = {
        "command": "fix",
        "args": "--log failed.log",
        "dry-run": "true",
        "llm-provider": "none",
    }
    runner = job_runner(installed, job_python, files, inputs)
    ruff = [str(find_ruff_bin()), "check", "--no-cache", "."]
    failed_step_log(runner, job_python, ruff, "ruff check .")
    data = computed(runner.run_step(step_named("Run ci-agent")))
    assert data["strategy"] == "fixers"
    evidence = data["fix"]["evidence"]
    assert [r["argv"][:2] for r in evidence["fixes"]] == [["ruff", "check"], ["ruff", "format"]]
    assert all(r["returncode"] == 0 for r in evidence["after"])
