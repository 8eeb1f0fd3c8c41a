"""workflows/deploy.yml runs the plan's recovery: its retry steps, its rollback jobs (parsed, and
accepted by actionlint)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ci_agent.config_deploy import DeployConfig

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / "workflows" / "deploy.yml"
ACTIONLINT = shutil.which("actionlint") or shutil.which(
    "actionlint", path=str(Path(sys.executable).parent)
)
STAGES = [f"stage-{index}" for index in range(6)]


@pytest.fixture(scope="module")
def jobs() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    found: dict[str, Any] = data["jobs"]
    return found


def steps_by_id(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in job["steps"] if "id" in step}


def test_the_workflow_holds_the_default_retries(jobs: dict[str, Any]) -> None:
    check = next(s for s in jobs["plan"]["steps"] if s.get("id") == "stages")
    found = re.search(r'"\$\{RETRIES:-0\}" -gt (\d+)', check["run"])
    assert found is not None
    held = int(found.group(1))
    assert held == DeployConfig().retry_attempts == 3
    assert "fromJSON(steps.plan.outputs.plan-json).retry.attempts" in check["env"]["RETRIES"]
    for name in STAGES:
        deploys = [s for s in jobs[name]["steps"] if s.get("id", "").startswith("deploy-")]
        assert len(deploys) == held + 1


@pytest.mark.parametrize("name", STAGES)
def test_each_attempt_deploys_verifies_and_asks_the_recovery_table(
    jobs: dict[str, Any], name: str
) -> None:
    job = jobs[name]
    steps = steps_by_id(job)
    for attempt in range(1, 5):
        deploy, verify, recover = (
            steps[f"{kind}-{attempt}"] for kind in ("deploy", "verify", "recover")
        )
        assert deploy["continue-on-error"] is True and "./deploy.sh" in deploy["run"]
        if attempt > 1:
            assert deploy["if"] == (
                f"steps.recover-{attempt - 1}.outcome == 'success' && fromJSON(steps.recover-"
                f"{attempt - 1}.outputs.result-json).result.action == 'retry'"
            )
        assert verify["if"] == f"steps.deploy-{attempt}.outcome == 'success'"
        assert verify["continue-on-error"] is True
        result_file = f"${{{{ runner.temp }}}}/ci-agent-verify-{attempt}.json"
        assert verify["with"]["args"].endswith(f"--result-file {result_file}")
        assert "continue-on-error" not in recover  # a rollback decision fails the job
        args = recover["with"]["args"]
        assert args.startswith("recover --unit ${{ matrix.unit }}")
        assert f"--attempt {attempt} --verify-result {result_file} --wait" in args
        assert "--risk ${{ matrix.risk }}" in args
    success = next(s for s in job["steps"] if s["name"] == "Record success")
    assert success["if"].count("outcome == 'success'") == 4
    assert not any("rollback.sh" in s.get("run", "") for s in job["steps"])


def test_the_rollback_jobs_run_after_any_stage_failed(jobs: dict[str, Any]) -> None:
    decide = jobs["rollback-plan"]
    assert decide["needs"] == ["plan", *STAGES]
    assert decide["if"] == "failure() && needs.plan.result == 'success'"
    assert decide["permissions"] == {"contents": "read", "deployments": "read"}
    order = steps_by_id(decide)["order"]
    assert order["with"]["args"] == "rollback-order --plan ${{ runner.temp }}/ci-agent-stages.json"
    rollback = jobs["rollback"]
    assert rollback["needs"] == ["rollback-plan"]
    assert "!cancelled()" in rollback["if"]
    assert rollback["environment"] == "${{ matrix.environment }}"
    assert rollback["strategy"] == {
        "max-parallel": 1,
        "fail-fast": True,
        "matrix": "${{ fromJSON(needs.rollback-plan.outputs.matrix) }}",
    }
    assert rollback["permissions"] == {"contents": "read", "deployments": "write"}
    runs = [s for s in rollback["steps"] if "run" in s]
    assert runs[0]["run"] == './rollback.sh "$UNIT" "$ENVIRONMENT"'
    assert rollback["steps"][-1]["with"]["args"].endswith("--state inactive")


@pytest.mark.skipif(ACTIONLINT is None, reason="actionlint has no wheel for this platform")
def test_actionlint_accepts_the_workflow() -> None:
    done = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(WORKFLOW)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_is_what_its_template_gives() -> None:
    """Every stage job and attempt comes from one place: an edit by hand would drift."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen-deploy-workflow"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
