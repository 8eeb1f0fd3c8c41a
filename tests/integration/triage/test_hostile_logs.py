"""Logs made to hurt: a single line of millions of ``E``/``F`` characters is read in linear time
(a run of results once backtracked quadratically: 60 KB took 80 s), and control bytes inside a
real log's lines never reach a test id or the terminal."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_agent.triage.extract import extract

from .conftest import Project, TriageCli
from .joblog import job_log

TESTS = """\
def test_total():
    assert 1 + 1 == 3


def test_parse():
    assert int("12") == 13
"""


@pytest.mark.parametrize(
    "line",
    [
        b"E" * 2_000_000,
        b"F" * 2_000_000 + b"\n",
        b"E\x1b[0m" * 400_000 + b"\n",
        b"tests/test_x.py " + b"F" * 2_000_000 + b"\n",
        bytes(random.Random(0).choice(b"FE.") for _ in range(1_000_000)) + b"  [ 50%]\n",
    ],
    ids=["E", "F", "coloured", "after-a-file", "mixed"],
)
def test_a_huge_line_of_results_is_read_in_linear_time(line: bytes, tmp_path: Path) -> None:
    log = tmp_path / "results.log"
    log.write_bytes(b"start\n" + line)
    started = time.monotonic()
    # A new process, so a quadratic reading fails here instead of hanging the suite.
    done = subprocess.run(
        [sys.executable, "-m", "ci_agent", "triage", "--log", str(log), "--output", "json"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    # Quadratic, 2 MB of results is hours; linear, well under a second of reading.
    assert time.monotonic() - started < 60


def test_control_bytes_in_a_real_log_never_reach_ids_or_the_terminal(tmp_path: Path) -> None:
    project = Project(tmp_path / "proj")
    project.write("tests/test_bad.py", TESTS)
    argv = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rfE", "tests")
    step = project.run("python -m pytest -rfE tests", *argv, colour=False)
    assert step.exit_code == 1
    text = job_log([step])
    marked = "FAILED tests/test_bad.py::test_total"
    assert marked in text
    log = tmp_path / "nul.log"
    dirty = text.replace(marked, marked + "\x00\x00\x07").replace("assert int", "assert\x0bint")
    log.write_bytes(b"x" * 9000 + b"\n" + dirty.encode())  # past the first block's sniff

    found = extract(log, roots=(str(tmp_path / "proj"),))

    ids = sorted(f.test_id or "" for f in found.failures if f.test_id)
    assert ids == ["tests/test_bad.py::test_parse", "tests/test_bad.py::test_total"]
    done = subprocess.run(
        [sys.executable, "-m", "ci_agent", "triage", "--log", str(log)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert b"2 failing tests" in done.stdout, done.stdout
    assert not any(byte in done.stdout for byte in b"\x00\x07\x0b")


def _both_failures(result: TriageCli) -> dict[str, Any]:
    """The one job of ``result``, checked to hold TESTS' two failures at their lines."""
    assert result.code == 0, result.err
    [job] = result.json()["result"]["jobs"]
    assert job["failing_tests"] == [
        "tests/test_bad.py::test_total",
        "tests/test_bad.py::test_parse",
    ]
    assert job["locations"] == ["tests/test_bad.py:2", "tests/test_bad.py:6"]
    return job  # type: ignore[no-any-return]


def test_a_log_whose_lines_end_with_a_carriage_return_alone(
    tmp_path: Path, triage_cli: Callable[..., TriageCli]
) -> None:
    """A real job log saved with old-Mac line endings (``\\r`` alone) is read line by line:
    read as it is, it was one redrawn line, and only pytest's tally was found in it."""
    project = Project(tmp_path / "proj")
    project.write("tests/test_bad.py", TESTS)
    step = project.pytest("tests")
    log = tmp_path / "cr.log"
    log.write_bytes(job_log([step]).replace("\n", "\r").encode())
    result = triage_cli("--log", str(log), "--root", str(project.root), "--output", "json")
    job = _both_failures(result)
    assert job["steps"] == ["Run python -m pytest tests"] and job["exit_code"] == 1


def test_a_utf16_log_and_a_stray_nul_near_the_start(
    tmp_path: Path, triage_cli: Callable[..., TriageCli]
) -> None:
    """PowerShell 5 redirects output as UTF-16: it is read as the text it holds (it was refused
    as binary for its NUL bytes). A stray NUL in a log's first lines is dropped, as it is
    further on (it made the whole log "binary")."""
    project = Project(tmp_path / "proj")
    project.write("tests/test_bad.py", TESTS)
    text = job_log([project.pytest("tests")])
    utf16, stray = tmp_path / "u16.log", tmp_path / "stray.log"
    utf16.write_bytes(text.encode("utf-16"))
    stray.write_bytes(text.replace("Syncing", "Sync\x00ing", 1).encode())
    for log in (utf16, stray):
        result = triage_cli("--log", str(log), "--root", str(project.root), "--output", "json")
        _both_failures(result)
