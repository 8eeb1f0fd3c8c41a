"""The funnel: a candidate test module meets each gate in turn (lint, collect, alone, repeat,
coverage, mutants) inside a scratch copy of the repository; the first refusal ends its run."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ci_agent.testgen.coverage_data import FileCoverage, measure
from ci_agent.testgen.execute import Execution, Executor
from ci_agent.testgen.lint import format_module, lint_problems
from ci_agent.testgen.mutants import Mutant, mutants
from ci_agent.testgen.policy import policy_problems
from ci_agent.testgen.scratch import snapshot
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Candidate, GateResult, Limits, Verdict

__all__ = ["Funnel", "clean_failure", "pytest_env"]

GUARD = "ci_agent_testgen_guard"
FAILURE_LIMIT = 3000  # characters of pytest's failure block fed back to the next attempt
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+?)(?: - .*)?$", re.M)


def pytest_env(root: Path, guard: Path, limits: Limits) -> dict[str, str]:
    """PYTHONPATH with the guard plugin and the scratch copy first (before an installed copy
    of the project), and the sleep bound."""
    paths = [str(guard), str(root)] + ([str(root / "src")] if (root / "src").is_dir() else [])
    return {"PYTHONPATH": ":".join(paths), "CI_AGENT_TESTGEN_SLEEP_BOUND": str(limits.sleep_bound)}


def clean_failure(output: str) -> str:
    """pytest's failure block (or the tail of the output), bounded."""
    for marker in ("= FAILURES =", "= ERRORS ="):
        at = output.find(marker)
        if at >= 0:
            output = output[output.rfind("\n", 0, at) + 1 :]
            break
    if len(output) > FAILURE_LIMIT:
        cut = len(output) - FAILURE_LIMIT
        output = f"[{cut} characters cut from the start]\n" + output[-FAILURE_LIMIT:]
    return output.strip()


@dataclass(frozen=True)
class Funnel:
    """Checks candidates for targets of one repository copy."""

    executor: Executor
    root: Path  # the scratch copy
    work: Path  # outside the copy: coverage data
    guard: Path
    limits: Limits
    baseline: Mapping[str, FileCoverage]

    def check(self, candidate: Candidate, target: Target, test_path: str) -> Verdict:
        """Every gate in order, until one refuses."""
        state = _State(candidate, test_path)
        steps: tuple[Callable[[_State, Target], GateResult], ...] = (
            self._lint,
            self._collect,
            self._alone,
            self._repeat,
            self._coverage,
            self._mutants,
        )
        path = self.root / test_path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            for step in steps:
                started = time.monotonic()
                result = step(state, target)
                state.gates.append(replace(result, seconds=time.monotonic() - started))
                if not result.passed:
                    break
        finally:
            path.unlink(missing_ok=True)
        return state.verdict()

    # --- gates -----------------------------------------------------------------------------

    def _lint(self, state: _State, target: Target) -> GateResult:
        import ast

        try:
            ast.parse(state.source)
        except SyntaxError as exc:
            state.failure = f"SyntaxError: {exc}"
            return GateResult("lint", False, f"does not parse: line {exc.lineno}: {exc.msg}")
        state.source = format_module(state.source, self.root, state.test_path)
        problems = policy_problems(state.source, self.limits.sleep_bound)
        if problems:
            state.failure = "\n".join(problems)
            return GateResult("lint", False, "policy: " + "; ".join(problems[:3]))
        lint = lint_problems(state.source, self.root, state.test_path)
        if lint:
            state.failure = "\n".join(lint)
            return GateResult("lint", False, "ruff: " + "; ".join(lint[:3]))
        (self.root / state.test_path).write_text(state.source, encoding="utf-8")
        return GateResult("lint", True, "ruff: not configured" if lint is None else "")

    def _collect(self, state: _State, target: Target) -> GateResult:
        ran = self._pytest(["--collect-only", "-q", state.test_path])
        ids = tuple(
            line.strip()
            for line in ran.stdout.splitlines()
            if line.startswith(state.test_path + "::")
        )
        if not ran.ok or not ids:
            state.failure = clean_failure(ran.output)
            return GateResult("collect", False, _first_error(ran) or "no test collected")
        state.tests = ids
        return GateResult("collect", True, f"{len(ids)} test(s)")

    def _alone(self, state: _State, target: Target) -> GateResult:
        before = snapshot(self.root)
        ran = self._pytest(["-q", "-rfE", state.test_path])
        wrote = sorted(snapshot(self.root) - before)
        if not ran.ok:
            state.failure = clean_failure(ran.output)
            reason = "timed out" if ran.timed_out else _first_error(ran) or "failed"
            return GateResult("alone", False, reason)
        if wrote:
            state.failure = "the tests wrote files outside tmp_path: " + ", ".join(wrote[:5])
            return GateResult("alone", False, state.failure)
        return GateResult("alone", True, f"{ran.seconds:.2f} s")

    def _repeat(self, state: _State, target: Target) -> GateResult:
        for run in range(1, self.limits.repeat_runs + 1):
            order = list(state.tests)
            random.Random(run).shuffle(order)  # noqa: S311 - a reproducible order, not a secret
            # A fresh process and a different hash seed each time: order- and hash-dependent
            # tests fail here rather than on the next CI run.
            ran = self._pytest(
                ["-q", "-rfE", "-p", "no:randomly", *order], env={"PYTHONHASHSEED": str(run * 7919)}
            )
            if not ran.ok:
                state.failure = clean_failure(ran.output)
                return GateResult(
                    "repeat",
                    False,
                    f"flaky: run {run} of "
                    f"{self.limits.repeat_runs} in random order failed "
                    f"({_first_error(ran) or 'failed'})",
                )
        return GateResult("repeat", True, f"{self.limits.repeat_runs} runs")

    def _coverage(self, state: _State, target: Target) -> GateResult:
        ran, report = measure(
            self.executor,
            self.root,
            self.work,
            ["-q", state.test_path],
            timeout=self.limits.test_timeout,
            env=self._env(),
        )
        mine = (report or {}).get(target.path)
        if mine is None:
            state.failure = clean_failure(ran.output)
            return GateResult("coverage", False, f"no coverage data for {target.path}")
        state.executed = mine.executed
        state.gained_lines = tuple(sorted(set(target.missing_lines) & mine.executed))
        state.gained_branches = tuple(sorted(set(target.missing_branches) & mine.executed_branches))
        if not state.gained_lines and not state.gained_branches:
            state.failure = "the tests run none of the target's missing lines or branches"
            return GateResult("coverage", False, "adds no coverage of the target")
        return GateResult(
            "coverage",
            True,
            f"+{len(state.gained_lines)} lines, +{len(state.gained_branches)} branches",
        )

    def _mutants(self, state: _State, target: Target) -> GateResult:
        path = self.root / target.path
        original = path.read_text(encoding="utf-8")
        lines = (target.lines | set(range(target.start, target.end + 1))) & state.executed
        found = mutants(original, lines, self.limits.max_mutants)
        if not found:
            return GateResult("mutants", False, "no mutant could be made on the lines it runs")
        try:
            for mutant in found:
                path.write_text(mutant.source, encoding="utf-8")
                ran = self._pytest(["-q", "-rfE", "-p", "no:randomly", state.test_path])
                if ran.ok:
                    state.survived.append(mutant)
                    continue
                state.killed.append(mutant)
                for test in _FAILED.findall(ran.stdout):
                    state.killed_by_test[test] = state.killed_by_test.get(test, 0) + 1
        finally:
            path.write_text(original, encoding="utf-8")
        total = len(found)
        if not state.killed:
            state.failure = "these mutants of the target survived every test:\n" + "\n".join(
                f"line {m.line}: {m.description}" for m in state.survived
            )
            return GateResult("mutants", False, f"kills none of {total} mutants")
        return GateResult("mutants", True, f"kills {len(state.killed)} of {total} mutants")

    # --- running ---------------------------------------------------------------------------

    def _env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return {**pytest_env(self.root, self.guard, self.limits), **(extra or {})}

    def _pytest(self, args: list[str], env: Mapping[str, str] | None = None) -> Execution:
        return self.executor.python(
            ["-m", "pytest", "-p", "no:cacheprovider", "-p", GUARD, *args],
            cwd=self.root,
            timeout=self.limits.test_timeout,
            env=self._env(env),
        )


class _State:
    """What the gates learn about one candidate as it goes through them."""

    def __init__(self, candidate: Candidate, test_path: str) -> None:
        self.candidate = candidate
        self.test_path = test_path
        self.source = candidate.source
        self.gates: list[GateResult] = []
        self.tests: tuple[str, ...] = ()
        self.executed: frozenset[int] = frozenset()
        self.gained_lines: tuple[int, ...] = ()
        self.gained_branches: tuple[tuple[int, int], ...] = ()
        self.killed: list[Mutant] = []
        self.survived: list[Mutant] = []
        self.killed_by_test: dict[str, int] = {}
        self.failure = ""

    def verdict(self) -> Verdict:
        return Verdict(
            self.candidate,
            tuple(self.gates),
            self.source,
            self.tests,
            self.gained_lines,
            self.gained_branches,
            tuple(self.killed),
            tuple(self.survived),
            dict(self.killed_by_test),
            self.failure,
        )


def _first_error(ran: Execution) -> str:
    """The first ``E   ...`` line or short-summary line of a pytest run."""
    for line in ran.output.splitlines():
        stripped = line.strip()
        if stripped.startswith(("E ", "FAILED ", "ERROR ")):
            return stripped[:300]
    return ""
