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
    assert jobs["backup"]["permissions"] == READS
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
    assert jobs["backup"]["steps"][-1]["with"]["retention-days"] == 35
    fsck = jobs["restore-test"]["steps"][-1]["run"]
    assert "fsck --full --strict" in fsck


def test_the_monthly_restore_test_and_the_backup_exclude_each_other() -> None:
    jobs = workflow()["jobs"]
    assert "github.event.schedule != '47 4 1 * *'" in jobs["backup"]["if"]
    assert "github.event.schedule == '47 4 1 * *'" in jobs["restore-test"]["if"]
