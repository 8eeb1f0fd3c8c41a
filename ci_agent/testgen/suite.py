"""The last gate: the whole suite, with every accepted test in place, is still green. A
candidate that turns it red on its own is dropped (it pollutes global state or breaks a fixture)."""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Generic, TypeVar

from ci_agent.testgen.execute import Execution, Executor
from ci_agent.testgen.funnel import clean_failure
from ci_agent.testgen.scratch import scratch_copy
from ci_agent.testgen.writer import GeneratedFile

__all__ = ["SuiteResult", "check_suite", "run_suite"]


@dataclass(frozen=True)
class SuiteResult:
    """The files the suite keeps, the targets whose tests it drops and why."""

    kept: tuple[GeneratedFile, ...]
    dropped: dict[str, str]  # key (a target, or a file when merging) -> reason
    runs: int
    seconds: float


T = TypeVar("T")


def run_suite(
    executor: Executor, root: Path, files: Sequence[GeneratedFile], *, timeout: float
) -> Execution:
    """The whole suite of a scratch copy of ``root`` with ``files`` added, in pytest's order
    and then, when that passes, with the added tests first in reverse order: a test that
    changes state another one reads (a module's table, a registry) fails one of the two
    orders, whichever of the two runs first in the suite."""
    with scratch_copy(root) as copy:
        for generated in files:
            target = copy / generated.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(generated.text, encoding="utf-8")
        extra = [str(copy)] + ([str(copy / "src")] if (copy / "src").is_dir() else [])
        pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"]
        ran = executor.python(
            pytest, cwd=copy, timeout=timeout, env={"PYTHONPATH": ":".join(extra)}
        )
        if not ran.ok or not files:
            return ran
        # Inside the copy (the sandbox shows it), in a directory pytest does not collect.
        plugins = copy / ".ci-agent-order"
        plugins.mkdir(exist_ok=True)
        (plugins / f"{ORDER_MODULE}.py").write_text(ORDER_PLUGIN, encoding="utf-8")
        first = os.pathsep.join(str(copy / generated.path) for generated in files)
        again = executor.python(
            [*pytest, "-p", ORDER_MODULE],
            cwd=copy,
            timeout=timeout,
            env={"PYTHONPATH": ":".join([*extra, str(plugins)]), ORDER_VARIABLE: first},
        )
        seconds = ran.seconds + again.seconds
        if again.ok:
            return replace(again, seconds=seconds)
        note = "(the added tests ran first, in reverse order)\n"
        return replace(again, stdout=note + again.stdout, seconds=seconds)


ORDER_MODULE = "ci_agent_testgen_order"
ORDER_VARIABLE = "CI_AGENT_TESTGEN_FIRST"
ORDER_PLUGIN = f"""\
\"\"\"Runs the tests of the files {ORDER_VARIABLE} names first, in reverse order; a file the
suite does not collect at all (its python_files or testpaths leave it out) is an error: its
tests would never run in the project's CI.\"\"\"

import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, items):
    named = os.environ.get("{ORDER_VARIABLE}", "").split(os.pathsep)
    first = {{os.path.realpath(path): path for path in named if path}}
    added = [item for item in items if os.path.realpath(item.path) in first]
    rest = [item for item in items if os.path.realpath(item.path) not in first]
    missing = set(first) - {{os.path.realpath(item.path) for item in added}}
    if missing:
        root = session.config.rootpath
        names = ", ".join(sorted(os.path.relpath(first[path], root) for path in missing))
        raise pytest.UsageError(
            f"{{names}}: the project's pytest configuration does not collect it, so its tests "
            "would never run in the suite: set test-generation.output to a path under its "
            "testpaths, or add the file's pattern (test_*.py) to its python_files"
        )
    items[:] = [*reversed(added), *rest]
"""


def check_suite(
    executor: Executor,
    root: Path,
    accepted: Sequence[T],
    compose: Callable[[Sequence[T]], list[GeneratedFile]],
    key: Callable[[T], str],
    *,
    timeout: float,
) -> SuiteResult:
    """All accepted candidates together; when the suite is red, each candidate alone, dropping
    those that turn it red; when only the combination fails, they are added one by one in the
    given order, and for each that turns it red either it is dropped or, when only its own tests
    fail, the earlier candidate that harms it."""
    if not accepted:
        return SuiteResult((), {}, 0, 0.0)
    files = compose(accepted)
    together = run_suite(executor, root, files, timeout=timeout)
    if together.ok:
        return SuiteResult(tuple(files), {}, 1, together.seconds)
    kept: list[T] = []
    dropped: dict[str, str] = {}
    seconds, runs = together.seconds, 1
    for verdict in accepted:
        alone = run_suite(executor, root, compose([verdict]), timeout=timeout)
        seconds, runs = seconds + alone.seconds, runs + 1
        if alone.ok:
            kept.append(verdict)
        else:
            dropped[key(verdict)] = _reason(alone)
    files = compose(kept)
    if len(kept) > 1:
        again = run_suite(executor, root, files, timeout=timeout)
        seconds, runs = seconds + again.seconds, runs + 1
        if not again.ok:
            combined = _Combination(executor, root, compose, timeout)
            kept = combined.add_one_by_one(kept, key, dropped)
            seconds, runs = seconds + combined.seconds, runs + combined.runs
            files = compose(kept)
    return SuiteResult(tuple(files), dropped, runs, seconds)


class _Combination(Generic[T]):
    """Adds candidates one by one and blames the one that turns the suite red together with
    those kept before it: the new one, unless only its own tests fail, in which case an earlier
    one harms it (it changes state the new one's tests read) and is found by bisection."""

    def __init__(
        self,
        executor: Executor,
        root: Path,
        compose: Callable[[Sequence[T]], list[GeneratedFile]],
        timeout: float,
    ) -> None:
        self.executor, self.root, self.compose, self.timeout = executor, root, compose, timeout
        self.runs, self.seconds = 0, 0.0

    def add_one_by_one(
        self, candidates: Sequence[T], key: Callable[[T], str], dropped: dict[str, str]
    ) -> list[T]:
        """The candidates kept, in order; each dropped one's reason goes into ``dropped``."""
        kept: list[T] = []
        for candidate in candidates:
            trial = self._run([*kept, candidate])
            if trial.ok:
                kept.append(candidate)
                continue
            at = self._culprit(kept, candidate, trial)
            if at is None:
                reason = "the suite fails with it and the tests kept before it: "
                dropped[key(candidate)] = reason + _reason(trial)
                continue
            culprit, without = kept[at], kept[:at] + kept[at + 1 :]
            # The bisection saw the prefix before the culprit pass with the candidate; only
            # the ones after it are still to be checked.
            if at < len(kept) - 1 and not self._run([*without, candidate]).ok:
                # Removing the one found is not enough: several together harm it.
                reason = "the suite fails with it and the tests kept before it: "
                dropped[key(candidate)] = reason + _reason(trial)
                continue
            reason = "a test added after it fails with it in the suite (it changes state "
            dropped[key(culprit)] = reason + "that test reads): " + _reason(trial)
            kept = [*without, candidate]
        return kept

    def _culprit(self, kept: list[T], candidate: T, trial: Execution) -> int | None:
        """Where in ``kept`` the earlier candidate that harms ``candidate`` is, when only
        ``candidate``'s own tests fail; None when it breaks other tests (it is the one to drop)."""
        failing = _failing_tests(trial.stdout)
        own = _test_names(self.compose([*kept, candidate])) - _test_names(self.compose(kept))
        if not failing or not failing <= own:
            return None
        # The shortest prefix of ``kept`` that breaks it ends with the culprit: the empty prefix
        # passes (the candidate passed alone), the whole fails (``trial``).
        low, high = 0, len(kept)
        while high - low > 1:
            middle = (low + high) // 2
            if self._run([*kept[:middle], candidate]).ok:
                low = middle
            else:
                high = middle
        return high - 1

    def _run(self, chosen: Sequence[T]) -> Execution:
        ran = run_suite(self.executor, self.root, self.compose(chosen), timeout=self.timeout)
        self.runs, self.seconds = self.runs + 1, self.seconds + ran.seconds
        return ran


def _failing_tests(stdout: str) -> set[str]:
    """``path::name`` of each test pytest's short summary names as failed or in error."""
    found = set()
    for line in stdout.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            test_id = line.split(" ", 1)[1].split(" - ", 1)[0]
            path, _, rest = test_id.partition("::")
            found.add(f"{path}::{rest.split('::', 1)[0].split('[', 1)[0]}")
    return found


def _test_names(files: Sequence[GeneratedFile]) -> set[str]:
    """``path::name`` of the top-level tests (functions and classes) of ``files``."""
    names = set()
    for generated in files:
        for node in ast.parse(generated.text).body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            prefix = "Test" if isinstance(node, ast.ClassDef) else "test"
            if node.name.startswith(prefix):
                names.add(f"{generated.path}::{node.name}")
    return names


def _reason(ran: Execution) -> str:
    if ran.timed_out:
        return "the suite timed out"
    summary = [line for line in ran.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    if summary:
        return "the suite fails: " + "; ".join(summary[:3])
    return "the suite fails: " + clean_failure(ran.output)[-300:]
