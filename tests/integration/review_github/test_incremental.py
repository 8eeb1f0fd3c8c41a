"""Incremental re-review: after a push only the files changed since the last reviewed head are
reviewed; after a force-push (history rewritten) the whole pull request is reviewed again."""

from __future__ import annotations

from ci_agent.markers import parse_state
from tests.integration.review_github.conftest import RUNNER, UTIL, Harness

RESTORE = "\n\ndef restore(blob):\n    import pickle\n\n    return pickle.loads(blob)\n"


def summary_body(harness: Harness) -> str:
    (summary,) = harness.repo.issue_comments.values()
    return summary.body


def inline_places(harness: Harness) -> list[tuple[str, int | None]]:
    return sorted((c.path, c.line) for c in harness.repo.review_comments.values())


def test_push_then_force_push(harness: Harness) -> None:
    harness.clone()
    first = harness.review()
    head_a = harness.head
    assert first.result["published"]["inline_comments"] == 3
    assert inline_places(harness) == [
        ("app/runner.py", 1),
        ("app/runner.py", 6),
        ("app/util.py", 22),
    ]
    summary_id = first.result["published"]["summary_comment_id"]

    # Push B: only util.py changes (a new pickle.loads finding at line 28).
    harness.repo.commit("feature", {"app/util.py": UTIL + RESTORE}, "Add restore")
    head_b = harness.head
    harness.clone()  # the workspace now has both A and B (fetch-depth: 0 in a workflow)
    harness.fake.requests.clear()

    second = harness.review()

    files = {f["path"]: f for f in second.result["files"]}
    unchanged = f"unchanged since the review of {head_a[:12]}"
    assert files["app/runner.py"]["reviewed"] and files["app/runner.py"]["reason"] == unchanged
    assert files["app/util.py"]["reviewed"] and files["app/util.py"]["reason"] == ""
    # The clone has the head commit: contents come from it, not from the API.
    assert harness.fake.requests.filter("GET", "/repos/*/contents/*") == []
    # Only the new finding was posted; S307 on util.py:22 was posted before and is recognised.
    new = second.result["findings"]
    assert [(f["path"], f["start_line"], f["rule"]) for f in new] == [("app/util.py", 28, "S301")]
    # Earlier findings still standing: util.py's S307 (found again) and runner.py's two
    # (carried from their inline comments, as runner.py was not reviewed again).
    assert second.result["already_reported"] == 3
    latest = max(harness.repo.check_runs.values(), key=lambda run: run.id)
    assert latest.head_sha == head_b
    assert latest.conclusion == "failure"
    assert {(a["path"], a["start_line"]) for a in latest.annotations} == {
        ("app/runner.py", 1),
        ("app/runner.py", 6),
        ("app/util.py", 22),
        ("app/util.py", 28),
    }
    assert inline_places(harness) == [
        ("app/runner.py", 1),
        ("app/runner.py", 6),
        ("app/util.py", 22),
        ("app/util.py", 28),
    ]
    assert len(harness.repo.reviews) == 2
    # Earlier findings on the changed file are listed as possibly outdated.
    (note,) = [n for n in second.result["notes"] if "may be outdated" in n]
    assert "`app/util.py:22`" in note
    assert note in summary_body(harness)
    assert "app/runner.py" not in note
    assert head_a[:12] in note
    (summary,) = harness.repo.issue_comments.values()
    assert summary.id == summary_id
    assert parse_state(summary.body) == {
        "head": head_b,
        "listed": "0",
        "digest": parse_state(summary.body)["digest"],
    }
    assert f"| `app/runner.py` | added | +6/\u22120 | {unchanged} |" in summary.body

    # Force-push C: the branch is reset to a commit that does not descend from B.
    head_c = harness.repo.commit(
        "rewrite",
        {"app/runner.py": RUNNER.replace("cmd, shell=True", "[cmd]"), "app/util.py": UTIL},
        "Rewrite",
        parent="main",
    )
    harness.repo.git.set_ref("refs/heads/feature", head_c)
    assert harness.head == head_c
    harness.clone()
    harness.fake.requests.clear()

    third = harness.review()

    # A full review: nothing counts as reviewed earlier, every text file was read again.
    assert third.result["coverage"]["reviewed_earlier"] == 0
    assert all(not f["reason"].startswith("unchanged since") for f in third.result["files"])
    assert harness.fake.requests.filter("GET", "/repos/*/contents/*") == []  # from the clone
    # Findings posted before (same code, same title) are not posted a second time.
    assert third.result["findings"] == []
    assert third.result["already_reported"] == 2  # runner.py's F401 and util.py's S307
    assert len(harness.repo.reviews) == 2
    (summary,) = harness.repo.issue_comments.values()
    assert {k: v for k, v in parse_state(summary.body).items() if k != "digest"} == {
        "head": head_c,
        "listed": "0",
    }


def test_without_the_earlier_commit_in_the_workspace_the_review_is_full(
    harness: Harness,
) -> None:
    """A shallow checkout (fetch-depth 1) lacks the earlier head: review everything."""
    harness.review()
    harness.repo.commit("feature", {"app/util.py": UTIL + RESTORE}, "Add restore")
    harness.fake.requests.clear()

    second = harness.review()

    assert second.result["coverage"]["reviewed_earlier"] == 0
    # Both files' contents come from the API in one batched request, not one request each.
    assert harness.fake.requests.filter("GET", "/repos/*/contents/*") == []
    assert len(harness.fake.requests.filter("POST", "/graphql")) == 1
    assert [f["rule"] for f in second.result["findings"]] == ["S301"]
    assert second.result["already_reported"] == 3


def test_findings_on_unchanged_files_keep_the_check_red(harness: Harness) -> None:
    """B fixes util.py's eval: nothing new is found, but runner.py's S602 still stands."""
    harness.clone()
    harness.review()
    harness.repo.commit("feature", {"app/util.py": UTIL.replace("eval(text)", "int(text)")}, "Fix")
    harness.clone()

    second = harness.review()

    assert second.result["files"][0]["reason"].startswith("unchanged since")  # runner.py
    assert second.result["findings"] == []
    assert second.result["already_reported"] == 2
    assert second.result["risk"] == "high"
    assert second.report is not None
    assert second.report.selection.already_posted[0].severity == "high"
    latest = max(harness.repo.check_runs.values(), key=lambda run: run.id)
    assert (latest.head_sha, latest.conclusion) == (harness.head, "failure")
    assert {(a["path"], a["start_line"]) for a in latest.annotations} == {
        ("app/runner.py", 1),
        ("app/runner.py", 6),
    }
    assert "**Already reported:** 2" in summary_body(harness)


def test_findings_only_the_summary_listed_force_a_full_review(harness: Harness) -> None:
    """They cannot be carried forward, so nothing may be left unreviewed."""
    harness.config("review:\n  filter-mode: file\n")  # util.py:1 is in scope, not on the diff
    harness.clone()
    harness.review()
    assert parse_state(summary_body(harness))["listed"] == "1"
    harness.repo.commit("feature", {"app/util.py": UTIL + RESTORE}, "Add restore")
    harness.clone()
    harness.fake.requests.clear()

    second = harness.review()

    assert second.result["coverage"]["reviewed_earlier"] == 0
    assert harness.fake.requests.filter("GET", "/repos/*/contents/*") == []  # from the clone
    assert second.result["already_reported"] == 3
    # util.py:1 is listed again (it is found again, and still cannot be posted inline).
    assert [(f["path"], f["start_line"], f["inline"]) for f in second.result["findings"]] == [
        ("app/util.py", 28, True),
        ("app/util.py", 1, False),
    ]


def test_incremental_coverage_keeps_skipped_files_skipped(harness: Harness) -> None:
    harness.clone()
    harness.review()
    harness.repo.commit("feature", {"app/util.py": UTIL + RESTORE}, "Add restore")
    harness.clone()

    second = harness.review()

    files = {f["path"]: f for f in second.result["files"]}
    assert not files["assets/logo.png"]["reviewed"]
    assert not files["poetry.lock"]["reviewed"]
    assert "(1 unchanged since an earlier review)" in summary_body(harness)
