"""ci-agent's own comments on a pull request: which ones are ours, finding one by its
marker, and editing it in place instead of posting it twice (review summary, fix report)."""

from __future__ import annotations

from collections.abc import Iterable

from ci_agent.forge.protocol import CommentStore
from ci_agent.forge.types import Comment, CommentKind, IssueInfo
from ci_agent.markers import find_markers

__all__ = ["find_ours", "is_ours", "upsert_comment"]


def is_ours(item: Comment | IssueInfo) -> bool:
    """Markers count only in comments and issues by a bot account (GITHUB_TOKEN or an App).

    A person can type a marker too; trusting it would let them hide findings or make
    ci-agent overwrite their comment as if it were the sticky summary.
    """
    return (item.author or "").endswith("[bot]")


def find_ours(comments: Iterable[Comment], kind: str, key: str) -> Comment | None:
    """The first of ``comments`` that ci-agent wrote with the marker ``kind:key``."""
    for comment in comments:
        if is_ours(comment) and any(
            m.kind == kind and m.key == key for m in find_markers(comment.body)
        ):
            return comment
    return None


def upsert_comment(
    forge: CommentStore, number: int, body: str, existing: Comment | None
) -> tuple[int, str]:
    """Post ``body``, or edit ``existing`` when it differs; the id and what was done."""
    if existing is None:
        return forge.create_comment(number, body).id, "created"
    if existing.body.strip() == body.strip():
        return existing.id, "unchanged"
    return forge.update_comment(CommentKind.ISSUE, existing.id, body).id, "updated"
