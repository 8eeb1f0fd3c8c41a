"""``/ci-agent tests`` through ``ci-agent run`` on the fake GitHub: the pull request's own
``pull_request`` run of ``test-generation.workflow`` is re-run (never the pull request's code in
the comments job), with one reply per command comment, a coded reason when it cannot be done,
nothing new on a re-delivered event and nothing written in a dry run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ActionsStep, RunCli
from tests.fakes.github_server.faults import Fault
from tests.integration.review_github.conftest import BOT, TOKEN, Harness, writes
from tests.integration.review_github.test_action_jobs import (
    comment_event,
    no_sleep,
    no_traceback,
    ours,
    reactions,
    result_of,
    step,
)

__all__ = ["no_sleep", "step"]

CONFIG = "test-generation:\n  workflow: tests.yml\n"


@pytest.fixture
def configured(harness: Harness) -> Harness:
    """The default branch's configuration names the tests workflow (read through the API)."""
    harness.repo.commit("main", {".github/ci-agent.yml": CONFIG}, "Configure ci-agent")
    return harness


def seed_tests_run(harness: Harness, *, status: str = "completed", path: str = "tests.yml") -> Any:
    """A ``pull_request`` run of ``path`` for the pull request's head."""
    return harness.repo.add_workflow_run(
        name="Tests",
        head_sha=harness.head,
        head_branch="feature",
        event="pull_request",
        status=status,
        conclusion="success",
        path=f".github/workflows/{path}",
        jobs=[{"name": "tests", "conclusion": "success", "log": "ok"}],
    )


def ask(step: ActionsStep, harness: Harness, author: str = "maria") -> int:
    harness.repo.grant(author, "write", association="COLLABORATOR")
    return comment_event(
        step, harness, "/ci-agent tests", author=author, association="COLLABORATOR"
    )


def envelope(step: ActionsStep) -> dict[str, Any]:
    data = json.loads(step.outputs()["result-json"])
    assert isinstance(data, dict)
    return data


def test_a_writer_re_runs_the_heads_tests_run_and_gets_one_reply(
    step: ActionsStep, configured: Harness, run_cli: RunCli, no_sleep: list[float]
) -> None:
    harness = configured
    harness.repo.add_workflow_run(name="CI", head_sha=harness.head, event="pull_request")
    older = seed_tests_run(harness)
    run = seed_tests_run(harness)
    harness.repo.add_workflow_run(
        name="Tests", head_sha=harness.head, event="push", path=".github/workflows/tests.yml"
    )
    comment_id = ask(step, harness)

    result = run_cli("run")

    assert result.code == 0, result.out + result.err
    no_traceback(result)
    assert [(r["run_id"], r["failed_only"]) for r in harness.repo.reruns] == [(run.id, False)]
    assert harness.repo.runs[older.id].run_attempt == 1
    assert harness.repo.runs[run.id].status == "queued"
    (reply,) = ours(harness)
    assert f"<!-- ci-agent:tests-rerun:comment-{comment_id} -->" in reply
    assert f"/acme/widgets/actions/runs/{run.id})" in reply
    assert harness.head[:12] in reply and "attempt 2" in reply
    assert reactions(harness, comment_id) == ["rocket"]
    data = result_of(step)["result"]
    assert data["job"] == "comment-tests" and data["requested_by"] == "maria"
    assert data["rerun"]["run_id"] == run.id and data["rerun"]["attempt"] == 2
    # The comments job never checks out, installs or runs the pull request's code.
    assert not any(step.workspace.iterdir())


def test_a_re_delivered_event_posts_and_re_runs_nothing_new(
    step: ActionsStep, configured: Harness, run_cli: RunCli, no_sleep: list[float]
) -> None:
    harness = configured
    seed_tests_run(harness)
    ask(step, harness)
    assert run_cli("run").code == 0
    before = writes(harness.fake)

    again = run_cli("run")  # GitHub delivers the same comment event again

    assert again.code == 0, again.err
    assert writes(harness.fake) == before
    assert len(harness.repo.reruns) == 1 and len(ours(harness)) == 1
    assert result_of(step)["result"]["skipped"].startswith("already answered in comment")


@pytest.mark.parametrize(
    "case",
    [
        ("no-run", "CA330", "no pull_request run of tests.yml for the head"),
        ("other-workflow", "CA330", "The workflow has not run on this head"),
        ("in-progress", "CA331", "is still in progress"),
        ("refused", "CA332", "GitHub refused to re-run"),
        ("unconfigured", "CA194", "test-generation.workflow is not set"),
    ],
    ids=lambda case: case[0],
)
def test_what_cannot_be_re_run_is_answered_with_its_code(
    step: ActionsStep,
    harness: Harness,
    run_cli: RunCli,
    no_sleep: list[float],
    case: tuple[str, str, str],
) -> None:
    case_name, code, words = case
    if case_name != "unconfigured":
        harness.repo.commit("main", {".github/ci-agent.yml": CONFIG}, "Configure ci-agent")
    if case_name in ("refused", "unconfigured"):
        seed_tests_run(harness)
    elif case_name == "other-workflow":
        seed_tests_run(harness, path="lint.yml")
    elif case_name == "in-progress":
        seed_tests_run(harness, status="in_progress")
    if case_name == "refused":
        # GitHub's 403: the token lacks actions: write (or the run is too old to re-run).
        harness.fake.faults.add(
            Fault("status", method="POST", path="/repos/*/actions/runs/*/rerun", status=403)
        )
    comment_id = ask(step, harness)

    result = run_cli("run")

    no_traceback(result)
    assert result.code != 0, result.out
    assert code in result.out + result.err
    (reply,) = ours(harness)
    assert f"**{code}**" in reply and words in reply
    assert f"<!-- ci-agent:tests-rerun:comment-{comment_id} -->" in reply
    assert reactions(harness, comment_id) == ["confused"]
    assert harness.repo.reruns == []
    data = envelope(step)
    assert [e["code"] for e in data["errors"]] == [code]
    assert data["result"]["refused"] == code


def test_a_commenter_without_write_access_is_ignored_with_a_code(
    step: ActionsStep, configured: Harness, run_cli: RunCli
) -> None:
    harness = configured
    seed_tests_run(harness)
    harness.repo.grant("reader", "read", association="MEMBER")
    comment_id = comment_event(
        step, harness, "/ci-agent tests", author="reader", association="MEMBER"
    )

    result = run_cli("run")

    assert result.code == 0, result.err
    assert "CA333" in result.out and "reader has 'read' permission" in result.out
    assert writes(harness.fake) == 0
    assert harness.repo.reruns == [] and not ours(harness)
    assert reactions(harness, comment_id) == []
    assert result_of(step)["result"]["code"] == "CA333"


def test_a_dry_run_reads_which_run_it_would_re_run_and_writes_nothing(
    step: ActionsStep, configured: Harness, run_cli: RunCli
) -> None:
    harness = configured
    run = seed_tests_run(harness)
    ask(step, harness)

    result = run_cli("run", "--dry-run")

    assert result.code == 0, result.err
    assert writes(harness.fake) == 0
    assert harness.repo.reruns == [] and not ours(harness)
    assert "would re-run" in result.out
    data = result_of(step)["result"]
    assert data["rerun"]["run_id"] == run.id and data["dry_run"] is True


def test_the_help_comment_lists_the_tests_command(
    step: ActionsStep, harness: Harness, run_cli: RunCli, no_sleep: list[float]
) -> None:
    harness.repo.grant("maria", "write", association="COLLABORATOR")
    comment_event(step, harness, "/ci-agent help", author="maria", association="COLLABORATOR")

    assert run_cli("run").code == 0
    (help_comment,) = ours(harness)
    assert "`/ci-agent tests`" in help_comment
    assert BOT and TOKEN  # the fake accepts only the job's token, as the bot
