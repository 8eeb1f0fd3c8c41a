"""The fix guards: runs per head and per day from ci-agent's own sticky comments, and chains
of its own fix commits from the trailers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ci_agent.change.guards import (
    GuardLimits,
    PriorFix,
    check_guards,
    has_fix_trailer,
    own_fix_chain,
    prior_fixes,
)
from ci_agent.forge.types import Comment, CommentKind, Commit
from ci_agent.markers import marker, state_marker

HEAD = "a" * 40
TODAY = date(2026, 11, 21)
WHEN = datetime(2026, 11, 21, 9, tzinfo=UTC)


def comment(body: str, author: str = "github-actions[bot]", number: int = 1) -> Comment:
    return Comment(number, CommentKind.ISSUE, body, author, WHEN, WHEN)


def sticky(run: int, head: str = HEAD, day: str = "2026-11-21", author: str = "x[bot]") -> Comment:
    state = {"head": head, "day": day, "status": "refused", "strategy": "patch"}
    return comment(f"{marker('fix', f'run-{run}')}\n{state_marker(state)}\nbody", author, run)


def commit(message: str) -> Commit:
    return Commit("b" * 40, message, "n", "e@example.com", WHEN)


def test_prior_fixes_come_from_bot_comments_only() -> None:
    found = prior_fixes(
        [
            sticky(7),
            sticky(8, author="mallory"),  # a person typing the marker does not count
            comment("an ordinary comment"),
            comment(f"{marker('fix', 'run-x')}\n"),
            comment(f"{marker('summary', 'pr-1')}\n"),
        ]
    )
    assert found == [PriorFix(7, HEAD, "2026-11-21", "refused", 7)]


def verdict(prior: list[PriorFix], chain: int = 0, run_id: int = 99, **limits: int) -> str:
    result = check_guards(
        prior, chain, run_id=run_id, head_sha=HEAD, today=TODAY, limits=GuardLimits(**limits)
    )
    return "allowed" if result.allowed else result.reason


def test_the_cap_per_head() -> None:
    prior = prior_fixes([sticky(7)])
    assert "fix.max-fixes-per-head is 1" in verdict(prior)
    assert verdict(prior, per_head=2) == "allowed"
    assert verdict(prior, run_id=7) == "allowed"  # a re-run of the same run
    assert verdict(prior_fixes([sticky(7, head="c" * 40)])) == "allowed"


def test_the_cap_per_day() -> None:
    prior = prior_fixes([sticky(n, head=f"{n:040d}") for n in range(1, 4)])
    assert "fix.max-fixes-per-day is 3" in verdict(prior, per_day=3)
    assert verdict(prior, per_day=4) == "allowed"
    yesterday = prior_fixes([sticky(n, f"{n:040d}", "2026-11-20") for n in range(1, 4)])
    assert verdict(yesterday, per_day=3) == "allowed"


def test_chains_of_own_fixes() -> None:
    fix = "ci-agent: fix\n\nCi-Agent-Fix: 12\nCi-Agent-Attempt: 1\n"
    assert own_fix_chain([commit("feat"), commit(fix), commit(fix)]) == 2
    assert own_fix_chain([commit(fix), commit("feat")]) == 0
    assert own_fix_chain([]) == 0
    assert has_fix_trailer("x\n\nci-agent-fix: 3") and not has_fix_trailer("mentions Ci-Agent-Fix")
    assert "fix.max-chain is 2" in verdict([], chain=2)
    assert verdict([], chain=1) == "allowed"
