"""The two halves of the action: the compute step in the pull request's own CI job writes a
bundle (nothing goes to GitHub), and the privileged ``workflow_run`` job finds it among the
run's artifacts, re-checks it through the API and lands it. A fork's pull request gets
suggestions only; the privileged job never needs a clone."""

from __future__ import annotations

import json
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server import RepoState
from tests.integration.triage.joblog import RunStep, job_log, run_tool
from tests.support import git

from .conftest import BUGGY, TOKEN, World, patch_answer

GOOD = patch_answer("    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub")


def compute(world: World, run_id: int, head: str, tmp_path: Path, log_text: str) -> Path:
    """The compute step: ``ci-agent fix --log`` in the clone writes the bundle."""
    log = tmp_path / "job.log"
    log.write_text(log_text, encoding="utf-8")
    bundle = tmp_path / f"ci-agent-fix-{run_id}-1-test-0001.json"
    requests_before = len(world.fake.requests)
    outcome = world.fix(
        "--log", str(log), "--run", str(run_id), "--head-sha", head, "--bundle-out", str(bundle)
    )
    data = outcome.json()
    assert outcome.code == 0, data["errors"]
    assert data["result"]["action"] == "computed"
    assert data["result"]["artifact"]["path"] == str(bundle)
    # Nothing asked of GitHub but the configuration at the base (the step is in Actions).
    asked = list(world.fake.requests)[requests_before:]
    assert all(r.method == "GET" and "/contents" in r.path for r in asked)
    return bundle


def privileged_job(
    run_cli: RunCli, actions: ActionsStep, run_id: int, **inputs: str
) -> dict[str, Any]:
    """``ci-agent run`` for the ``workflow_run`` event, in an empty workspace."""
    actions.event("workflow_run", {"action": "completed", "workflow_run": {"id": run_id}})
    actions.set(INPUT_GITHUB_TOKEN=TOKEN, **inputs)
    outcome = run_cli("run")
    data = json.loads(actions.outputs()["result-json"])
    assert outcome.code == 0, (outcome.err, data["errors"])
    output = (outcome.out + "\n" + outcome.err).splitlines()
    shown = [line for line in output if not line.startswith("::add-mask::")]
    assert TOKEN not in "\n".join(shown) + actions.summary()
    return data["result"]  # type: ignore[no-any-return]


@pytest.fixture
def fork(world: World, tmp_path: Path) -> tuple[RepoState, int, Path]:
    """A fork with the bug on its ``patch-1`` branch, its pull request, and a clone of it."""
    fork = world.fake.state.fork_repo(world.repo, "mallory/widgets")
    fork.commit("patch-1", {"calc.py": BUGGY}, "Refactor add", parent="main")
    number = world.repo.open_pull(
        "patch-1", title="Refactor", head_repo=fork, user="mallory"
    ).number
    clone = tmp_path / "fork-clone"
    git(tmp_path, "clone", "-q", fork.git.path.as_uri(), str(clone))
    git(clone, "checkout", "-q", "origin/patch-1")
    return fork, number, clone


def test_a_fork_gets_suggestions_from_the_bundle_and_no_push(
    world: World,
    fork: tuple[RepoState, int, Path],
    run_cli: RunCli,
    actions: ActionsStep,
    tmp_path: Path,
) -> None:
    fork_repo, number, clone = fork
    head = fork_repo.branch_sha("patch-1")
    assert head
    output, code = run_tool([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], clone)
    assert code == 1
    log = job_log([RunStep("python -m pytest", output, code)])
    run = world.repo.add_workflow_run(
        head_sha=head,
        head_branch="patch-1",
        event="pull_request",
        conclusion="failure",
        head_repo=fork_repo,
        jobs=[{"name": "test", "conclusion": "failure", "log": log}],
    )
    world.clone = clone
    world.openai.enqueue(GOOD)
    bundle = compute(world, run.id, head, tmp_path, log)
    # The action uploads it with archive: false: the artifact is the file itself.
    world.repo.add_artifact(bundle.name, run=run, data=bundle.read_bytes())
    base_main = world.repo.branch_sha("main")
    result = privileged_job(run_cli, actions, run.id)
    assert result["job"] == "fix"
    assert result["action"] == "suggested", result["reasons"]
    assert result["delivered"]["suggestions"] == 1
    assert fork_repo.branch_sha("patch-1") == head
    assert world.repo.branch_sha("main") == base_main
    assert world.fake.requests.count("PATCH", "/repos/*/git/refs/*") == 0
    assert world.fake.requests.count("POST", "/repos/*/git/commits") == 0
    [review] = [r for r in world.repo.reviews.values() if r.pull_number == number]
    [inline] = [c for c in world.repo.review_comments.values() if c.review_id == review.id]
    assert (inline.path, inline.line) == ("calc.py", 5)
    assert "```suggestion" in inline.body
    assert "return a + b" in inline.body
    [comment] = [c.body for c in world.repo.comments_on(number)]
    assert "posted the fix as suggestions, unverified" in comment
    assert f"reported by CI run {run.id}" in comment
    assert "mallory/widgets" in result["reasons"][0]
    assert len(world.openai.chat_requests) == 1  # only the compute step asked the model


def test_a_same_repository_bundle_is_pushed_by_the_privileged_job(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    step = world.pytest_step()
    run = world.failed_run(step)
    world.openai.enqueue(GOOD)
    before = world.head
    bundle = compute(world, run.id, before, tmp_path, job_log([step]))
    zipped = BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:  # an upload with archive: true
        archive.writestr(bundle.name, bundle.read_bytes())
    world.repo.add_artifact(bundle.name, run=run, data=zipped.getvalue())
    result = privileged_job(run_cli, actions, run.id)
    assert result["action"] == "pushed", result["reasons"]
    assert world.head != before
    message = world.repo.git.text("log", "-1", "--format=%B", world.head)
    assert f"Ci-Agent-Fix: {run.id}" in message
    # The proof ran in the pull request's own job: re-checked and reported, never verified.
    assert "Ci-Agent-Rechecked: applies to head, paths, policy, weakening" in message
    assert (
        f"Ci-Agent-Reported: CI run {run.id}: before: 1 failed; after: passed 3/3 runs" in message
    )
    assert "verified" not in message.lower()
    [comment] = world.comments()
    assert "pushed a fix it re-checked; its test proof was only reported by the CI run" in comment
    assert f"reported by CI run {run.id}: before: 1 failed" in comment
    assert "verified fix" not in comment


def test_a_tampered_bundle_is_refused(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    step = world.pytest_step()
    run = world.failed_run(step)
    world.openai.enqueue(GOOD)
    before = world.head
    bundle = compute(world, run.id, before, tmp_path, job_log([step]))
    data = json.loads(bundle.read_text())
    data["diff"] = data["diff"].replace("calc.py", ".github/workflows/ci.yml")
    import hashlib

    data["diff_sha256"] = hashlib.sha256(data["diff"].encode()).hexdigest()
    world.repo.add_artifact(bundle.name, run=run, data=json.dumps(data).encode())
    result = privileged_job(run_cli, actions, run.id)
    assert result["action"] == "refused"
    assert result["reasons"][0].startswith("CA540: the patch changes .github/workflows/ci.yml")
    assert world.head == before


def test_without_a_bundle_the_privileged_job_says_how_to_add_one(
    world: World, run_cli: RunCli, actions: ActionsStep
) -> None:
    run = world.failed_run(world.pytest_step())
    result = privileged_job(run_cli, actions, run.id)
    assert result["action"] == "no-fix"
    assert "docs/fix.md" in result["reasons"][0]
    assert world.openai.chat_requests == []
    assert "ci-agent fix: no-fix" in actions.summary()


def test_a_refused_computation_is_reported_by_the_privileged_job(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    step = world.pytest_step()
    run = world.failed_run(step)
    wrong = patch_answer("    return a - b\n\n\ndef sub", "    return a * b\n\n\ndef sub")
    world.openai.enqueue(wrong, wrong, wrong)
    log = tmp_path / "job.log"
    log.write_text(job_log([step]), encoding="utf-8")
    bundle = tmp_path / "ci-agent-fix-refused.json"
    outcome = world.fix("--log", str(log), "--run", str(run.id), "--bundle-out", str(bundle))
    assert outcome.json()["result"]["action"] == "refused"
    world.repo.add_artifact(bundle.name, run=run, data=bundle.read_bytes())
    result = privileged_job(run_cli, actions, run.id)
    assert result["action"] == "refused"
    [comment] = world.comments()
    assert "found no fix it could prove" in comment


def comment_event(world: World, actions: ActionsStep, body: str, author: str) -> int:
    """``author`` comments ``body`` on the pull request; that comment is the event."""
    comment = world.repo.add_issue_comment(world.number, body, user=author)
    user = {"login": author, "type": "User"}
    actions.event(
        "issue_comment",
        {
            "action": "created",
            "issue": {"number": world.number, "pull_request": {"url": "x"}},
            "comment": {
                "id": comment.id,
                "body": body,
                "user": user,
                "author_association": "COLLABORATOR",
            },
            "repository": {"full_name": "acme/widgets"},
            "sender": user,
        },
    )
    actions.set(INPUT_GITHUB_TOKEN=TOKEN)
    return comment.id


def test_the_fix_comment_lands_the_bundle_as_suggestions(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    step = world.pytest_step()
    run = world.failed_run(step)
    world.openai.enqueue(GOOD)
    before = world.head
    bundle = compute(world, run.id, before, tmp_path, job_log([step]))
    world.repo.add_artifact(bundle.name, run=run, data=bundle.read_bytes())
    world.repo.grant("maintainer", "write", association="COLLABORATOR")
    comment_id = comment_event(world, actions, "/ci-agent fix", "maintainer")
    outcome = run_cli("run")
    data = json.loads(actions.outputs()["result-json"])
    assert outcome.code == 0, (outcome.err, data["errors"])
    result = data["result"]
    assert (result["job"], result["action"]) == ("comment-fix", "suggested")
    assert result["requested_by"] == "maintainer"
    assert world.head == before  # the commands job never pushes
    reactions = [r.content for r in world.repo.reactions_on(("issue_comment", comment_id))]
    assert reactions == ["eyes", "rocket"]


def test_the_fix_comment_needs_write_permission(
    world: World, run_cli: RunCli, actions: ActionsStep
) -> None:
    world.failed_run(world.pytest_step())
    world.repo.grant("reader", "read", association="COLLABORATOR")
    comment_event(world, actions, "/ci-agent fix", "reader")
    outcome = run_cli("run")
    data = json.loads(actions.outputs()["result-json"])
    assert outcome.code == 0
    assert "commands need write or admin" in data["result"]["skipped"]
    assert world.repo.reruns == []
    assert world.openai.chat_requests == []
