"""The compute step as the action runs it in a pull request's CI job: a real ``pull_request``
payload, the merge commit ``actions/checkout`` makes (fetched at the workflow's depth), the
test log of a real pytest run there. The fix prompt lists the files the pull request changes
(not what the base gained meanwhile), or none when the checkout cannot tell; the bundle
belongs to the pull request's head and lands on its branch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ActionsStep, RunCli
from tests.integration.triage.joblog import job_log
from tests.support import git

from .conftest import TOKEN, World, patch_answer

GOOD = patch_answer("    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub")
LISTED = "Files the change under test modifies"


def merge_ref(world: World, tmp_path: Path) -> str:
    """What GitHub makes for a pull request: ``refs/pull/N/merge``, the head merged into the
    base. The pull request also touches README.md; the base gained NOTES.md since it forked."""
    world.repo.commit("feature", {"README.md": "# widgets\n"}, "Document")
    world.repo.commit("main", {"NOTES.md": "notes\n"}, "Notes on main")
    scratch = tmp_path / "merge-maker"
    git(tmp_path, "clone", "-q", world.repo.git.path.as_uri(), str(scratch))
    git(scratch, "checkout", "-q", "--detach", "origin/main")
    git(scratch, "merge", "-q", "--no-ff", "-m", "Merge feature into main", "origin/feature")
    ref = f"refs/pull/{world.number}/merge"
    git(scratch, "push", "-q", "origin", f"HEAD:{ref}")
    return ref


def checkout(world: World, tmp_path: Path, ref: str, depth: int) -> Path:
    """What ``actions/checkout`` does for ``pull_request`` at ``fetch-depth: depth`` (0 = all)."""
    workspace = tmp_path / f"workspace-{depth}"
    workspace.mkdir()
    git(workspace, "init", "-q")
    deepen = [f"--depth={depth}"] if depth else []
    url = world.repo.git.path.as_uri()
    git(workspace, "fetch", "-q", *deepen, url, f"+{ref}:refs/remotes/pull/merge")
    if not depth:
        git(workspace, "fetch", "-q", url, "+refs/heads/*:refs/remotes/origin/*")
    git(workspace, "checkout", "-q", "--detach", "refs/remotes/pull/merge")
    return workspace


def pull_request_event(world: World, base: str) -> dict[str, Any]:
    """The ``pull_request`` payload's parts ci-agent reads, shaped as GitHub sends them."""
    repository = {"full_name": "acme/widgets", "name": "widgets", "owner": {"login": "acme"}}
    return {
        "action": "synchronize",
        "number": world.number,
        "pull_request": {
            "number": world.number,
            "head": {"sha": world.head, "ref": "feature", "repo": repository},
            "base": {"sha": base, "ref": "main", "repo": repository},
        },
        "repository": repository,
    }


def compute_step(
    world: World, run_cli: RunCli, actions: ActionsStep, workspace: Path, *, base: str, run: int
) -> dict[str, Any]:
    """``uses: ci-agent`` with ``command: fix`` and ``args: --log pytest.log``."""
    log = workspace / "pytest.log"
    log.write_text(job_log([world.pytest_step(workspace)]), encoding="utf-8")
    actions.event("pull_request", pull_request_event(world, base))
    temp = workspace.parent / f"runner-temp-{workspace.name}"
    temp.mkdir()
    actions.set(
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_RUN_ID=str(run),
        GITHUB_RUN_ATTEMPT="1",
        GITHUB_JOB="test",
        RUNNER_TEMP=str(temp),
        INPUT_COMMAND="fix",
        INPUT_ARGS="--log pytest.log",
        INPUT_GITHUB_TOKEN=TOKEN,
    )
    world.monkeypatch.chdir(workspace)
    requests_before = len(world.fake.requests)
    outcome = run_cli("run")
    data = json.loads(actions.outputs()["result-json"])
    assert outcome.code == 0, (outcome.err, data["errors"])
    # The compute step asks GitHub only for the configuration at the base commit (the
    # checkout is the pull request's merge commit: its config file is not trusted).
    asked = list(world.fake.requests)[requests_before:]
    assert asked and all(r.method == "GET" and "/contents" in r.path for r in asked)
    assert all(r.query.get("ref") == [base] for r in asked)
    result: dict[str, Any] = data["result"]
    assert result["job"] == "fix"
    assert result["action"] == "computed", result["reasons"]
    assert Path(actions.outputs()["artifact-path"]).parent == temp
    return result


@pytest.mark.parametrize("depth", [0, 2])
def test_the_prompt_lists_the_files_the_pull_request_changes(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path, depth: int
) -> None:
    ref = merge_ref(world, tmp_path)
    workspace = checkout(world, tmp_path, ref, depth)
    base = world.repo.branch_sha("main")
    assert base is not None
    run = world.failed_run(world.pytest_step())
    world.openai.enqueue(GOOD)
    compute_step(world, run_cli, actions, workspace, base=base, run=run.id)
    [request] = world.openai.chat_requests
    listed = request.prompt_text.split(LISTED, 1)[1].split("Log excerpt:", 1)[0]
    assert "- calc.py" in listed
    assert "- README.md" in listed
    assert "NOTES.md" not in listed  # the base's own change is not the pull request's


def test_a_base_that_moved_past_the_merge_commit_still_gives_the_list(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    ref = merge_ref(world, tmp_path)
    workspace = checkout(world, tmp_path, ref, 2)
    # The payload names a base the checkout never fetched: the merge's parents tell instead.
    moved = world.repo.commit("main", {"LATER.md": "later\n"}, "Later on main")
    run = world.failed_run(world.pytest_step())
    world.openai.enqueue(GOOD)
    compute_step(world, run_cli, actions, workspace, base=moved, run=run.id)
    [request] = world.openai.chat_requests
    listed = request.prompt_text.split(LISTED, 1)[1].split("Log excerpt:", 1)[0]
    assert "- calc.py" in listed and "- README.md" in listed
    assert "NOTES.md" not in listed and "LATER.md" not in listed


def test_a_single_commit_checkout_computes_without_the_list(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    ref = merge_ref(world, tmp_path)
    workspace = checkout(world, tmp_path, ref, 1)
    base = world.repo.branch_sha("main")
    assert base is not None
    run = world.failed_run(world.pytest_step())
    world.openai.enqueue(GOOD)
    result = compute_step(world, run_cli, actions, workspace, base=base, run=run.id)
    assert result["fix"]["status"] == "verified"
    [request] = world.openai.chat_requests
    assert LISTED not in request.prompt_text


def test_a_bundle_computed_on_the_merge_commit_lands_on_the_pull_request_branch(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    ref = merge_ref(world, tmp_path)
    workspace = checkout(world, tmp_path, ref, 2)
    base = world.repo.branch_sha("main")
    assert base is not None
    head = world.head
    run = world.failed_run(world.pytest_step())
    world.openai.enqueue(GOOD)
    compute_step(world, run_cli, actions, workspace, base=base, run=run.id)
    bundle = Path(actions.outputs()["artifact-path"])
    data = json.loads(bundle.read_text(encoding="utf-8"))
    assert data["head_sha"] == head  # the pull request's head, not the merge commit
    world.repo.add_artifact(bundle.name, run=run, data=bundle.read_bytes())
    # The privileged job: workflow_run, in an empty workspace.
    empty = tmp_path / "privileged"
    empty.mkdir()
    world.monkeypatch.chdir(empty)
    actions.event("workflow_run", {"action": "completed", "workflow_run": {"id": run.id}})
    actions.set(GITHUB_WORKSPACE=str(empty), INPUT_ARGS="")
    outcome = run_cli("run")
    landed = json.loads(actions.outputs()["result-json"])
    assert outcome.code == 0, (outcome.err, landed["errors"])
    assert landed["result"]["action"] == "pushed", landed["result"]["reasons"]
    fixed = world.head
    assert fixed != head
    assert world.repo.git.text("rev-parse", f"{fixed}^") == head  # fast-forward
    assert "return a + b" in world.repo.git.text("show", f"{fixed}:calc.py")
    assert "NOTES.md" not in world.repo.git.text("ls-tree", "--name-only", fixed)


def test_a_head_that_merged_the_base_in_lists_only_its_own_files(
    world: World, run_cli: RunCli, actions: ActionsStep, tmp_path: Path
) -> None:
    merge_ref(world, tmp_path)
    world.repo.commit("feature", {"docs/café.md": "# Café\n"}, "Docs")
    # "Update branch": the pull request's head is itself a merge of the base into it.
    scratch = tmp_path / "update-branch"
    git(tmp_path, "clone", "-q", world.repo.git.path.as_uri(), str(scratch))
    git(scratch, "checkout", "-q", "-B", "feature", "origin/feature")
    git(scratch, "merge", "-q", "--no-ff", "-m", "Merge main into feature", "origin/main")
    git(scratch, "push", "-q", "origin", "feature")
    workspace = tmp_path / "head-checkout"
    git(tmp_path, "clone", "-q", world.repo.git.path.as_uri(), str(workspace))
    git(workspace, "checkout", "-q", "--detach", world.head)
    base = world.repo.branch_sha("main")
    assert base is not None
    run = world.failed_run(world.pytest_step())
    world.openai.enqueue(GOOD)
    compute_step(world, run_cli, actions, workspace, base=base, run=run.id)
    [request] = world.openai.chat_requests
    listed = request.prompt_text.split(LISTED, 1)[1].split("Log excerpt:", 1)[0]
    assert "- calc.py" in listed and "- README.md" in listed
    assert "- docs/café.md" in listed  # not quoted as "docs/caf\303\251.md"
    assert "NOTES.md" not in listed
