"""Re-runs never promote or repeat: the same head posts nothing new, the cap holds across runs."""

from __future__ import annotations

from ci_agent.markers import parse_state
from ci_agent.review.publish import listed_keys
from tests.integration.review_github.conftest import UTIL, Harness

RESTORE = "\n\ndef restore(blob):\n    import pickle\n    return pickle.loads(blob)\n"


def summary_body(harness: Harness) -> str:
    (summary,) = harness.repo.issue_comments.values()
    return summary.body


def test_three_reruns_over_the_cap_post_one_review(harness: Harness) -> None:
    harness.config("review:\n  max-inline-comments: 1\n")
    runs = [harness.review() for _ in range(3)]

    repo = harness.repo
    assert harness.fake.requests.count("POST", "/repos/*/pulls/*/reviews") == 1
    assert len(repo.reviews) == 1
    assert len(repo.review_comments) == 1  # the cap, once
    assert harness.fake.requests.count("POST", "/repos/*/issues/*/comments") == 1
    # The two findings over the cap stay in the summary on every run, never promoted.
    for done in runs:
        listed = [f for f in done.result["findings"] if not f["inline"]]
        assert len(listed) == 2
    assert [r.result["published"]["inline_comments"] for r in runs] == [1, 0, 0]
    assert [r.result["published"]["review_id"] is None for r in runs] == [False, True, True]
    # Nothing changed on runs 2 and 3: the summary is not even edited.
    assert [r.result["published"]["summary"] for r in runs] == [
        "created",
        "unchanged",
        "unchanged",
    ]
    assert harness.fake.requests.count("PATCH", "/repos/*/issues/comments/*") == 0
    body = summary_body(harness)
    assert parse_state(body)["listed"] == "2"
    assert (
        len(listed_keys(repo.issue_comments[runs[0].result["published"]["summary_comment_id"]]))
        == 2
    )
    # The check run of every run still carries all three findings.
    latest = max(repo.check_runs.values(), key=lambda run: run.id)
    assert len(latest.annotations) == 3


def test_a_new_head_posts_only_findings_new_to_it(harness: Harness) -> None:
    harness.config("review:\n  max-inline-comments: 1\n")
    harness.review()
    harness.repo.commit("feature", {"app/util.py": UTIL + RESTORE}, "Add restore")

    second = harness.review()

    published = second.result["published"]
    assert published["inline_comments"] == 1
    (new,) = [f for f in second.result["findings"] if f["inline"]]
    assert (new["path"], new["rule"]) == ("app/util.py", "S301")
    assert len(harness.repo.reviews) == 2
    assert len(harness.repo.review_comments) == 2
    # The earlier summary-only findings are still listed, not posted.
    assert sum(1 for f in second.result["findings"] if not f["inline"]) == 2
    assert published["summary"] == "updated"
