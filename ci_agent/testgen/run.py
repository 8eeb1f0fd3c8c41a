"""One run of test generation: baseline coverage, targets, candidates through the funnel,
files composed, the whole suite checked, and everything counted."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ci_agent.config_testgen import TestGenerationConfig
from ci_agent.errors import CiAgentError, fail
from ci_agent.testgen.batch import BatchFunnel
from ci_agent.testgen.coverage_data import FileCoverage, measure, read_coverage_data
from ci_agent.testgen.engine import Engine
from ci_agent.testgen.execute import Executor
from ci_agent.testgen.funnel import clean_failure
from ci_agent.testgen.rounds import Rounds as _Rounds
from ci_agent.testgen.scope import Scope, changed_lines, check_paths, python_sources
from ci_agent.testgen.scratch import guard_dir, scratch_copy
from ci_agent.testgen.suite import check_suite
from ci_agent.testgen.targets import (
    Target,
    is_test_file,
    parse_problem,
    select_targets,
    shard,
)
from ci_agent.testgen.verdict import Candidate, GateResult, Limits, Verdict
from ci_agent.testgen.writer import GeneratedFile, compose_file, output_path

__all__ = ["DiffCoverage", "RunResult", "TestGenRun", "diff_coverage"]

_BUDGET_CODES = ("CA401", "CA402", "CA403", "CA405")  # stop asking; what is done is kept


@dataclass(frozen=True)
class DiffCoverage:
    """A change's executable lines and branches (whose source line changed) that no test ran
    before the run, and those the accepted tests still leave unrun (``path:line``,
    ``path:from->to``)."""

    lines: int
    lines_uncovered: int
    branches_uncovered: int
    still_lines: tuple[str, ...]
    still_branches: tuple[str, ...]


def diff_coverage(
    changed: dict[str, frozenset[int]],
    baseline: dict[str, FileCoverage],
    verdicts: Sequence[Verdict],
) -> DiffCoverage:
    """What of the ``changed`` lines the suite missed, and what the accepted tests left."""
    gained_lines: dict[str, set[int]] = {}
    gained_branches: dict[str, set[tuple[int, int]]] = {}
    for verdict in verdicts:
        if verdict.accepted:
            path = verdict.candidate.target.partition("::")[0]
            # What its import runs counts too: the file is imported wherever the suite runs
            # it (a new module's imports, constants, class and def lines).
            gained_lines.setdefault(path, set()).update(
                verdict.gained_lines, verdict.imported_lines
            )
            gained_branches.setdefault(path, set()).update(
                verdict.gained_branches, verdict.imported_branches
            )
    lines = uncovered = branches = 0
    still_lines: list[str] = []
    still_branches: list[str] = []
    for path in sorted(changed):
        cov = baseline.get(path)
        if cov is None or is_test_file(path):
            continue
        mine = changed[path]
        lines += len(mine & (cov.executed | cov.missing))
        missing = sorted(mine & cov.missing)
        uncovered += len(missing)
        still_lines += [f"{path}:{n}" for n in missing if n not in gained_lines.get(path, ())]
        arcs = sorted(b for b in cov.missing_branches if b[0] in mine)
        branches += len(arcs)
        still_branches += [
            f"{path}:{a}->{b}" for a, b in arcs if (a, b) not in gained_branches.get(path, ())
        ]
    return DiffCoverage(lines, uncovered, branches, tuple(still_lines), tuple(still_branches))


@dataclass(frozen=True)
class RunResult:
    """Everything one run found out."""

    scope: Scope
    targets: tuple[Target, ...]
    verdicts: tuple[Verdict, ...]
    files: tuple[GeneratedFile, ...]
    skipped: tuple[tuple[str, str], ...]  # (target, why) not tried
    uncovered_outside_functions: int
    targets_total: int  # before the shard and the cap
    seconds: float
    suite_runs: int = 0
    stopped: str = ""  # why generation stopped early
    engines: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())  # engines that wrote no candidate, and why
    # A change's lines (--base, unsharded: a shard sees only its own tests' gains).
    diff: DiffCoverage | None = None
    # Wall seconds of the run's phases, in order (the baseline, each round's proposing and
    # funnel, the engines' own processes, the suite gate): where a run's time goes.
    phases: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class TestGenRun:
    """The inputs of one run; ``execute`` does it."""

    __test__ = False  # not a pytest class

    root: Path
    scope: Scope
    config: TestGenerationConfig
    executor: Executor
    python: str
    engines: Sequence[Engine]
    work: Path
    coverage_data: Path | None = None
    progress: Callable[[str], None] = lambda message: None
    sources: dict[str, str] | None = None  # the repository's sources, when already read
    changed: dict[str, frozenset[int]] | None = None  # a change's lines, when already read

    def execute(self) -> RunResult:
        """Do the run; CA580/CA581 when the suite cannot give a baseline."""
        started = time.monotonic()
        deadline = started + self.config.run_time_limit
        sources = self.sources if self.sources is not None else python_sources(self.root)
        changed = self.changed
        if self.scope.mode == "base" and changed is None:
            changed = changed_lines(self.root, self.scope.base or "", self.scope.head)
        sources_in = sources
        if self.scope.mode == "path":
            # Before the baseline: a mistyped path fails in a second, not after the suite ran.
            wanted = check_paths(self.root, self.scope.paths, sources)
            sources_in = {p: sources[p] for p in wanted}
        phases: dict[str, float] = {}
        clock = time.monotonic()
        baseline = self._baseline(sources)
        phases["baseline"] = time.monotonic() - clock
        found, outside = select_targets(sources_in, baseline, changed)
        # Files that do not parse hold no target; say so rather than find nothing in them.
        broken = [
            (path, f"does not parse: {problem}")
            for path in sorted(sources_in)
            if not is_test_file(path)
            and (changed is None or path in changed)
            # Every shard sees the same files: the first one reports them, once per merge.
            and (self.scope.shard is None or self.scope.shard[0] == 1)
            and (problem := parse_problem(sources_in[path])) is not None
        ]
        # A file whose path is no module name (a hyphen, a space, a leading digit) cannot be
        # imported by a test: its candidates were refused at lint as code that does not parse.
        unimportable = {t.path: t.module for t in found if not t.importable}
        found = [t for t in found if t.importable]
        if self.scope.shard is None or self.scope.shard[0] == 1:
            broken += [
                (path, f"not importable by a test: '{module}' is not a dotted module name")
                for path, module in sorted(unimportable.items())
            ]
        total = len(found)
        if self.scope.shard is not None:
            found = shard(found, *self.scope.shard)
        skipped = broken + [
            (t.key, f"over test-generation.max-targets ({self.config.max_targets})")
            for t in found[self.config.max_targets :]
        ]
        found = found[: self.config.max_targets]
        verdicts, more_skipped, stopped, notes = self._generate(
            found, sources, baseline, deadline, phases
        )
        skipped += more_skipped
        # Those another candidate harmed first: when only a combination fails, the suite gate
        # adds them one by one, and fewer runs find what breaks it when the harmed come first.
        accepted = sorted((v for v in verdicts if v.accepted), key=lambda v: not v.isolated)
        keys = {id(v): f"{v.candidate.target}#{n}" for n, v in enumerate(accepted)}
        clock = time.monotonic()
        suite = check_suite(
            self.executor,
            self.root,
            accepted,
            lambda chosen: self._compose(chosen, found, sources),
            lambda verdict: keys[id(verdict)],
            timeout=self.config.run_time_limit,
        )
        phases["suite"] = time.monotonic() - clock
        verdicts = [self._with_suite(v, suite.dropped.get(keys.get(id(v), ""))) for v in verdicts]
        diff = None
        if changed is not None and self.scope.shard is None:
            diff = diff_coverage(changed, baseline, verdicts)
        return RunResult(
            self.scope,
            tuple(found),
            tuple(verdicts),
            suite.kept,
            tuple(skipped),
            outside,
            total,
            time.monotonic() - started,
            suite.runs,
            stopped,
            tuple(e.name for e in self.engines),
            tuple(notes),
            diff,
            tuple((name, round(seconds, 2)) for name, seconds in phases.items()),
        )

    def _baseline(self, sources: dict[str, str]) -> dict[str, FileCoverage]:
        if self.coverage_data is not None:
            # Read where it was measured: a data file records the workspace's absolute paths.
            # `coverage json` reads data and sources; it runs none of the project's code.
            given = read_coverage_data(
                self.executor,
                self.root,
                self.coverage_data,
                self.work,
                timeout=self.config.test_timeout,
            )
            if sources and not given.keys() & sources.keys():
                # Data measured in another directory maps onto nothing here: every target was
                # silently missing (a container's /app, another runner's workspace).
                why = (
                    f"it measures no Python file of the repository at {self.root} (measured "
                    "in another directory? set relative_files = true in the coverage "
                    "configuration, or measure in the same checkout path)"
                )
                raise fail("CA192", file=self.coverage_data, problem=why)
            return given
        with scratch_copy(self.root) as copy:
            self.progress("measuring the suite's line and branch coverage")
            ran, report, problem = measure(
                self.executor,
                copy,
                self.work,
                ["-q", "-rfE"],
                timeout=self.config.run_time_limit,
                source_dirs=sorted(
                    {str(PurePosixPath(p).parent) for p in sources if not is_test_file(p)}
                ),
            )
        if ran.returncode not in (0, 5) or ran.timed_out:
            if "No module named coverage" in ran.output or "No module named pytest" in ran.output:
                raise fail("CA581", python=self.python, problem=_last_lines(ran.output, 400))
            raise fail("CA580", problem=_suite_problem(ran.returncode, ran.timed_out, ran.output))
        if report is None:
            if ran.returncode == 5:
                return {}
            if problem is not None:
                raise fail("CA585", problem=_last_lines(problem))
            raise fail("CA581", python=self.python, problem=_last_lines(ran.output, 400))
        return report

    def _generate(
        self,
        targets: Sequence[Target],
        sources: dict[str, str],
        baseline: dict[str, FileCoverage],
        deadline: float,
        phases: dict[str, float],
    ) -> tuple[list[Verdict], list[tuple[str, str]], str, list[str]]:
        """Rounds: each engine (the model: each attempt) proposes for every target still
        open, and the round's candidates meet the funnel together, in batches; each round's
        proposing and funnel seconds, and the engines' own processes', go to ``phases``."""
        limits = Limits(
            self.config.repeat_runs,
            self.config.test_timeout,
            self.config.max_mutants,
            self.config.sleep_bound,
        )
        rounds = _Rounds(targets, sources, self.config.output)
        # A slow search (Pynguin's) starts now and runs while the first rounds are checked.
        warm = [
            threading.Thread(target=prepare, args=(list(targets),), daemon=True)
            for prepare in (getattr(e, "prepare", None) for e in self.engines)
            if callable(prepare)
        ]
        for thread in warm:
            thread.start()
        with scratch_copy(self.root) as copy:
            funnel = BatchFunnel(self.executor, copy, self.work, guard_dir(self.work), limits)
            for number, (engines, attempt) in enumerate(self._rounds(), 1):
                wanted = rounds.open_for(engines[0].name, attempt)
                if rounds.stop or not wanted:
                    continue
                names = ", ".join(e.name for e in engines)
                if attempt > 1:
                    names += f" attempt {attempt}"
                clock = time.monotonic()
                entries = [
                    entry
                    for engine in engines
                    for entry in self._propose(engine, attempt, wanted, rounds, deadline)
                ]
                phases[f"round {number} ({names}): proposing"] = time.monotonic() - clock
                clock = time.monotonic()
                for verdict in funnel.check(entries, rounds.targets):
                    rounds.add(verdict)
                phases[f"round {number} ({names}): funnel"] = time.monotonic() - clock
            for how, (packs, seconds) in funnel.spent.items():
                phases[f"mutants gate: {packs} pack{'' if packs == 1 else 's'} {how}"] = seconds
        for thread in warm:
            thread.join()
        for engine in self.engines:
            # An engine's own processes (a probe, a search), timed by the engine itself.
            spent = getattr(engine, "spent", None)
            if isinstance(spent, dict):
                phases.update({f"{engine.name}: {k}": float(v) for k, v in spent.items()})
        return rounds.verdicts, rounds.skipped, rounds.stop[0] if rounds.stop else "", rounds.notes

    def _rounds(self) -> list[tuple[list[Engine], int]]:
        """The model: one round per attempt. Offline: the examples and Pynguin first (Pynguin's
        search started with the run; the first round is the one a run-time limit always lets
        through), then the ghostwriter for the targets still open."""
        rounds: list[tuple[list[Engine], int]] = []
        first: list[Engine] = []
        later: list[Engine] = []
        for engine in self.engines:
            if engine.name == "model":
                rounds += [([engine], n) for n in range(1, self.config.max_attempts + 1)]
            elif engine.name in ("examples", "pynguin"):
                first.append(engine)
            else:
                later.append(engine)
        return rounds + [(group, 1) for group in (first, later) if group]

    def _propose(
        self, engine: Engine, attempt: int, wanted: list[Target], rounds: _Rounds, deadline: float
    ) -> list[tuple[Candidate, Target, str]]:
        """The engine's candidates for the wanted targets (``concurrency`` at once); targets
        reached after the run-time limit or a budget stop are not asked."""

        def one(target: Target) -> list[tuple[Candidate, Target, str]]:
            if rounds.stop or time.monotonic() > deadline:
                why = (
                    rounds.stop[0]
                    if rounds.stop
                    else (f"over test-generation.run-time-limit ({self.config.run_time_limit:g} s)")
                )
                rounds.skipped.append((target.key, f"not tried by {engine.name}: {why}"))
                return []
            rounds.started.add(target.key)
            self.progress(f"{target.key}: {engine.name} attempt {attempt}")
            try:
                proposal = engine.propose(rounds.context(target), rounds.previous.get(target.key))
            except CiAgentError as exc:
                if exc.code not in _BUDGET_CODES:
                    raise
                rounds.stop.append(f"{exc.code}: {exc.message}")
                return []
            path = rounds.paths[target.key]
            if proposal.source is None and not proposal.parts:
                if engine.name != "model":
                    # An offline engine that wrote nothing made no candidate: noted, not counted.
                    rounds.notes.append(f"{target.key}: {engine.name}: {proposal.problem}")
                    return []
                candidate = Candidate(target.key, "", engine.name, attempt)
                refused = GateResult("lint", False, proposal.problem)
                rounds.add(Verdict(candidate, (refused,), failure=proposal.problem))
                return []
            modules = proposal.parts or (proposal.source or "",)
            return [(Candidate(target.key, m, engine.name, attempt), target, path) for m in modules]

        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            return [entry for found in pool.map(one, wanted) for entry in found]

    def _compose(
        self, verdicts: Sequence[Verdict], targets: Sequence[Target], sources: dict[str, str]
    ) -> list[GeneratedFile]:
        by_key = {t.key: t for t in targets}
        by_path: dict[str, list[Verdict]] = {}
        for verdict in verdicts:
            if verdict.accepted:
                target = by_key[verdict.candidate.target]
                path = output_path(self.config.output, target, sources)
                by_path.setdefault(path, []).append(verdict)
        return [compose_file(path, found, self.root) for path, found in sorted(by_path.items())]

    @staticmethod
    def _with_suite(verdict: Verdict, why: str | None) -> Verdict:
        if not verdict.accepted:
            return verdict
        gate = GateResult("suite", why is None, why or "")
        return replace(verdict, gates=(*verdict.gates, gate))


# pytest's exit codes (pytest.ExitCode), named in the error a failing suite gets.
_EXIT_CODES = {
    1: "tests failed",
    2: "interrupted",
    3: "an internal error",
    4: "a usage error",
}


def _suite_problem(code: int, timed_out: bool, output: str) -> str:
    """Why the suite gives no baseline, in one line, then the end of pytest's output."""
    if timed_out:
        cause = "pytest ran past the run's time limit"
    else:
        cause = f"pytest exited with code {code} ({_EXIT_CODES.get(code, 'not one of its own')})"
    return f"{cause}\n{_last_lines(clean_failure(output), 1500)}"


def _last_lines(text: str, limit: int = 1500) -> str:
    """The last whole lines of ``text`` that fit in ``limit`` characters, saying how many were
    left out before them (a line longer than the limit keeps its end)."""
    lines = text.strip().splitlines()
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        if kept and size + len(line) + 1 > limit:
            break
        kept.append(line if len(line) <= limit else "…" + line[-limit:])
        size += len(kept[-1]) + 1
    kept.reverse()
    if len(kept) < len(lines):
        kept.insert(0, f"(the last {len(kept)} of {len(lines)} lines of the output)")
    return "\n".join(kept)
