"""The processes of a batch: one pytest run over many candidates' tests with the per-test report
plugin, optionally under coverage with one dynamic context per test, and the per-test lines
and arcs read back from that coverage data."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ci_agent.testgen.coverage_data import combined
from ci_agent.testgen.execute import Execution, Executor
from ci_agent.testgen.funnel import GUARD, pytest_env
from ci_agent.testgen.outcomes import REPORT_MODULE, TestOutcomes, read_outcomes
from ci_agent.testgen.scratch import PLAIN_MODULE
from ci_agent.testgen.verdict import Limits

__all__ = ["BatchRun", "BatchRuns", "TestCoverage"]

CONTEXTS_PROBE = Path(__file__).resolve().parent / "probes" / "contexts.py"


@dataclass(frozen=True)
class TestCoverage:
    """The lines and arcs one test ran in one file."""

    __test__ = False

    lines: frozenset[int]
    arcs: frozenset[tuple[int, int]]


@dataclass(frozen=True)
class BatchRun:
    """One process and what it reported test by test."""

    execution: Execution
    outcomes: TestOutcomes
    # test id -> file -> coverage, and "" for what ran outside any test (imports);
    # empty unless the run was measured
    coverage: Mapping[str, Mapping[str, TestCoverage]]

    @property
    def seconds(self) -> float:
        """Wall time of the process."""
        return self.execution.seconds


@dataclass(frozen=True)
class BatchRuns:
    """Starts the batch's processes in one scratch copy."""

    executor: Executor
    root: Path  # the scratch copy
    work: Path  # outside the copy: reports and coverage data
    guard: Path  # holds the guard and report plugins
    limits: Limits

    def pytest(
        self,
        args: Sequence[str],
        *,
        timeout: float,
        test_limit: float = 0.0,
        env: Mapping[str, str] | None = None,
        measure: Sequence[str] = (),
    ) -> BatchRun:
        """pytest with ``args``; under coverage with per-test contexts when ``measure`` names
        the repository files whose per-test coverage is wanted."""
        stem = f"batch-{uuid.uuid4().hex}"
        report = self.work / f"{stem}.jsonl"
        data = self.work / f"{stem}.coverage"
        variables = {
            **pytest_env(self.root, self.guard, self.limits),
            "CI_AGENT_TESTGEN_REPORT": str(report),
            "CI_AGENT_TESTGEN_TEST_LIMIT": f"{test_limit:g}",
            "CI_AGENT_TESTGEN_CONTEXTS": "1" if measure else "0",
            **(env or {}),
        }
        pytest = [
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            GUARD,
            "-p",
            REPORT_MODULE,
            "-p",
            PLAIN_MODULE,
            # One candidate's broken import must not stop the others' tests from running.
            "--continue-on-collection-errors",
            "-q",
            "-rfE",
            *args,
        ]
        if measure:
            # The directories of the files wanted, as the baseline measured them: a project's
            # own `source` (python-slugify names its package only) left the data of a file
            # elsewhere (tools/) empty, and every candidate for it was refused at coverage.
            dirs = ",".join(sorted({str(PurePosixPath(f).parent) for f in measure}))
            pytest = [
                "-m", "coverage", "run", "--branch", f"--data-file={data}", f"--source={dirs}",
                *pytest,
            ]  # fmt: skip
        ran = self.executor.python(pytest, cwd=self.root, timeout=timeout, env=variables)
        outcomes = read_outcomes(report)
        report.unlink(missing_ok=True)
        Path(f"{report}.watchdog").unlink(missing_ok=True)
        coverage: Mapping[str, Mapping[str, TestCoverage]] = {}
        if measure and combined(self.executor, self.root, data, timeout=timeout):
            coverage = self._contexts(data, measure, timeout)
        for leftover in self.work.glob(f"{stem}.coverage*"):
            leftover.unlink(missing_ok=True)
        return BatchRun(ran, outcomes, coverage)

    def _contexts(
        self, data: Path, files: Sequence[str], timeout: float
    ) -> dict[str, dict[str, TestCoverage]]:
        out = self.work / f"{data.stem}-contexts.json"
        self.executor.python(
            [str(CONTEXTS_PROBE), str(data), str(self.root), str(out), *files],
            cwd=self.root,
            timeout=timeout,
        )
        if not out.is_file():
            return {}
        try:
            raw = json.loads(out.read_text(encoding="utf-8"))
        except ValueError:
            return {}
        finally:
            out.unlink(missing_ok=True)
        found: dict[str, dict[str, TestCoverage]] = {}
        for context, per_file in raw.items():
            found[str(context)] = {
                str(path): TestCoverage(
                    frozenset(int(n) for n in entry.get("lines", ())),
                    frozenset((int(a), int(b)) for a, b in entry.get("arcs", ())),
                )
                for path, entry in per_file.items()
            }
        return found
