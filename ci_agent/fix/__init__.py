"""Fix: the auto-fix capability on top of triage (:mod:`ci_agent.triage`) and the change core
(:mod:`ci_agent.change`). It chooses a recovery strategy's action and orchestrates it.

Modules: ``session`` (one fix run, end to end), ``compute`` (fixers, then the model patch
loop), ``fixers`` (the repository's own formatters and linters), ``loop`` (model attempts
within the budget: a verified patch or a refusal), ``context`` (source shown to the model),
``analysis``, ``failure_issue`` (the issue about a failing default branch), ``sticky`` (the
sticky fix comment).
"""

from __future__ import annotations

__all__: list[str] = []
