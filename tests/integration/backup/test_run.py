"""``ci-agent run`` with ``command: backup``: the job's outputs and job summary.

run.py dispatches ``backup`` to :func:`ci_agent.commands.backup.backup_job`; these tests call
that function the way the dispatcher does and publish the outcome with run's own publisher.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci_agent.commands import run as run_command
from ci_agent.commands.backup import backup_job
from ci_agent.commands.common import Invocation, execute
from ci_agent.config import CliOverrides
from ci_agent.errors import CiAgentError
from ci_agent.outcome import Outcome
from tests.conftest import ActionsStep


def run_job(args: list[str]) -> int:
    def body(invocation: Invocation) -> Outcome:
        try:
            outcome = backup_job(invocation, args)
        except CiAgentError as exc:
            outcome = Outcome("run", errors=[exc])
        run_command._publish(invocation, outcome)
        return outcome

    return execute(CliOverrides(), "run", body)


@pytest.fixture
def step(
    actions: ActionsStep, history: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ActionsStep:
    shutil.rmtree(actions.workspace)
    shutil.copytree(history, actions.workspace)
    monkeypatch.chdir(actions.workspace)
    actions.event("schedule", {"schedule": "17 3 * * *"})
    actions.set(RUNNER_TEMP=str(tmp_path / "runner-temp"), SOURCE_DATE_EPOCH="1767225600")
    return actions


def test_a_scheduled_backup_sets_the_artifact_outputs(
    step: ActionsStep, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_job([]) == 0
    outputs = step.outputs()
    path = Path(outputs["artifact-path"])
    assert path.parent == Path(step.env["RUNNER_TEMP"]) / "ci-agent-backups"
    assert outputs["artifact-name"] == path.name
    assert path.name.endswith("-20260101T000000Z-daily-full.tar.gz")
    assert outputs["sha256"] == path.with_name(path.name + ".sha256").read_text().split()[0]
    summary = step.summary()
    assert outputs["sha256"] in summary and "metadata skipped" in summary
    err = capsys.readouterr().err  # groups wrap the messages, on stderr
    assert "::group::backup create" in err and "::endgroup::" in err


def test_bad_args_are_a_coded_error(step: ActionsStep) -> None:
    assert run_job(["frobnicate"]) == 2
    assert "**CA107** unknown command &#x27;frobnicate&#x27;" in step.summary()
    assert run_job(["create", "--kind", "hourly"]) == 2
    assert "CA106" in step.summary()
    assert step.outputs()["artifact-path"] == ""


def test_the_action_entry_point_runs_the_scheduled_backup(
    step: ActionsStep, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ci-agent run` with command auto on a schedule event: the backup job, end to end."""
    from ci_agent.cli import main

    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 0, capsys.readouterr().err
    outputs = step.outputs()
    assert outputs["status"] == "ok"
    path = Path(outputs["artifact-path"])
    assert path.is_file()
    assert outputs["sha256"] == path.with_name(path.name + ".sha256").read_text().split()[0]
