"""Redirect-based downloads: job logs, run logs and artifact zips answer 302 to a short-lived
URL on another host name of the fake (so clients drop the token), which expires."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
import requests

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .world import World, build

R = "/repos/acme/widgets"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z ")


@pytest.fixture
def world(fake_github: FakeGitHub) -> World:
    return build(fake_github)


def test_job_log_redirects_to_timestamped_text(fake_github: FakeGitHub, world: World) -> None:
    raw = Raw(fake_github.base_url)
    reply = raw.get(f"{R}/actions/jobs/{world.failed_job}/logs")
    assert reply.status == 302
    location = reply.headers["location"]
    assert location.startswith(f"http://localhost:{fake_github.server.port}/_blobs/")
    log = Raw(location, token=None).get("")
    assert log.status == 200
    assert log.headers["content-type"] == "text/plain"
    lines = log.text.splitlines()
    assert all(STAMP.match(line) for line in lines)
    text = [line.split(" ", 1)[1] for line in lines]
    assert "##[group]Run pytest" in text
    assert "E   assert 1 == 2" in text
    assert text[-1] == "##[error]Process completed with exit code 1."


def test_short_lived_urls_expire(fake_github: FakeGitHub, world: World) -> None:
    location = Raw(fake_github.base_url).get(f"{R}/actions/jobs/{world.failed_job}/logs")
    fake_github.clock.advance(61)
    expired = Raw(location.headers["location"], token=None).get("")
    assert expired.status == 403
    assert b"AuthenticationFailed" in expired.body


def test_run_logs_zip(fake_github: FakeGitHub, world: World) -> None:
    reply = Raw(fake_github.base_url).get(f"{R}/actions/runs/{world.run}/logs")
    assert reply.status == 302
    data = Raw(reply.headers["location"], token=None).get("").body
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "1_test.txt" in names
    assert "test/2_pytest.txt" in names
    assert "lint/1_Set up job.txt" in names


def test_artifact_zip_digest_and_expiry(fake_github: FakeGitHub, world: World) -> None:
    raw = Raw(fake_github.base_url)
    meta = raw.get(f"{R}/actions/artifacts/{world.artifact}").json
    reply = raw.get(meta["archive_download_url"])
    assert reply.status == 302
    data = Raw(reply.headers["location"], token=None).get("").body
    assert meta["digest"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert meta["size_in_bytes"] == len(data)
    assert zipfile.ZipFile(io.BytesIO(data)).read("coverage.xml") == b"<coverage/>"
    fake_github.clock.advance(91 * 86400)
    assert raw.get(f"{R}/actions/artifacts/{world.artifact}").json["expired"] is True
    gone = raw.get(f"{R}/actions/artifacts/{world.artifact}/zip")
    assert (gone.status, gone.json["message"]) == (410, "Artifact has expired")


def test_pygithub_gets_the_log_url(fake_github: FakeGitHub, world: World) -> None:
    repo = fake_github.pygithub().get_repo("acme/widgets")
    job = repo.get_workflow_run(world.run).jobs()[1]
    assert job.id == world.failed_job
    url = job.logs_url()  # PyGithub answers the 302's location; callers fetch it themselves
    assert "/_blobs/" in url
    assert fake_github.requests.filter("GET", "/repos/*/logs")[-1].status == 302
    log = requests.get(url, timeout=10)
    assert log.status_code == 200
    assert "E   assert 1 == 2" in log.text


def test_ghapi_downloads_logs_and_artifacts(fake_github: FakeGitHub, world: World) -> None:
    api = fake_github.ghapi("acme", "widgets")
    log = api.actions.download_job_logs_for_workflow_run(world.failed_job)
    assert "E   assert 1 == 2" in log
    archive = api.actions.download_artifact(world.artifact, "zip")
    assert zipfile.ZipFile(io.BytesIO(archive)).read("coverage.xml") == b"<coverage/>"
    blob_requests = fake_github.requests.filter("GET", "/_blobs/*")
    assert blob_requests
    assert all("authorization" not in r.headers for r in blob_requests), "token not leaked"
