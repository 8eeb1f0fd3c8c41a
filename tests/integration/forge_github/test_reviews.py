"""One review with many inline comments; bisection of the comments GitHub cannot anchor."""

from __future__ import annotations

import math

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import InlineComment
from ci_agent.markers import marker
from tests.fakes.github_server import Fault

from .conftest import Rig

REVIEWS = "/repos/acme/widgets/pulls/*/reviews"
BODY = marker("review", "head1") + "\nci-agent found things."
# app.py's diff: new-file lines 1-6 and 15-21 anchor on the RIGHT side; line 10 does not.
GOOD_LINES = (1, 2, 3, 4, 5, 6, 15, 16, 17, 18, 19)


def good(n: int) -> InlineComment:
    return InlineComment("app.py", GOOD_LINES[n % len(GOOD_LINES)], f"note {n}")


BAD = InlineComment("app.py", 10, "not in the diff")


def review_requests(rig: Rig) -> dict[str, int]:
    log = rig.fake.requests
    return {
        "POST": log.count("POST", REVIEWS),
        "DELETE": log.count("DELETE", REVIEWS + "/*"),
        "GET ids": log.count("GET", REVIEWS + "/*/comments"),
        "total": len(log.filter("*", "/repos/*")),
    }


def stored_review(rig: Rig, review_id: int) -> list[tuple[str, int | None, str]]:
    comments = rig.world.repo.review_comments.values()
    return [(c.path, c.line, c.body) for c in comments if c.review_id == review_id]


def test_one_review_with_many_comments_in_one_request(rig: Rig) -> None:
    comments = [good(n) for n in range(5)] + [
        InlineComment("app.py", 19, "a range", start_line=17),
        InlineComment("app.py", 3, "a removed line", side="LEFT"),
    ]
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, BODY, comments)
    assert result.rejected == ()
    assert len(result.comment_ids) == len(comments)
    assert [body for _, _, body in stored_review(rig, result.id)] == [c.body for c in comments]
    assert review_requests(rig) == {"POST": 1, "DELETE": 0, "GET ids": 1, "total": 2}
    review = rig.world.repo.reviews[result.id]
    assert (review.state, review.body) == ("COMMENTED", BODY)
    assert rig.calls()["POST /repos/{owner}/{repo}/pulls/{number}/reviews"] == 1


def test_a_bad_anchor_is_isolated_and_the_rest_is_posted(rig: Rig) -> None:
    comments = [good(n) for n in range(8)]
    comments[5] = BAD
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, BODY, comments)
    assert result.rejected == (BAD,)
    assert len(result.comment_ids) == 7
    assert [b for _, _, b in stored_review(rig, result.id)] == [
        c.body for c in comments if c != BAD
    ]
    # 1 rejected review; trials [0-3] ok (2), [4,5] rejected (1), [4] ok (2), [6,7] ok (2);
    # the final review (1) and its comment ids (1).
    assert review_requests(rig) == {"POST": 6, "DELETE": 3, "GET ids": 1, "total": 10}
    assert 3 + 2 * 3 <= 10 <= 3 + 3 * math.ceil(math.log2(8)), "the documented range"
    states = {r.state for r in rig.world.repo.reviews.values() if r.user == "ci-bot"}
    assert states == {"COMMENTED"}, "every trial review was deleted"


def test_two_bad_anchors_at_the_ends(rig: Rig) -> None:
    comments = [good(n) for n in range(8)]
    comments[0] = BAD
    comments[7] = InlineComment("nope.py", 1, "no such file")
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, BODY, comments)
    assert result.rejected == (comments[0], comments[7])
    assert len(result.comment_ids) == 6
    # trials: [0-3] x, [0,1] x, [0] x, [1] ok, [2,3] ok, [4-7] x, [4,5] ok, [6] ok
    assert review_requests(rig) == {"POST": 10, "DELETE": 4, "GET ids": 1, "total": 15}
    assert 15 <= 3 + 3 * 2 * 3, "within 3 + 3·b·log2(n)"


def test_every_comment_rejected_leaves_a_review_with_the_body(rig: Rig) -> None:
    comments = [BAD, InlineComment("nope.py", 1, "x")]
    result = rig.forge.create_review(
        rig.world.pr, rig.world.head_sha, BODY, comments, event="REQUEST_CHANGES"
    )
    assert result.rejected == tuple(comments)
    assert result.comment_ids == ()
    assert rig.world.repo.reviews[result.id].state == "CHANGES_REQUESTED"
    assert review_requests(rig)["GET ids"] == 0


def test_a_422_that_is_not_about_anchors_is_an_error(rig: Rig) -> None:
    with pytest.raises(CiAgentError) as caught:
        rig.forge.create_review(
            rig.world.pr, rig.world.head_sha, "", [good(0)], event="REQUEST_CHANGES"
        )
    assert caught.value.code == "CA308"
    assert "Body is required" in caught.value.message
    assert review_requests(rig)["POST"] == 1, "no bisection"


def test_a_review_that_landed_despite_a_502_is_not_posted_twice(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", REVIEWS)
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, BODY, [good(0), good(1)])
    ours = [r for r in rig.world.repo.reviews.values() if r.body == BODY]
    assert [r.id for r in ours] == [result.id]
    assert len(result.comment_ids) == 2
    assert review_requests(rig)["POST"] == 1


class _AfterFirst(Fault):
    """A fault that lets the first matching request through."""

    passed: bool = False

    def matches(self, method: str, path: str) -> bool:
        if not super().matches(method, path):
            return False
        if not self.passed:
            self.passed = True
            return False
        return True


def test_a_trial_that_landed_despite_a_502_is_found_and_deleted(rig: Rig) -> None:
    comments = [good(0), good(1), BAD, good(2)]
    # The first POST is the rejected review; the second, the first trial, lands and gets 502.
    fault = rig.fake.faults.add(_AfterFirst("apply_then_fail", "POST", REVIEWS, status=502))
    result = rig.forge.create_review(rig.world.pr, rig.world.head_sha, BODY, comments)
    assert fault.hits == 1
    assert result.rejected == (BAD,)
    assert [r.state for r in rig.world.repo.reviews.values() if r.user == "ci-bot"] == [
        "COMMENTED"
    ], "the trial that landed was found (as the pending review) and deleted"
