"""A workflow failing on the default branch after a merge (``fix.failure-issue``): the
privileged job opens one issue with the analysis (suspects = the commits since the last green
run, from the compare API), adds a comment for each further failed run (never twice for one
run), and closes the issue when the workflow passes there again. Issues a person wrote with
the same marker are never touched."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server.records import Issue
from tests.fakes.github_server.records_actions import WorkflowRun
from tests.integration.triage.joblog import RunStep, job_log

from .conftest import BUGGY, CALC, TOKEN, World

ON = "fix:\n  failure-issue: true\n"


@pytest.fixture
def main_broken(world: World) -> tuple[str, WorkflowRun]:
    """A green run on main, then two merged commits that break it and its failed run."""
    green = world.repo.branch_sha("main")
    assert green is not None
    world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    world.repo.commit("main", {"calc.py": BUGGY}, "Refactor add (#12)")
    world.repo.commit("main", {"README.md": "# widgets\n"}, "Document widgets (#13)")
    return green, failed_main_run(world, world.pytest_step())


def failed_main_run(world: World, step: RunStep) -> WorkflowRun:
    """A failed ``push`` run of CI on main at its head."""
    log = job_log([RunStep("pip install -e .", "Successfully installed calc-0"), step])
    job = {"name": "test", "conclusion": "failure", "log": log}
    return world.repo.add_workflow_run(
        head_branch="main", event="push", conclusion="failure", jobs=[job]
    )


def job(world: World, actions: ActionsStep, run: WorkflowRun, config: str = ON) -> dict[str, Any]:
    """The privileged ``workflow_run`` job for ``run``; ``config`` is the configuration at the
    commit its workflow comes from (GITHUB_SHA), where a ``workflow_run`` job reads it."""
    sha = world.repo.commit("ci-agent-config", {".github/ci-agent.yml": config}, "Configure")
    payload = {
        "action": "completed",
        "workflow_run": {
            "id": run.id,
            "conclusion": run.conclusion,
            "head_branch": run.head_branch,
            "head_sha": run.head_sha,
            "event": run.event,
        },
        "repository": {"full_name": "acme/widgets", "default_branch": "main"},
    }
    actions.event("workflow_run", payload)
    actions.set(INPUT_GITHUB_TOKEN=TOKEN, INPUT_COMMAND="fix", GITHUB_SHA=sha)
    outcome = world.run_cli("run")
    data = json.loads(actions.outputs()["result-json"])
    assert outcome.code == 0, (outcome.err, data["errors"])
    return data["result"]  # type: ignore[no-any-return]


def failure_issues(world: World, state: str = "open") -> list[Issue]:
    """Issues labelled ``ci-agent`` in ``state``."""
    return [i for i in world.repo.issues.values() if "ci-agent" in i.labels and i.state == state]


def test_a_failure_on_main_opens_one_issue_with_the_suspects(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    green, run = main_broken
    result = job(world, actions, run)
    assert result["action"] == "analyzed", result["reasons"]
    assert result["issue"]["action"] == "opened"
    [issue] = failure_issues(world)
    assert issue.number == result["issue"]["number"]
    assert issue.title == "CI failing on main: CI"
    assert issue.user == "github-actions[bot]"
    body = issue.body or ""
    assert body.startswith("<!-- ci-agent:failing:workflow-")
    assert f"run {run.id}" in body
    assert "test_add" in body
    assert f"`{green[:12]}`" in body  # the last green commit
    assert "Refactor add (#12)" in body and "Document widgets (#13)" in body  # suspects
    assert world.fake.requests.count("GET", "/repos/*/compare/*") == 1
    assert f"**Issue:** #{issue.number} (opened)" in actions.summary()
    assert not world.repo.comments_on(issue.number)

    # The same run again (a re-run of the job): nothing new is written.
    again = job(world, actions, run)
    assert again["issue"]["action"] == "unchanged"
    assert len(failure_issues(world)) == 1
    assert not world.repo.comments_on(issue.number)


def test_a_further_failure_comments_once_and_a_green_run_closes_the_issue(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, first = main_broken
    opened = job(world, actions, first)["issue"]["number"]
    world.repo.commit("main", {"NOTES.md": "notes\n"}, "Notes (#14)")
    second = failed_main_run(world, world.pytest_step())
    for _ in range(2):  # the second job run for the same run edits its comment, never re-posts
        result = job(world, actions, second)
        assert result["issue"]["number"] == opened
    assert result["issue"]["action"] == "unchanged"
    [comment] = world.repo.comments_on(opened)
    assert comment.body.startswith(f"<!-- ci-agent:failing-run:run-{second.id} -->")
    assert "Notes (#14)" in comment.body
    assert len(failure_issues(world)) == 1

    world.repo.commit("main", {"calc.py": CALC}, "Fix add (#15)")
    passed = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    result = job(world, actions, passed)
    assert result["action"] == "closed-issue", result["reasons"]
    assert not failure_issues(world)
    [closed] = failure_issues(world, "closed")
    assert closed.state_reason == "completed"
    last = world.repo.comments_on(opened)[-1]
    assert f"passes on `main` again: [run {passed.id}](" in last.body

    # The next green run finds nothing to close.
    later = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    result = job(world, actions, later)
    assert result["action"] == "passed"
    assert "no failure issue was open" in result["reasons"][0]


def test_an_issue_a_person_wrote_with_the_marker_is_left_alone(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    first = job(world, actions, run)["issue"]["number"]
    issue = world.repo.issues[first]
    forged = world.repo.add_issue(
        "CI failing on main: CI", body=issue.body, user="mallory", labels=["ci-agent"]
    )
    world.repo.issues[first].state = "closed"  # someone closed ci-agent's own issue
    second = failed_main_run(world, world.pytest_step())
    result = job(world, actions, second)
    assert result["issue"]["action"] == "opened"
    assert result["issue"]["number"] not in (first, forged.number)
    assert not world.repo.comments_on(forged.number)
    passed = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    job(world, actions, passed)
    assert world.repo.issues[forged.number].state == "open"


def test_without_issues_write_the_analysis_still_stands(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    world.fake.faults.status("POST", "/repos/*/issues", 403, times=None)
    result = job(world, actions, run)
    assert result["action"] == "analyzed"
    assert result["issue"] is None
    assert "could not open or update the failure issue: CA30" in result["reasons"][-1]
    assert "Root-cause candidates" in actions.summary()


def test_off_by_default_no_issue_and_a_green_run_is_a_no_op(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    result = job(world, actions, run, config="fix: {}\n")
    assert result["action"] == "analyzed"
    assert result["issue"] is None
    assert not failure_issues(world)
    passed = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    before = len(world.fake.requests)
    result = job(world, actions, passed, config="fix: {}\n")
    assert result["action"] == "passed"
    # Nothing asked of GitHub but the configuration at the workflow's commit.
    asked = list(world.fake.requests)[before:]
    assert [r.method for r in asked] == ["GET"] * len(asked)
    assert all("/contents" in r.path for r in asked)


def test_a_pull_request_failure_never_opens_the_issue(
    world: World, run_cli: RunCli, actions: ActionsStep
) -> None:
    run = world.failed_run(world.pytest_step())
    result = job(world, actions, run)
    assert result["issue"] is None
    assert not failure_issues(world)


def test_the_issue_is_found_across_pages_of_open_issues(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    opened = job(world, actions, run)["issue"]["number"]
    for n in range(120):  # newer issues with the same label push it to the second page
        world.repo.add_issue(f"Other {n}", body="text", labels=["ci-agent"])
    second = failed_main_run(world, world.pytest_step())
    result = job(world, actions, second)
    assert (result["issue"]["number"], result["issue"]["action"]) == (opened, "created")
    assert len(failure_issues(world)) == 121


def test_on_a_laptop_the_default_branch_is_named(
    world: World, main_broken: tuple[str, WorkflowRun]
) -> None:
    _, run = main_broken
    (world.clone / ".github").mkdir(exist_ok=True)
    (world.clone / ".github" / "ci-agent.yml").write_text(ON, encoding="utf-8")
    unnamed = world.fix("--run", str(run.id), "--no-compute").json()
    assert unnamed["result"]["triage"]["source"]["critical"] is False
    assert not failure_issues(world)
    named = world.fix("--run", str(run.id), "--no-compute", "--default-branch", "main").json()
    assert named["result"]["action"] == "analyzed", named["errors"]
    assert named["result"]["issue"]["action"] == "opened"
    assert len(failure_issues(world)) == 1


def test_a_green_pull_request_run_closes_nothing(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    opened = job(world, actions, run)["issue"]["number"]
    green_pr = world.repo.add_workflow_run(
        head_branch="feature", event="pull_request", conclusion="success"
    )
    result = job(world, actions, green_pr)
    assert result["action"] == "passed"
    assert "not a push to the default branch" in result["reasons"][0]
    assert world.repo.issues[opened].state == "open"


def test_a_dry_run_opens_and_closes_nothing(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    actions.set(INPUT_DRY_RUN="true")
    assert job(world, actions, run)["issue"] is None
    passed = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    result = job(world, actions, passed)
    assert "dry run: no issue closed" in result["reasons"][0]
    assert not failure_issues(world)


def test_a_refused_close_is_reported_and_a_lost_green_commit_lists_no_suspects(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    world.fake.faults.status("GET", "/repos/*/compare/*", 404, times=None)  # after a force-push
    result = job(world, actions, run)
    assert result["analysis"]["suspects"] == []
    opened = result["issue"]["number"]
    world.fake.faults.status("PATCH", f"/repos/*/issues/{opened}", 403, times=None)
    passed = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    result = job(world, actions, passed)
    assert result["action"] == "passed"
    assert "could not close the failure issue: CA30" in result["reasons"][0]
    assert world.repo.issues[opened].state == "open"


def test_a_green_run_older_than_the_newest_failure_keeps_the_issue_open(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, first = main_broken
    opened = job(world, actions, first)["issue"]["number"]
    # A green run starts, then a newer failed run finishes first (runs finish out of order).
    green = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    world.repo.commit("main", {"NOTES.md": "notes\n"}, "Notes (#14)")
    newer = failed_main_run(world, world.pytest_step())
    assert job(world, actions, newer)["issue"]["action"] == "created"
    result = job(world, actions, green)
    assert result["action"] == "passed"
    assert result["issue"]["action"] == "kept-open"
    assert "a newer run failed" in result["reasons"][0]
    assert world.repo.issues[opened].state == "open"


def test_a_cancelled_run_is_not_green(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    opened = job(world, actions, run)["issue"]["number"]
    job_entry = {"name": "test", "conclusion": "cancelled", "log": "cancelled\n"}
    cancelled = world.repo.add_workflow_run(
        head_branch="main", event="push", conclusion="cancelled", jobs=[job_entry]
    )
    (world.clone / ".github").mkdir(exist_ok=True)
    (world.clone / ".github" / "ci-agent.yml").write_text(ON, encoding="utf-8")
    outcome = world.fix("--run", str(cancelled.id), "--no-compute", "--default-branch", "main")
    assert outcome.code != 0
    assert [e["code"] for e in outcome.json()["errors"]] == ["CA136"]
    assert world.repo.issues[opened].state == "open"
    assert not world.repo.comments_on(opened)


def test_a_release_pull_request_of_the_default_branch_gets_no_comment(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    green, run = main_broken
    world.repo.commit("production", {"RELEASE.md": "v1\n"}, "Release base", parent=green)
    release = world.repo.open_pull("main", base="production", title="Release").number
    result = job(world, actions, run)
    assert result["pull_request"] is None
    assert result["issue"]["action"] == "opened"
    assert not world.repo.comments_on(release)


def test_a_failed_push_elsewhere_opens_no_issue(
    world: World, run_cli: RunCli, actions: ActionsStep
) -> None:
    world.repo.commit("develop", {"calc.py": BUGGY}, "Break it", parent="main")
    log = job_log([world.pytest_step()])
    run = world.repo.add_workflow_run(
        head_branch="develop",
        event="push",
        conclusion="failure",
        jobs=[{"name": "test", "conclusion": "failure", "log": log}],
    )
    result = job(world, actions, run)
    assert result["issue"] is None
    assert result["triage"]["source"]["critical"] is False
    assert not failure_issues(world)


def test_a_failure_that_finishes_after_a_newer_green_run_opens_no_issue(
    world: World, main_broken: tuple[str, WorkflowRun], run_cli: RunCli, actions: ActionsStep
) -> None:
    _, run = main_broken
    world.repo.commit("main", {"calc.py": CALC}, "Fix add (#15)")
    newer = world.repo.add_workflow_run(head_branch="main", event="push", conclusion="success")
    result = job(world, actions, run)
    assert result["action"] == "analyzed"
    assert result["issue"] is None
    assert f"run {newer.id} of the workflow passed after this one" in result["reasons"][-1]
    assert result["analysis"]["passed_after"] == newer.id
    assert f"A later run of this workflow passed: run {newer.id}." in actions.summary()
    assert not failure_issues(world)
    # The analysis and the issue decision share one look at the branch's runs.
    on_branch = [
        r
        for r in world.fake.requests.filter("GET", "/repos/*/actions/runs")
        if r.query.get("branch")
    ]
    assert len(on_branch) == 1
