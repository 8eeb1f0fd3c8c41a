"""Check runs, statuses and issues on both forges: annotations past 50 go in batches and all
arrive, over-long texts are cut with a note, issues open, list newest first and close."""

from __future__ import annotations

from ci_agent.forge.run_types import Annotation, CheckOutput, CommitStatus
from ci_agent.markers import marker

from .conftest import BOT, Side


def test_annotations_over_fifty_go_in_batches(side: Side) -> None:
    forge = side.forge
    notes = tuple(
        Annotation("app.py", n % 20 + 1, n % 20 + 1, "warning", f"note {n}") for n in range(120)
    )
    started = forge.start_check_run("ci-agent / review", side.head_sha)
    assert (started.status, started.conclusion) == ("in_progress", None)

    done = forge.complete_check_run(
        started.id, "failure", CheckOutput("120 findings", "Summary", "Text", notes)
    )

    assert (done.id, done.status, done.conclusion) == (started.id, "completed", "failure")
    assert side.check_updates() == 3  # 50 + 50 + 20
    assert side.annotations(started.id) == [(a.path, a.start_line, a.message) for a in notes]
    (listed,) = side.forge.check_runs(side.head_sha, "ci-agent / review")
    assert (listed.id, listed.status, listed.conclusion) == (started.id, "completed", "failure")
    assert list(side.forge.check_runs(side.head_sha, "other")) == []


def test_a_summary_over_the_limit_is_cut_with_a_note(side: Side) -> None:
    forge = side.forge
    started = forge.start_check_run("ci-agent / review", side.head_sha)
    done = forge.complete_check_run(
        started.id, "neutral", CheckOutput("Long", "s" * 70_000, "t" * 65_535)
    )
    assert (done.status, done.conclusion) == ("completed", "neutral")
    assert side.check_updates() == 1
    if side.memory is not None:
        output, _ = side.memory.check_output(started.id)
        assert output is not None
        summary, text = output.summary, output.text
    else:
        held = side.repo.check_runs[started.id]
        summary, text = held.summary or "", held.text or ""
    assert len(summary) == 65_535
    assert summary.endswith("characters cut)")
    assert text == "t" * 65_535


def test_statuses_are_accepted(side: Side) -> None:
    side.forge.set_status(side.head_sha, CommitStatus("pending", "ci-agent", "d" * 200))
    side.forge.set_status(side.head_sha, CommitStatus("success", "ci-agent", "done"))
    if side.memory is not None:
        held = side.memory.statuses(side.head_sha)["ci-agent"]
        assert (held.state, held.description) == ("success", "done")
    else:
        latest = [s for s in side.repo.statuses if s.context == "ci-agent"][-1]
        assert (latest.state, latest.description) == ("success", "done")


def test_issues_open_list_and_close(side: Side) -> None:
    forge = side.forge
    mine = side.person_issue("CI is red", marker("failing", "x"), ["ci-agent"], user="mallory")
    numbers = [forge.create_issue(f"Issue {n}", f"body {n}", ["ci-agent"]).number for n in range(3)]
    other = forge.create_issue("Other", "body", ["bug"])

    listed = list(forge.open_issues("ci-agent"))
    assert [i.number for i in listed] == [*reversed(numbers), mine]
    assert [i.author for i in listed] == [BOT, BOT, BOT, "mallory"]
    assert listed[-1].body == marker("failing", "x")

    closed = forge.close_issue(numbers[1])
    assert (closed.number, closed.state) == (numbers[1], "closed")
    assert [i.number for i in forge.open_issues("ci-agent")] == [numbers[2], numbers[0], mine]
    assert [i.number for i in forge.open_issues("bug")] == [other.number]


def test_many_open_issues_are_listed_to_the_end(side: Side) -> None:
    made = [side.person_issue(f"Issue {n}", "", ["ci-agent"], user="bob") for n in range(130)]
    assert [i.number for i in side.forge.open_issues("ci-agent")] == list(reversed(made))


def test_an_issue_body_is_edited_in_place(side: Side) -> None:
    forge = side.forge
    made = forge.create_issue("CI health dashboard", "first", ["ci-insights"])
    edited = forge.edit_issue(made.number, "second")
    assert (edited.number, edited.body, edited.state) == (made.number, "second", "open")
    (listed,) = forge.open_issues("ci-insights")
    assert (listed.number, listed.body) == (made.number, "second")
