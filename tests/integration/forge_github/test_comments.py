"""Issue and review comments, reactions, and writes that landed although their answer was lost."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import CommentKind, InlineComment
from ci_agent.markers import marker

from .conftest import Rig

SUMMARY = marker("summary", "abc123") + "\n## ci-agent review\nAll good."
ISSUE_COMMENTS = "/repos/acme/widgets/issues/*/comments"
REVIEW_COMMENTS = "/repos/acme/widgets/pulls/*/comments"


def bodies(rig: Rig) -> list[str]:
    return [c.body for c in rig.world.repo.comments_on(rig.world.pr)]


def test_list_create_update_delete_issue_comments(rig: Rig) -> None:
    forge, pr = rig.forge, rig.world.pr
    assert [c.body for c in forge.comments(pr, CommentKind.ISSUE)] == ["LGTM?"]
    posted = forge.create_comment(pr, SUMMARY)
    assert (posted.kind, posted.author, posted.body) == (CommentKind.ISSUE, "ci-bot", SUMMARY)
    updated = forge.update_comment(CommentKind.ISSUE, posted.id, SUMMARY + "\nMore.")
    assert updated.body.endswith("More.")
    forge.delete_comment(CommentKind.ISSUE, posted.id)
    assert bodies(rig) == ["LGTM?"]


def test_review_comments_listing_and_single_inline_comment(rig: Rig) -> None:
    forge, world = rig.forge, rig.world
    listed = list(forge.comments(world.pr, CommentKind.REVIEW))
    assert [(c.path, c.line, c.body) for c in listed] == [
        ("app.py", 3, "Why upper?"),
        ("app.py", 3, "Because."),
    ]
    body = marker("finding", "f1") + "\nThis line is new."
    made = forge.create_review_comment(
        world.pr, world.head_sha, InlineComment("app.py", 19, body, start_line=18)
    )
    assert (made.kind, made.path, made.line) == (CommentKind.REVIEW, "app.py", 19)
    stored = world.repo.review_comments[made.id]
    assert (stored.start_line, stored.start_side, stored.side) == (18, "RIGHT", "RIGHT")
    forge.update_comment(CommentKind.REVIEW, made.id, body + " (edited)")
    forge.delete_comment(CommentKind.REVIEW, made.id)
    assert made.id not in world.repo.review_comments


def test_reactions_are_idempotent(rig: Rig) -> None:
    forge = rig.forge
    forge.add_reaction(CommentKind.ISSUE, rig.world.issue_comment, "eyes")
    forge.add_reaction(CommentKind.ISSUE, rig.world.issue_comment, "eyes")
    forge.add_reaction(CommentKind.REVIEW, rig.world.review_comment, "rocket")
    reactions = rig.world.repo.reactions.values()
    assert sum(1 for r in reactions if r.content == "eyes" and r.user == "ci-bot") == 1
    assert any(r.content == "rocket" for r in reactions)


def test_a_comment_that_landed_despite_a_502_is_not_posted_twice(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", ISSUE_COMMENTS)
    posted = rig.forge.create_comment(rig.world.pr, SUMMARY)
    assert bodies(rig) == ["LGTM?", SUMMARY]
    assert posted.body == SUMMARY
    assert rig.fake.requests.count("POST", ISSUE_COMMENTS) == 1
    assert rig.fake.requests.count("GET", ISSUE_COMMENTS) == 1  # the marker check
    assert len(rig.clock.retry_waits) == 1  # one backoff before the check


def test_a_comment_lost_to_a_reset_is_checked_then_posted(rig: Rig) -> None:
    rig.fake.faults.reset("POST", ISSUE_COMMENTS)  # the connection drops before the write
    rig.forge.create_comment(rig.world.pr, SUMMARY)
    assert bodies(rig) == ["LGTM?", SUMMARY]
    assert [r.status for r in rig.fake.requests.filter("POST", ISSUE_COMMENTS)] == [None, 201]
    assert rig.fake.requests.count("GET", ISSUE_COMMENTS) == 1


def test_a_comment_without_a_marker_is_not_re_sent_after_an_ambiguous_failure(rig: Rig) -> None:
    rig.fake.faults.apply_then_fail("POST", ISSUE_COMMENTS)
    with pytest.raises(CiAgentError) as caught:
        rig.forge.create_comment(rig.world.pr, "no marker here")
    assert caught.value.code == "CA306"
    assert "may have landed" in caught.value.message
    assert rig.fake.requests.count("POST", ISSUE_COMMENTS) == 1
    assert bodies(rig) == ["LGTM?", "no marker here"], "landed once, never duplicated"


def test_a_comment_rate_limited_is_re_sent_without_a_check(rig: Rig) -> None:
    rig.fake.faults.secondary_rate_limit("POST", ISSUE_COMMENTS, retry_after=3)
    rig.forge.create_comment(rig.world.pr, "plain text is fine: a 403 applied nothing")
    assert rig.fake.requests.count("POST", ISSUE_COMMENTS) == 2
    assert rig.fake.requests.count("GET", ISSUE_COMMENTS) == 0
    assert rig.clock.retry_waits == [3.0]


def test_a_review_comment_that_landed_is_not_posted_twice(rig: Rig) -> None:
    world = rig.world
    rig.fake.faults.apply_then_fail("POST", REVIEW_COMMENTS)
    body = marker("finding", "f2") + "\nCheck this."
    made = rig.forge.create_review_comment(
        world.pr, world.head_sha, InlineComment("app.py", 3, body)
    )
    ours = [c for c in world.repo.review_comments.values() if c.body == body]
    assert [c.id for c in ours] == [made.id]


def test_a_delete_that_landed_counts_as_done(rig: Rig) -> None:
    posted = rig.forge.create_comment(rig.world.pr, SUMMARY)
    rig.fake.faults.apply_then_fail("DELETE", "/repos/*/issues/comments/*")
    rig.forge.delete_comment(CommentKind.ISSUE, posted.id)
    deletes = rig.fake.requests.filter("DELETE", "/repos/*/issues/comments/*")
    assert [r.status for r in deletes] == [502, 404]
    assert bodies(rig) == ["LGTM?"]
