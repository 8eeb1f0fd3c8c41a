"""`approval: true` and `wait-timer-minutes` checked against the GitHub Environments, in the
action's plan job through the fake GitHub: a missing rule or environment is a coded finding in
the result, the comment and the check run (which it fails); a token that may not read
environments leaves them unchecked, and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ActionsStep, RunCli, git
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.plan.test_check_and_history import TOKEN, pull_request, result
from tests.integration.plan.test_plan_cli import CHANGE, FILES, write

__all__ = ["fake_github"]

MANIFEST = """deploy:
  environments:
    - {name: staging, wait-timer-minutes: 10}
    - {name: production, approval: true}
  units:
    - {name: web, paths: ["lib/**", "web/**"]}
"""


def plan(actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub) -> tuple[Any, Any]:
    repo, _, _ = pull_request(actions, fake_github, MANIFEST)
    return repo, lambda: run_cli("run")


def test_missing_gates_are_findings_that_fail_the_check(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, run = plan(actions, run_cli, fake_github)
    repo.add_environment("production")  # exists, but nobody must approve
    done = run()
    assert done.code == 0, done.err
    gates = result(actions)["environment_gates"]
    assert [(f["code"], f["environment"]) for f in gates["findings"]] == [
        ("CA554", "staging"),
        ("CA553", "production"),
    ]
    staging, production = gates["findings"]
    assert (
        "waits 10 minute(s) before a deployment, but its GitHub Environment does not exist"
        in (staging["message"])
    )
    assert "has no required reviewers protection rule" in production["message"]
    assert "Settings → Environments → production" in production["suggestion"]
    assert gates["checked"][1] == {
        "environment": "production",
        "exists": True,
        "reviewers": 0,
        "wait_timer_minutes": 0,
        "rules": [],
    }
    (check,) = repo.check_runs.values()
    assert check.conclusion == "failure"
    assert "2 environment gate(s) missing in GitHub" in check.title
    assert check.summary is not None and "**CA553**" in check.summary
    (comment,) = repo.issue_comments.values()  # the sticky comment on the pull request
    assert "**CA553**" in comment.body


def test_gates_that_hold_pass(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, run = plan(actions, run_cli, fake_github)
    repo.add_environment("production", reviewers=("alice",))
    repo.add_environment("staging", wait_timer=15)
    assert run().code == 0
    gates = result(actions)["environment_gates"]
    assert gates["findings"] == [] and gates["skipped"] == ""
    (check,) = repo.check_runs.values()
    assert check.conclusion == "success"
    assert "The approval and wait-timer gates hold in GitHub" in str(check.summary)
    assert fake_github.requests.count("GET", "/repos/*/environments/*") == 2


def test_a_token_without_actions_read_leaves_the_gates_unchecked(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, run = plan(actions, run_cli, fake_github)
    fake_github.faults.status("GET", "/repos/*/environments/*", 403, times=None)
    assert run().code == 0
    gates = result(actions)["environment_gates"]
    assert gates["findings"] == [] and gates["checked"] == []
    assert gates["skipped"].startswith("CA304")
    assert "not checked: staging, production" in gates["skipped"]
    assert fake_github.requests.count("GET", "/repos/*/environments/*") == 1  # stops at once
    (check,) = repo.check_runs.values()
    assert "Not checked: CA304" in str(check.summary)


def test_the_cli_checks_the_gates_with_repo(
    fake_github: FakeGitHub, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_github.require_token(TOKEN, login="alice")
    repo = fake_github.create_repo("acme/widgets", files={"README.md": "# w\n"})
    repo.add_environment("production", reviewers=("alice",))
    checkout = tmp_path / "widgets"
    checkout.mkdir()
    write(checkout, {**FILES, ".github/ci-agent.yml": MANIFEST})
    git(checkout, "init", "-q")
    git(checkout, "add", "-A")
    git(checkout, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
    write(checkout, CHANGE)
    git(checkout, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qam", "change")
    monkeypatch.chdir(checkout)
    monkeypatch.setenv("GITHUB_API_URL", fake_github.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    done = run_cli("plan", "--base", "HEAD~1", "--repo", "acme/widgets")
    assert done.code == 0, done.err
    assert "CA554: the deploy manifest says environment 'staging' waits 10 minute(s)" in done.out
    assert "CA553" not in done.out
