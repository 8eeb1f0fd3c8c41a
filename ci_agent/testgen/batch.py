"""The funnel in batches: every candidate of a round meets each gate in one pytest process with
the others (the repeat gate's runs, the coverage run and each mutant likewise), and per-test
outcomes say which candidate passed. A candidate that breaks the batch (its import kills the
process, it hangs, it writes files, it changes what other candidates see) is isolated by
halving the batch or by running it apart, and is refused at its gate with its own reason."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ci_agent.testgen.batch_mutants import coverage_gate, mutants_gate
from ci_agent.testgen.batch_runs import BatchRun, BatchRuns, TestCoverage
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import CandidateState, clean_failure, first_error, lint_gate
from ci_agent.testgen.scratch import snapshot
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Candidate, GateResult, Limits, Verdict

__all__ = ["BatchFunnel", "Group", "Item", "judge"]


# The environment of the repeat gate's even runs (the clock is moved by the guard plugin).
VARIED_RUN = {"CI_AGENT_TESTGEN_CLOCK_SHIFT": "90061", "TZ": "Pacific/Kiritimati", "CI": ""}


@dataclass
class Item:
    """One candidate in the batch: its state, its target, the file it runs from."""

    index: int
    state: CandidateState
    target: Target
    file: str  # repository-relative, unique in the batch
    lane: int = 0  # candidates of one lane share processes; a lane of its own runs apart
    covered: dict[str, TestCoverage] = field(default_factory=dict)  # file -> what it ran
    static: dict[str, TestCoverage] = field(default_factory=dict)  # what imports ran
    seconds: float = 0.0  # its slowest test's call in the coverage run
    judged: list[Target] = field(default_factory=list)  # targets of its file it gains on

    def owns(self, test: str) -> bool:
        """The test id belongs to this candidate's file."""
        return test.split("::", 1)[0] == self.file


@dataclass(frozen=True)
class Group:
    """One gate's findings for a group: refused candidates (reason, failure) and those whose
    tests never ran because the process ended first."""

    failed: dict[int, tuple[str, str]]
    unknown: tuple[int, ...] = ()


Runner = Callable[[list[Item]], Group]


def judge(items: Sequence[Item], run: BatchRun, reason: str = "") -> Group:
    """Per candidate from per-test outcomes: the first failing test refuses it; the test that
    was running when the process died or hung refuses its candidate; tests that never ran
    leave their candidate unknown."""
    out = run.outcomes
    output = run.execution.output
    # pytest's own summary (-rfE) names every failed test: one the report calls passed was
    # forged or lost, and counts as failed.
    said = _summary_failures(output)
    failed: dict[int, tuple[str, str]] = {}
    unknown: list[int] = []
    for item in items:
        hidden = [t for t in item.state.tests if t in said and t not in out.failed]
        if hidden:
            why = f"pytest reported {hidden[0]} failed, the outcome report did not"
            failed[item.index] = (why, clean_failure(output))
            continue
        bad = [t for t in item.state.tests if t in out.failed]
        error = out.collect_errors.get(item.file)
        if out.running is not None and item.owns(out.running):
            hung = run.execution.timed_out or out.hung
            why = "timed out" if hung else f"the test process died in {out.running}"
            failed[item.index] = (why, clean_failure(output))
        elif bad:
            text = out.failed[bad[0]]
            failed[item.index] = (first_error(text) or f"{bad[0]} failed", clean_failure(text))
        elif error is not None:
            failed[item.index] = (first_error(error) or "collection error", clean_failure(error))
        elif not all(out.passed(t) for t in item.state.tests):
            unknown.append(item.index)
    if reason:
        failed = {i: (reason.format(why), text) for i, (why, text) in failed.items()}
    return Group(failed, tuple(unknown))


def _summary_failures(output: str) -> set[str]:
    """The test ids of pytest's short summary lines ``FAILED id`` and ``ERROR id``."""
    found = set()
    for line in output.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("FAILED", "ERROR") and rest:
            found.add(rest.split(" - ", 1)[0].strip())
    return found


def _batch_file(test_path: str, index: int) -> str:
    """A unique name in the test's own directory (its conftest applies), still matching both
    ``test_*.py`` and ``*_test.py``."""
    pure = PurePosixPath(test_path)
    return str(pure.with_name(f"test_c{index}_{pure.name}"))


@dataclass(frozen=True)
class BatchFunnel:
    """Checks a round of candidates in one scratch copy, gate by gate, in batches."""

    executor: Executor
    root: Path  # the scratch copy
    work: Path  # outside the copy
    guard: Path
    limits: Limits
    # What the mutant gate's packs cost over every round, by how they ran (the run's phases).
    spent: dict[str, tuple[int, float]] = field(default_factory=dict, compare=False)

    def check(
        self, entries: Sequence[tuple[Candidate, Target, str]], targets: Sequence[Target] = ()
    ) -> list[Verdict]:
        """Every gate in order for every candidate (until one refuses it); verdicts in the
        order of ``entries``. A candidate is judged on every one of ``targets`` (and of the
        entries') whose missing lines or branches it runs, and assigned to the one where it
        gains most."""
        runs = BatchRuns(self.executor, self.root, self.work, self.guard, self.limits)
        items = [
            Item(i, CandidateState(c, path), target, _batch_file(path, i))
            for i, (c, target, path) in enumerate(entries)
        ]
        try:
            alive = self._lint(items)
            alive = self._gate("collect", alive, lambda group: self._collect(runs, group))
            alive = self._gate("alone", alive, lambda group: self._alone(runs, group))
            alive = self._gate(
                "repeat", alive, lambda group: self._repeat(runs, group), confirm=False
            )
            every = list({t.key: t for t in [*targets, *(i.target for i in items)]}.values())
            alive = coverage_gate(runs, alive, self._lanes, every)
            mutants_gate(runs, alive, self._lanes, self.spent)
        finally:
            for item in items:
                (self.root / item.file).unlink(missing_ok=True)
        return [self._verdict(item) for item in items]

    # --- gates -----------------------------------------------------------------------------

    def _lint(self, items: list[Item]) -> list[Item]:
        kept = []
        for item in items:
            started = time.monotonic()
            result = lint_gate(item.state, self.root, self.limits)
            item.state.gates.append(replace(result, seconds=time.monotonic() - started))
            if result.passed:
                path = self.root / item.file
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(item.state.source, encoding="utf-8")
                kept.append(item)
        return kept

    def _collect(self, runs: BatchRuns, items: list[Item]) -> Group:
        run = runs.pytest(
            ["--collect-only", *(i.file for i in items)], timeout=self._timeout(items)
        )
        out = run.outcomes
        if not out.ended and not out.collected:
            return Group({}, tuple(i.index for i in items))  # died while importing: halve
        failed: dict[int, tuple[str, str]] = {}
        for item in items:
            error = out.collect_errors.get(item.file)
            ids = tuple(t for t in out.collected if item.owns(t))
            if error is not None:
                failed[item.index] = (
                    first_error(error) or "collection error",
                    clean_failure(error),
                )
            elif not ids:
                failed[item.index] = ("no test collected", clean_failure(run.execution.output))
            else:
                item.state.tests = ids
        return Group(failed)

    def _alone(self, runs: BatchRuns, items: list[Item]) -> Group:
        before = snapshot(self.root)
        run = runs.pytest(
            [i.file for i in items],
            timeout=self._timeout(items),
            test_limit=self.limits.test_timeout,
        )
        wrote = sorted(snapshot(self.root) - before)
        for path in wrote:
            (self.root / path).unlink(missing_ok=True)
        if wrote:
            if len(items) > 1:
                return Group({}, tuple(i.index for i in items))  # whose? halve to find out
            why = "the tests wrote files outside tmp_path: " + ", ".join(wrote[:5])
            return Group({items[0].index: (why, why)})
        return judge(items, run)

    def _repeat(self, runs: BatchRuns, items: list[Item]) -> Group:
        total = self.limits.repeat_runs

        def one(number: int) -> Group:
            # Each candidate's own tests in the order the one-candidate funnel used, the
            # candidates themselves shuffled too; a fresh process and another hash seed.
            shuffler = random.Random(number)  # noqa: S311 - a reproducible order, not a secret
            blocks = []
            for item in items:
                own = list(item.state.tests)
                random.Random(number).shuffle(own)  # noqa: S311
                blocks.append(own)
            shuffler.shuffle(blocks)
            env = {"PYTHONHASHSEED": str(number * 7919)}
            how = "in random order"
            if number % 2 == 0:
                # Every other run elsewhere in time and place: a value read from the clock,
                # the time zone or CI would change there (the sandbox sets CI=true; a
                # developer's shell does not).
                env.update(VARIED_RUN)
                how += ", with the clock a day later, another time zone and CI unset,"
            run = runs.pytest(
                ["-p", "no:randomly", *(t for block in blocks for t in block)],
                timeout=self._timeout(items),
                test_limit=self.limits.test_timeout,
                env=env,
            )
            return judge(items, run, f"flaky: run {number} of {total} {how} failed ({{}})")

        # The runs are independent processes, so they run side by side, one per core at most
        # (more would only stretch each run toward its time limit): the gate waits for the
        # slowest run instead of the sum of them. A candidate is refused for the first run (by
        # number) that failed it, as when the runs went one after another.
        workers = max(1, min(total, os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            groups = list(pool.map(one, range(1, total + 1)))
        failed: dict[int, tuple[str, str]] = {}
        unknown: set[int] = set()
        for group in groups:
            for index, found in group.failed.items():
                failed.setdefault(index, found)
            unknown |= set(group.unknown)
        return Group(failed, tuple(sorted(unknown - failed.keys())))

    # --- isolation -------------------------------------------------------------------------

    def _gate(
        self, gate: str, items: list[Item], runner: Runner, *, confirm: bool = True
    ) -> list[Item]:
        if not items:
            return []
        started = time.monotonic()
        failures: dict[int, tuple[str, str]] = {}
        for lane in self._lanes(items):
            failures.update(self._settle(lane, runner, confirm=confirm))
        share = (time.monotonic() - started) / len(items)
        kept = []
        for item in items:
            if item.index in failures:
                reason, failure = failures[item.index]
                item.state.failure = failure
                item.state.gates.append(GateResult(gate, False, reason, share))
                continue
            passed = {
                "collect": f"{len(item.state.tests)} test(s)",
                "alone": f"in a batch of {len(items)}",
                "repeat": f"{self.limits.repeat_runs} runs",
            }[gate]
            item.state.gates.append(GateResult(gate, True, passed, share))
            kept.append(item)
        return kept

    def _settle(
        self, items: list[Item], runner: Runner, *, confirm: bool
    ) -> dict[int, tuple[str, str]]:
        """Run until every candidate has a verdict: resume after a death with the tests that
        never ran, halve when nothing ran; with ``confirm``, a candidate refused in company
        runs alone, and when it passes alone it was harmed by another: it is not refused, and
        it runs apart from the batch from now on."""
        failures: dict[int, tuple[str, str]] = {}
        pending = list(items)
        while pending:
            group = runner(pending)
            failures.update(group.failed)
            stuck = [i for i in pending if i.index in group.unknown]
            if len(stuck) == len(pending) and not group.failed:
                if len(pending) == 1:
                    why = "its tests did not run (the test process ended first)"
                    failures[pending[0].index] = (why, why)
                    break
                half = len(pending) // 2
                for part in (pending[:half], pending[half:]):
                    failures.update(self._settle(part, runner, confirm=False))
                break
            pending = stuck
        if confirm and len(items) > 1:
            for item in [i for i in items if i.index in failures]:
                if item.index not in self._settle([item], runner, confirm=False):
                    reason = failures.pop(item.index)[0]
                    item.state.isolated = (
                        f"failed with other candidates in one process ({reason}) and passed "
                        "alone: checked apart from them from then on"
                    )
                    item.lane = -(item.index + 1)  # a lane of its own
        return failures

    @staticmethod
    def _lanes(items: Sequence[Item]) -> list[list[Item]]:
        lanes: dict[int, list[Item]] = {}
        for item in items:
            lanes.setdefault(item.lane, []).append(item)
        return list(lanes.values())

    def _timeout(self, items: Sequence[Item]) -> float:
        # Each test has its own limit (a watchdog in the process); this is the backstop for a
        # process that disarmed it: what the candidates would have had one by one.
        return self.limits.test_timeout * max(len(items), 1)

    @staticmethod
    def _verdict(item: Item) -> Verdict:
        """Test ids named after the file the candidate will be written to."""
        state = item.state
        final = state.test_path

        def renamed(test: str) -> str:
            return final + test[len(item.file) :] if item.owns(test) else test

        state.tests = tuple(renamed(t) for t in state.tests)
        state.killed_by_test = {renamed(t): n for t, n in state.killed_by_test.items()}
        return state.verdict()
