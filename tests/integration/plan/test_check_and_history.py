"""The plan's check run and its CI failure-rate risk, through the fake GitHub server.

The action's plan job runs as a user's workflow runs it: the check run is created on the pull
request's head, carries one annotation per risk finding with a line, concludes by the highest
risk, and a re-run updates it in place without duplicating annotations. The default branch's
recent runs of the workflow that tests a unit give that unit a risk with the counts and runs.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ActionsStep, RunCli, git
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.plan.test_plan_cli import CHANGE, FILES

__all__ = ["fake_github"]

TOKEN = "ghs_PLANcheck"
WORKFLOWS = {
    ".github/workflows/api.yml": (
        "on:\n  push:\n    paths: ['api/**']\n  pull_request:\n    paths: ['api/**']\n"
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"
    ),
    ".github/workflows/web.yml": (
        "on:\n  push:\n    paths: ['web/**']\n"
        "jobs:\n  t:\n    runs-on: ubuntu-latest\n    steps: [{run: 'true'}]\n"
    ),
}


def pull_request(
    actions: ActionsStep, fake_github: FakeGitHub, config: str = ""
) -> tuple[Any, int, str]:
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    files = {**FILES, **WORKFLOWS}
    if config:
        files[".github/ci-agent.yml"] = config
    repo = fake_github.create_repo("acme/widgets", files=files)
    repo.commit("feature", dict(CHANGE), "change")
    number = repo.open_pull("feature", title="Change").number
    base, head = str(repo.branch_sha("main")), str(repo.branch_sha("feature"))
    git(actions.workspace, "init", "-q")
    git(actions.workspace, "fetch", "-q", str(repo.git.path), "main", "feature")
    git(actions.workspace, "checkout", "-q", head)
    payload = {
        "action": "synchronize",
        "number": number,
        "pull_request": {"number": number, "base": {"sha": base}, "head": {"sha": head}},
        "repository": {"full_name": "acme/widgets", "default_branch": "main"},
    }
    actions.event("pull_request", payload)
    actions.set(INPUT_COMMAND="plan", GITHUB_API_URL=fake_github.base_url, GITHUB_TOKEN=TOKEN)
    return repo, number, head


def result(actions: ActionsStep) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(actions.outputs()["result-json"])["result"]
    return data


def test_the_check_run_is_created_once_and_updated_in_place(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, _, head = pull_request(actions, fake_github)
    first = run_cli("run")
    assert first.code == 0, first.err
    (check,) = repo.check_runs.values()
    assert check.name == "ci-agent plan"
    assert check.head_sha == head
    assert check.conclusion == "failure"  # a critical migration, and the default fails at high
    assert check.title == "6 unit(s) in 3 group(s), highest risk critical (fails from high)"
    assert check.summary is not None and "```mermaid" in check.summary
    places = sorted((a["path"], a["start_line"], a["annotation_level"]) for a in check.annotations)
    assert places == [
        ("api/migrations/0002.sql", 1, "failure"),
        ("infra/modules/net/main.tf", 2, "failure"),
        ("infra/modules/net/main.tf", 2, "failure"),  # the module's risk ships with prod
    ]
    assert result(actions)["check_run"]["action"] == "created"

    second = run_cli("run")
    assert second.code == 0, second.err
    assert list(repo.check_runs) == [check.id]  # no second check run for the same head
    assert len(repo.check_runs[check.id].annotations) == 3  # nothing appended twice
    assert fake_github.requests.count("POST", "/repos/*/check-runs") == 1
    done = result(actions)["check_run"]
    assert (done["action"], done["annotations"], done["annotations_sent"]) == ("updated", 3, 0)


def test_the_fail_level_is_configurable(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, _, _ = pull_request(actions, fake_github, "deploy:\n  check-fail-level: never\n")
    assert run_cli("run").code == 0
    (check,) = repo.check_runs.values()
    assert check.conclusion == "success"


def test_a_unit_whose_ci_fails_often_is_risky(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, _, _ = pull_request(actions, fake_github)
    api, web = WORKFLOWS
    outcomes = ["failure", "success", "failure", "failure", "success", "timed_out", "cancelled"]
    for conclusion in outcomes:
        repo.add_workflow_run(name="API", head_branch="main", conclusion=conclusion, path=api)
    for _ in range(6):
        repo.add_workflow_run(name="Web", head_branch="main", conclusion="success", path=web)
    repo.add_workflow_run(name="API", head_branch="feature", conclusion="failure", path=api)
    assert run_cli("run").code == 0
    data = result(actions)
    assert data["source"]["ci_history"] == {
        "branch": "main",
        "complete": True,
        "limit": 100,
        "runs_read": 13,
    }
    units = {u["name"]: u for u in data["units"]}
    (finding,) = [e for e in units["api"]["risk"]["evidence"] if e["rule"] == "ci-failure-rate"]
    assert finding["level"] == "high"
    assert finding["reason"] == (
        "4 of the last 6 completed runs of .github/workflows/api.yml on main failed (67%, over 30%)"
    )
    assert finding["text"].count("/actions/runs/") == 4
    assert not [e for e in units["web"]["risk"]["evidence"] if e["rule"] == "ci-failure-rate"]


def test_the_history_read_is_bounded_and_says_so(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    repo, _, _ = pull_request(actions, fake_github, "deploy:\n  risk:\n    ci-runs: 5\n")
    api = next(iter(WORKFLOWS))
    for _ in range(8):
        repo.add_workflow_run(name="API", head_branch="main", conclusion="failure", path=api)
    assert run_cli("run").code == 0
    data = result(actions)
    assert data["source"]["ci_history"]["runs_read"] == 5
    assert data["source"]["ci_history"]["complete"] is False
    units = {u["name"]: u for u in data["units"]}
    (finding,) = [e for e in units["api"]["risk"]["evidence"] if e["rule"] == "ci-failure-rate"]
    assert finding["reason"].endswith("(the newest 5 runs read)")


def test_a_push_with_a_coverage_report_from_args(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    fake_github.require_token(TOKEN, login="github-actions[bot]")
    files = {**FILES, "api/calc.py": "def f():\n    return 1\n"}
    repo = fake_github.create_repo("acme/widgets", files=files)
    before = str(repo.branch_sha("main"))
    change = {"api/calc.py": "def f():\n" + "".join(f"    x{n} = {n}\n" for n in range(8))}
    repo.commit("main", change, "more")
    after = str(repo.branch_sha("main"))
    git(actions.workspace, "init", "-q")
    git(actions.workspace, "fetch", "-q", str(repo.git.path), "main")
    git(actions.workspace, "checkout", "-q", after)
    report = {
        "files": {"api/calc.py": {"executed_lines": [1], "missing_lines": list(range(2, 10))}}
    }
    (actions.workspace / "coverage.json").write_text(json.dumps(report), encoding="utf-8")
    actions.event("push", {"before": before, "after": after, "ref": "refs/heads/main"})
    actions.set(
        INPUT_COMMAND="plan",
        INPUT_ARGS="--coverage coverage.json",
        GITHUB_API_URL=fake_github.base_url,
        GITHUB_TOKEN=TOKEN,
    )
    done = run_cli("run")
    assert done.code == 0, done.err
    data = result(actions)
    assert data["source"]["coverage"] == {"files": 1, "report": "coverage.json"}
    units = {u["name"]: u for u in data["units"]}
    (finding,) = units["api"]["risk"]["evidence"]
    assert finding["reason"] == "0 of 8 changed lines covered (0%, under 50%) in coverage.json"
    (check,) = repo.check_runs.values()
    assert check.head_sha == after
    assert check.conclusion == "failure"
    assert [(a["path"], a["start_line"]) for a in check.annotations] == [("api/calc.py", 2)]


def test_bad_plan_args_are_a_usage_error(actions: ActionsStep, run_cli: RunCli) -> None:
    git(actions.workspace, "init", "-q")
    actions.event("push", {"before": "0" * 40, "after": "HEAD"})
    actions.set(INPUT_COMMAND="plan", INPUT_ARGS="--covrage x.xml")
    done = run_cli("run")
    assert done.code == 2
    assert "CA108" in done.err
