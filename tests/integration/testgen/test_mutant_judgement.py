"""What the gates judge a candidate on, with real pytest and coverage runs:
every target of its file whose missing code it runs (it is assigned to the one it gains most
on), and mutants spread over every line of those targets that it runs, so a test that checks
only a long function's later lines can still kill one; what a library writes for itself
(Hypothesis' caches) is not the test writing outside tmp_path."""

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


def check(
    tmp_path: Path,
    files: dict[str, str],
    entries: list[tuple[Candidate, Target, str]],
    targets: list[Target] | None = None,
) -> list[Verdict]:
    """The funnel on ``entries`` in a project of ``files`` at ``tmp_path/project``, with small
    limits."""
    root, work = tmp_path / "project", tmp_path / "work"
    (root / "tests").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text)
    (work / "home").mkdir(parents=True, exist_ok=True)
    environ = dict(os.environ)
    executor = SandboxExecutor(
        Sandbox(choose_isolation("none", environ), environ), (sys.executable,), work / "home", root
    )
    limits = Limits(repeat_runs=2, test_timeout=10.0, max_mutants=4)
    funnel = BatchFunnel(executor, root, work, guard_dir(work), limits)
    return funnel.check(entries, targets or [])


def test_a_test_of_the_last_line_kills_a_mutant_there_past_the_first_lines(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    (verdict,) = check(
        tmp_path,
        {"calc.py": LONG},
        [(Candidate(TOTAL.key, CHECKS_RESULT, "pynguin"), TOTAL, "tests/test_calc_generated.py")],
    )
    tried = sorted(m.line for m in verdict.killed + verdict.survived)
    assert len(tried) == 4 and tried[0] == 5 and tried[-1] == 10
    assert verdict.accepted, verdict.gates[-1]
    assert {m.line for m in verdict.killed} == {10}
    assert (root / "calc.py").read_text() == LONG


SHAPES = """\
def area(width, height):
    if width < 0 or height < 0:
        raise ValueError("negative")
    product = width * height
    return product


def label(width):
    return f"w={width}"
"""
AREA = Target("shapes.py", "area", 1, 5, (2, 3, 4, 5), ((2, 3), (2, 4)))
LABEL = Target("shapes.py", "label", 8, 9, (9,), ())
# Expects the error: its one mutant but the message's is the raise removed.
EXPECTS_ERROR = (
    "import pytest\n\nfrom shapes import area\n\n\ndef test_area():\n"
    "    with pytest.raises(BaseException):\n        area(-1, 2)\n"
)
# Written for label (its last call), but what it checks is area.
MOSTLY_AREA = (
    "from shapes import area, label\n\n\ndef test_label():\n"
    "    assert area(2, 3) == 6\n    assert label(2) == 'w=2'\n"
)
# Written for label, runs none of label's lines.
ONLY_AREA = "from shapes import area\n\n\ndef test_label():\n    assert area(4, 5) == 20\n"
# Runs area's lines and checks nothing: refused whichever target it is judged on.
CHECKS_NOTHING = "from shapes import area\n\n\ndef test_label():\n    area(4, 5)\n"


def test_a_candidate_is_assigned_to_the_target_it_gains_most_on(tmp_path: Path) -> None:
    root = tmp_path / "project"
    path = "tests/test_shapes_generated.py"
    mostly, only, nothing = check(
        tmp_path,
        {"shapes.py": SHAPES},
        [
            (Candidate(LABEL.key, source, "pynguin"), LABEL, path)
            for source in (MOSTLY_AREA, ONLY_AREA, CHECKS_NOTHING)
        ],
        targets=[AREA, LABEL],
    )
    assert mostly.accepted and mostly.candidate.target == AREA.key
    assert mostly.candidate.written_for == LABEL.key
    assert mostly.gained_lines == (2, 4, 5, 9)  # area's and label's
    assert "of area, label (written for label)" in mostly.gates[4].reason
    # mutants of both functions' lines were tried
    assert {m.line for m in mostly.killed + mostly.survived} >= {4, 9}
    assert only.accepted and only.candidate.target == AREA.key and only.gained_lines == (2, 4, 5)
    assert nothing.refused_at == "mutants" and nothing.candidate.target == AREA.key
    assert (root / "shapes.py").read_text() == SHAPES


# What Hypothesis reads to place its caches: outside the copy the test runs in.
READS_STORAGE = """\
import os
from pathlib import Path

from calc import total


def test_total():
    storage = Path(os.environ["HYPOTHESIS_STORAGE_DIRECTORY"])
    assert storage.is_absolute()
    assert Path.cwd() not in storage.parents
    assert total([1]) == 2
"""


def test_hypothesis_keeps_its_caches_outside_the_checked_copy(tmp_path: Path) -> None:
    (verdict,) = check(
        tmp_path,
        {"calc.py": LONG},
        [(Candidate(TOTAL.key, READS_STORAGE, "ghostwriter"), TOTAL, "tests/test_calc_gen.py")],
    )
    assert verdict.accepted, verdict.gates[-1]


# One statement over several lines: coverage reports only its first line as run.
DELEGATES = """\
def scaled(values, factor=2):
    return tuple(
        value * factor
        for value in values
    )
"""
SCALED = Target("calc.py", "scaled", 1, 5, (2,), ())
CHECKS_SCALED = (
    "from calc import scaled\n\n\ndef test_scaled():\n    assert scaled([1, 2]) == (2, 4)\n"
)


def test_a_function_of_one_statement_over_several_lines_has_mutants(tmp_path: Path) -> None:
    (verdict,) = check(
        tmp_path,
        {"calc.py": DELEGATES},
        [(Candidate(SCALED.key, CHECKS_SCALED, "pynguin"), SCALED, "tests/test_calc_gen.py")],
    )
    assert verdict.accepted, verdict.gates[-1]
    assert "return value -> None" in {m.description for m in verdict.killed}


def test_a_test_that_expects_the_error_kills_the_raise_removed(tmp_path: Path) -> None:
    (verdict,) = check(
        tmp_path,
        {"shapes.py": SHAPES},
        [(Candidate(AREA.key, EXPECTS_ERROR, "pynguin"), AREA, "tests/test_shapes_gen.py")],
    )
    assert verdict.accepted, verdict.gates[-1]
    assert verdict.gained_branches == ((2, 3),)
    assert [m.description for m in verdict.killed] == ["raise removed"]
