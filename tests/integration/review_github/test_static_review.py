"""GitHub-mode review with the static engine only: one review, one sticky summary, one check run,
idempotent re-runs, and a comment GitHub rejects moved into the summary."""

from __future__ import annotations

import re

import pytest

from ci_agent.diff import parse_file_patch
from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json
from ci_agent.markers import find_markers, parse_state
from ci_agent.review import pipeline
from ci_agent.review.publish import CHECK_NAME
from tests.integration.review_github.conftest import (
    BOT,
    CHANGED_PATHS,
    TOKEN,
    Harness,
    writes,
)

FINDING_MARKER = re.compile(r"^<!-- ci-agent:finding:([0-9a-f]{16}) -->\n")


def hunk_lines(harness: Harness, path: str) -> set[int]:
    """RIGHT-side lines GitHub accepts for an inline comment on ``path`` (from /pulls/N/files)."""
    forge = harness.forge()
    (change,) = [c for c in forge.changed_files(harness.number) if c.path == path]
    diff = parse_file_patch(path, change.patch or "")
    return {
        line.new_line
        for hunk in diff.hunks
        for line in hunk.lines
        if line.new_line is not None and line.kind != "removed"
    }


def test_end_to_end_static_review(harness: Harness) -> None:
    done = harness.review()
    repo, head = harness.repo, harness.head

    # Exactly one review, a COMMENT (never an approval), on the head commit.
    (review,) = repo.reviews.values()
    assert review.state == "COMMENTED"
    assert review.commit_id == head
    assert review.user == BOT
    assert harness.fake.requests.count("POST", "/repos/*/pulls/*/reviews") == 1

    # Its inline comments: marker first, RIGHT side, on lines of the diff's hunks.
    comments = sorted(repo.review_comments.values(), key=lambda c: (c.path, c.line or 0))
    placed = [(c.path, c.line) for c in comments]
    assert placed == [("app/runner.py", 1), ("app/runner.py", 6), ("app/util.py", 22)]
    for comment in comments:
        assert comment.review_id == review.id
        assert FINDING_MARKER.match(comment.body), comment.body
        assert comment.side == "RIGHT"
        assert comment.start_line is None
        assert comment.line in hunk_lines(harness, comment.path)
    by_line = {(c.path, c.line): c.body for c in comments}
    assert "S602" in by_line[("app/runner.py", 6)]
    assert "**high**" in by_line[("app/runner.py", 6)]
    assert "F401" in by_line[("app/runner.py", 1)]
    assert "S307" in by_line[("app/util.py", 22)]
    # The unused `import sys` predates the PR (line 1 of util.py is outside the diff).
    assert done.result["out_of_scope_dropped"] == 1

    # The sticky summary: marker, state with the head SHA, coverage naming every file.
    (summary,) = repo.issue_comments.values()
    assert summary.user == BOT
    markers = find_markers(summary.body)
    digest = parse_state(summary.body)["digest"]
    assert [(m.kind, m.key) for m in markers] == [
        ("review-summary", f"pr-{harness.number}"),
        ("state", f"digest={digest},head={head},listed=0"),
    ]
    assert parse_state(summary.body) == {"head": head, "listed": "0", "digest": digest}
    for path in CHANGED_PATHS:
        assert f"`{path}`" in summary.body
    assert "skipped: binary or too large for a text diff" in summary.body
    assert "skipped: excluded (lock" in summary.body
    assert "Coverage: reviewed 2 of 4 changed file(s); skipped 2" in summary.body
    assert "no LLM configured: static engine only" in summary.body

    # The check run: completed, failure (S602 is high; fail-level defaults to high).
    (check,) = repo.check_runs.values()
    assert check.name == CHECK_NAME
    assert check.head_sha == head
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert check.title == "3 new finding(s), risk high"
    notes = {(a["path"], a["start_line"], a["annotation_level"]) for a in check.annotations}
    assert notes == {
        ("app/runner.py", 1, "notice"),
        ("app/runner.py", 6, "failure"),
        ("app/util.py", 22, "failure"),
    }

    published = done.result["published"]
    assert published["review_id"] == review.id
    assert published["inline_comments"] == 3
    assert published["summary_comment_id"] == summary.id
    assert published["summary"] == "created"
    assert published["check_run_id"] == check.id
    assert done.result["at_fail_level"] == 2
    assert done.result["coverage"] == {
        "total": 4,
        "reviewed": 2,
        "reviewed_earlier": 0,
        "skipped": 2,
        "reasons": {
            "binary or too large for a text diff": 1,
            "excluded (lock, generated, minified or vendored, or review.exclude)": 1,
        },
    }
    # Writes were spaced 1 s apart on the forge's clock (which never really sleeps).
    assert writes(harness.fake) == 4
    assert harness.clocks[0].sleeps == [1.0, 1.0, 1.0]
    # The token never appears in anything posted.
    for request in harness.fake.requests:
        assert TOKEN.encode() not in request.body


def test_second_run_on_the_same_head_posts_nothing_new(harness: Harness) -> None:
    first = harness.review()
    summary_id = first.result["published"]["summary_comment_id"]
    reviews = harness.fake.requests.count("POST", "/repos/*/pulls/*/reviews")
    comments = len(harness.repo.review_comments)

    second = harness.review()

    repo = harness.repo
    assert harness.fake.requests.count("POST", "/repos/*/pulls/*/reviews") == reviews == 1
    assert len(repo.reviews) == 1
    assert len(repo.review_comments) == comments == 3
    assert harness.fake.requests.count("POST", "/repos/*/issues/*/comments") == 1
    (summary,) = repo.issue_comments.values()
    assert summary.id == summary_id
    published = second.result["published"]
    assert published["summary_comment_id"] == summary_id
    assert published["summary"] == "unchanged"  # nothing changed: not even edited
    assert published["review_id"] is None
    assert published["inline_comments"] == 0
    # The earlier findings still stand: reported as such, and the check stays red.
    assert second.result["already_reported"] == 3
    assert second.result["at_fail_level"] == 2  # so the exit code agrees with the check run
    assert second.result["risk"] == "high"
    assert "**Inline:** 3" in summary.body  # as the first run wrote it
    assert harness.fake.requests.count("PATCH", "/repos/*/issues/comments/*") == 0
    latest = max(repo.check_runs.values(), key=lambda run: run.id)
    assert (latest.status, latest.conclusion) == ("completed", "failure")
    assert second.report is not None
    # The coverage stays honest: the binary and the lock file were never reviewed.
    assert second.result["coverage"]["skipped"] == 2
    assert "Coverage: reviewed 2 of 4 changed file(s); skipped 2" in summary.body


def test_a_rejected_anchor_moves_to_the_summary_and_the_rest_is_posted(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With filter-mode file, the PR's old unused import (util.py:1) is in scope, but it is not
    # on a line of the diff. Make our anchor check accept everything, so GitHub rejects it.
    harness.config("review:\n  filter-mode: file\n")
    monkeypatch.setattr(pipeline, "anchorable", lambda finding, diffs: True)

    done = harness.review()

    repo = harness.repo
    (review,) = [r for r in repo.reviews.values() if r.state != "PENDING"]
    assert review.state == "COMMENTED"
    posted = sorted((c.path, c.line) for c in repo.review_comments.values())
    assert posted == [("app/runner.py", 1), ("app/runner.py", 6), ("app/util.py", 22)]
    published = done.result["published"]
    assert published["inline_comments"] == 3
    assert published["rejected_moved_to_summary"] == 1
    (summary,) = repo.issue_comments.values()
    assert "### Findings not posted inline" in summary.body
    assert "`app/util.py:1`" in summary.body
    assert "F401" in summary.body
    rejected = [f for f in done.result["findings"] if not f["inline"]]
    assert [(f["path"], f["start_line"]) for f in rejected] == [("app/util.py", 1)]
    # Requests: the rejected review, a pending trial per half (accepted trials are deleted),
    # then the review of the good comments and the listing of its comment ids.
    log = harness.fake.requests
    assert log.count("POST", "/repos/*/pulls/*/reviews") == 4
    assert log.count("DELETE", "/repos/*/pulls/*/reviews/*") == 2
    assert log.count("GET", "/repos/*/pulls/*/reviews/*/comments") == 1
    assert [r.status for r in log.filter("POST", "/repos/*/pulls/*/reviews")] == [
        422,
        200,
        200,
        200,
    ]
    # The rejected finding is still annotated on the check run.
    (check,) = repo.check_runs.values()
    assert ("app/util.py", 1) in {(a["path"], a["start_line"]) for a in check.annotations}


def many_findings(count: int) -> str:
    """A module whose ``count`` added lines each carry one ruff finding (an unused import)."""
    return "".join(f"import mod_{i:03}\n" for i in range(count)) + "VALUE = 1\n"


@pytest.mark.parametrize("count", [0, 1, 5, 20, 60])
def test_requests_per_review(harness: Harness, count: int) -> None:
    """GitHub requests of a first review of a one-file PR with ``count`` inline findings.

    reads: the pull request, issue comments, review comments, files, the contents of
    each reviewed file; writes: check run start, summary, check run completion (one more per
    50 annotations beyond the first 50); with inline findings, + the review and the listing of
    its comments.
    """
    if count > 20:
        harness.config("review:\n  max-inline-comments: 60\n")
    branch = f"bench-{count}"
    harness.repo.commit(branch, {"bench.py": many_findings(count)}, "Bench", parent="main")
    number = harness.repo.open_pull(branch, title="Bench").number
    harness.fake.requests.clear()

    done = harness.review(number=number)

    assert done.result["published"]["inline_comments"] == count
    log = harness.fake.requests
    total, written = len(log), writes(harness.fake)
    batches = max(1, -(-count // 50))  # annotations go 50 per check-run update
    expected_reads = 4 + 1 + (1 if count else 0)
    expected_writes = 2 + batches + (1 if count else 0)
    print(f"inline={count}: {total} requests ({written} writes) {log.endpoints()}")
    assert written == expected_writes
    assert total == expected_reads + expected_writes
    # The forge counts the same calls (they appear in the summary's footer).
    assert harness.last_metrics is not None
    assert to_json(harness.last_metrics.snapshot())["api_calls"]["total"] == total


def test_a_failure_while_publishing_does_not_leave_the_check_run_in_progress(
    harness: Harness,
) -> None:
    # The summary cannot be posted (say the job lacks `issues: write`): the run fails loudly,
    # and the check run it started is completed as failed instead of spinning forever.
    harness.fake.faults.status("POST", "/repos/*/issues/*/comments", 403, times=None)

    with pytest.raises(CiAgentError) as info:
        harness.review()

    assert info.value.code == "CA304"
    (check,) = harness.repo.check_runs.values()
    assert (check.status, check.conclusion) == ("completed", "failure")
    assert check.title == "ci-agent could not publish the review (CA304)"
    assert "CA304" in (check.summary or "")
    assert TOKEN not in (check.summary or "")
