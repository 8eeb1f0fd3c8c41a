"""Actions on both forges: runs newest first and filtered, the jobs of the latest attempt and
their logs, a re-run of the failed jobs or of the whole run, artifacts listed, downloaded with
their digest checked, and deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError

from .conftest import Side


def test_runs_jobs_logs_and_a_rerun(side: Side, tmp_path: Path) -> None:
    forge = side.forge
    green = side.add_run("success", [("lint", "success", "all good")])
    red = side.add_run(
        "failure", [("test", "failure", "FAILED test_add"), ("lint", "success", "ok")]
    )

    assert [r.id for r in forge.workflow_runs(branch="main")] == [red, green]
    assert list(forge.workflow_runs(branch="nope")) == []
    run = forge.workflow_run(red)
    assert (run.status, run.conclusion, run.run_attempt, run.head_branch) == (
        "completed",
        "failure",
        1,
        "main",
    )
    jobs = list(forge.jobs(red))
    assert [(j.name, j.conclusion, j.failed) for j in jobs] == [
        ("test", "failure", True),
        ("lint", "success", False),
    ]
    size = forge.download_job_log(jobs[0].id, tmp_path / "test.log")
    text = (tmp_path / "test.log").read_text()
    assert size == len(text.encode()) and "FAILED test_add" in text

    forge.rerun_failed_jobs(red)

    again = forge.workflow_run(red)
    assert (again.status, again.conclusion, again.run_attempt) == ("queued", None, 2)
    assert [(j.name, j.status) for j in forge.jobs(red)] == [
        ("test", "queued"),
        ("lint", "completed"),
    ]


def test_artifacts_listed_downloaded_and_deleted(side: Side, tmp_path: Path) -> None:
    forge = side.forge
    older = side.add_artifact("backup", b"PK zip one")
    newer = side.add_artifact("backup", b"PK zip two")
    side.add_artifact("other", b"PK zip three")

    listed = list(forge.artifacts("backup"))
    assert [(a.id, a.name, a.size, a.digest) for a in listed] == [
        (newer.id, "backup", 10, newer.digest),
        (older.id, "backup", 10, older.digest),
    ]
    path = forge.download_artifact(newer, tmp_path)
    assert (path.name, path.read_bytes()) == ("backup.zip", b"PK zip two")

    lying = type(older)(older.id, older.name, older.size, "sha256:" + "0" * 64, None)
    with pytest.raises(CiAgentError) as caught:
        forge.download_artifact(lying, tmp_path / "lying.zip")
    assert caught.value.code == "CA503"
    assert not (tmp_path / "lying.zip").exists()

    forge.delete_artifact(older.id)
    assert [a.id for a in forge.artifacts("backup")] == [newer.id]


def test_a_whole_run_rerun_queues_every_job_and_refuses_a_running_run(side: Side) -> None:
    forge = side.forge
    done = side.add_run("failure", [("test", "failure", "boom"), ("lint", "success", "ok")])

    forge.rerun_workflow(done)

    again = forge.workflow_run(done)
    assert (again.status, again.conclusion, again.run_attempt) == ("queued", None, 2)
    assert [(j.name, j.status) for j in forge.jobs(done)] == [
        ("test", "queued"),
        ("lint", "queued"),
    ]
    # GitHub re-runs only a completed run: the queued one answers 403 (CA304, nothing changed).
    with pytest.raises(CiAgentError) as caught:
        forge.rerun_workflow(done)
    assert caught.value.code == "CA304"
    assert forge.workflow_run(done).run_attempt == 2
    if side.memory is None:
        assert [r["failed_only"] for r in side.repo.reruns] == [False]
