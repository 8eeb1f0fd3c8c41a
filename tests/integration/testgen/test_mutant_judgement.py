"""What the mutant gate judges a candidate on, with real pytest and coverage runs: mutants
spread over every line of its target that it runs, so a test that checks only a long
function's later lines can still kill one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ci_agent.change.isolation import choose_isolation
from ci_agent.change.sandbox import Sandbox
from ci_agent.testgen.batch import BatchFunnel
from ci_agent.testgen.execute import SandboxExecutor
from ci_agent.testgen.scratch import guard_dir
from ci_agent.testgen.targets import Target
from ci_agent.testgen.verdict import Candidate, Limits, Verdict

# A prelude of lines whose mutants no test of the result can see (a log nobody reads), then
# the line that computes the result.
LONG = """\
LOG = []


def total(items):
    LOG.append(1)
    LOG.append(2)
    LOG.append(3)
    LOG.append(4)
    LOG.append(5)
    return sum(items) + 1
"""
TOTAL = Target("calc.py", "total", 4, 10, (5, 6, 7, 8, 9, 10), ())
CHECKS_RESULT = "from calc import total\n\n\ndef test_total():\n    assert total([2, 3]) == 6\n"


def check(root: Path, work: Path, entries: list[tuple[Candidate, Target, str]]) -> list[Verdict]:
    """The funnel on ``entries`` in a project at ``root``, with small limits."""
    (root / "tests").mkdir(parents=True, exist_ok=True)
    (work / "home").mkdir(parents=True, exist_ok=True)
    environ = dict(os.environ)
    executor = SandboxExecutor(
        Sandbox(choose_isolation("none", environ), environ), (sys.executable,), work / "home", root
    )
    limits = Limits(repeat_runs=2, test_timeout=10.0, max_mutants=4)
    return BatchFunnel(executor, root, work, guard_dir(work), limits).check(entries)


def test_a_test_of_the_last_line_kills_a_mutant_there_past_the_first_lines(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text(LONG)
    (verdict,) = check(
        root,
        tmp_path / "work",
        [(Candidate(TOTAL.key, CHECKS_RESULT, "pynguin"), TOTAL, "tests/test_calc_generated.py")],
    )
    tried = sorted(m.line for m in verdict.killed + verdict.survived)
    assert len(tried) == 4 and tried[0] == 5 and tried[-1] == 10
    assert verdict.accepted, verdict.gates[-1]
    assert {m.line for m in verdict.killed} == {10}
    assert (root / "calc.py").read_text() == LONG
