"""A real pytest run with hundreds of failures, read the fast way (needed lines found and
cleaned in batches, lean sections read in one loop) and against references: the failures the
project was written to have, the generic one-call-per-line reading, and blocks so small that
sections and batches are cut at a hundred block boundaries."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ci_agent.json_form import to_json
from ci_agent.triage.extract import Extraction, extract
from ci_agent.triage.extractor import BaseExtractor
from ci_agent.triage.extractors.pytest import Pytest

from .conftest import Project
from .joblog import job_log

ASSERTS, RAISES = 300, 150
# Tests that fail their assertion and tests that raise in the project's code; in their captured
# output, lines that look like a report's (an E line, a frame).
TESTS = """\
import logging

import pytest

from calc import check

log = logging.getLogger("shop")


@pytest.mark.parametrize("n", range({asserts}))
def test_assert(n):
    log.debug("batch %d: E   not an error, File \\"x.py\\", line 1", n)
    print(f"E       assert printed {{n}}\\nother.py:12: printed")
    assert n < 0


@pytest.mark.parametrize("n", range({raises}))
def test_raise(n):
    log.warning("FAILED is only a word here %d", n)
    check(n)


def test_passes():
    print("FAILED tests/test_fake.py::printed - ERROR not a result")
"""
CHECK = """\


def check(n):
    if n >= 0:
        raise ValueError(f"bad batch {n}")
"""


def _expected() -> list[tuple[str, str, str]]:
    """(test id, message, location) of every failure, in the order pytest runs the tests."""
    asserts = [
        (f"tests/test_batched.py::test_assert[{n}]", f"assert {n} < 0", "tests/test_batched.py:14")
        for n in range(ASSERTS)
    ]
    raises = [
        (f"tests/test_batched.py::test_raise[{n}]", f"ValueError: bad batch {n}", "src/calc.py:13")
        for n in range(RAISES)
    ]
    return asserts + raises


def _found(extraction: Extraction) -> list[tuple[str | None, str, str]]:
    return [(f.test_id, f.message, str(f.location)) for f in extraction.failures]


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The job log of the failing run, and the project's root."""
    project = Project(tmp_path_factory.mktemp("batched") / "proj")
    from .conftest import CALC, CONFTEST

    project.write("src/calc.py", CALC + CHECK)
    project.write("tests/conftest.py", CONFTEST)
    project.write("tests/test_batched.py", TESTS.format(asserts=ASSERTS, raises=RAISES))
    step = project.pytest("-v", "-rA", "-o", "log_cli=true", "--log-cli-level=DEBUG", "tests")
    assert step.exit_code == 1, step.output[-2000:]
    path = project.root.parent / "batched.log"
    path.write_text(job_log([step]), encoding="utf-8")
    return path, project.root


def test_every_failure_is_found_with_its_message_and_location(log: tuple[Path, Path]) -> None:
    path, root = log
    extraction = extract(path, roots=(str(root),))
    assert _found(extraction) == _expected()


def test_the_generic_reading_finds_the_same(
    log: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, root = log
    fast = extract(path, roots=(str(root),))
    # pytest's own loop over lean sections replaced by a feed call per line.
    monkeypatch.setattr(Pytest, "feed_lines", BaseExtractor.feed_lines)
    generic = extract(path, roots=(str(root),))
    assert to_json(generic.failures) == to_json(fast.failures)
    assert generic.steps == fast.steps


@pytest.mark.parametrize("block", [4096, 10_007])
@pytest.mark.parametrize("hyperscan", [True, False], ids=["hyperscan", "re"])
def test_small_blocks_cut_sections_and_batches_and_lose_nothing(
    log: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, block: int, hyperscan: bool
) -> None:
    path, root = log
    if hyperscan:
        pytest.importorskip("hyperscan")
    else:
        monkeypatch.setitem(sys.modules, "hyperscan", None)  # as if it were not installed
    assert path.stat().st_size > 100 * block
    small = extract(path, roots=(str(root),), block_size=block, window=block)
    assert _found(small) == _expected()
    whole = extract(path, roots=(str(root),))
    assert to_json(small.failures) == to_json(whole.failures)
