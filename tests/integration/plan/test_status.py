"""``plan status`` records a unit's deployment through the real GitHub client and the fake:
one deployment per unit, commit and environment; a status per call; a dry run writes nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github

__all__ = ["fake_github"]

TOKEN = "ghs_STATUStoken"


@pytest.fixture
def env(fake_github: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> FakeGitHub:
    """The fake with acme/shop, the CLI's environment pointing at it."""
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    fake_github.create_repo("acme/shop", files={"README.md": "# shop\n"})
    for name, value in {
        "GITHUB_API_URL": fake_github.base_url,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": "acme/shop",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return fake_github


def status(run_cli: RunCli, env: FakeGitHub, state: str, *extra: str) -> dict[str, object]:
    sha = str(env.repo("acme/shop").branch_sha("main"))
    result = run_cli(
        "plan",
        "status",
        "--unit",
        "api",
        "--environment",
        "staging",
        "--state",
        state,
        "--sha",
        sha,
        "--output",
        "json",
        *extra,
    )
    assert result.code == 0, result.out + result.err
    data: dict[str, object] = json.loads(result.out)["result"]
    return data


def test_one_deployment_and_a_status_per_state(env: FakeGitHub, run_cli: RunCli) -> None:
    first = status(run_cli, env, "in_progress", "--log-url", "https://example.com/log")
    second = status(run_cli, env, "success", "--environment-url", "https://staging.example.com")
    assert first["created"] is True and second["created"] is False
    assert first["deployment"] == second["deployment"]
    repo = env.repo("acme/shop")
    (deployment,) = repo.deployments.values()
    assert (deployment.task, deployment.environment) == ("deploy:api", "staging")
    states = [s.state for s in sorted(repo.deployment_statuses.values(), key=lambda s: s.id)]
    assert states == ["in_progress", "success"]
    assert env.requests.count("POST", "/repos/*/deployments") == 1


def test_a_dry_run_writes_nothing(env: FakeGitHub, run_cli: RunCli) -> None:
    done = status(run_cli, env, "in_progress", "--dry-run")
    assert done["dry_run"] is True and done["deployment"] is None
    assert sum(env.requests.count(m) for m in ("POST", "PATCH", "PUT", "DELETE")) == 0
