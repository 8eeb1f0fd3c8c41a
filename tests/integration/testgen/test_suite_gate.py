"""The whole-suite gate when only a combination of accepted tests fails: they are added one by
one, and only the one that turns the suite red is dropped: the one added, or, when only the added
one's own tests fail, the earlier one that changes the state they read."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ci_agent.change.isolation import choose_isolation
from ci_agent.change.sandbox import Sandbox
from ci_agent.testgen.execute import SandboxExecutor
from ci_agent.testgen.suite import check_suite
from ci_agent.testgen.writer import GeneratedFile

CALC = "LIMIT = 10\n\n\ndef capped(x):\n    if x > LIMIT:\n        return LIMIT\n    return x\n"
HUMAN = "from calc import capped\n\n\ndef test_small():\n    assert capped(-5) == -5\n"
HARMED = GeneratedFile(
    "tests/test_a_generated.py",
    "from calc import capped\n\n\ndef test_capped():\n    assert capped(50) == 10\n",
    ("calc.py::capped",),
)
POLLUTES = GeneratedFile(
    "tests/test_b_generated.py",
    "import calc\n\ncalc.LIMIT = 0\n\n\ndef test_zero():\n    assert calc.capped(-1) == -1\n",
    ("calc.py::capped",),
)


NEUTRAL = GeneratedFile(
    "tests/test_c_generated.py",
    "from calc import capped\n\n\ndef test_negative():\n    assert capped(-2) == -2\n",
    ("calc.py::capped",),
)


def _executor(tmp_path: Path) -> tuple[SandboxExecutor, Path]:
    root = tmp_path / "project"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "tests" / "test_calc.py").write_text(HUMAN)
    (tmp_path / "home").mkdir()
    environ = dict(os.environ)
    executor = SandboxExecutor(
        Sandbox(choose_isolation("none", environ), environ),
        (sys.executable,),
        tmp_path / "home",
        root,
    )
    return executor, root


def test_only_the_candidate_that_breaks_a_combination_is_dropped(tmp_path: Path) -> None:
    executor, root = _executor(tmp_path)

    result = check_suite(executor, root, [HARMED, POLLUTES], list, lambda f: f.path, timeout=120)

    assert [f.path for f in result.kept] == ["tests/test_a_generated.py"]
    assert list(result.dropped) == ["tests/test_b_generated.py"]
    reason = result.dropped["tests/test_b_generated.py"]
    assert reason.startswith("the suite fails with it and the tests kept before it")
    assert "test_capped" in reason
    # together, each alone (both green), together again, then one by one
    assert result.runs == 6


def test_the_polluter_is_dropped_when_it_comes_before_the_test_it_harms(tmp_path: Path) -> None:
    executor, root = _executor(tmp_path)
    order = [NEUTRAL, POLLUTES, HARMED]

    result = check_suite(executor, root, order, list, lambda f: f.path, timeout=120)

    # Adding HARMED after POLLUTES fails only HARMED's own test: POLLUTES is found and dropped.
    assert [f.path for f in result.kept] == [
        "tests/test_c_generated.py",
        "tests/test_a_generated.py",
    ]
    assert list(result.dropped) == ["tests/test_b_generated.py"]
    reason = result.dropped["tests/test_b_generated.py"]
    assert reason.startswith("a test added after it fails with it in the suite")
    assert "test_capped" in reason
    # together, each alone (3), together again, one by one (3), the bisection's one step
    # (NEUTRAL with HARMED passes), and the kept ones together with HARMED
    assert result.runs == 9


TABLE = (
    'TABLE = ["a"]\n\n\ndef add(x):\n    TABLE.insert(0, x)\n\n\ndef first():\n'
    "    return TABLE[0]\n"
)
READS = "from table import first\n\n\ndef test_first():\n    assert first() == 'a'\n"
# Changes the table when it runs, not at import: pytest runs it after the human test, which
# passes; run first, it breaks the human test.
ADDS = GeneratedFile(
    "tests/test_z_generated.py",
    "from table import add, first\n\n\ndef test_add():\n    add('z')\n    assert first() == 'z'\n",
    ("table.py::add",),
)


def test_a_test_that_changes_state_at_run_time_is_dropped_whichever_runs_first(
    tmp_path: Path,
) -> None:
    executor, root = _executor(tmp_path)
    (root / "table.py").write_text(TABLE)
    (root / "tests" / "test_table.py").write_text(READS)

    result = check_suite(executor, root, [ADDS], list, lambda f: f.path, timeout=120)

    assert result.kept == ()
    reason = result.dropped["tests/test_z_generated.py"]
    assert "tests/test_table.py::test_first" in reason, reason


def test_a_file_the_projects_configuration_does_not_collect_is_dropped(tmp_path: Path) -> None:
    # The gates run a generated file by its path, which pytest always collects; the project's
    # own run collects by its python_files and testpaths, and would never run it.
    executor, root = _executor(tmp_path)
    (root / "tests" / "test_calc.py").rename(root / "tests" / "check_calc.py")
    (root / "pytest.ini").write_text("[pytest]\npython_files = check_*.py\n")

    result = check_suite(executor, root, [NEUTRAL], list, lambda f: f.path, timeout=120)

    assert result.kept == ()
    reason = result.dropped["tests/test_c_generated.py"]
    assert "tests/test_c_generated.py: the project's pytest configuration does not collect it" in (
        reason
    )
    assert "python_files" in reason
