"""What fix writes besides pushes: branch heads read back, workflow dispatches sent once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge import RepoWriter, WorkflowRuns
from tests.fakes.github_server import FakeGitHub
from tests.support import git

from .conftest import MakeForge, Rig

DISPATCH = "/repos/acme/widgets/actions/workflows/*/dispatches"


def test_the_forge_conforms_at_runtime(rig: Rig) -> None:
    assert isinstance(rig.forge, RepoWriter)
    assert isinstance(rig.forge, WorkflowRuns)


def test_branch_head_reads_the_branch(rig: Rig) -> None:
    assert rig.forge.branch_head("feature") == rig.world.head_sha
    assert rig.forge.branch_head("main") == rig.world.repo.branch_sha("main")
    assert rig.calls() == {"GET /repos/{owner}/{repo}/git/ref/{ref}": 2}


def test_branch_head_of_a_slashed_name(rig: Rig) -> None:
    rig.forge.create_branch("ci-agent/fix-1", rig.world.head_sha)
    assert rig.forge.branch_head("ci-agent/fix-1") == rig.world.head_sha
    [request] = rig.fake.requests.filter("GET", "/repos/*/git/ref/*")
    assert request.path == "/repos/acme/widgets/git/ref/heads/ci-agent/fix-1"


def test_branch_head_of_a_missing_branch_is_none(rig: Rig) -> None:
    assert rig.forge.branch_head("no-such-branch") is None
    # An exact lookup: a prefix of an existing name is no branch either.
    assert rig.forge.branch_head("feat") is None


def test_branch_head_still_fails_on_other_errors(rig: Rig) -> None:
    rig.fake.faults.status("GET", "/repos/*/git/ref/*", 403)
    with pytest.raises(CiAgentError) as caught:
        rig.forge.branch_head("main")
    assert caught.value.code == "CA304"


def test_dispatch_by_file_name_with_inputs(rig: Rig) -> None:
    rig.forge.dispatch_workflow("ci-agent.yml", "main", {"run_id": "42", "mode": "pr"})
    assert rig.world.repo.dispatches == [
        {"workflow": "ci-agent.yml", "ref": "main", "inputs": {"run_id": "42", "mode": "pr"}}
    ]
    [request] = rig.fake.requests.filter("POST", DISPATCH)
    assert request.status == 204
    assert json.loads(request.body) == {"ref": "main", "inputs": {"run_id": "42", "mode": "pr"}}
    assert rig.calls() == {
        "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches": 1
    }


def test_dispatch_by_id_without_inputs(rig: Rig) -> None:
    rig.forge.dispatch_workflow(90000001, "feature")
    assert rig.world.repo.dispatches == [{"workflow": "90000001", "ref": "feature", "inputs": {}}]
    [request] = rig.fake.requests.filter("POST", DISPATCH)
    assert json.loads(request.body) == {"ref": "feature"}


def test_dispatch_on_an_unknown_ref_is_refused(rig: Rig) -> None:
    with pytest.raises(CiAgentError) as caught:
        rig.forge.dispatch_workflow("ci.yml", "no-such-branch")
    assert caught.value.code == "CA308"
    assert "422" in caught.value.message
    assert rig.world.repo.dispatches == []


def test_a_dispatch_whose_answer_is_lost_is_not_sent_twice(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", DISPATCH)
    with pytest.raises(CiAgentError) as caught:
        rig.forge.dispatch_workflow("ci.yml", "main")
    assert caught.value.code == "CA306"
    assert len(rig.world.repo.dispatches) == 1
    assert rig.fake.requests.count("POST", DISPATCH) == 1


def test_a_dispatch_refused_outright_is_retried(rig: Rig) -> None:
    # A secondary rate limit refuses the request before it does anything: sending it again
    # after the wait cannot start a second run.
    rig.fake.faults.secondary_rate_limit("POST", DISPATCH)
    rig.forge.dispatch_workflow("ci.yml", "main")
    assert len(rig.world.repo.dispatches) == 1
    assert rig.fake.requests.count("POST", DISPATCH) == 2


def test_push_runs_no_hook_of_the_clone(
    make_forge: MakeForge, fake_github: FakeGitHub, tmp_path: Path
) -> None:
    origin = fake_github.repo("acme/widgets").git.path
    rig = make_forge(git_remote=origin.as_uri())
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", origin.as_uri(), str(clone))
    git(clone, "commit", "-q", "--allow-empty", "-m", "Fix")
    sha = git(clone, "rev-parse", "HEAD").strip()
    ran = tmp_path / "hook-ran"
    hooks = clone / ".husky"
    hooks.mkdir()
    for name in ("pre-push", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\nenv >> '{ran}'\nexit 1\n")
        (hooks / name).chmod(0o755)
    git(clone, "config", "core.hooksPath", ".husky")  # as `npm install` with husky does
    rig.forge.push(clone, sha, "ci-agent/fix-2")
    assert rig.world.repo.branch_sha("ci-agent/fix-2") == sha
    assert not ran.exists()
