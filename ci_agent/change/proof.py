"""The proof of a patch: the failing tests fail before it, pass N times after it, and the
broader check passes. The tests run through a ``TestRunner``: the job's interpreter, inside
the sandbox that keeps every secret out of reach (``ci_agent.change``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from ci_agent.change.edits import safe_path
from ci_agent.change.test_runner import TestRequest, TestResult, TestRunner

__all__ = [
    "ProofConfig",
    "TestRun",
    "Verdict",
    "broader_targets",
    "prove",
    "run_pytest",
    "valid_test_ids",
]


@dataclass(frozen=True)
class ProofConfig:
    """How hard a patch is tested: runs after the patch, and a timeout per pytest run."""

    runs: int = 3
    timeout: float = 300.0


@dataclass(frozen=True)
class TestRun:
    """One pytest run: what it ran, its counts, exit status and the tail of its output."""

    __test__ = False  # not a pytest test class
    JSON_KEYS: ClassVar = (
        "targets",
        "passed",
        "failed",
        "returncode",
        "timed_out",
        "command",
        "isolation",
        "tail",
    )

    targets: tuple[str, ...]
    passed: int
    failed: int
    returncode: int | None
    tail: str
    timed_out: bool = False
    command: tuple[str, ...] = ()
    isolation: str = ""

    @classmethod
    def from_result(cls, targets: Sequence[str], result: TestResult) -> TestRun:
        """The run a ``TestRunner`` reported."""
        failed = result.count("failed") + result.count("error")
        passed = result.count("passed")
        return cls(
            tuple(targets),
            passed,
            failed,
            result.returncode,
            result.tail,
            result.timed_out,
            result.command,
            result.isolation,
        )

    @property
    def ok(self) -> bool:
        """pytest exited 0 (all collected tests passed) and ran at least one test."""
        return self.returncode == 0 and self.passed > 0 and self.failed == 0


@dataclass(frozen=True)
class Verdict:
    """Whether the patch is proven, why not, and the runs that show it."""

    JSON_KEYS: ClassVar = ("verified", "reason", "before", "after", "broader")

    verified: bool
    reason: str
    after: tuple[TestRun, ...] = ()
    broader: TestRun | None = None
    before: TestRun | None = field(default=None)


def valid_test_ids(root: Path, test_ids: Sequence[str]) -> tuple[str, ...]:
    """The test ids that name a file inside ``root`` and cannot pass as a pytest option."""
    kept = []
    for test_id in test_ids:
        file = test_id.split("::", 1)[0]
        if test_id.startswith("-") or "\n" in test_id or not file.endswith(".py"):
            continue
        target = safe_path(root, file)
        if target is not None and target.is_file():
            kept.append(test_id)
    return tuple(dict.fromkeys(kept))


def broader_targets(test_ids: Sequence[str]) -> tuple[str, ...]:
    """The default broader check: the whole test files the failing tests live in."""
    return tuple(dict.fromkeys(t.split("::", 1)[0] for t in test_ids))


def run_pytest(runner: TestRunner, root: Path, targets: Sequence[str], timeout: float) -> TestRun:
    """Run pytest on ``targets`` in ``root`` through ``runner``; the targets were checked."""
    result = runner.run(TestRequest(root, tuple(targets), timeout=timeout))
    return TestRun.from_result(targets, result)


def prove(
    runner: TestRunner,
    root: Path,
    test_ids: Sequence[str],
    broader: Sequence[str],
    config: ProofConfig,
    *,
    before: TestRun | None = None,
) -> Verdict:
    """After the patch: the failing tests pass ``config.runs`` times in a row, then the
    broader check passes. ``before`` is the run that showed them failing."""
    runs: list[TestRun] = []
    for number in range(1, config.runs + 1):
        run = run_pytest(runner, root, test_ids, config.timeout)
        runs.append(run)
        if not run.ok:
            why = "timed out" if run.timed_out else f"{run.failed} failed, {run.passed} passed"
            reason = f"the failing tests still fail after the patch (run {number}: {why})"
            return Verdict(False, reason, tuple(runs), None, before)
        if run.passed < len(test_ids):  # some were deselected or not collected
            reason = f"only {run.passed} of {len(test_ids)} failing tests ran after the patch"
            return Verdict(False, reason, tuple(runs), None, before)
    wider = run_pytest(runner, root, broader, config.timeout)
    if not wider.ok:
        why = "timed out" if wider.timed_out else f"{wider.failed} failed, {wider.passed} passed"
        reason = f"the broader check failed after the patch ({why})"
        return Verdict(False, reason, tuple(runs), wider, before)
    reason = f"failing tests pass {config.runs}x after the patch; broader check passed"
    return Verdict(True, reason, tuple(runs), wider, before)
