"""The action's insights job: `command: insights` on a schedule keeps the dashboard issue, shows
it in the job summary, hands the JSON report to the upload step; other events are CA113."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.insights.history import WORKFLOW_FILES, generate

__all__ = ["fake_github"]

TOKEN = "ghs_INSIGHTSaction"


def test_a_scheduled_run_keeps_the_dashboard(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    repo = fake_github.create_repo("acme/widgets", files={"README.md": "# w\n", **WORKFLOW_FILES})
    now = datetime.now(UTC)
    generate(
        fake_github, repo, count=20, start=now - timedelta(days=5), end=now - timedelta(hours=1)
    )
    fake_github.clock.unfreeze()
    runner_temp = actions.root / "temp"
    runner_temp.mkdir()
    actions.event("schedule", {"schedule": "23 5 * * *"})
    actions.set(
        INPUT_COMMAND="insights",
        INPUT_ARGS="--days 7",
        GITHUB_API_URL=fake_github.base_url,
        GITHUB_TOKEN=TOKEN,
        GITHUB_EVENT_NAME="schedule",
        RUNNER_TEMP=str(runner_temp),
    )
    result = run_cli("run")
    assert result.code == 0, result.err
    data = json.loads(actions.outputs()["result-json"])["result"]
    assert data["job"] == "insights" and data["metrics"]["runs"] == 20
    assert data["metrics"]["window"]["days"] == 7
    artifact = data["artifact"]
    assert (
        json.loads((runner_temp / artifact["name"]).read_text())["schema"] == "ci-agent/insights@1"
    )
    assert "CI health" in actions.summary() and "```mermaid" in actions.summary()
    assert run_cli("run").code == 0  # the next day's run edits the same issue
    (issue,) = [i for i in repo.issues.values() if "ci-agent:insights:dashboard" in i.body]
    assert fake_github.requests.count("POST", "/repos/*/issues") == 1
    assert fake_github.requests.count("PATCH", "/repos/*/issues/*") <= 1
    assert issue.labels == ["ci-insights"] or "ci-insights" in str(issue.labels)


def test_other_events_are_refused(actions: ActionsStep, run_cli: RunCli) -> None:
    actions.event("push", {"ref": "refs/heads/main"})
    actions.set(INPUT_COMMAND="insights", GITHUB_EVENT_NAME="push")
    result = run_cli("run")
    assert result.code == 2
    assert "CA113" in result.err + result.out
