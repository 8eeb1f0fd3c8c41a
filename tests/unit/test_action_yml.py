"""Static checks of the composite action definition, action.yml.

These pin down the security rules from the design notes: every input reaches the agent
through ``env:`` (composite actions get no INPUT_* variables), no ``${{ }}`` inside a
``run:`` script (script injection), every action pinned by full commit SHA with its version
in a comment, and outputs that point at steps that exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION_PATH = ROOT / "action.yml"

SHA_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)\s*(?:#\s*(?P<comment>.*))?$")
VERSION_COMMENT = re.compile(r"^v\d+(?:\.\d+){0,2}\b")
STEP_OUTPUT = re.compile(r"^\$\{\{\s*steps\.(?P<step>[\w-]+)\.outputs\.(?P<name>[\w-]+)\s*\}\}$")
INPUT_EXPR = re.compile(r"^\$\{\{\s*inputs\.(?P<name>[\w-]+)\s*\}\}$")

EXPECTED_INPUTS = {
    "command": "auto",
    "github-token": "${{ github.token }}",
    "push-token": "",
    "openai-api-key": "",
    "llm-provider": "auto",
    "model": "",
    "llm-base-url": "",
    "config": ".github/ci-agent.yml",
    "fail-level": "",
    "dry-run": "false",
    "python-version": "3.12",
    "retention-days": "30",
    "working-directory": ".",
    "args": "",
}
EXPECTED_OUTPUTS = {
    "result-json": "agent",
    "status": "agent",
    "exit-code": "agent",
    "findings-count": "agent",
    "max-severity": "agent",
    "artifact-path": "agent",
    "artifact-name": "agent",
    "sha256": "agent",
    "matrix": "agent",
    "plan-json": "agent",
    "artifact-id": "upload",
    "artifact-digest": "upload",
    "artifact-url": "upload",
}


def env_name(input_name: str) -> str:
    """The environment variable ci-agent reads for an input: INPUT_ + upper snake case."""
    return "INPUT_" + input_name.upper().replace("-", "_")


def uses_lines(text: str) -> list[tuple[int, str, str | None]]:
    """Every ``uses:`` reference in raw YAML text with its line number and trailing comment."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = USES_LINE.match(line)
        if match:
            found.append((number, match["ref"], match["comment"]))
    return found


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def steps(action: dict[str, Any]) -> list[dict[str, Any]]:
    runs = action["runs"]
    assert runs["using"] == "composite"
    return list(runs["steps"])


def step_by_id(steps: list[dict[str, Any]], step_id: str) -> dict[str, Any]:
    matches = [step for step in steps if step.get("id") == step_id]
    assert len(matches) == 1, f"expected exactly one step with id {step_id!r}"
    return matches[0]


def test_metadata_and_branding(action: dict[str, Any]) -> None:
    assert action["name"] == "ci-agent"
    assert action["description"].strip()
    branding = action["branding"]
    assert branding["icon"]
    assert branding["color"] in {
        "white",
        "black",
        "yellow",
        "blue",
        "green",
        "orange",
        "red",
        "purple",
        "gray-dark",
    }


def test_inputs_have_descriptions_and_documented_defaults(action: dict[str, Any]) -> None:
    inputs = action["inputs"]
    assert set(inputs) == set(EXPECTED_INPUTS)
    for name, spec in inputs.items():
        assert str(spec.get("description", "")).strip(), f"input {name} has no description"
        assert "default" in spec, f"input {name} has no default"
        assert str(spec["default"]) == EXPECTED_INPUTS[name], f"default of {name}"


def test_args_input_documents_that_no_shell_evaluates_it(action: dict[str, Any]) -> None:
    description = action["inputs"]["args"]["description"]
    assert "shlex" in description
    assert "never evaluated by a shell" in description


def test_command_input_lists_every_command(action: dict[str, Any]) -> None:
    description = action["inputs"]["command"]["description"]
    for command in ("auto", "review", "tests", "fix", "triage", "plan", "backup", "doctor"):
        assert command in description


def test_every_input_reaches_the_agent_through_env(
    action: dict[str, Any], steps: list[dict[str, Any]]
) -> None:
    env = step_by_id(steps, "agent")["env"]
    for name in action["inputs"]:
        variable = env_name(name)
        assert variable in env, f"input {name} is not passed to the agent as {variable}"
        match = INPUT_EXPR.match(str(env[variable]))
        assert match and match["name"] == name, f"{variable} must be ${{{{ inputs.{name} }}}}"


def test_no_expression_inside_any_run_script(steps: list[dict[str, Any]]) -> None:
    run_steps = [step for step in steps if "run" in step]
    assert len(run_steps) >= 3
    for step in run_steps:
        assert "${{" not in step["run"], f"step {step.get('name')!r} interpolates into a script"
        assert step.get("shell") == "bash", "composite run steps must name their shell"


def test_run_scripts_are_strict(steps: list[dict[str, Any]]) -> None:
    for step in steps:
        if "run" in step:
            assert step["run"].lstrip().startswith("set -euo pipefail")


def test_every_uses_is_pinned_by_sha_with_version_comment(steps: list[dict[str, Any]]) -> None:
    raw = uses_lines(ACTION_PATH.read_text(encoding="utf-8"))
    parsed = [step["uses"] for step in steps if "uses" in step]
    assert [ref for _, ref, _ in raw] == parsed
    for line, ref, comment in raw:
        assert SHA_PINNED.match(ref), f"line {line}: {ref} is not pinned to a full commit SHA"
        assert comment and VERSION_COMMENT.match(comment), f"line {line}: no # vX.Y.Z comment"


def test_pinned_actions_match_the_design_notes(steps: list[dict[str, Any]]) -> None:
    uses = {
        step["uses"].split("@")[0]: step["uses"].split("@")[1] for step in steps if "uses" in step
    }
    assert uses["actions/setup-python"] == "5fda3b95a4ea91299a34e894583c3862153e4b97"
    assert uses["actions/upload-artifact"] == "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f"
    assert "actions/cache" in uses


def test_outputs_point_at_existing_steps(
    action: dict[str, Any], steps: list[dict[str, Any]]
) -> None:
    ids = {step["id"] for step in steps if "id" in step}
    outputs = action["outputs"]
    assert set(outputs) == set(EXPECTED_OUTPUTS)
    for name, spec in outputs.items():
        assert str(spec.get("description", "")).strip(), f"output {name} has no description"
        match = STEP_OUTPUT.match(str(spec["value"]))
        assert match, f"output {name} does not map a step output: {spec['value']!r}"
        assert match["step"] in ids, f"output {name} points at missing step {match['step']!r}"
        assert match["step"] == EXPECTED_OUTPUTS[name]
        assert match["name"] == name


def test_step_expressions_refer_to_earlier_steps(steps: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    reference = re.compile(r"steps\.([\w-]+)\.outputs")
    for step in steps:
        text = yaml.safe_dump({k: v for k, v in step.items() if k != "run"})
        for step_id in reference.findall(text):
            assert step_id in seen, f"step {step.get('name')!r} uses {step_id!r} before it runs"
        if "id" in step:
            seen.add(step["id"])


def test_setup_python_leaves_the_callers_python_alone(steps: list[dict[str, Any]]) -> None:
    python = step_by_id(steps, "python")
    assert python["uses"].startswith("actions/setup-python@")
    assert python["with"]["python-version"] == "${{ inputs.python-version }}"
    assert python["with"]["update-environment"] is False


def test_cache_is_keyed_on_os_python_and_lock_file(steps: list[dict[str, Any]]) -> None:
    key_step = step_by_id(steps, "key")
    assert "requirements.lock" in key_step["run"]
    assert "$GITHUB_ACTION_PATH" in key_step["run"]
    assert "RUNNER_OS" in key_step["run"]
    assert key_step["env"]["PYTHON_VERSION"] == "${{ steps.python.outputs.python-version }}"
    cache = next(step for step in steps if str(step.get("uses", "")).startswith("actions/cache@"))
    assert cache["with"]["key"] == "${{ steps.key.outputs.key }}"
    # Downloads only: an installed environment is never restored from a cache.
    assert cache["with"]["path"] == "${{ runner.temp }}/ci-agent-wheels"


def test_install_uses_the_hashed_lock_file(steps: list[dict[str, Any]]) -> None:
    install = next(step for step in steps if "pip install" in step.get("run", ""))
    script = install["run"]
    # Every wheel, cached or downloaded, is checked against the lock files' hashes; the build
    # backend comes hashed too, and stays out of the runtime environment.
    assert 'from=(--no-index --find-links "$wheels" --only-binary :all: --require-hashes' in script
    assert 'install requirements.lock "${pip[@]}" --python "$venv/env/bin/python" install' in script
    assert 'install requirements-build.lock "${pip[@]}" install --target "$build/backend"' in script
    assert '"$@" "${from[@]}" -r "$lock"' in script
    assert "--require-hashes --no-deps \\\n" in script  # the download of a cold cache
    assert 'PYTHONPATH="$build/backend" "${pip[@]}" wheel --no-deps --no-build-isolation' in script
    assert '--wheel-dir "$build/dist" "$GITHUB_ACTION_PATH"' in script
    assert '-m venv --without-pip "$venv/env"' in script
    assert '--python "$venv/env/bin/python" install' in script
    # A fresh, unpredictable directory every run; only wheels, each checked against the lock.
    assert 'venv="$(mktemp -d "$RUNNER_TEMP/ci-agent-venv.XXXXXXXX")"' in script
    assert script.count("--only-binary :all:") == 2
    assert 'ci-agent-venv"' not in script and "cache-key" not in script
    assert install["env"]["PYTHON"] == "${{ steps.python.outputs.python-path }}"


def test_agent_step_runs_in_the_chosen_directory(steps: list[dict[str, Any]]) -> None:
    agent = step_by_id(steps, "agent")
    assert agent["working-directory"] == "${{ inputs.working-directory }}"
    assert agent["env"]["CI_AGENT_VENV"] == "${{ steps.install.outputs.venv }}"
    assert '"$CI_AGENT_VENV/bin/ci-agent" run' in agent["run"]


def test_upload_only_when_there_is_an_artifact(steps: list[dict[str, Any]]) -> None:
    upload = step_by_id(steps, "upload")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "steps.agent.outputs.artifact-path != ''"
    options = upload["with"]
    assert options["name"] == "${{ steps.agent.outputs.artifact-name }}"
    assert options["path"] == "${{ steps.agent.outputs.artifact-path }}"
    assert options["retention-days"] == "${{ inputs.retention-days }}"
    assert options["archive"] is False
    assert options["if-no-files-found"] == "error"
    assert options["overwrite"] is False
