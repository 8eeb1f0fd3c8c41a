"""Property tests from Hypothesis' ghostwriter (round-trip, idempotence, equivalence where it
finds them, else a fuzz test), run in the project's environment; a module holding
``st.nothing()`` (a strategy it could not infer) is dropped."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.engine import Proposal
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import pytest_env
from ci_agent.testgen.scratch import guard_dir, scratch_copy
from ci_agent.testgen.verdict import Limits, Verdict

__all__ = ["GhostwriterEngine"]

PROBE = Path(__file__).resolve().parent / "probes" / "ghostwrite.py"


@dataclass(frozen=True)
class GhostwriterEngine:
    """Hypothesis' ghostwriter for module-level functions."""

    executor: Executor
    root: Path
    work: Path
    limits: Limits

    @property
    def name(self) -> str:
        """``ghostwriter``."""
        return "ghostwriter"

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """The ghostwriter's module for the target, or why there is none."""
        target = context.target
        if "." in target.qualname:
            return Proposal(None, "the ghostwriter engine tests module-level functions only")
        out = self.work / f"ghost-{uuid.uuid4().hex}.py"  # unique: targets run at once
        with scratch_copy(self.root) as copy:
            ran = self.executor.python(
                [str(PROBE), target.module, target.qualname, str(out)],
                cwd=copy,
                timeout=self.limits.test_timeout,
                env=pytest_env(copy, guard_dir(self.work), self.limits),
            )
        if not out.is_file():
            return Proposal(None, "the ghostwriter failed: " + (ran.output.strip()[-300:] or "?"))
        text = out.read_text(encoding="utf-8")
        out.unlink()
        if text.startswith("# problem:"):
            return Proposal(None, "the ghostwriter cannot run: " + text[10:].strip()[:300])
        if "st.nothing()" in text:
            return Proposal(None, "the ghostwriter could not infer a strategy (st.nothing())")
        return Proposal(text)
