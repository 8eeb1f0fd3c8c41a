"""The mutant gate's forked runs (one pytest process collects the tests once and forks a child
per pack of mutants, with the mutated functions' code swapped in; or forks before collecting)
against the same gate with every pack in a fresh process of its own: the same mutants are
killed and survive, with real pytest, for functions, methods, a property, a static method, a
cached function, a function called at import (forked before collection, its mutated source
imported) and a mutant that makes a test hang, in the project's own interpreter and the
sandbox's clean environment (a forked child inherits it: no token reaches the tests)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ci_agent.change.isolation import choose_isolation
from ci_agent.change.sandbox import Sandbox
from ci_agent.testgen import batch_mutants
from ci_agent.testgen.batch import BatchFunnel
from ci_agent.testgen.batch_runs import BatchRuns
from ci_agent.testgen.execute import Execution, SandboxExecutor
from ci_agent.testgen.outcomes import read_outcomes
from ci_agent.testgen.scratch import FORKS_MODULE, guard_dir
from ci_agent.testgen.targets import Target, function_spans
from ci_agent.testgen.verdict import Candidate, Limits, Verdict

SHAPES = """\
import functools

UNITS = {"cm": 1, "m": 100}


def scale(value, unit):
    if unit not in UNITS:
        raise ValueError(unit)
    return value * UNITS[unit]


class Box:
    \"\"\"A box.\"\"\"

    def __init__(self, width, height):
        self.width = width
        self.height = height

    @property
    def area(self):
        return self.width * self.height

    @staticmethod
    def fits(inner, outer):
        return inner.width <= outer.width and inner.height <= outer.height

    def grow(self, by):
        return Box(self.width + by, self.height + by)


@functools.lru_cache(maxsize=None)
def steps(n):
    count = 0
    while n > 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        count += 1
    return count


DEFAULT = scale(2, "m")
"""

TESTS = {
    "Box.area": "from shapes import Box\n\n\ndef test_area():\n    assert Box(2, 3).area == 6\n",
    # weak: runs every line, checks little, so some mutants survive
    "Box.fits": "from shapes import Box\n\n\ndef test_fits():\n"
    "    assert Box.fits(Box(1, 1), Box(2, 2))\n",
    "Box.grow": "from shapes import Box\n\n\ndef test_grow():\n"
    "    assert Box(1, 2).grow(1).height == 3\n",
    "steps": "from shapes import steps\n\n\ndef test_steps():\n"
    "    assert steps(1) == 0\n    assert steps(6) == 8\n",
    "scale": "import os\n\nimport pytest\n\nfrom shapes import scale\n\n\ndef test_scale():\n"
    "    assert 'GITHUB_TOKEN' not in os.environ\n"
    "    assert scale(3, 'cm') == 3\n    with pytest.raises(ValueError):\n"
    "        scale(1, 'km')\n",
}


class _Counting:
    """The real sandbox executor, counting the processes it starts."""

    def __init__(self, inner: SandboxExecutor) -> None:
        self.inner = inner
        self.calls = 0
        self.lock = threading.Lock()

    def python(
        self,
        args: Sequence[str],
        *,
        cwd: Path,
        timeout: float,
        env: Mapping[str, str] | None = None,
    ) -> Execution:
        with self.lock:
            self.calls += 1
        return self.inner.python(args, cwd=cwd, timeout=timeout, env=env)

    def using(self, interpreter: str) -> SandboxExecutor:
        return self.inner.using(interpreter)


def _check(tmp_path: Path, python: Path) -> tuple[dict[str, Verdict], int]:
    root, work = tmp_path / "project", tmp_path / "work"
    (root / "tests").mkdir(parents=True)
    (work / "home").mkdir(parents=True)
    (root / "shapes.py").write_text(SHAPES)
    environ = {**os.environ, "GITHUB_TOKEN": "ghp_not_for_tests"}
    executor = _Counting(
        SandboxExecutor(
            Sandbox(choose_isolation("none", environ), environ),
            (str(python),),
            work / "home",
            root,
        )
    )
    limits = Limits(repeat_runs=1, test_timeout=20.0, max_mutants=10)
    funnel = BatchFunnel(executor, root, work, guard_dir(work), limits)
    spans = {name: (start, end) for name, start, end in function_spans(SHAPES)}
    entries = []
    for name, source in TESTS.items():
        start, end = spans[name]
        target = Target("shapes.py", name, start, end, tuple(range(start + 1, end + 1)), ())
        entries.append((Candidate(target.key, source, "model"), target, "tests/test_shapes.py"))
    verdicts = funnel.check(entries)
    assert (root / "shapes.py").read_text() == SHAPES  # every mutant undone
    return dict(zip(TESTS, verdicts, strict=True)), executor.calls


def _mutants(verdict: Verdict) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    return (
        {(m.line, m.description) for m in verdict.killed},
        {(m.line, m.description) for m in verdict.survived},
    )


def test_forked_runs_kill_the_same_mutants_as_fresh_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_python: Path
) -> None:
    # A mutant that hangs waits out the per-test limit in each of the three ways: one
    # second is far past these tests' own time (microseconds), and keeps the test short.
    monkeypatch.setattr(batch_mutants, "FLOOR_SECONDS", 1.0)
    forked, forked_processes = _check(tmp_path / "forked", project_python)
    with monkeypatch.context() as patch:
        # every pack forked before collection, its mutated source imported
        patch.setattr(batch_mutants, "_swappable", lambda pack: False)
        before, before_processes = _check(tmp_path / "before", project_python)
    with monkeypatch.context() as patch:
        # a platform that cannot fork: every pack in a fresh process, the mutated file written
        patch.setattr(batch_mutants, "CAN_FORK", False)
        fresh, fresh_processes = _check(tmp_path / "fresh", project_python)
    for name in TESTS:
        for other in (before, fresh):
            assert [g.gate for g in forked[name].gates] == [g.gate for g in other[name].gates]
            assert _mutants(forked[name]) == _mutants(other[name]), name
            assert forked[name].killed_by_test == other[name].killed_by_test, name
        # the run's report says when the packs could not be forked
        assert batch_mutants.NO_FORK in fresh[name].gates[-1].reason
        assert batch_mutants.NO_FORK not in forked[name].gates[-1].reason
    assert all(v.accepted for v in forked.values())
    # the weak test leaves mutants alive; the hanging mutant (n > 1 -> n >= 1) is killed
    assert _mutants(forked["Box.fits"])[1]
    assert any(m.description == "> -> >=" for m in forked["steps"].killed)
    assert forked_processes < fresh_processes and before_processes < fresh_processes


LOOP = "def countdown(n):\n    while n > 0:\n        n -= 1\n    return n\n"
LOOP_TEST = "from loop import countdown\n\n\ndef test_countdown():\n    assert countdown(3) == 0\n"


@pytest.mark.parametrize("before", [False, True])
def test_a_child_that_hangs_is_ended_by_its_own_watchdog_and_the_next_child_runs(
    tmp_path: Path, project_python: Path, before: bool
) -> None:
    root, work = tmp_path / "project", tmp_path / "work"
    (root / "tests").mkdir(parents=True)
    (work / "home").mkdir(parents=True)
    (root / "loop.py").write_text(LOOP)
    (root / "tests" / "test_loop.py").write_text(LOOP_TEST)
    environ = dict(os.environ)
    executor = SandboxExecutor(
        Sandbox(choose_isolation("none", environ), environ),
        (str(project_python),),
        work / "home",
        root,
    )
    runs = BatchRuns(executor, root, work, guard_dir(work), Limits(test_timeout=60.0))
    test = "tests/test_loop.py::test_countdown"
    hanging = LOOP.replace("n -= 1", "n -= 0")  # never ends
    harmless = LOOP.replace("return n", "return n * 2")  # 0 * 2: still passes
    jobs = [
        {
            "report": str(work / f"{name}.jsonl"),
            "tests": [test],
            "limit": 1.0,
            "timeout": 60.0,
            "sources": {"loop.py": text},
        }
        for name, text in (("hanging", hanging), ("harmless", harmless))
    ]
    plan = work / "plan.json"
    plan.write_text(json.dumps({"jobs": jobs, "before": before}))
    run = runs.pytest(
        ["-p", FORKS_MODULE, "-p", "no:randomly", test],
        timeout=120.0,
        env={batch_mutants.PLAN_VARIABLE: str(plan)},
    )
    hung = read_outcomes(work / "hanging.jsonl")
    assert hung.running == test and hung.hung  # the per-test limit, not the job's 60 s
    assert hung.exit not in (0, None)
    passed = read_outcomes(work / "harmless.jsonl")
    assert passed.exit == 0 and passed.passed(test)
    assert run.seconds < 30
    assert (root / "loop.py").read_text() == LOOP  # a fork never writes the mutant
