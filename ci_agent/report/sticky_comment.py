"""The sticky comment surface: ci-agent's own comments, found by marker and edited in place.

Which comments are ours, finding one by its marker, and posting or editing it instead of
posting it twice (review summary, fix report, failure issue comments). A body over GitHub's
limit is cut here as a last resort (the templates fit themselves first), so GitHub never
refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ci_agent.forge.protocol import CommentStore
from ci_agent.forge.types import Comment, CommentKind, IssueInfo
from ci_agent.markers import find_markers
from ci_agent.report.fit import fit_text
from ci_agent.report.limits import COMMENT_BODY_LIMIT

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
    body = fit_text(body, COMMENT_BODY_LIMIT)
    if existing is None:
        return forge.create_comment(number, body).id, "created"
    if existing.body.strip() == body.strip():
        return existing.id, "unchanged"
    return forge.update_comment(CommentKind.ISSUE, existing.id, body).id, "updated"
