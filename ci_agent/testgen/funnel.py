"""What every gate of the funnel shares: a candidate's state as it meets the gates, the first
gate (lint), the environment of a test process and how a failure is cleaned for feedback. The
gates that run tests run candidates in batches (``batch.py``)."""

from __future__ import annotations

import ast
from pathlib import Path

from ci_agent.testgen.lint import format_module, lint_problems
from ci_agent.testgen.mutants import Mutant
from ci_agent.testgen.policy import policy_problems
from ci_agent.testgen.verdict import Candidate, GateResult, Limits, Verdict

__all__ = [
    "GUARD",
    "CandidateState",
    "clean_failure",
    "first_error",
    "lint_gate",
    "pytest_env",
]

GUARD = "ci_agent_testgen_guard"
FAILURE_LIMIT = 3000  # characters of pytest's failure block fed back to the next attempt


def pytest_env(root: Path, guard: Path, limits: Limits) -> dict[str, str]:
    """PYTHONPATH with the guard plugin and the scratch copy first (before an installed copy
    of the project), the sleep bound, and Hypothesis' storage outside the copy."""
    paths = [str(guard), str(root)] + ([str(root / "src")] if (root / "src").is_dir() else [])
    return {
        "PYTHONPATH": ":".join(paths),
        "CI_AGENT_TESTGEN_SLEEP_BOUND": str(limits.sleep_bound),
        # Hypothesis keeps its caches (unicode tables, the example database) in `.hypothesis`
        # of the working directory: files of the library, not of the test, which the `alone`
        # gate would take for the test writing outside tmp_path. Kept beside the guard, outside
        # the copy, and shared by the runs of one generation.
        "HYPOTHESIS_STORAGE_DIRECTORY": str(guard.parent / "hypothesis"),
    }


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


def lint_gate(state: CandidateState, root: Path, limits: Limits) -> GateResult:
    """The first gate: the module parses, keeps the policy and the repository's ruff rules
    (formatted with ruff first)."""
    try:
        ast.parse(state.source)
    except SyntaxError as exc:
        state.failure = f"SyntaxError: {exc}"
        return GateResult("lint", False, f"does not parse: line {exc.lineno}: {exc.msg}")
    state.source = format_module(state.source, root, state.test_path)
    problems = policy_problems(state.source, limits.sleep_bound)
    if problems:
        state.failure = "\n".join(problems)
        return GateResult("lint", False, "policy: " + "; ".join(problems[:3]))
    lint = lint_problems(state.source, root, state.test_path)
    if lint:
        state.failure = "\n".join(lint)
        return GateResult("lint", False, "ruff: " + "; ".join(lint[:3]))
    return GateResult("lint", True, "ruff: not configured" if lint is None else "")


class CandidateState:
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
        # What importing the target's file ran (no test's context): a pull request's new
        # module-level lines that the accepted test's import runs.
        self.imported_lines: tuple[int, ...] = ()
        self.imported_branches: tuple[tuple[int, int], ...] = ()
        self.killed: list[Mutant] = []
        self.survived: list[Mutant] = []
        self.killed_by_test: dict[str, int] = {}
        self.failure = ""
        self.isolated = ""

    def verdict(self) -> Verdict:
        """What the gates found, as a value."""
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
            self.isolated,
            imported_lines=self.imported_lines,
            imported_branches=self.imported_branches,
        )


def first_error(output: str) -> str:
    """The first ``E   ...`` line or short-summary line of pytest's output."""
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith(("E ", "FAILED ", "ERROR ")):
            return stripped[:300]
    return ""
