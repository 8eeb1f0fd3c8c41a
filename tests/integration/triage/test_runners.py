"""The runners around pytest that CI logs hold, run for real: pytest-xdist (a worker per core,
``[gwN]`` lines in the report, a worker that dies), pytest-timeout (its signal and thread
methods) and tox (its own lines around pytest's output). Their logs are triaged as exactly as
a plain pytest run's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ci_agent.triage.model import Kind

from .conftest import Project

BROKEN = """\
from calc import add, divide


def test_bad_add():
    assert add(2, 2) == 5


def test_zero():
    divide(1, 0)
"""
# The line the assertion is on, and the raise in the project's code.
FAILING = {"tests/test_bad.py::test_bad_add", "tests/test_bad.py::test_zero"}
FIRST = "tests/test_bad.py:5"
RAISE = "src/calc.py:7"
CRASH = """\
import os


def test_dies():
    os._exit(3)
"""
HANG = """\
import time


def test_hang():
    time.sleep(30)
"""

HANG_WITH_A_THREAD = """\
import threading
import time


def test_hang():
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    time.sleep(30)
"""


@pytest.mark.parametrize("verbose", [(), ("-v",)], ids=["dots", "verbose"])
def test_xdist_reports_are_read_as_a_plain_run(project: Project, verbose: tuple[str, ...]) -> None:
    project.write("tests/test_bad.py", BROKEN)
    step = project.pytest("-n", "2", *verbose, "tests")
    assert step.exit_code == 1, step.output
    assert "[gw" in step.output  # each failure names its worker
    [job] = project.triage(step).jobs
    assert set(job.failing_tests) == FAILING
    assert set(job.locations) == {FIRST, RAISE}
    assert str(job.decision.strategy) == "patch"


def test_a_crashed_xdist_worker_names_the_test_it_was_running(project: Project) -> None:
    project.write("tests/test_crash.py", CRASH)
    step = project.pytest("-n", "2", "tests")
    # xdist heads the section with the file: it must not become a second, bogus failing test
    assert "crashed while running 'tests/test_crash.py::test_dies'" in step.output, step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_crash.py::test_dies",)
    [failure] = job.failures
    assert "crashed while running" in failure.message


def test_pytest_timeout_signal_method_is_rerun(project: Project) -> None:
    project.write("tests/test_slow.py", HANG)
    step = project.pytest("--timeout=1", "tests/test_slow.py")
    assert "Failed: Timeout (>1.0s) from pytest-timeout." in step.output, step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_slow.py::test_hang",)
    assert (str(job.decision.strategy), job.kind) == ("rerun", Kind.TIMEOUT)
    assert job.locations[:1] == ("tests/test_slow.py:5",)


def test_pytest_timeout_signal_method_with_threads_dumps_them_and_is_rerun(
    project: Project,
) -> None:
    project.write("tests/test_slow.py", HANG_WITH_A_THREAD)
    step = project.pytest("--timeout=1", "tests/test_slow.py")
    # With more than one thread the plugin prints the others' stacks as the test's captured
    # output, then fails the test as usual
    assert "~ Stack of Thread-1 (sleep)" in step.output and "short test summary" in step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_slow.py::test_hang",)
    assert (str(job.decision.strategy), job.kind) == ("rerun", Kind.TIMEOUT)
    assert job.locations[:1] == ("tests/test_slow.py:7",)


def test_pytest_timeout_next_to_a_real_failure_is_patched(project: Project) -> None:
    project.write("tests/test_slow.py", HANG)
    project.write("tests/test_bad.py", BROKEN)
    [job] = project.triage(project.pytest("--timeout=1", "tests")).jobs
    assert set(job.failing_tests) == {*FAILING, "tests/test_slow.py::test_hang"}
    assert (str(job.decision.strategy), job.decision.rule) == ("patch", "kind")
    assert "tests/test_slow.py::test_hang" in job.decision.reason


@pytest.mark.parametrize("verbose", [(), ("-v",), ("-q",)], ids=["dots", "verbose", "quiet"])
def test_pytest_timeout_thread_method_names_the_test_from_its_stack_dump(
    project: Project, verbose: tuple[str, ...]
) -> None:
    project.write("tests/test_slow.py", HANG)
    step = project.pytest("--timeout=1", "--timeout-method=thread", *verbose, "tests/test_slow.py")
    # The plugin ends the process: no FAILURES section, no summary, only the dump
    assert "Stack of MainThread" in step.output and "short test summary" not in step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_slow.py::test_hang",)
    assert job.locations == ("tests/test_slow.py:5",)
    assert (str(job.decision.strategy), job.kind) == ("rerun", Kind.TIMEOUT)


def test_a_dump_past_the_bound_says_where_its_reading_stopped(project: Project) -> None:
    # 3,000 frames deep, two lines a frame (alternating, so the dump repeats none of them)
    project.write(
        "tests/test_deep.py",
        """\
        import sys
        import time


        def down(n):
            if n == 0:
                time.sleep(30)
            return across(n - 1)


        def across(n):
            return down(n)


        def test_deep():
            sys.setrecursionlimit(5000)
            down(1500)
        """,
    )
    step = project.pytest("--timeout=2", "--timeout-method=thread", "tests/test_deep.py")
    assert step.output.count(", in down") + step.output.count(", in across") > 3000
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.test_id == "tests/test_deep.py::test_deep"
    assert "its stack read from the dump's first 5,000 lines" in failure.message
    assert str(job.decision.strategy) == "rerun"


@pytest.mark.parametrize("verbose", [(), ("-v",), ("-q",)], ids=["dots", "verbose", "quiet"])
def test_failures_before_a_thread_method_timeout_are_patched(
    project: Project, verbose: tuple[str, ...]
) -> None:
    project.write("tests/test_bad.py", BROKEN)
    project.write("tests/test_slow.py", HANG)
    step = project.pytest("--timeout=1", "--timeout-method=thread", *verbose, "tests")
    [job] = project.triage(step).jobs
    assert (str(job.decision.strategy), job.decision.rule) == ("patch", "kind")
    timeout = next(f for f in job.failures if f.kind is Kind.TIMEOUT)
    assert timeout.test_id == "tests/test_slow.py::test_hang"
    if verbose == ("-v",):  # -v's progress lines name the tests that failed before
        assert set(job.failing_tests) == {*FAILING, "tests/test_slow.py::test_hang"}
    elif verbose:  # -q's show only F, and no file: counted in all, never dropped
        [counted] = [f for f in job.failures if f.kind is Kind.TEST]
        assert counted.message.startswith("2 tests failed before")
        assert counted.location is None
    else:  # the default's show only F: counted per file, never dropped
        [counted] = [f for f in job.failures if f.kind is Kind.TEST]
        assert counted.message.startswith("2 tests in tests/test_bad.py failed before")
        assert str(counted.location) == "tests/test_bad.py"


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["plain", "xdist"])
def test_an_internal_error_is_named_as_the_reason_no_test_is(
    project: Project, workers: tuple[str, ...]
) -> None:
    project.write("tests/test_bad.py", BROKEN)
    project.write(
        "tests/conftest.py",
        (project.root / "tests" / "conftest.py").read_text()
        + "\n\ndef pytest_runtest_logreport(report):\n"
        + "    if report.failed:\n"
        + '        raise RuntimeError("a plugin broke on a failure")\n',
    )
    step = project.pytest(*workers, "tests")
    # pytest stops (exit 3) after the progress lines: no FAILURES section, no summary, a tally
    assert step.exit_code == 3 and "INTERNALERROR>" in step.output, step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.message.endswith(
        "the log names no failing test (pytest stopped with an internal error first: "
        "RuntimeError: a plugin broke on a failure)"
    )
    assert str(failure.location) == "tests/conftest.py:16"  # the raise in the plugin hook
    assert str(job.decision.strategy) == "patch"


def test_tox_around_pytest_is_read_as_pytest(project: Project, tmp_path: Path) -> None:
    project.write("tests/test_bad.py", BROKEN)
    # No package, no dependencies: tox makes its environment offline and runs this interpreter
    # (which has pytest) as its command, the way a tox.ini's `commands` runs pytest.
    project.write(
        "tox.ini",
        f"""\
        [tox]
        env_list = py
        no_package = true

        [testenv]
        allowlist_externals = {sys.executable}
        commands = {sys.executable} -m pytest --color=yes -p no:cacheprovider tests
        """,
    )
    tox = str(Path(sys.executable).parent / "tox")
    step = project.run("tox -e py", tox, "-e", "py", "--workdir", str(tmp_path / "tox"))
    assert step.exit_code == 1, step.output
    assert "commands[0]" in step.output and "py: FAIL code 1" in step.output  # tox's own lines
    [job] = project.triage(step).jobs
    assert set(job.failing_tests) == FAILING
    assert set(job.locations) == {FIRST, RAISE}
    assert str(job.decision.strategy) == "patch"
