"""The batch's coverage and mutant gates: one coverage run with a dynamic context per test gives
every candidate its own lines and branches; mutants are packed so that one process tries
several of them at once, each against the candidates that run its line and none that run
another mutant's line, and per-test outcomes say which candidate killed which mutant. The
packs are forked from one process (probes/forks.py) instead of each starting an interpreter."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_agent.testgen.batch_runs import BatchRuns, TestCoverage
from ci_agent.testgen.funnel import clean_failure
from ci_agent.testgen.mutants import Mutant, mutants
from ci_agent.testgen.outcomes import TestOutcomes, read_outcomes
from ci_agent.testgen.scratch import FORKS_MODULE
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import GateResult

if TYPE_CHECKING:
    from ci_agent.testgen.batch import Item

__all__ = ["combined", "coverage_gate", "mutants_gate"]

Lanes = Callable[[Sequence["Item"]], list[list["Item"]]]
_NONE = TestCoverage(frozenset(), frozenset())
# A mutant that makes a test this many times slower than on the original (and at least the
# floor) counts as killed by a time-out, as mutation tools do; never past test-timeout.
SLOWDOWN = 10.0
FLOOR_SECONDS = 5.0
# The fork plugin's (probes/forks.py) plan variable; it runs in the project's pytest, so
# ci-agent does not import it.
PLAN_VARIABLE = "CI_AGENT_TESTGEN_FORKS"
# The project's interpreter runs on this machine: where this one cannot fork (not POSIX),
# neither can it, and every pack runs in a fresh process of its own, as the gate's reason says.
CAN_FORK = hasattr(os, "fork")
NO_FORK = "each pack in a fresh process: this platform cannot fork"


def coverage_gate(
    runs: BatchRuns, items: list[Item], lanes: Lanes, targets: Sequence[Target] = ()
) -> list[Item]:
    """One measured run per lane; a candidate keeps going when its own tests run lines or
    branches that the suite does not, of its target or of another of ``targets`` in the same
    file: it is judged on every such target and assigned to the one where it gains most (its
    own on a tie). An engine's guess at what a test tests (Pynguin's last call) is often wrong:
    a test of one function that runs another's missing code was refused, or judged only on
    mutants of code it does not check."""
    if not items:
        return []
    started = time.monotonic()
    every = list({t.key: t for t in [*targets, *(i.target for i in items)]}.values())
    files = sorted({t.path for t in every})
    for lane in lanes(items):
        _measure(runs, lane, files)
    share = (time.monotonic() - started) / len(items)
    kept = []
    for item in items:
        state = item.state
        mine = item.covered.get(item.target.path)
        if mine is None:
            reason = f"no coverage data for {item.target.path}"
            state.failure = state.failure or reason
            state.gates.append(GateResult("coverage", False, reason, share))
            continue
        state.executed = mine.lines
        _assign(item, [t for t in every if t.path == item.target.path], mine)
        if not item.judged:
            state.failure = "the tests run none of the target's missing lines or branches"
            state.gates.append(
                GateResult("coverage", False, "adds no coverage of the target", share)
            )
            continue
        imported = item.static.get(item.target.path, _NONE)
        state.imported_lines = tuple(sorted(imported.lines))
        state.imported_branches = tuple(sorted(imported.arcs))
        gained = f"+{len(state.gained_lines)} lines, +{len(state.gained_branches)} branches"
        if len(item.judged) > 1:
            gained += " of " + ", ".join(t.qualname for t in item.judged)
        if state.candidate.written_for:
            gained += f" (written for {state.candidate.written_for.split('::', 1)[-1]})"
        state.gates.append(GateResult("coverage", True, gained, share))
        kept.append(item)
    return kept


def _gains(target: Target, mine: TestCoverage) -> tuple[set[int], set[tuple[int, int]]]:
    return set(target.missing_lines) & mine.lines, set(target.missing_branches) & mine.arcs


def _assign(item: Item, same_file: Sequence[Target], mine: TestCoverage) -> None:
    """The targets the candidate gains on, the one it gains most on first (its own on a
    tie); its gains are the union over them (lines of one file)."""
    state = item.state
    own = item.target.key
    scored = []
    for target in same_file:
        lines, branches = _gains(target, mine)
        if lines or branches:
            scored.append((len(lines) + len(branches), target.key == own, target, lines, branches))
    scored.sort(key=lambda s: (-s[0], not s[1], s[2].key))
    item.judged = [s[2] for s in scored]
    state.gained_lines = tuple(sorted({n for s in scored for n in s[3]}))
    state.gained_branches = tuple(sorted({b for s in scored for b in s[4]}))
    if scored and scored[0][2].key != own:
        item.target = scored[0][2]
        state.candidate = replace(state.candidate, target=item.target.key, written_for=own)


def _measure(runs: BatchRuns, lane: list[Item], files: list[str]) -> None:
    run = runs.pytest(
        ["-p", "no:randomly", *(t for i in lane for t in i.state.tests)],
        timeout=runs.limits.test_timeout * len(lane),
        test_limit=runs.limits.test_timeout,
        measure=files,
    )
    static = run.coverage.get("", {})
    for item in lane:
        if len(lane) > 1 and not all(run.outcomes.passed(t) for t in item.state.tests):
            # It passed its runs before; failing here means company harms it: measure apart.
            item.lane = -(item.index + 1)
            item.state.isolated = "failed in the batch's coverage run: measured apart"
            _measure(runs, [item], files)
            continue
        item.static = dict(static)
        if not run.coverage:
            item.state.failure = clean_failure(run.execution.output)
            continue
        merged: dict[str, TestCoverage] = {}
        for test in item.state.tests:
            for path, found in run.coverage.get(test, {}).items():
                have = merged.get(path, _NONE)
                merged[path] = TestCoverage(have.lines | found.lines, have.arcs | found.arcs)
        for path in files:
            merged.setdefault(path, _NONE)
        item.covered = merged
        item.seconds = max((run.outcomes.seconds.get(t, 0.0) for t in item.state.tests), default=0)


@dataclass
class _Job:
    """One mutant of one file, tried against the candidates whose targets it mutates."""

    lane: int
    path: str
    mutant: Mutant
    items: list[Item] = field(default_factory=list)


@dataclass
class _Pack:
    """Mutants tried in one process: no candidate in it runs the line of another's mutant."""

    lane: int
    jobs: list[_Job] = field(default_factory=list)

    def items(self) -> list[Item]:
        return [i for job in self.jobs for i in job.items]


def _runs_line(item: Item, path: str, line: int) -> bool:
    return line in item.covered.get(path, _NONE).lines or line in item.static.get(path, _NONE).lines


def _runs_mutant(item: Item, path: str, mutant: Mutant) -> bool:
    return any(_runs_line(item, path, n) for n in range(mutant.line, mutant.last_line + 1))


def _fits(pack: _Pack, job: _Job) -> bool:
    if pack.lane != job.lane:
        return False
    for other in pack.jobs:
        if other.path == job.path and _overlap(other.mutant, job.mutant):
            return False
        if any(_runs_mutant(i, other.path, other.mutant) for i in job.items):
            return False
        if any(_runs_mutant(i, job.path, job.mutant) for i in other.items):
            return False
    return True


def _overlap(first: Mutant, second: Mutant) -> bool:
    """The two change lines in common (then they cannot share a process)."""
    return first.line <= second.last_line and second.line <= first.last_line


def combined(original: str, texts: Sequence[str]) -> str:
    """The original with every mutant's one changed region applied (regions do not overlap:
    each mutant changes one spot on lines no other mutant of the pack changes)."""
    edits = []
    for text in texts:
        shortest = min(len(original), len(text))
        start = next(
            (n for n, (a, b) in enumerate(zip(original, text, strict=False)) if a != b), shortest
        )
        end, other = len(original), len(text)
        while end > start and other > start and original[end - 1] == text[other - 1]:
            end, other = end - 1, other - 1
        edits.append((start, end, text[start:other]))
    result = original
    for start, end, replacement in sorted(edits, reverse=True):
        result = result[:start] + replacement + result[end:]
    return result


def mutants_gate(
    runs: BatchRuns,
    items: list[Item],
    lanes: Lanes,
    spent: dict[str, tuple[int, float]] | None = None,
) -> None:
    """Mutants of the lines a candidate runs of every target it is judged on; packed, run
    once per pack; a candidate passes when at least one of its mutants fails one of its
    tests. ``spent`` adds up the packs and seconds of each way a pack runs."""
    spent = {} if spent is None else spent
    if not items:
        return
    started = time.monotonic()
    originals = {
        p: (runs.root / p).read_text(encoding="utf-8") for p in {i.target.path for i in items}
    }
    plans: dict[int, list[Mutant]] = {}
    jobs: dict[tuple[int, str, str], _Job] = {}
    for item in items:
        target = item.target
        ran = item.covered.get(target.path, _NONE).lines | item.static.get(target.path, _NONE).lines
        # Every target it is judged on (all in its target's file), spread over their lines.
        lines = {n for t in item.judged or [target] for n in t.lines | set(t.span)} & ran
        plans[item.index] = mutants(originals[target.path], lines, runs.limits.max_mutants)
        for mutant in plans[item.index]:
            key = (item.lane, target.path, mutant.source)
            jobs.setdefault(key, _Job(item.lane, target.path, mutant)).items.append(item)
    packs: list[_Pack] = []
    for job in sorted(jobs.values(), key=lambda j: (j.path, j.mutant.line)):
        home = next((p for p in packs if _fits(p, job)), None)
        if home is None:
            home = _Pack(job.lane)
            packs.append(home)
        home.jobs.append(job)
    kills: dict[tuple[int, str], list[str]] = {}  # (item, mutant source) -> killing tests
    apart: list[tuple[_Pack, list[Item] | None]] = []
    if CAN_FORK:
        # The batch's own lane swaps code in a process that collected its tests. Every other
        # pack (a mutant of a line run at import, a candidate that runs apart) is forked
        # before collection, all lanes from one process: each child collects only its pack's
        # tests, so a candidate that runs apart still meets no other candidate's module.
        swapped = [p for p in packs if p.lane == 0 and _swappable(p)]
        rest = [p for p in packs if p not in swapped]
        for before, chosen in ((False, swapped), (True, rest)):
            if chosen:
                clock = time.monotonic()
                found, left = _run_forked(runs, chosen, originals, before=before)
                kills.update(found)
                apart += left
                how = "forked before collection" if before else "forked after collection"
                _spend(spent, how, len(chosen), time.monotonic() - clock)
    else:
        apart = [(p, None) for p in packs]
    clock = time.monotonic()
    for pack, pending in apart:
        kills.update(_run_pack(runs, pack, originals, pending))
    if apart:
        _spend(spent, "in processes of their own", len(apart), time.monotonic() - clock)
    share = (time.monotonic() - started) / len(items)
    for item in items:
        _judge_mutants(item, plans[item.index], kills, share, "" if CAN_FORK else NO_FORK)


def _spend(spent: dict[str, tuple[int, float]], how: str, packs: int, seconds: float) -> None:
    """Add packs and seconds to those of the way they ran."""
    had = spent.get(how, (0, 0.0))
    spent[how] = (had[0] + packs, had[1] + seconds)


def _swappable(pack: _Pack) -> bool:
    """A fork taken after the tests were collected sees a mutant only through the functions
    that run in tests: a mutant of a line that ran outside any test (at import, in a test
    module's body) needs a fork taken before collection."""
    return not any(
        n in item.static.get(job.path, _NONE).lines
        for job in pack.jobs
        for item in pack.items()
        for n in range(job.mutant.line, job.mutant.last_line + 1)
    )


def _limit(runs: BatchRuns, pack: _Pack) -> float:
    """The per-test limit on the pack's mutants: SLOWDOWN times its slowest test on the
    original, at least the floor, never past test-timeout."""
    slowest = max((i.seconds for i in pack.items()), default=0.0)
    return min(runs.limits.test_timeout, max(FLOOR_SECONDS, SLOWDOWN * slowest))


def _unique(items: Sequence[Item]) -> list[Item]:
    return list({i.index: i for i in items}.values())


def _owners(pack: _Pack) -> dict[int, _Job]:
    return {i.index: job for job in pack.jobs for i in job.items}


def _run_forked(
    runs: BatchRuns, packs: list[_Pack], originals: dict[str, str], *, before: bool
) -> tuple[dict[tuple[int, str], list[str]], list[tuple[_Pack, list[Item] | None]]]:
    """One process collects the lane's tests once and forks a child per pack, which swaps the
    mutated functions' code in and runs the pack's tests; ``before``: the process forks
    before collecting, and each child collects its pack's tests with the mutated files'
    source imported (for mutants of lines that ran at import). What a child could not apply,
    and the tests a child never reached, run in processes of their own (``_run_pack``)."""
    stem = runs.work / f"forks-{uuid.uuid4().hex}"
    jobs: list[dict[str, Any]] = []
    for number, pack in enumerate(packs):
        texts: dict[str, list[str]] = {}
        for job in pack.jobs:
            texts.setdefault(job.path, []).append(job.mutant.source)
        tests = [t for i in _unique(pack.items()) for t in i.state.tests]
        limit = _limit(runs, pack)
        jobs.append(
            {
                "report": f"{stem}-{number}.jsonl",
                "tests": tests,
                "limit": limit,
                # The backstop for a child that disarmed its watchdog; a fresh process had
                # test-timeout per candidate.
                "timeout": runs.limits.test_timeout * len(_unique(pack.items())),
                "sources": {p: combined(originals[p], found) for p, found in texts.items()},
            }
        )
    plan = Path(f"{stem}.json")
    plan.write_text(json.dumps({"jobs": jobs, "before": before}), encoding="utf-8")
    everything = list(dict.fromkeys(t for job in jobs for t in job["tests"]))
    timeout = runs.limits.test_timeout + sum(float(job["timeout"]) for job in jobs)
    try:
        runs.pytest(
            ["-p", FORKS_MODULE, "-p", "no:randomly", *everything],
            timeout=timeout,
            env={PLAN_VARIABLE: str(plan)},
        )
        kills: dict[tuple[int, str], list[str]] = {}
        left: list[tuple[_Pack, list[Item] | None]] = []
        for pack, plan_job in zip(packs, jobs, strict=True):
            report = Path(str(plan_job["report"]))
            out = read_outcomes(report)
            report.unlink(missing_ok=True)
            Path(f"{report}.watchdog").unlink(missing_ok=True)
            broken = out.collect_errors  # a test file the mutant broke is not collected
            missing = [
                t
                for t in plan_job["tests"]
                if t not in out.collected and t.split("::", 1)[0] not in broken
            ]
            if (
                out.exit is None
                or out.unapplied
                or missing
                or (out.exit not in (0, 1) and out.running is None)
            ):
                # The child never ran, could not apply the mutant, lacked a test, or ended
                # outside any test: the pack runs in a process of its own.
                left.append((pack, None))
                continue
            found, rest = _kills(out, out.exit == 0, _unique(pack.items()), _owners(pack))
            kills.update(found)
            if rest:
                left.append((pack, rest))
        return kills, left
    finally:
        plan.unlink(missing_ok=True)


def _kills(
    out: TestOutcomes, ok: bool, pending: list[Item], owner: dict[int, _Job]
) -> tuple[dict[tuple[int, str], list[str]], list[Item]]:
    """Which candidates' tests killed their mutant in one run, and those whose tests the run
    never reached (empty when it ended without reaching any: then a failed run killed them)."""
    ran_any = bool(out.finished) or out.running is not None or bool(out.collect_errors)
    kills: dict[tuple[int, str], list[str]] = {}
    left = []
    for item in pending:
        source = owner[item.index].mutant.source
        # pytest exits 0 only when every test passed: a failure the report holds then was not
        # pytest's (a test writing its own outcome) and kills nothing.
        said_failed = out.failed if not ok else {}
        killers = [t for t in item.state.tests if t in said_failed]
        if out.running is not None and item.owns(out.running):
            killers.append(out.running)  # it hung or crashed on the mutant: killed
        if out.collect_errors.get(item.file) is not None:
            killers = killers or [f"{item.file}{_AT_IMPORT}"]
        if killers:
            kills[(item.index, source)] = killers
        elif not all(out.passed(t) for t in item.state.tests):
            if not ran_any and not ok:
                kills[(item.index, source)] = [f"{item.file} (the process failed)"]
            elif ran_any:
                left.append(item)
    if len(left) == len(pending):
        # No progress: the process fails before reaching these tests on the mutant.
        for item in left:
            if not ok:
                kills[(item.index, owner[item.index].mutant.source)] = [
                    f"{item.file} (the process failed)"
                ]
        return kills, []
    return kills, left


def _run_pack(
    runs: BatchRuns,
    pack: _Pack,
    originals: dict[str, str],
    pending: list[Item] | None = None,
) -> dict[tuple[int, str], list[str]]:
    """The pack's mutants written into the copy and its candidates' tests run, resumed after a
    death with the tests that never ran; ``pending``: only those candidates."""
    owner = _owners(pack)
    limit = _limit(runs, pack)
    texts: dict[str, list[str]] = {}
    for job in pack.jobs:
        texts.setdefault(job.path, []).append(job.mutant.source)
    kills: dict[tuple[int, str], list[str]] = {}
    try:
        for path, sources in texts.items():
            (runs.root / path).write_text(combined(originals[path], sources), encoding="utf-8")
        waiting = _unique(pack.items()) if pending is None else pending
        while waiting:
            run = runs.pytest(
                ["-p", "no:randomly", *(t for i in waiting for t in i.state.tests)],
                timeout=runs.limits.test_timeout * len(waiting),
                test_limit=limit,
            )
            found, waiting = _kills(run.outcomes, run.execution.ok, waiting, owner)
            kills.update(found)
    finally:
        for path in texts:
            (runs.root / path).write_text(originals[path], encoding="utf-8")
    return kills


def _judge_mutants(
    item: Item,
    plan: list[Mutant],
    kills: dict[tuple[int, str], list[str]],
    share: float,
    how: str = "",
) -> None:
    state = item.state
    if not plan:
        state.gates.append(
            GateResult("mutants", False, "no mutant could be made on the lines it runs", share)
        )
        return
    at_import = 0
    for mutant in plan:
        killers = kills.get((item.index, mutant.source))
        if killers is not None and all(k.endswith(_AT_IMPORT) for k in killers):
            # The mutant broke the module's import: every test that imports it fails, the
            # suite's own included, so it says nothing of what this candidate checks.
            at_import += 1
            killers = None
        if killers is None:
            state.survived.append(mutant)
            continue
        state.killed.append(mutant)
        # By test function: a mutant several of its parametrised cases kill counts once.
        for test in dict.fromkeys(killer.split("[", 1)[0] for killer in killers):
            state.killed_by_test[test] = state.killed_by_test.get(test, 0) + 1
    total = len(plan)
    notes = [n for n in (how, _import_note(at_import)) if n]
    said = f" ({'; '.join(notes)})" if notes else ""
    if not state.killed:
        state.failure = "these mutants of the target survived every test:\n" + "\n".join(
            f"line {m.line}: {m.description}" for m in state.survived
        )
        state.gates.append(
            GateResult("mutants", False, f"kills none of {total} mutants{said}", share)
        )
        return
    reason = f"kills {len(state.killed)} of {total} mutants{said}"
    state.gates.append(GateResult("mutants", True, reason, share))


_AT_IMPORT = " (import)"


def _import_note(count: int) -> str:
    if not count:
        return ""
    return (
        f"{count} of them only broke the module's import, which every test importing it catches: "
        "not counted"
    )
