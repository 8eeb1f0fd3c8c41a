"""The action's plan job: `command: auto` on push plans the pushed range, outputs `matrix` and
`plan-json`; on a pull request it keeps one sticky comment; nothing to deploy is not a failure."""

from __future__ import annotations

import json

from tests.conftest import ActionsStep, RunCli, git
from tests.fakes.github_server import FakeGitHub
from tests.fakes.github_server.fixtures import fake_github
from tests.integration.plan.test_plan_cli import CHANGE, FILES, write

__all__ = ["fake_github"]


def commit(step: ActionsStep, files: dict[str, str], message: str) -> str:
    write(step.workspace, files)
    git(step.workspace, "add", "-A")
    git(step.workspace, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", message)
    return git(step.workspace, "rev-parse", "HEAD")


def test_a_push_is_planned_with_matrix_and_plan_outputs(
    actions: ActionsStep, run_cli: RunCli
) -> None:
    git(actions.workspace, "init", "-q")
    before = commit(actions, FILES, "base")
    after = commit(actions, CHANGE, "change")
    actions.event("push", {"before": before, "after": after, "ref": "refs/heads/main"})
    result = run_cli("run")
    assert result.code == 0, result.err
    outputs = actions.outputs()
    matrix = json.loads(outputs["matrix"])
    assert [{u["group"] for u in g["include"]} for g in matrix] == [{0}, {1}, {2}]
    assert all(list(g) == ["include"] for g in matrix)  # nothing a matrix would take as a vector
    plan = json.loads(outputs["plan-json"])
    assert plan["source"] == {"base": before, "head": after, "kind": "diff", "manifest": "inferred"}
    assert "sha256" not in plan  # the output is the canonical form the SHA-256 is taken over
    data = json.loads(outputs["result-json"])
    assert data["result"]["job"] == "plan"
    assert data["result"]["range"] == "the push event's range"
    assert "```mermaid" in actions.summary()


def test_a_shallow_push_plans_the_last_commit(actions: ActionsStep, run_cli: RunCli) -> None:
    git(actions.workspace, "init", "-q")
    commit(actions, FILES, "base")
    after = commit(actions, CHANGE, "change")
    actions.event("push", {"before": "f" * 40, "after": after})  # not in the checkout
    assert run_cli("run").code == 0
    data = json.loads(actions.outputs()["result-json"])
    assert data["result"]["range"].startswith("the last commit")
    assert data["result"]["source"]["head"] == after


def test_nothing_to_deploy_does_not_fail_the_push(actions: ActionsStep, run_cli: RunCli) -> None:
    git(actions.workspace, "init", "-q")
    before = commit(actions, {"README.md": "# x\n"}, "base")
    after = commit(actions, {"README.md": "# y\n"}, "change")
    actions.event("push", {"before": before, "after": after})
    result = run_cli("run")
    assert result.code == 0, result.err
    assert "nothing to plan" in result.out


def test_a_pull_request_gets_one_sticky_plan_comment(
    actions: ActionsStep, run_cli: RunCli, fake_github: FakeGitHub
) -> None:
    fake_github.require_token("ghs_PLANtoken", login="github-actions[bot]")
    repo = fake_github.create_repo("acme/widgets", files=dict(FILES))
    repo.commit("feature", dict(CHANGE), "change")
    number = repo.open_pull("feature", title="Change").number
    base, head = str(repo.branch_sha("main")), str(repo.branch_sha("feature"))
    # The checkout holds both commits, as actions/checkout with fetch-depth 0 does.
    git(actions.workspace, "init", "-q")
    git(actions.workspace, "fetch", "-q", str(repo.git.path), "main", "feature")
    git(actions.workspace, "checkout", "-q", head)
    payload = {
        "action": "synchronize",
        "number": number,
        "pull_request": {"number": number, "base": {"sha": base}, "head": {"sha": head}},
    }
    actions.event("pull_request", payload)
    actions.set(
        INPUT_COMMAND="plan", GITHUB_API_URL=fake_github.base_url, GITHUB_TOKEN="ghs_PLANtoken"
    )
    assert run_cli("run").code == 0
    assert run_cli("run").code == 0  # a re-run edits the comment, never posts a second
    (comment,) = repo.issue_comments.values()
    assert comment.body.startswith(f"<!-- ci-agent:plan:pr-{number} -->\n## ci-agent plan")
    assert "api-migrations" in comment.body
    assert fake_github.requests.count("POST", "/repos/*/issues/*/comments") == 1
