"""Verified auto-fix patches: the model proposes search/replace edits, deterministic code
applies them in a scratch worktree, checks the policy and proves them with the failing tests.

Modules: ``edits`` (answer format, applying edits), ``policy`` (protected paths, secrets,
weakened tests), ``worktree`` (scratch ``git worktree``), ``proof`` (pytest before/after),
``loop`` (attempts within the budget, verified patch or refusal).
"""

from __future__ import annotations

__all__: list[str] = []
