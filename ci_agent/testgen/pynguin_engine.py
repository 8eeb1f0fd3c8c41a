"""Pynguin's search-based tests, run where Pynguin is installed (the project's interpreter, or
its own environment: ``test-generation.pynguin-python``), seeded and time-boxed, once per module;
its module is cut into single tests, each a candidate of the function it tests, made steady
and readable (``pynguin_style``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ci_agent.testgen.context import TargetContext
from ci_agent.testgen.engine import Proposal
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import pytest_env
from ci_agent.testgen.pynguin_style import single_tests
from ci_agent.testgen.scratch import guard_dir, scratch_copy
from ci_agent.testgen.targets import Target, function_spans
from ci_agent.testgen.verdict import Limits, Verdict

__all__ = ["PynguinEngine", "called_names", "search_args"]


@dataclass(frozen=True)
class PynguinEngine:
    """Pynguin for the functions and methods of a module, one search per module."""

    executor: Executor
    root: Path
    work: Path
    limits: Limits
    seconds: float
    plateau: int = 0  # iterations without a coverage change that end the search (0: never)
    _modules: dict[str, Proposal | dict[str, list[str]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    # Wall seconds of each module's search (the run reports them among its phases).
    spent: dict[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """``pynguin``."""
        return "pynguin"

    def prepare(self, targets: Sequence[Target]) -> None:
        """Search every module of ``targets`` now (in the background, while other engines'
        candidates are checked); ``propose`` then finds the result."""
        for target in targets:
            self._split_once(target)

    def propose(self, context: TargetContext, previous: Verdict | None) -> Proposal:
        """Pynguin's single tests of the target, each its own candidate; or why none."""
        target = context.target
        split = self._split_once(target)
        if isinstance(split, Proposal):
            return split
        parts = split.get(target.qualname)
        if not parts:
            return Proposal(None, f"pynguin wrote no test whose last call is {target.qualname}")
        return Proposal(None, parts=tuple(parts))

    def _split_once(self, target: Target) -> Proposal | dict[str, list[str]]:
        with self._lock:  # one search per module, whoever asks first
            split = self._modules.get(target.module)
            if split is None:
                split = self._split(target.module, target.path)
                self._modules[target.module] = split
            return split

    def _split(self, module: str, path: str) -> Proposal | dict[str, list[str]]:
        whole = self._search(module)
        if whole.source is None:
            return whole
        source = (self.root / path).read_text(encoding="utf-8")
        return single_tests(whole.source, module, called_names(source))

    def _search(self, module: str) -> Proposal:
        out = self.work / f"pynguin-{module}"
        started = time.monotonic()
        with scratch_copy(self.root) as copy:
            project = copy / "src" if (copy / "src").is_dir() else copy
            ran = self.executor.python(
                search_args(project, module, out, self.seconds, self.plateau),
                cwd=copy,
                timeout=self.seconds * 3 + self.limits.test_timeout,
                env={
                    **pytest_env(copy, guard_dir(self.work), self.limits),
                    "PYNGUIN_DANGER_AWARE": "1",
                },
            )
        self.spent[f"search of {module}"] = time.monotonic() - started
        found = sorted(out.glob("test_*.py"))
        if not found:
            if "No module named pynguin" in ran.output:
                return Proposal(
                    None,
                    "pynguin is not installed in its environment (test-generation.pynguin-python)",
                )
            if ran.timed_out:
                limit = self.seconds * 3 + self.limits.test_timeout
                return Proposal(
                    None,
                    f"pynguin ran past its limit of {limit:.0f} s (three times pynguin-seconds "
                    "and test-timeout) and wrote no tests",
                )
            return Proposal(None, "pynguin wrote no tests: " + ran.output.strip()[-300:])
        return Proposal(found[0].read_text(encoding="utf-8"))


def search_args(project: Path, module: str, out: Path, seconds: float, plateau: int) -> list[str]:
    """Pynguin's command line for one module's search: seeded, ``seconds`` at most, ended
    earlier by ``plateau`` iterations without a change in its coverage (0: not)."""
    args = [
        "-m",
        "pynguin",
        "--project-path",
        str(project),
        "--module-name",
        module,
        "--output-path",
        str(out),
        "--maximum-search-time",
        str(int(seconds)),
        "--seed",
        "0",
        # Every observed value is asserted; the funnel's mutant gate then keeps the tests that
        # catch a change (Pynguin's own mutation analysis costs several times the search).
        "--assertion-generation",
        "SIMPLE",
    ]
    if plateau > 0:
        # The search's coverage often stops rising long before its time is up (toposort's
        # after some 200 of 2,700 iterations in 60 s, inflection's after 70 of 1,500): the
        # rest of the time finds nothing the funnel could use.
        args += ["--maximum-coverage-plateau", str(plateau)]
    return args


def called_names(source: str) -> dict[str, str]:
    """Name at a call site -> the qualified name of the function it runs: functions and
    methods by their own name (the first of equal names), classes by their ``__init__``."""
    spans = function_spans(source)
    qualnames = {name for name, _, _ in spans}
    found: dict[str, str] = {}
    for qualname, _, _ in spans:
        if "<locals>" in qualname:
            continue
        found.setdefault(qualname.rsplit(".", 1)[-1], qualname)
        owner, _, last = qualname.rpartition(".")
        if last == "__init__" and owner and "." not in owner:
            found[owner] = qualname
    return {k: v for k, v in found.items() if v in qualnames}
