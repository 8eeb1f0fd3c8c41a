"""``ci-agent triage`` on a job log that carries workflow commands: in a step, every one of
them reaches the log inert, on stdout and stderr, in each output format."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAKE_GITHUB_TOKEN
from tests.integration.triage.conftest import Project
from tests.integration.triage.joblog import job_log
from tests.unit.runner.runner_log import Command, executed

from .conftest import ROOT, run_step

HOSTILE_TEST = """\
from calc import add

FORGED = (
    "::add-mask::leaked-value\\n"
    "  ::error file=src/calc.py,line=1::forged annotation\\n"
    "##[set-output name=status;]ok\\n"
    "::stop-commands::abc\\n"
    "::abc::\\n"
    "progress\\r::warning::after a carriage return"
)


def test_add():
    print(FORGED)
    assert add(1, 2) == 4, FORGED
"""
ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_TOKEN": FAKE_GITHUB_TOKEN}
MASK = Command("add-mask", FAKE_GITHUB_TOKEN)


@pytest.fixture
def hostile_log(project: Project) -> Path:
    """A job log of a real pytest run whose failing test prints workflow commands."""
    project.write("tests/test_calc.py", HOSTILE_TEST)
    log = project.root.parent / "job.log"
    log.write_text(job_log([project.pytest("tests")]), encoding="utf-8")
    assert "\n::add-mask::leaked-value" in log.read_text(encoding="utf-8").replace("Z ", "\n")
    return log


@pytest.mark.parametrize("output", ["text", "markdown", "json"])
def test_outside_actions_the_hostile_lines_reach_the_output(
    hostile_log: Path, project: Project, output: str
) -> None:
    """The control: what the step below escapes really is in the output."""
    step = run_step("triage", "--log", str(hostile_log), "--output", output, cwd=project.root)
    assert step.code == 0, step.err
    assert step.obeyed, step.out + step.err


@pytest.mark.parametrize("output", ["text", "markdown", "json"])
def test_in_a_step_only_our_commands_are_obeyed(
    hostile_log: Path, project: Project, output: str
) -> None:
    args = ("triage", "--log", str(hostile_log), "--output", output, "-vv")
    step = run_step(*args, cwd=project.root, env=ACTIONS)
    assert step.code == 0, step.err
    assert executed(step.out) == []
    assert executed(step.err) == [MASK]
    assert "Traceback" not in step.err
    if output == "json":
        data = json.loads(step.out)
        assert "leaked-value" in json.dumps(data)  # the value kept, only its form escaped


def test_a_captured_json_result_parses(hostile_log: Path, project: Project, tmp_path: Path) -> None:
    """``result=$(ci-agent ... --output json)`` in a ``run:`` step: stdout is one JSON document
    and the masks still reach the runner on stderr."""
    captured = tmp_path / "captured.json"
    script = (
        'result=$("$PYTHON" -m ci_agent triage --log "$LOG" --output json)\n'
        'printf "%s" "$result" > "$CAPTURED"\n'
    )
    env = {
        **ACTIONS,
        "PYTHON": sys.executable,
        "LOG": str(hostile_log),
        "CAPTURED": str(captured),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=project.root,
        env={**_base_environ(), **env},
        capture_output=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(captured.read_text(encoding="utf-8"))
    assert data["command"] == "triage" and data["status"] == "ok"
    assert executed(proc.stdout + proc.stderr) == [MASK]


def _base_environ() -> dict[str, str]:
    import os

    return dict(os.environ)
