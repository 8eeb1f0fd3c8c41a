"""Property tests from Hypothesis' ghostwriter (round-trip, idempotence, equivalence where it
finds them, else a fuzz test), run in the project's environment; a module holding
``st.nothing()`` (a strategy it could not infer), or whose test fails on the unchanged code when
run once in the writing process, is dropped."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.engine import Proposal
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import pytest_env
from ci_agent.testgen.scratch import guard_dir, scratch_copy
from ci_agent.testgen.targets import Target, function_spans
from ci_agent.testgen.verdict import Limits, Verdict

__all__ = ["GhostwriterEngine"]

PROBE = Path(__file__).resolve().parent / "probes" / "ghostwrite.py"


@dataclass(frozen=True)
class GhostwriterEngine:
    """Hypothesis' ghostwriter for module-level functions: one process per module writes the
    modules of all its functions (a process per function cost more than the writing)."""

    executor: Executor
    root: Path
    work: Path
    limits: Limits
    _written: dict[str, dict[str, Proposal]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    # Wall seconds of each module's writing process (the run reports them among its phases).
    spent: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """``ghostwriter``."""
        return "ghostwriter"

    def prepare(self, targets: Sequence[Target]) -> None:
        """Write every module of ``targets`` now (in the background, while the first round is
        checked); ``propose`` then finds the tests written."""
        for target in targets:
            if "." not in target.qualname:
                self._write_once(target)

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """The ghostwriter's module for the target, or why there is none."""
        target = context.target
        if "." in target.qualname:
            return Proposal(None, "the ghostwriter engine tests module-level functions only")
        self._write_once(target)
        found = self._written[target.module].get(target.qualname)
        return found or Proposal(None, f"the ghostwriter was not run for {target.qualname}")

    def _write_once(self, target: Target) -> None:
        with self._lock:  # one process per module, whoever asks first
            if target.module not in self._written:
                self._written[target.module] = self._write(target)

    def _write(self, target: Target) -> dict[str, Proposal]:
        source = (self.root / target.path).read_text(encoding="utf-8")
        names = [n for n, _, _ in function_spans(source) if "." not in n] or [target.qualname]
        outs = {n: self.work / f"ghost-{uuid.uuid4().hex}.py" for n in names}
        started = time.monotonic()
        with scratch_copy(self.root) as copy:
            # Half the process's limit may go to running the written tests once: one that
            # fails there is not proposed (the rest of the limit is the writing's).
            check = f"{self.limits.test_timeout / 2:g}"
            ran = self.executor.python(
                [str(PROBE), target.module, check, *(a for n in names for a in (n, str(outs[n])))],
                cwd=copy,
                timeout=self.limits.test_timeout,
                env=pytest_env(copy, guard_dir(self.work), self.limits),
            )
        self.spent[f"writing of {target.module}"] = time.monotonic() - started
        if ran.timed_out:
            why = (
                f"the ghostwriter ran past test-timeout ({self.limits.test_timeout:.0f} s): "
                f"importing {target.module} or writing its tests did not finish"
            )
            return {name: Proposal(None, why) for name in outs}
        return {name: _proposal(out, ran.output) for name, out in outs.items()}


_SHOWN = 300  # characters of a message or of pytest's failure kept in the result
_WHOLE = "`hypothesis write MODULE` in the project's environment shows the whole"


def _start(text: str) -> str:
    """``text``, or its first characters (they say what failed) and how much was cut."""
    if len(text) <= _SHOWN:
        return text
    return f"{text[:_SHOWN]}… ({len(text) - _SHOWN} more characters; {_WHOLE})"


def _proposal(out: Path, output: str) -> Proposal:
    if not out.is_file():
        tail = output.strip()
        if len(tail) > _SHOWN:  # a crash's last lines say why
            tail = f"(the last {_SHOWN} of {len(tail)} characters; {_WHOLE}) …{tail[-_SHOWN:]}"
        return Proposal(None, "the ghostwriter failed: " + (tail or "?"))
    text = out.read_text(encoding="utf-8")
    out.unlink()
    if text.startswith("# problem:"):
        problem = _start(text[10:].strip())
        if "No module named 'black'" in problem:
            # Hypothesis' ghostwriter formats its output with black, an extra of its own.
            problem += " (install hypothesis[ghostwriter] into the project's environment)"
        return Proposal(None, "the ghostwriter cannot run: " + problem)
    if text.startswith("# fails:"):
        why = _start(text[8:].strip())
        return Proposal(
            None,
            "the ghostwriter's test fails on the unchanged code (run once where it was "
            f"written): {why}",
        )
    if "st.nothing()" in text:
        return Proposal(None, "the ghostwriter could not infer a strategy (st.nothing())")
    return Proposal(text)
