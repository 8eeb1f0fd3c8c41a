"""workflows/backup.yml: schedules, least privilege per job, no overlap, a restore test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
OWN_ACTION = "ci-agent/ci-agent@v1"
READS = {"contents": "read", "issues": "read", "pull-requests": "read", "actions": "read"}


def workflow() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "workflows" / "backup.yml").read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    assert isinstance(data, dict)
    return data


def test_schedules_and_manual_runs() -> None:
    on = workflow()["on"]
    crons = [entry["cron"] for entry in on["schedule"]]
    assert crons == ["17 3 * * 1-6", "17 3 * * 0", "47 4 1 * *"]
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["job"]["options"] == ["backup", "restore-test"]
    assert inputs["kind"]["options"] == ["manual", "daily", "weekly"]


def test_runs_never_overlap() -> None:
    concurrency = workflow()["concurrency"]
    assert concurrency["cancel-in-progress"] is False
    assert "github.repository" in concurrency["group"]


def test_only_prune_may_write_and_only_to_actions() -> None:
    jobs = workflow()["jobs"]
    attest = {"id-token": "write", "attestations": "write"}
    assert jobs["backup"]["permissions"] == READS | attest
    assert jobs["prune"]["permissions"] == {"contents": "read", "actions": "write"}
    assert jobs["restore-test"]["permissions"] == {"contents": "read", "actions": "read"}
    assert jobs["prune"]["needs"] == "backup"


def test_each_job_runs_the_backup_command() -> None:
    jobs = workflow()["jobs"]
    args = {}
    for name, job in jobs.items():
        [agent] = [s for s in job["steps"] if s.get("uses") == OWN_ACTION]
        assert agent["with"]["command"] == "backup"
        args[name] = " ".join(agent["with"]["args"].split())
        checkout = job["steps"][0]
        assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    assert args["backup"].startswith("create --kind ${{")
    assert "'weekly'" in args["backup"] and "--full" in args["backup"]
    assert args["prune"] == "prune --source artifacts"
    assert args["restore-test"].startswith("restore --artifact latest --to ")
    [agent] = [s for s in jobs["backup"]["steps"] if s.get("uses") == OWN_ACTION]
    assert agent["with"]["retention-days"] == 35
    fsck = jobs["restore-test"]["steps"][-1]["run"]
    assert "fsck --full --strict" in fsck


def test_the_monthly_restore_test_and_the_backup_exclude_each_other() -> None:
    jobs = workflow()["jobs"]
    assert "github.event.schedule != '47 4 1 * *'" in jobs["backup"]["if"]
    assert "github.event.schedule == '47 4 1 * *'" in jobs["restore-test"]["if"]


def test_each_archive_is_attested_by_a_pinned_action() -> None:
    steps = workflow()["jobs"]["backup"]["steps"]
    attest = steps[-1]
    action, _, sha = attest["uses"].partition("@")
    assert action == "actions/attest-build-provenance" and len(sha) == 40
    raw = (ROOT / "workflows" / "backup.yml").read_text(encoding="utf-8")
    assert f"@{sha} # v4.1.0" in raw
    assert attest["with"] == {
        "subject-name": "${{ steps.backup.outputs.artifact-name }}",
        "subject-digest": "sha256:${{ steps.backup.outputs.sha256 }}",
    }
    assert any(step.get("id") == "backup" for step in steps)
