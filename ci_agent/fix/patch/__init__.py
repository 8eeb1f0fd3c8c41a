"""Verified auto-fix patches: the model proposes search/replace edits, deterministic code
applies them in a scratch worktree, checks the policy and proves them with the failing tests.

Modules: ``edits`` (answer format, applying edits), ``policy`` (protected paths, secrets,
suppressions), ``weakening`` (tests deleted or weakened, by ``ast``), ``context`` (source
shown to the model), ``worktree`` (scratch ``git worktree``), ``proof`` (pytest before and
after), ``loop`` (attempts within the budget: a verified patch or a refusal).
"""

from __future__ import annotations

__all__: list[str] = []
