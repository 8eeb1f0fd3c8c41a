"""The review pipeline end to end on the in-memory forge, static engine only: one review, one
sticky summary, one check run; a re-run on the same head posts nothing new; a dry run writes
nothing."""

from __future__ import annotations

from ci_agent.forge.types import CommentKind
from ci_agent.markers import find_markers, parse_state
from ci_agent.review.publish import CHECK_NAME

from .conftest import Project


def test_one_review_one_summary_one_check_run(project: Project) -> None:
    done = project.review()
    forge, pull = project.forge, project.pull

    assert [c.method for c in forge.writes()] == [
        "start_check_run",
        "create_review",
        "create_comment",
        "complete_check_run",
    ]
    (posted,) = forge.writes("create_review")
    assert posted.args["event"] == "COMMENT"
    assert posted.args["commit_sha"] == pull.head_sha
    assert posted.args["rejected"] == ()
    inline = sorted((c.path, c.line) for c in forge.comments(pull.number, CommentKind.REVIEW))
    assert inline == [("app/runner.py", 1), ("app/runner.py", 6), ("app/util.py", 13)]
    bodies = {(c.path, c.line): c.body for c in forge.comments(pull.number, CommentKind.REVIEW)}
    assert "S602" in bodies[("app/runner.py", 6)]
    assert "S307" in bodies[("app/util.py", 13)]
    assert done.result["out_of_scope_dropped"] == 1  # util.py:1 predates the pull request

    (summary,) = forge.comments(pull.number, CommentKind.ISSUE)
    assert summary.author == "github-actions[bot]"
    markers = [(m.kind, m.key) for m in find_markers(summary.body)]
    assert markers[0] == ("review-summary", f"pr-{pull.number}")
    state = parse_state(summary.body)
    assert (state["head"], state["listed"]) == (pull.head_sha, "0")
    assert len(state["digest"]) == 16  # what the summary says, so a re-run can leave it alone
    assert "skipped: binary or too large for a text diff" in summary.body

    (check,) = forge.check_runs(pull.head_sha, CHECK_NAME)
    assert (check.status, check.conclusion) == ("completed", "failure")
    output, annotations = forge.check_output(check.id)
    assert output is not None and output.summary == summary.body
    assert {(a.path, a.start_line) for a in annotations} == set(inline)
    published = done.result["published"]
    assert published["inline_comments"] == 3
    assert published["summary"] == "created"
    assert published["check_run_id"] == check.id


def test_a_re_run_on_the_same_head_posts_nothing_new(project: Project) -> None:
    first = project.review()
    forge, pull = project.forge, project.pull
    before = len(forge.writes())

    second = project.review()

    # No review, no new comment and no edit: nothing changed on this head, so the summary is
    # left as it is; this run gets a check run of its own.
    again = forge.writes()[before:]
    assert [c.method for c in again] == ["start_check_run", "complete_check_run"]
    summary_id = first.result["published"]["summary_comment_id"]
    assert len(list(forge.comments(pull.number, CommentKind.REVIEW))) == 3
    (summary,) = forge.comments(pull.number, CommentKind.ISSUE)
    assert summary.id == summary_id
    published = second.result["published"]
    assert (published["summary_comment_id"], published["summary"]) == (summary_id, "unchanged")

    # A third run finds the same: still one review, one summary (its footer's timing may
    # differ, so it may be edited again), never a new post.
    project.review()
    assert len(forge.writes("create_review")) == len(forge.writes("create_comment")) == 1
    assert published["review_id"] is None
    assert second.result["already_reported"] == 3
    state = parse_state(summary.body)
    assert (state["head"], state["listed"]) == (pull.head_sha, "0")
    latest = max(forge.check_runs(pull.head_sha), key=lambda run: run.id)
    assert (latest.status, latest.conclusion) == ("completed", "failure")


def test_a_dry_run_writes_nothing(project: Project) -> None:
    done = project.review(dry_run=True)
    assert project.forge.writes() == []
    assert len(done.result["dry_run"]["inline_comments"]) == 3
    assert done.result["dry_run"]["summary_action"] == "create"


def test_a_read_only_token_posts_nothing_and_says_so(project: Project) -> None:
    project.forge.set_read_only()
    done = project.review()
    assert done.result["published"]["read_only_token"] is True
    assert [c.method for c in project.forge.writes()] == ["start_check_run"]
    assert list(project.forge.comments(project.pull.number, CommentKind.ISSUE)) == []
