"""Guards that keep auto-fix from looping: fix runs per head commit and per day, and chains of
ci-agent's own fix commits. The counts come from GitHub itself (ci-agent's sticky fix
comments and the pull request's commits), so they hold across runs without any stored state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ci_agent.forge.types import Comment, Commit
from ci_agent.markers import find_markers, parse_state
from ci_agent.report.sticky_comment import is_ours

__all__ = [
    "FIX_MARKER",
    "FIX_TRAILER",
    "GuardLimits",
    "GuardVerdict",
    "PriorFix",
    "check_guards",
    "has_fix_trailer",
    "own_fix_chain",
    "prior_fixes",
]

FIX_MARKER = "fix"
FIX_TRAILER = "Ci-Agent-Fix"


@dataclass(frozen=True)
class PriorFix:
    """A fix run ci-agent reported on the pull request before (from its sticky comment)."""

    run_id: int
    head: str
    day: str
    status: str
    comment_id: int


@dataclass(frozen=True)
class GuardLimits:
    """The caps from ``fix.max-fixes-per-head``, ``fix.max-fixes-per-day``, ``fix.max-chain``."""

    per_head: int = 1
    per_day: int = 5
    chain: int = 2


@dataclass(frozen=True)
class GuardVerdict:
    """Whether a new fix run may go ahead, and why."""

    allowed: bool
    reason: str


def prior_fixes(comments: Iterable[Comment]) -> list[PriorFix]:
    """The fix runs recorded in ci-agent's sticky fix comments (bot authors only)."""
    found = []
    for comment in comments:
        if not is_ours(comment):
            continue  # a person can type a marker; only ci-agent's own count
        keys = [m.key for m in find_markers(comment.body) if m.kind == FIX_MARKER]
        if not keys or not keys[0].startswith("run-"):
            continue
        state = parse_state(comment.body)
        try:
            run_id = int(keys[0].removeprefix("run-"))
        except ValueError:
            continue
        found.append(
            PriorFix(
                run_id,
                state.get("head", ""),
                state.get("day", comment.created_at.date().isoformat()),
                state.get("status", ""),
                comment.id,
            )
        )
    return found


def own_fix_chain(commits: Sequence[Commit]) -> int:
    """How many of the newest commits in a row are ci-agent fix commits (by their trailer)."""
    count = 0
    for commit in reversed(commits):
        if not has_fix_trailer(commit.message):
            break
        count += 1
    return count


def has_fix_trailer(message: str) -> bool:
    """Whether a commit message carries the ``Ci-Agent-Fix:`` trailer."""
    prefix = FIX_TRAILER.lower() + ":"
    return any(line.lower().startswith(prefix) for line in message.splitlines())


def check_guards(
    prior: Sequence[PriorFix],
    chain: int,
    *,
    run_id: int,
    head_sha: str,
    today: date,
    limits: GuardLimits,
) -> GuardVerdict:
    """Allow a fix run unless a cap is reached; the run itself (a re-run) never counts."""
    others = [p for p in prior if p.run_id != run_id]
    on_head = sum(1 for p in others if p.head == head_sha)
    if on_head >= limits.per_head:
        return GuardVerdict(
            False,
            f"{on_head} fix run(s) already made for head {head_sha[:12]} "
            f"(fix.max-fixes-per-head is {limits.per_head})",
        )
    day = today.isoformat()
    on_day = sum(1 for p in others if p.day == day)
    if on_day >= limits.per_day:
        return GuardVerdict(
            False,
            f"{on_day} fix run(s) already made on this pull request today "
            f"(fix.max-fixes-per-day is {limits.per_day})",
        )
    if chain >= limits.chain:
        return GuardVerdict(
            False,
            f"the branch's newest {chain} commit(s) are ci-agent fixes already "
            f"(fix.max-chain is {limits.chain}); a person should look at it",
        )
    return GuardVerdict(True, "within the caps")
