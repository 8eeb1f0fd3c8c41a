"""GitHub Actions through ghapi: runs, jobs, re-runs, logs and artifacts streamed to disk."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError

from .conftest import Rig

RERUN = "/repos/acme/widgets/actions/runs/*/rerun-failed-jobs"


def test_runs_and_jobs(rig: Rig) -> None:
    forge, world = rig.forge, rig.world
    run = forge.workflow_run(world.run)
    assert (run.name, run.head_sha, run.conclusion, run.pull_requests) == (
        "CI",
        world.head_sha,
        "failure",
        (world.pr,),
    )
    by_sha = list(forge.workflow_runs(head_sha=world.fork_sha))
    assert [r.pull_requests for r in by_sha] == [()], "fork runs name no pull request"
    assert [r.id for r in forge.workflow_runs(branch="feature")] == [world.run]
    jobs = list(forge.jobs(world.run))
    assert [(j.name, j.failed) for j in jobs] == [("lint", False), ("test", True)]
    assert [s.name for s in jobs[1].steps] == ["Set up job", "pytest"]
    query = rig.fake.requests.filter("GET", "/repos/*/actions/runs/*/jobs")[0].query
    assert query == {"filter": ["latest"], "per_page": ["100"]}
    assert rig.calls()["GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs"] == 1


def test_rerun_failed_jobs_once_even_when_the_answer_is_lost(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", RERUN)
    rig.forge.rerun_failed_jobs(rig.world.run)
    assert len(rig.world.repo.reruns) == 1
    assert rig.fake.requests.count("POST", RERUN) == 1
    assert rig.forge.workflow_run(rig.world.run).status == "queued"


def test_job_log_streams_through_the_redirect_without_the_token(rig: Rig, tmp_path: Path) -> None:
    dest = tmp_path / "logs" / "test.log"
    size = rig.forge.download_job_log(rig.world.failed_job, dest)
    text = dest.read_text()
    assert size == dest.stat().st_size
    assert "E   assert 1 == 2" in text
    assert not dest.with_name("test.log.part").exists()
    blobs = rig.fake.requests.filter("GET", "/_blobs/*")
    assert len(blobs) == 1
    assert "authorization" not in blobs[0].headers, "the token stays with the API host"
    api = rig.fake.requests.filter("GET", "/repos/*/actions/jobs/*/logs")
    assert [r.status for r in api] == [302]
    assert api[0].headers["authorization"].endswith("SECRET")
    assert rig.calls() == {"GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs": 1}


def test_an_expired_or_failing_storage_url_is_fetched_again(rig: Rig, tmp_path: Path) -> None:
    rig.fake.faults.status("GET", "/_blobs/*", 503)
    rig.forge.download_job_log(rig.world.failed_job, tmp_path / "log.txt")
    assert "assert 1 == 2" in (tmp_path / "log.txt").read_text()
    assert rig.fake.requests.count("GET", "/repos/*/actions/jobs/*/logs") == 2


def test_artifacts_listing_download_digest_and_delete(rig: Rig, tmp_path: Path) -> None:
    forge = rig.forge
    [artifact] = forge.artifacts("coverage")
    assert artifact.digest and artifact.digest.startswith("sha256:")
    path = forge.download_artifact(artifact, tmp_path)
    assert path == tmp_path / "coverage.zip"
    assert zipfile.ZipFile(path).read("coverage.xml") == b"<coverage/>"
    assert "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest() == artifact.digest
    assert path.stat().st_size == artifact.size
    forge.delete_artifact(artifact.id)
    assert list(forge.artifacts("coverage")) == []


def test_a_digest_mismatch_is_ca503_and_leaves_nothing(rig: Rig, tmp_path: Path) -> None:
    [artifact] = rig.forge.artifacts("coverage")
    rig.world.repo.artifacts[artifact.id].digest = "sha256:" + "0" * 64
    [tampered] = rig.forge.artifacts("coverage")
    with pytest.raises(CiAgentError) as caught:
        rig.forge.download_artifact(tampered, tmp_path / "out" / "c.zip")
    assert caught.value.code == "CA503"
    assert "0" * 64 in caught.value.message
    assert os.listdir(tmp_path / "out") == []


def test_an_expired_artifact_is_ca305(rig: Rig, tmp_path: Path) -> None:
    [artifact] = rig.forge.artifacts("coverage")
    rig.fake.clock.advance(91 * 86400)
    with pytest.raises(CiAgentError) as caught:
        rig.forge.download_artifact(artifact, tmp_path / "out" / "c.zip")
    assert caught.value.code == "CA305"
    assert "410" in caught.value.message and "expired" in caught.value.message
    assert os.listdir(tmp_path / "out") == []


def test_a_delete_that_landed_counts_as_done(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("DELETE", "/repos/*/actions/artifacts/*")
    rig.forge.delete_artifact(rig.world.artifact)
    assert rig.world.artifact not in rig.world.repo.artifacts


def test_250_artifacts_come_in_three_pages_through_link(rig: Rig) -> None:
    for n in range(249):
        rig.world.repo.add_artifact(f"a{n}", data=b"PK\x05\x06" + bytes(18))
    assert len({a.id for a in rig.forge.artifacts()}) == 250
    pages = rig.fake.requests.filter("GET", "/repos/*/actions/artifacts")
    assert [r.query.get("page", ["1"]) for r in pages] == [["1"], ["2"], ["3"]]
    assert rig.calls()["GET /repos/{owner}/{repo}/actions/artifacts"] == 3


def test_a_large_artifact_is_streamed_not_held_in_memory(rig: Rig, tmp_path: Path) -> None:
    data = os.urandom(8 * 1024 * 1024)
    big = rig.world.repo.add_artifact("big", data=data)
    [artifact] = rig.forge.artifacts("big")
    tracemalloc.start()
    try:
        path = rig.forge.download_artifact(artifact, tmp_path / "big.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.read_bytes() == big.data
    assert peak < len(data) // 4, f"peak {peak} bytes for an {len(data)}-byte download"
