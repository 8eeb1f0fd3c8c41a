"""Capability-neutral verified changes: the user's test runner, the sandbox that keeps
secrets out of reach of repository code, and (as they move here) edits, policy, worktree,
proof, bundle, landing and delivery."""

from __future__ import annotations

__all__: list[str] = []
