"""A test's captured output that prints a line like one of pytest's rules (``==== x ====``)
does not end the FAILURES section: pytest's own rules are as wide as the terminal, and the
failures after it keep their messages and locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.triage.extract import extract

from .conftest import Project
from .joblog import job_log

# Enough failures that the later ones are read the lean way (past the excerpt's 200 sections).
PRINTS = 210
TESTS = """\
import pytest

from calc import check


@pytest.mark.parametrize("n", range({prints}))
def test_prints(n):
    print("==== printed ====")
    print("= results =")
    check(n)


def test_after():
    assert 1 == 2
"""
CHECK = """\


def check(n):
    if n >= 0:
        raise ValueError(f"bad batch {n}")
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The job log of a failing run whose tests print rule-like lines, and the project."""
    project = Project(tmp_path_factory.mktemp("printed") / "proj")
    from .conftest import CALC, CONFTEST

    project.write("src/calc.py", CALC + CHECK)
    project.write("tests/conftest.py", CONFTEST)
    project.write("tests/test_printed.py", TESTS.format(prints=PRINTS))
    step = project.pytest("tests")
    assert step.exit_code == 1, step.output[-2000:]
    assert "==== printed ====" in step.output  # pytest shows the captured output
    path = project.root.parent / "printed.log"
    path.write_text(job_log([step]), encoding="utf-8")
    return path, project.root


def test_every_failure_keeps_its_message_and_location(run: tuple[Path, Path]) -> None:
    path, root = run
    found = [
        (f.test_id, f.message, str(f.location)) for f in extract(path, roots=(str(root),)).failures
    ]
    expected = [
        (f"tests/test_printed.py::test_prints[{n}]", f"ValueError: bad batch {n}", "src/calc.py:13")
        for n in range(PRINTS)
    ]
    expected.append(
        ("tests/test_printed.py::test_after", "assert 1 == 2", "tests/test_printed.py:14")
    )
    assert found == expected
