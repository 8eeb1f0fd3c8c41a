"""``/ci-agent tests`` on the in-memory forge: which run is the pull request's (a fork's run
lists no pull request; another pull request's run is not ours), what a dry run reads, and the
workflow file named by its path."""

from __future__ import annotations

import pytest

from ci_agent.commands.tests_comment import TestsComment, _file_name, rerun_tests
from ci_agent.errors import CiAgentError
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.run_types import WorkflowRun

DIFF = "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n"


FORK = "someone/widgets"


def forge_with_pull(*, fork: bool = False) -> tuple[InMemoryForge, int, str]:
    forge = InMemoryForge("acme/widgets")
    pull = forge.seed_pull_from_diff(
        DIFF, base_files={"a.py": b"x = 1\n"}, head_files={"a.py": b"x = 2\n"}
    )
    if fork:
        pull = forge.set_pull(pull.number, is_fork=True, head_repo=FORK)
    return forge, pull.number, pull.head_sha


def run(
    head: str,
    *,
    pulls: tuple[int, ...] = (),
    status: str = "completed",
    conclusion: str = "success",
    repo: str | None = None,
) -> WorkflowRun:
    return WorkflowRun(
        0, "Tests", 5, head, "feature", "pull_request", status, conclusion,
        path=".github/workflows/tests.yml", pull_requests=pulls, head_repository=repo,
    )  # fmt: skip


def test_a_forks_run_lists_no_pull_request_and_is_re_run() -> None:
    forge, number, head = forge_with_pull(fork=True)
    made = forge.seed_run(run(head, repo=FORK))

    outcome = rerun_tests(forge, TestsComment(number, 501, "tests.yml"))

    assert not outcome.errors
    assert outcome.result["rerun"] == {"run_id": made.id, "url": made.url, "attempt": 2}
    assert [c.method for c in forge.writes()] == ["rerun_workflow", "create_comment"]


def test_a_run_of_the_same_commit_from_another_fork_is_not_ours() -> None:
    forge, number, head = forge_with_pull(fork=True)
    forge.seed_run(run(head, repo="intruder/widgets"))

    outcome = rerun_tests(forge, TestsComment(number, 501, "tests.yml"))

    assert [e.code for e in outcome.errors] == ["CA330"]
    assert [c.method for c in forge.writes()] == ["create_comment"]


def test_a_same_repository_run_must_list_the_pull_request() -> None:
    forge, number, head = forge_with_pull()
    forge.seed_run(run(head))

    outcome = rerun_tests(forge, TestsComment(number, 501, "tests.yml"))

    assert [e.code for e in outcome.errors] == ["CA330"]


def test_a_run_waiting_for_approval_is_never_approved_by_the_command() -> None:
    forge, number, head = forge_with_pull(fork=True)
    forge.seed_run(run(head, conclusion="action_required", repo=FORK))

    outcome = rerun_tests(forge, TestsComment(number, 501, "tests.yml"))

    assert [e.code for e in outcome.errors] == ["CA334"]
    assert [c.method for c in forge.writes()] == ["create_comment"]


def test_another_pull_requests_run_of_the_same_commit_is_not_ours() -> None:
    forge, number, head = forge_with_pull()
    forge.seed_run(run(head, pulls=(number + 50,)))

    outcome = rerun_tests(forge, TestsComment(number, 501, "tests.yml"))

    assert [e.code for e in outcome.errors] == ["CA330"]
    assert [c.method for c in forge.writes()] == ["create_comment"]


def test_a_dry_run_names_the_run_and_writes_nothing() -> None:
    forge, number, head = forge_with_pull()
    made = forge.seed_run(run(head, pulls=(number,)))

    outcome = rerun_tests(forge, TestsComment(number, 501, "tests.yml", dry_run=True))

    assert outcome.result["rerun"]["run_id"] == made.id and outcome.result["dry_run"] is True
    assert forge.writes() == []


def test_a_dry_run_that_finds_no_run_raises_its_code_and_writes_nothing() -> None:
    forge, number, _ = forge_with_pull()

    with pytest.raises(CiAgentError) as caught:
        rerun_tests(forge, TestsComment(number, 501, "tests.yml", dry_run=True))

    assert caught.value.code == "CA330"
    assert forge.writes() == []


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (".github/workflows/tests.yml", "tests.yml"),
        (".github/workflows/tests.yml@refs/heads/main", "tests.yml"),
        ("tests.yaml", "tests.yaml"),
    ],
)
def test_the_workflow_file_is_named_by_the_runs_path(path: str, name: str) -> None:
    assert _file_name(path) == name
