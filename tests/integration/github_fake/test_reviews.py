"""Review anchors are validated like GitHub: one bad inline comment rejects the whole review
with 422 and stores nothing; single review comments get the ``Validation Failed`` form."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.github_server import FakeGitHub

from .rawhttp import Raw
from .schema import validate
from .world import World, build

REVIEW_422 = {
    "message": "Unprocessable Entity",
    "errors": ["Line could not be resolved"],
    "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
    "status": "422",
}
# feature's diff of app.py: hunk 1 covers lines 1-6 (line 3 changed), hunk 2 covers 15-22
# on the RIGHT (18 changed, 19 added); on the LEFT hunk 2 covers old lines 15-20.
GOOD = [
    {"path": "app.py", "line": 3, "body": "added line"},
    {"path": "app.py", "line": 1, "side": "RIGHT", "body": "context line"},
    {"path": "app.py", "line": 3, "side": "LEFT", "body": "removed line"},
    {"path": "app.py", "line": 19, "start_line": 16, "body": "multi-line in one hunk"},
    {
        "path": "app.py",
        "line": 18,
        "start_line": 17,
        "side": "LEFT",
        "start_side": "LEFT",
        "body": "multi-line on the left",
    },
    {"path": "docs/guide.md", "line": 1, "body": "new file"},
    {"path": "app.py", "position": 4, "body": "deprecated position anchor"},
    {"path": "app.py", "subject_type": "file", "body": "file-level comment"},
]
BAD: list[tuple[str, dict[str, Any], str]] = [
    ("line outside every hunk", {"path": "app.py", "line": 10}, "Line could not be resolved"),
    ("line past the end", {"path": "app.py", "line": 99}, "Line could not be resolved"),
    (
        "LEFT line not in the old file",
        {"path": "app.py", "line": 21, "side": "LEFT"},
        "Line could not be resolved",
    ),
    ("pure rename has no lines", {"path": "new_name.txt", "line": 1}, "Line could not be resolved"),
    ("file not in the PR", {"path": "lib/util.py", "line": 1}, "Path could not be resolved"),
    (
        "start_line in another hunk",
        {"path": "app.py", "line": 18, "start_line": 3},
        "Start line could not be resolved",
    ),
    (
        "start_line after line",
        {"path": "app.py", "line": 16, "start_line": 18},
        "Start line must precede the end line",
    ),
]


def _reviews(fake: FakeGitHub, world: World) -> tuple[int, int]:
    repo = world.repo
    reviews = sum(1 for r in repo.reviews.values() if r.pull_number == world.pr)
    comments = sum(1 for c in repo.review_comments.values() if c.pull_number == world.pr)
    return reviews, comments


def test_a_review_with_valid_anchors_is_stored(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    before = _reviews(fake_github, world)
    raw = Raw(fake_github.base_url)
    reply = raw.post(
        f"/repos/acme/widgets/pulls/{world.pr}/reviews",
        {
            "event": "COMMENT",
            "body": "Review",
            "commit_id": world.head_sha,
            "comments": [dict(c) for c in GOOD],
        },
    )
    assert reply.status == 200, reply.text
    review = validate("PullRequestReview", reply.json)
    assert review.state == "COMMENTED"
    assert _reviews(fake_github, world) == (before[0] + 1, before[1] + len(GOOD))
    listed = raw.get(f"/repos/acme/widgets/pulls/{world.pr}/reviews/{review.id}/comments").json
    by_body = {c["body"]: c for c in listed}
    multi = by_body["multi-line in one hunk"]
    assert (multi["start_line"], multi["line"], multi["side"]) == (16, 19, "RIGHT")
    assert multi["diff_hunk"].startswith("@@ -15,6 +15,7 @@")
    assert multi["diff_hunk"].endswith("+extra")
    assert by_body["deprecated position anchor"]["line"] == 3
    assert by_body["deprecated position anchor"]["side"] == "RIGHT"
    assert by_body["deprecated position anchor"]["position"] == 4
    assert by_body["file-level comment"]["subject_type"] == "file"


@pytest.mark.parametrize(("spec", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_one_bad_anchor_rejects_the_whole_review(
    fake_github: FakeGitHub, spec: dict[str, Any], message: str
) -> None:
    world = build(fake_github)
    before = _reviews(fake_github, world)
    comments = [dict(GOOD[0]), {**spec, "body": "bad"}, dict(GOOD[1])]
    reply = Raw(fake_github.base_url).post(
        f"/repos/acme/widgets/pulls/{world.pr}/reviews", {"event": "COMMENT", "comments": comments}
    )
    assert reply.status == 422
    assert reply.json == {**REVIEW_422, "errors": [message]}
    assert _reviews(fake_github, world) == before, "nothing may be stored"


def test_single_comment_on_a_bad_line_gets_validation_failed(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    reply = Raw(fake_github.base_url).post(
        f"/repos/acme/widgets/pulls/{world.pr}/comments",
        {"body": "x", "commit_id": world.head_sha, "path": "app.py", "line": 10, "side": "RIGHT"},
    )
    assert reply.status == 422
    body = reply.json
    assert body["message"] == "Validation Failed"
    assert body["errors"][0] == {
        "resource": "PullRequestReviewComment",
        "code": "custom",
        "field": "pull_request_review_thread.line",
        "message": "pull_request_review_thread.line must be part of the diff",
    }
    assert body["status"] == "422"


def test_review_rules_on_events(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    fake_github.require_token("alice-token", "alice")
    fake_github.require_token("bot-token", "github-actions[bot]")
    path = f"/repos/acme/widgets/pulls/{world.pr}/reviews"
    own = Raw(fake_github.base_url, "alice-token").post(path, {"event": "APPROVE"})
    assert (own.status, own.json["errors"]) == (422, ["Can not approve your own pull request"])
    bot = Raw(fake_github.base_url, "bot-token")
    assert bot.post(path, {"body": "pending"}).status == 200
    again = bot.post(path, {"body": "second pending"})
    assert again.json["errors"] == ["User can only have one pending review per pull request"]
    # A pending review's comments are visible to its author only.
    pending = bot.post(path.replace("/reviews", "/comments"), {})
    assert pending.status == 422  # body missing: schema error
    listed_by_alice = Raw(fake_github.base_url, "alice-token").get(path).json
    assert all(r["state"] != "PENDING" for r in listed_by_alice)
    assert any(r["state"] == "PENDING" for r in bot.get(path).json)


def test_a_review_on_an_older_commit_uses_that_commits_diff(fake_github: FakeGitHub) -> None:
    world = build(fake_github)
    world.repo.commit("feature", {"later.txt": "later\n"}, "Later")
    raw = Raw(fake_github.base_url)
    path = f"/repos/acme/widgets/pulls/{world.pr}/reviews"
    later = {"path": "later.txt", "line": 1, "body": "new file"}
    old = raw.post(path, {"event": "COMMENT", "commit_id": world.head_sha, "comments": [later]})
    assert old.status == 422
    assert raw.post(path, {"event": "COMMENT", "comments": [later]}).status == 200
