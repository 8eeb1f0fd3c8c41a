"""The issue about a workflow failing on the default branch, on the in-memory forge: opened once,
one comment per further failed run (edited, never re-posted), closed by a newer green run, and
never written into when a person copied the marker."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.fix.failure_issue import close_failure, find_failure, issue_key, report_failure
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.forge.types import CommentKind
from ci_agent.markers import marker

LABEL = "ci-agent"


def run(run_id: int, conclusion: str = "failure", name: str = "CI") -> WorkflowRun:
    """A completed ``push`` run of the CI workflow on main."""
    return WorkflowRun(
        id=run_id,
        name=name,
        workflow_id=7,
        head_sha=f"{run_id:040x}",
        head_branch="main",
        event="push",
        status="completed",
        conclusion=conclusion,
        url=f"https://github.com/acme/widgets/actions/runs/{run_id}",
    )


def test_opened_once_then_one_comment_per_further_failure_then_closed() -> None:
    forge = InMemoryForge("acme/widgets")

    opened = report_failure(forge, run(100), "test_add fails", label=LABEL)
    assert opened["action"] == "opened"
    issue = forge.issue(opened["number"])
    assert issue.title == "CI failing on main: CI"
    assert issue.author == "github-actions[bot]"
    assert issue.body.startswith(f"{marker('failing', issue_key(run(100)))}\n")
    assert "test_add fails" in issue.body

    # The same run again (its job re-run): nothing is written.
    again = report_failure(forge, run(100), "test_add fails", label=LABEL)
    assert again == {**opened, "action": "unchanged"}

    # A further failed run: one comment, edited in place when that run's job runs again.
    first = report_failure(forge, run(101), "still failing", label=LABEL)
    second = report_failure(forge, run(101), "still failing, now also test_sub", label=LABEL)
    assert (first["action"], second["action"]) == ("created", "updated")
    (comment,) = forge.comments(issue.number, CommentKind.ISSUE)
    assert comment.body.startswith("<!-- ci-agent:failing-run:run-101 -->")
    assert "test_sub" in comment.body
    assert [c.method for c in forge.writes()] == [
        "create_issue",
        "create_comment",
        "update_comment",
    ]

    # A green run older than the newest failure keeps it open; a newer one closes it.
    assert close_failure(forge, run(99, "success"), label=LABEL) == {
        **opened,
        "action": "kept-open",
    }
    closed = close_failure(forge, run(102, "success"), label=LABEL)
    assert closed is not None and closed["action"] == "closed"
    assert forge.issue(issue.number).state == "closed"
    assert forge.state.issues[issue.number].state_reason == "completed"
    last = list(forge.comments(issue.number, CommentKind.ISSUE))[-1]
    assert "passes on `main` again: [run 102](" in last.body
    assert find_failure(forge, run(103), LABEL) is None
    assert close_failure(forge, run(103, "success"), label=LABEL) is None
    assert len(forge.writes("create_issue")) == 1


def test_an_issue_a_person_wrote_with_the_marker_is_left_alone() -> None:
    forge = InMemoryForge("acme/widgets")
    copied = f"{marker('failing', issue_key(run(100)))}\nI copied the marker."
    mine = forge.seed_issue("CI is red", copied, [LABEL], author="mallory")

    opened = report_failure(forge, run(100), "analysis", label=LABEL)

    assert opened["number"] != mine.number
    assert forge.issue(mine.number).body == copied
    assert list(forge.comments(mine.number, CommentKind.ISSUE)) == []
    close_failure(forge, run(101, "success"), label=LABEL)
    assert forge.issue(mine.number).state == "open"
    assert forge.issue(opened["number"]).state == "closed"


def test_without_issues_write_nothing_is_stored() -> None:
    forge = InMemoryForge("acme/widgets")
    forge.set_read_only()
    with pytest.raises(CiAgentError) as caught:
        report_failure(forge, run(100), "analysis", label=LABEL)
    assert caught.value.code == "CA304"
    assert "issues: write" in caught.value.message + caught.value.suggestion
    assert forge.state.issues == {}
