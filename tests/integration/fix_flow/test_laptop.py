"""``ci-agent fix --run ID`` on a person's machine: triage through the fake GitHub, the patch
loop in the local clone with the fake model, and the fix landed through the Git Data API."""

from __future__ import annotations

from typing import Any

from tests.support import git as run_git

from .conftest import BUGGY, World, patch_answer

GOOD = patch_answer("    return a - b\n\n\ndef sub", "    return a + b\n\n\ndef sub")


def git(*args: object) -> str:
    return run_git(*args).strip()  # type: ignore[arg-type]


def result(world: World, *args: str, code: int = 0) -> dict[str, Any]:
    outcome = world.fix(*args)
    data = outcome.json()
    assert outcome.code == code, (outcome.err, data["errors"])
    return data["result"]  # type: ignore[no-any-return]


def test_a_correct_patch_is_verified_and_pushed_with_trailers(world: World) -> None:
    run = world.failed_run(world.pytest_step())
    before = world.head
    world.openai.enqueue(GOOD)
    data = result(world, "--run", str(run.id))
    assert (data["strategy"], data["action"]) == ("patch", "pushed"), data["reasons"]
    assert data["fix"]["status"] == "verified"
    after = world.head
    assert after != before
    git(world.clone, "fetch", "-q", "origin", "feature")
    assert git(world.clone, "rev-parse", f"{after}^") == before  # a fast-forward
    assert (
        git(world.clone, "show", f"{after}:calc.py") == BUGGY.replace("a - b", "a + b", 1).strip()
    )
    message = git(world.clone, "log", "-1", "--format=%an <%ae>%n%B", after)
    assert message.startswith("github-actions[bot] <41898282+github-actions[bot]@users")
    assert f"Ci-Agent-Fix: {run.id}" in message
    assert "Ci-Agent-Attempt: 1" in message
    assert "Ci-Agent-Verified: " in message
    [comment] = world.comments()
    assert f"<!-- ci-agent:fix:run-{run.id} -->" in comment
    assert "pushed a verified fix" in comment
    assert "test_calc.py::test_add" in comment
    [request] = world.openai.chat_requests
    assert "Files the change under test modifies" in request.prompt_text
    assert "- calc.py" in request.prompt_text  # the pull request's changed file
    assert not world.repo.reruns


def test_a_wrong_patch_is_refused_and_nothing_is_pushed(world: World) -> None:
    run = world.failed_run(world.pytest_step())
    before = world.head
    wrong = patch_answer("    return a - b\n\n\ndef sub", "    return a * b\n\n\ndef sub")
    world.openai.enqueue(wrong, wrong, wrong)
    data = result(world, "--run", str(run.id))
    assert data["action"] == "refused"
    assert data["fix"]["status"] == "refused"
    assert world.head == before
    assert len(world.openai.chat_requests) == 3
    [comment] = world.comments()
    assert "nothing was pushed" in comment


def test_a_patch_to_the_workflows_is_refused(world: World) -> None:
    run = world.failed_run(world.pytest_step())
    before = world.head
    sneaky = patch_answer("on: pull_request", "on: push", path=".github/workflows/ci.yml")
    world.openai.enqueue(sneaky, sneaky, sneaky)
    data = result(world, "--run", str(run.id))
    assert data["action"] == "refused"
    assert any("protected path" in r for r in data["reasons"])
    assert world.head == before


def test_deleting_the_failing_test_is_refused(world: World) -> None:
    run = world.failed_run(world.pytest_step())
    before = world.head
    cheat = patch_answer(
        "def test_add() -> None:\n    assert add(2, 3) == 5\n", "", path="test_calc.py"
    )
    world.openai.enqueue(cheat, cheat, cheat)
    data = result(world, "--run", str(run.id))
    assert data["action"] == "refused"
    assert any("test_add" in r for r in data["reasons"]), data["reasons"]
    assert world.head == before


def test_garbage_from_the_model_is_a_coded_error(world: World) -> None:
    run = world.failed_run(world.pytest_step())
    before = world.head
    world.openai.script.default = world.openai.script.default.__class__(content="no json here")
    outcome = world.fix("--run", str(run.id))
    data = outcome.json()
    assert outcome.code != 0
    assert data["errors"][0]["code"] == "CA404"
    assert world.head == before
    assert world.comments() == []


def test_the_branch_moving_during_the_fix_aborts(world: World, monkeypatch: Any) -> None:
    from ci_agent.fix import session

    run = world.failed_run(world.pytest_step())
    real = session.compute_fix

    def and_someone_pushes(*args: Any, **kwargs: Any) -> Any:
        computed = real(*args, **kwargs)
        world.repo.commit("feature", {"NOTES.md": "new\n"}, "Someone else's commit")
        return computed

    monkeypatch.setattr(session, "compute_fix", and_someone_pushes)
    world.openai.enqueue(GOOD)
    moved = world.head
    data = result(world, "--run", str(run.id))
    assert data["action"] == "aborted"
    assert "CA531" in data["reasons"][0]
    assert world.head != moved  # someone else's commit, and nothing of ours on top
    message = git(world.clone, "ls-remote", "origin", "refs/heads/feature")
    assert world.head in message
    log = world.repo.git.text("log", "-1", "--format=%s", world.head)
    assert log == "Someone else's commit"
    assert "aborted: the branch moved" in world.comments()[0]


def test_a_flaky_failure_is_rerun_without_the_model(world: World) -> None:
    from tests.integration.triage.joblog import RunStep

    reset = (
        "ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='files."
        "pythonhosted.org', port=443): Max retries exceeded (Caused by ProtocolError('Connection"
        " aborted.', ConnectionResetError(104, 'Connection reset by peer')))\n"
    )
    run = world.failed_run(RunStep("pip install -r requirements.txt", reset, 1))
    data = result(world, "--run", str(run.id))
    assert (data["strategy"], data["action"]) == ("rerun", "rerun")
    assert len(world.repo.reruns) == 1
    assert world.openai.chat_requests == []
    assert "re-ran the failed jobs" in world.comments()[0]


def test_a_lint_failure_gets_a_ruff_fix_commit_without_the_model(world: World) -> None:
    from tests.integration.triage.joblog import RunStep, run_tool

    sha = world.push_change({"calc.py": "import os\n" + BUGGY.replace("a - b", "a + b", 1)}, "os")
    output, code = run_tool([_ruff(), "check", "--no-cache", "."], world.clone)
    assert code == 1 and "F401" in output
    run = world.failed_run(RunStep("ruff check .", output, code))
    data = result(world, "--run", str(run.id))
    assert (data["strategy"], data["action"]) == ("fixers", "pushed"), data["reasons"]
    assert world.openai.chat_requests == []
    git(world.clone, "fetch", "-q", "origin", "feature")
    assert "import os" not in git(world.clone, "show", f"{world.head}:calc.py")
    assert git(world.clone, "rev-parse", f"{world.head}^") == sha


def test_the_attempt_cap_per_head(world: World) -> None:
    first = world.failed_run(world.pytest_step())
    wrong = patch_answer("    return a - b\n\n\ndef sub", "    return a * b\n\n\ndef sub")
    world.openai.enqueue(wrong, wrong, wrong)
    assert result(world, "--run", str(first.id))["action"] == "refused"
    second = world.failed_run(world.pytest_step())
    data = result(world, "--run", str(second.id))
    assert data["action"] == "skipped"
    assert "fix.max-fixes-per-head" in data["reasons"][0]
    assert len(world.openai.chat_requests) == 3  # no new model call
    # One sticky comment per run: the refusal and the skip.
    assert len(world.comments()) == 2


def _ruff() -> str:
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def test_after_push_dispatch_starts_the_failed_workflow(world: World) -> None:
    (world.clone / ".github" / "ci-agent.yml").write_text(
        "version: 1\nfix:\n  after-push: dispatch\n"
    )
    run = world.failed_run(world.pytest_step())
    world.openai.enqueue(GOOD)
    data = result(world, "--run", str(run.id))
    assert data["action"] == "pushed"
    assert data["delivered"]["dispatched"] is True
    assert world.repo.dispatches == [
        {"workflow": str(run.workflow_id), "ref": "feature", "inputs": {}}
    ]
    assert "started on the branch (workflow_dispatch)" in world.comments()[0]
