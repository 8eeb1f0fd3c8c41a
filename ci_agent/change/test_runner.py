"""The user's tests, run in the user's environment, in the sandbox.

``TestRunner`` is the narrow interface every capability uses (the fix proof, test
generation): a request names the repository root, the targets, extra pytest arguments, the
timeout and whether to collect JUnit outcomes and coverage; the result holds the exit status,
duration, per-test outcomes, coverage data and the output's tail. ``PytestRunner`` implements
it with the command ``job_python`` found, inside the ``Sandbox``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol

from ci_agent.change.coverage_data import CoverageData, read_coverage
from ci_agent.change.job_python import TestCommand, find_test_command
from ci_agent.change.junit_outcomes import TestOutcome, read_outcomes
from ci_agent.change.sandbox import Sandbox, make_sandbox
from ci_agent.config_tests import TestsConfig
from ci_agent.json_form import json_meta, rounded

__all__ = [
    "TAIL_LINES",
    "PytestRunner",
    "TestRequest",
    "TestResult",
    "TestRunner",
    "find_test_runner",
]

TAIL_LINES = 40
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


@dataclass(frozen=True)
class TestRequest:
    """What to run: pytest targets (node ids or paths) in ``root``, and what to collect."""

    __test__ = False  # not a pytest test class

    root: Path
    targets: tuple[str, ...]
    extra_args: tuple[str, ...] = ()
    timeout: float = 300.0
    junit: bool = True
    coverage: bool = False


def _by_test(outcomes: tuple[TestOutcome, ...]) -> dict[str, str]:
    return {o.test_id: o.outcome for o in outcomes}


def _line_counts(coverage: CoverageData) -> dict[str, int]:
    return {path: len(lines) for path, lines in coverage.lines.items()}


@dataclass(frozen=True)
class TestResult:
    """One run: command, exit status (None: timed out), duration, outcomes, coverage, tail."""

    __test__ = False  # not a pytest test class
    # Coverage as counts of covered lines per file; pytest's summary counts stay out.
    JSON_KEYS: ClassVar = (
        "command",
        "returncode",
        "seconds",
        "isolation",
        "outcomes",
        "coverage",
        "notes",
        "tail",
    )

    command: tuple[str, ...]
    returncode: int | None
    seconds: float = field(metadata=json_meta(convert=rounded(3)))
    tail: str
    outcomes: tuple[TestOutcome, ...] = field(default=(), metadata=json_meta(convert=_by_test))
    coverage: CoverageData | None = field(default=None, metadata=json_meta(convert=_line_counts))
    notes: tuple[str, ...] = ()  # what could not be collected, and why
    isolation: str = ""
    summary: dict[str, int] = field(default_factory=dict)  # counts from pytest's last line

    @property
    def timed_out(self) -> bool:
        """The run was stopped at the timeout."""
        return self.returncode is None

    def count(self, outcome: str) -> int:
        """How many tests had ``outcome`` (from JUnit, else pytest's summary line)."""
        if self.outcomes:
            return sum(o.outcome == outcome for o in self.outcomes)
        return self.summary.get(outcome, 0)


class TestRunner(Protocol):
    """Runs the user's tests in the user's environment, isolated from secrets."""

    def run(self, request: TestRequest) -> TestResult:
        """Run the request's targets and report what happened."""
        ...


@dataclass(frozen=True)
class PytestRunner:
    """``TestRunner`` with a found command inside a sandbox."""

    command: TestCommand
    sandbox: Sandbox

    def run(self, request: TestRequest) -> TestResult:
        """Run pytest on ``request.targets`` with JUnit XML and coverage into a scratch dir."""
        scratch = Path(tempfile.mkdtemp(prefix="ci-agent-tests-"))
        try:
            return self._run(request, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _run(self, request: TestRequest, scratch: Path) -> TestResult:
        args = ["-q", "-p", "no:cacheprovider", "--color=no"]
        junit = scratch / "junit.xml"
        if request.junit:
            args += [f"--junitxml={junit}", "-o", "junit_family=xunit1"]
        argv, env, notes = list(self.command.argv), {}, []
        data_file = scratch / "coverage.db"
        if request.coverage:
            env["COVERAGE_FILE"] = str(data_file)
            if self.command.pytest_cov:
                args += [f"--cov={request.root}", "--cov-branch", "--cov-report="]
            elif self.command.coverage and self.command.python:
                argv = [self.command.python, "-m", "coverage", "run", "--branch"]
                argv += [f"--data-file={data_file}", f"--source={request.root}", "-m", "pytest"]
            else:
                notes.append(
                    f"no coverage: neither pytest-cov nor coverage in {self.command.source}"
                )
        full = (*argv, *args, *request.extra_args, *request.targets)
        started = time.monotonic()
        code, raw = self.sandbox.run(
            full, request.root, request.timeout, keep=(scratch,), extra_env=env
        )
        seconds = time.monotonic() - started
        output = raw.decode("utf-8", errors="replace")
        outcomes: tuple[TestOutcome, ...] = ()
        if request.junit:
            outcomes, note = read_outcomes(junit)
            notes += [note] if note else []
        coverage = None
        if request.coverage and (self.command.pytest_cov or self.command.coverage):
            coverage, note = read_coverage(data_file, request.root)
            notes += [note] if note else []
        return TestResult(
            full,
            code,
            seconds,
            _tail(output),
            outcomes,
            coverage,
            tuple(notes),
            self.sandbox.isolation.note,
            _summary(output),
        )


def find_test_runner(
    config: TestsConfig, root: Path, environ: dict[str, str] | None = None
) -> PytestRunner:
    """The runner for ``root``: isolation chosen, command found and probed (CA560-CA563)."""
    sandbox = make_sandbox(config, environ)
    return PytestRunner(find_test_command(config, sandbox, root), sandbox)


def _summary(output: str) -> dict[str, int]:
    last = output.rstrip().splitlines()[-1] if output.strip() else ""
    counts: dict[str, int] = {}
    for number, word in _COUNT.findall(last):
        counts["error" if word.startswith("error") else word] = int(number)
    return counts


def _tail(output: str) -> str:
    return "\n".join(output.rstrip().splitlines()[-TAIL_LINES:])


TestRunner.__test__ = False  # type: ignore[attr-defined]  # not a pytest test class
