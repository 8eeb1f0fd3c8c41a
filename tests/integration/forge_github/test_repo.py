"""Branches, pull requests and pushes: the token never lands in a URL, a message or .git/config."""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.github_http import GitHubHttp
from ci_agent.forge.github_repo import auth_config
from ci_agent.forge.types import RepoName
from ci_agent.metrics import Metrics
from ci_agent.retry import RetryPolicy
from ci_agent.secret import Secret
from tests.fakes.github_server import FakeGitHub

from .conftest import TOKEN, FakeClock, MakeForge, Rig

BASIC = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def everything_under(folder: Path) -> str:
    return "\n".join(p.read_bytes().decode("latin-1") for p in folder.rglob("*") if p.is_file())


def test_create_branch_and_open_a_pull_request(rig: Rig) -> None:
    forge, world = rig.forge, rig.world
    forge.create_branch("ci-agent/fix", world.head_sha)
    assert world.repo.branch_sha("ci-agent/fix") == world.head_sha
    pr = forge.open_pull_request("main", "ci-agent/fix", "Fix CI", "Body", draft=True)
    assert (pr.head_ref, pr.base_ref, pr.draft, pr.author) == (
        "ci-agent/fix",
        "main",
        True,
        "ci-bot",
    )


def test_a_branch_and_a_pull_request_that_landed_are_not_created_twice(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", "/repos/*/git/refs")
    rig.fake.faults.apply_then_fail("POST", "/repos/*/pulls")
    rig.forge.create_branch("ci-agent/fix", rig.world.head_sha)
    pr = rig.forge.open_pull_request("main", "ci-agent/fix", "Fix CI", "Body")
    assert rig.fake.requests.count("POST", "/repos/*/git/refs") == 1
    assert rig.fake.requests.count("POST", "/repos/*/pulls") == 1
    open_prs = [p for p in rig.world.repo.pulls() if p.pull and p.pull.head_ref == "ci-agent/fix"]
    assert [p.number for p in open_prs] == [pr.number]


def test_a_branch_lost_to_a_reset_is_checked_then_created(rig: Rig) -> None:
    rig.fake.faults.reset("POST", "/repos/*/git/refs")
    rig.forge.create_branch("ci-agent/retry", rig.world.head_sha)
    assert rig.world.repo.branch_sha("ci-agent/retry") == rig.world.head_sha
    assert [r.status for r in rig.fake.requests.filter("GET", "/repos/*/git/ref/*")] == [404]
    assert [r.status for r in rig.fake.requests.filter("POST", "/repos/*/git/refs")] == [None, 201]


def test_push_to_the_fakes_repository_leaves_no_token(
    make_forge: MakeForge, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    origin = fake_github.repo("acme/widgets").git.path
    rig = make_forge(git_remote=origin.as_uri())
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", origin.as_uri(), str(clone))
    (clone / "fix.txt").write_text("fixed\n")
    git(clone, "add", "fix.txt")
    git(clone, "commit", "-q", "-m", "Fix")
    sha = git(clone, "rev-parse", "HEAD")
    rig.forge.push(clone, sha, "ci-agent/fix-1")
    assert rig.world.repo.branch_sha("ci-agent/fix-1") == sha
    config = (clone / ".git" / "config").read_text()
    assert "extraheader" not in config
    stored = everything_under(clone / ".git")
    assert TOKEN not in stored and BASIC not in stored


def test_push_refuses_bad_input(make_forge: MakeForge, tmp_path: Path) -> None:
    rig = make_forge(git_remote="file:///nowhere")
    git(tmp_path, "init", "-q", "work")
    with pytest.raises(CiAgentError) as sha:
        rig.forge.push(tmp_path / "work", "HEAD", "x")
    assert sha.value.code == "CA206"
    with pytest.raises(CiAgentError) as branch:
        rig.forge.push(tmp_path / "work", "a" * 40, "-x")
    assert branch.value.code == "CA203"


class _Recorder(BaseHTTPRequestHandler):
    seen: list[str]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/acme/widgets.git", seen
    server.shutdown()
    server.server_close()


def test_push_over_http_sends_the_token_only_as_a_header(
    make_forge: MakeForge, tmp_path: Path, recorder: tuple[str, list[str]]
) -> None:
    url, seen = recorder
    rig = make_forge(git_remote=url)
    git(tmp_path, "init", "-q", "work")
    work = tmp_path / "work"
    git(work, "commit", "-q", "--allow-empty", "-m", "x")
    sha = git(work, "rev-parse", "HEAD")
    with pytest.raises(CiAgentError) as caught:
        rig.forge.push(work, sha, "fix")
    assert caught.value.code == "CA203"
    assert seen and seen[0] == f"basic {BASIC}", "git sent the header to the remote"
    message = f"{caught.value.message} {caught.value.suggestion} {caught.value.context}"
    assert TOKEN not in message and BASIC not in message
    assert TOKEN not in (work / ".git" / "config").read_text()


def test_auth_config_scopes_the_header_to_the_remote_and_removes_itself(tmp_path: Path) -> None:
    remote = "https://github.com/acme/widgets.git"
    with auth_config(remote, "AUTHORIZATION: basic abc") as path:
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        include = f"include.path={path}"
        for url, expected in ((remote, "AUTHORIZATION: basic abc"), ("https://evil.test/x", "")):
            got = subprocess.run(
                ["git", "-c", include, "config", "--get-urlmatch", "http.extraheader", url],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            assert got == expected
    assert not path.exists() and not path.parent.exists()


@pytest.mark.parametrize(
    ("api_url", "remote"),
    [
        ("https://api.github.com", "https://github.com/acme/widgets.git"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/acme/widgets.git"),
    ],
)
def test_git_remote_is_next_to_the_api(api_url: str, remote: str) -> None:
    http = GitHubHttp(
        api_url,
        Secret(TOKEN),
        RepoName("acme", "widgets"),
        retry=RetryPolicy(clock=FakeClock()),
        metrics=Metrics(),
    )
    assert http.clients.git_remote == remote
