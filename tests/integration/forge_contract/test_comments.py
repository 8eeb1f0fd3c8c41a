"""Issue comments on both forges: the sticky comment found by its marker among a person's, edited
in place; bodies over GitHub's limit refused whole; long listings read to the end; reactions."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import CommentKind, InlineComment
from ci_agent.markers import marker
from ci_agent.sticky import find_ours, upsert_comment

from .conftest import BOT, Side

LIMIT = 65_536
TOO_LONG = "Validation Failed; Body is too long (maximum is 65536 characters)"


def conversation(side: Side) -> list[tuple[str, str]]:
    return [(c.author, c.body) for c in side.forge.comments(side.number, CommentKind.ISSUE)]


def test_the_sticky_comment_is_found_by_marker_and_edited_in_place(side: Side) -> None:
    forge, number = side.forge, side.number
    sticky = marker("review-summary", f"pr-{number}")
    side.person_comments(number, [f"{sticky}\nI copied the marker."], user="mallory")

    assert (
        find_ours(forge.comments(number, CommentKind.ISSUE), "review-summary", f"pr-{number}")
        is None
    )
    first_id, action = upsert_comment(forge, number, f"{sticky}\nfirst", None)
    assert action == "created"
    found = find_ours(forge.comments(number, CommentKind.ISSUE), "review-summary", f"pr-{number}")
    assert found is not None and (found.id, found.author) == (first_id, BOT)
    assert upsert_comment(forge, number, f"{sticky}\nsecond", found) == (first_id, "updated")
    found = find_ours(forge.comments(number, CommentKind.ISSUE), "review-summary", f"pr-{number}")
    assert found is not None
    assert upsert_comment(forge, number, f"{sticky}\nsecond\n", found) == (first_id, "unchanged")
    assert conversation(side) == [
        ("mallory", f"{sticky}\nI copied the marker."),
        (BOT, f"{sticky}\nsecond"),
    ]


def test_a_body_over_the_limit_is_refused_and_nothing_is_stored(side: Side) -> None:
    forge, number = side.forge, side.number
    made = forge.create_comment(number, "x" * LIMIT)  # exactly the limit is fine
    assert len(made.body) == LIMIT
    attempts = [
        lambda: forge.create_comment(number, "y" * (LIMIT + 1)),
        lambda: forge.update_comment(CommentKind.ISSUE, made.id, "z" * (LIMIT + 1)),
        lambda: forge.create_issue("Too long", "w" * (LIMIT + 1), ["ci-agent"]),
        lambda: forge.create_review(side.number, side.head_sha, "v" * (LIMIT + 1), []),
        lambda: forge.create_review_comment(
            side.number, side.head_sha, InlineComment("app.py", 3, "u" * (LIMIT + 1))
        ),
    ]
    for attempt in attempts:
        with pytest.raises(CiAgentError) as caught:
            attempt()
        error = caught.value
        assert (error.code, error.context["status"], error.context["detail"]) == (
            "CA308",
            422,
            TOO_LONG,
        )
    assert conversation(side) == [(BOT, "x" * LIMIT)]
    assert list(forge.open_issues("ci-agent")) == []
    assert list(forge.comments(number, CommentKind.REVIEW)) == []


def test_long_listings_are_read_to_the_end(side: Side) -> None:
    bodies = [f"comment {n}" for n in range(250)]  # three pages of 100
    side.person_comments(side.number, bodies, user="alice")
    assert [body for _, body in conversation(side)] == bodies


def test_delete_and_react(side: Side) -> None:
    forge, number = side.forge, side.number
    made = forge.create_comment(number, "hello")
    forge.add_reaction(CommentKind.ISSUE, made.id, "eyes")
    forge.add_reaction(CommentKind.ISSUE, made.id, "eyes")  # twice is not an error
    forge.delete_comment(CommentKind.ISSUE, made.id)
    assert conversation(side) == []
    with pytest.raises(CiAgentError) as caught:
        forge.update_comment(CommentKind.ISSUE, made.id, "gone")
    assert caught.value.code == "CA305"
    with pytest.raises(CiAgentError) as caught:
        forge.create_comment(999, "nowhere")
    assert caught.value.code == "CA305"
