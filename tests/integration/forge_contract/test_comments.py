"""Issue comments on both forges: the sticky comment found by its marker among a person's, edited
in place; bodies over GitHub's limit refused whole; long listings read to the end; reactions."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.types import Comment, CommentKind, InlineComment
from ci_agent.markers import find_markers, marker

from .conftest import BOT, Side

LIMIT = 65_536
TOO_LONG = "Validation Failed; body is too long (maximum is 65536 characters)"


def conversation(side: Side) -> list[tuple[str, str]]:
    return [(c.author, c.body) for c in side.forge.comments(side.number, CommentKind.ISSUE)]


def ours(side: Side, kind: str, key: str) -> list[Comment]:
    """The bot's comments carrying the marker ``kind:key`` (a person's copies do not count)."""
    return [
        c
        for c in side.forge.comments(side.number, CommentKind.ISSUE)
        if c.author.endswith("[bot]")
        and any((m.kind, m.key) == (kind, key) for m in find_markers(c.body))
    ]


def test_the_sticky_comment_is_found_by_marker_and_edited_in_place(side: Side) -> None:
    forge, number = side.forge, side.number
    key = f"pr-{number}"
    sticky = marker("review-summary", key)
    side.person_comments(number, [f"{sticky}\nI copied the marker."], user="mallory")
    assert ours(side, "review-summary", key) == []

    made = forge.create_comment(number, f"{sticky}\nfirst")
    (found,) = ours(side, "review-summary", key)
    assert (found.id, found.author, found.body) == (made.id, BOT, f"{sticky}\nfirst")
    edited = forge.update_comment(CommentKind.ISSUE, found.id, f"{sticky}\nsecond")
    assert (edited.id, edited.body, edited.author) == (made.id, f"{sticky}\nsecond", BOT)
    assert edited.updated_at >= made.updated_at
    (found,) = ours(side, "review-summary", key)
    assert found.body == f"{sticky}\nsecond"
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
