"""pytest runs that end before pytest's report, run for real: the interpreter crashes
(faulthandler's dump), the process is killed or terminated mid-test (the OOM killer, a job's
time limit, coreutils' ``timeout``), or interrupted (a cancelled job). Each names the test that
was running, and the failures pytest reported or counted before it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ci_agent.triage.model import Kind
from ci_agent.triage.triage import TriageOptions, triage_logs

from .conftest import Project
from .joblog import RunStep, job_log

BROKEN = """\
def test_bad():
    assert 1 + 1 == 3
"""
CRASH = """\
import ctypes
import os


def test_segfault():
    ctypes.string_at(0)


def test_abort():
    os.abort()
"""
# The test ends its own process the way the outside would, so no test waits on a clock.
STOPPED = """\
import os
import signal


def test_killed():
    os.kill(os.getpid(), signal.SIGKILL)


def test_terminated():
    os.kill(os.getpid(), signal.SIGTERM)


def test_interrupted():
    os.kill(os.getpid(), signal.SIGINT)


def test_timed_out():
    # coreutils' timeout takes SIGALRM as its time limit running out: it terminates the
    # command (this process) and exits 124, as when the limit passes.
    os.kill(os.getppid(), signal.SIGALRM)
    signal.pause()
"""
VERBOSITY = pytest.mark.parametrize("verbose", [(), ("-v",)], ids=["dots", "verbose"])


def _as_shell(step: RunStep) -> RunStep:
    """The exit code a runner's shell reports for a process a signal ended: 128 + the signal."""
    code = 128 - step.exit_code if step.exit_code < 0 else step.exit_code
    return RunStep(step.command, step.output, code)


@VERBOSITY
@pytest.mark.parametrize(
    ("test", "error", "line", "code"),
    [("test_segfault", "Segmentation fault", 6, 139), ("test_abort", "Aborted", 10, 134)],
)
def test_a_crash_names_the_test_from_faulthandlers_dump(
    project: Project, verbose: tuple[str, ...], test: str, error: str, line: int, code: int
) -> None:
    project.write("tests/test_crash.py", CRASH)
    step = _as_shell(project.pytest(*verbose, "tests/test_crash.py", "-k", test))
    assert f"Fatal Python error: {error}" in step.output, step.output
    assert step.exit_code == code and "short test summary" not in step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.test_id == f"tests/test_crash.py::{test}"
    assert (failure.kind, str(failure.location)) == (Kind.TEST, f"tests/test_crash.py:{line}")
    assert failure.message.startswith(f"Fatal Python error: {error} in tests/test_crash.py::")
    assert str(job.decision.strategy) == "patch"


def test_tests_that_failed_before_a_crash_are_counted(project: Project) -> None:
    project.write("tests/test_a_bad.py", BROKEN)
    project.write("tests/test_crash.py", CRASH)
    step = _as_shell(project.pytest("tests", "-k", "bad or segfault"))
    [job] = project.triage(step).jobs
    counted, crash = job.failures
    assert counted.message == (
        "1 test in tests/test_a_bad.py failed before the interpreter crashed (Segmentation "
        "fault) (pytest never printed its report of them)"
    )
    assert crash.test_id == "tests/test_crash.py::test_segfault"


def test_a_crash_outside_pytest_is_an_exception_in_the_project(project: Project) -> None:
    project.write(
        "src/crash.py", "import ctypes\n\n\ndef main():\n    ctypes.string_at(0)\n\n\nmain()\n"
    )
    step = _as_shell(project.python("-X", "faulthandler", "src/crash.py"))
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert (failure.kind, failure.test_id, str(failure.location)) == (
        Kind.EXCEPTION,
        None,
        "src/crash.py:5",
    )
    assert str(job.decision.strategy) == "patch"


@VERBOSITY
@pytest.mark.parametrize(
    ("test", "kind", "reason"),
    [
        ("test_killed", Kind.OOM, "exit code 137"),
        ("test_terminated", Kind.CANCELLED, "exit code 143"),
    ],
)
def test_a_killed_run_names_the_test_it_was_running(
    project: Project, verbose: tuple[str, ...], test: str, kind: Kind, reason: str
) -> None:
    project.write("tests/test_stop.py", STOPPED)
    step = _as_shell(project.pytest(*verbose, "tests/test_stop.py", "-k", test))
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.kind is kind and reason in failure.message
    assert str(failure.location) == "tests/test_stop.py"
    if verbose:
        assert failure.test_id == f"tests/test_stop.py::{test}"
        assert f"while tests/test_stop.py::{test} ran: its result never came" in (failure.message)
    else:  # only the file is printed before its tests' results
        assert failure.test_id is None
        assert "while a test of tests/test_stop.py ran" in failure.message
    assert str(job.decision.strategy) == "rerun"


@pytest.mark.skipif(sys.platform != "linux", reason="coreutils' timeout")
def test_a_run_past_timeouts_limit_is_a_timeout(project: Project) -> None:
    project.write("tests/test_stop.py", STOPPED)
    args = ("-m", "pytest", "-p", "no:cacheprovider", "-v", "tests/test_stop.py", "-k", "timed")
    step = project.run("timeout 600 python -m pytest", "timeout", "600", sys.executable, *args)
    assert step.exit_code == 124, step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert (failure.kind, failure.test_id) == (Kind.TIMEOUT, "tests/test_stop.py::test_timed_out")
    assert str(job.decision.strategy) == "rerun"


@VERBOSITY
def test_an_interrupted_run_names_the_test_and_keeps_the_failures_before(
    project: Project, verbose: tuple[str, ...]
) -> None:
    project.write("tests/test_a_bad.py", BROKEN)
    project.write("tests/test_stop.py", STOPPED)
    step = project.pytest(*verbose, "tests", "-k", "bad or interrupted")
    # pytest catches SIGINT: its banner, where it stopped, its report of what failed before
    assert "!!! KeyboardInterrupt !!!" in step.output and step.exit_code == 2, step.output
    [job] = project.triage(step).jobs
    interrupted = next(f for f in job.failures if f.kind is Kind.CANCELLED)
    assert str(interrupted.location) == "tests/test_stop.py:14"
    assert interrupted.message.startswith("KeyboardInterrupt: pytest was interrupted (SIGINT)")
    if verbose:
        assert interrupted.test_id == "tests/test_stop.py::test_interrupted"
        assert set(job.failing_tests) == {
            "tests/test_a_bad.py::test_bad",
            "tests/test_stop.py::test_interrupted",
        }
    else:
        assert interrupted.test_id is None
        assert job.failing_tests == ("tests/test_a_bad.py::test_bad",)
    # A real failure next to the interruption: the patch loop, the interruption named.
    assert str(job.decision.strategy) == "patch"
    only = project.triage(project.pytest(*verbose, "tests/test_stop.py", "-k", "interrupted"))
    assert str(only.jobs[0].decision.strategy) == "rerun"


CHILD_CRASH = """\
import subprocess
import sys


def test_child_crashes():
    code = "import ctypes, faulthandler; faulthandler.enable(); ctypes.string_at(0)"
    done = subprocess.run([sys.executable, "-c", code], check=False)
    assert done.returncode == 0
"""


@VERBOSITY
@pytest.mark.parametrize("capture", [(), ("-s",)], ids=["captured", "shown"])
def test_a_child_processs_crash_is_not_the_runs(
    project: Project, verbose: tuple[str, ...], capture: tuple[str, ...]
) -> None:
    project.write("tests/test_child.py", CHILD_CRASH)
    step = project.pytest(*verbose, *capture, "tests/test_child.py")
    # The child's dump is printed (captured in the test's section, or among the progress
    # lines), and pytest goes on to fail the test in its report.
    assert "Fatal Python error: Segmentation fault" in step.output, step.output
    assert "short test summary" in step.output and step.exit_code == 1
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.test_id == "tests/test_child.py::test_child_crashes"
    assert failure.kind is Kind.TEST and "Fatal Python error" not in failure.message


def test_a_crash_under_a_shell_that_reports_it_is_the_runs(project: Project) -> None:
    project.write("tests/test_crash.py", CRASH)
    pytest_args = f"{sys.executable} -m pytest -p no:cacheprovider -v tests -k segfault"
    # bash reports a job that a signal ended after the dump: the line that follows it is bash's
    step = _as_shell(project.run("bash -c pytest", "bash", "-c", f"{pytest_args}; exit $?"))
    last = step.output.rstrip().splitlines()[-1]
    assert last.startswith("bash: ") and "Segmentation fault" in last, step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.test_id == "tests/test_crash.py::test_segfault"


def test_a_crashed_xdist_worker_is_located_by_its_dump(project: Project) -> None:
    project.write("tests/test_crash.py", CRASH)
    step = project.pytest("-n", "2", "-v", "tests/test_crash.py", "-k", "segfault")
    # The worker's dump, then xdist's own report of the test its worker was running. The
    # controller's progress line may cut into the worker's banner (the two write at once).
    assert "Fatal Python error:" in step.output, step.output
    assert "crashed while running 'tests/test_crash.py::test_segfault'" in step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_crash.py::test_segfault",)
    assert job.locations == ("tests/test_crash.py:6",)
    assert str(job.decision.strategy) == "patch"


UNITTEST_CRASH = """\
import ctypes
import unittest


class TestNative(unittest.TestCase):
    def test_fine(self):
        self.assertTrue(True)

    def test_segfault(self):
        ctypes.string_at(0)
"""


@pytest.mark.parametrize("verbose", [(), ("-v",)], ids=["dots", "verbose"])
def test_a_crash_without_a_dump_is_told_by_its_exit_code(
    project: Project, verbose: tuple[str, ...]
) -> None:
    # unittest does not enable faulthandler: the process dies silently, the shell says 139
    project.write("test_native.py", UNITTEST_CRASH)
    step = _as_shell(project.python("-m", "unittest", *verbose, "test_native"))
    assert step.exit_code == 139 and "Fatal Python error" not in step.output, step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.code == "SIGSEGV"
    assert failure.message.startswith("exit code 139: the process crashed (SIGSEGV")
    if verbose:  # the test's line waits for its result: that test crashed
        assert (failure.kind, failure.test_id) == (
            Kind.TEST,
            "test_native.TestNative.test_segfault",
        )
        assert str(job.decision.strategy) == "patch"
    else:  # the dots name no test: a crash of unknown cause
        assert (failure.kind, failure.test_id) == (Kind.ERROR, None)
        assert str(job.decision.strategy) == "analyze"


@pytest.mark.parametrize("went_on", [False, True], ids=["ended", "went-on"])
def test_windows_wording_counts_only_when_the_run_ended(project: Project, went_on: bool) -> None:
    # Windows is not here: a real dump with its banner in Windows' wording. There faulthandler
    # also dumps exceptions the process survives, and the run goes on.
    project.write("tests/test_crash.py", CRASH)
    real = _as_shell(project.pytest("-v", "tests/test_crash.py", "-k", "segfault"))
    output = real.output.replace(
        "Fatal Python error: Segmentation fault", "Windows fatal exception: access violation"
    )
    if went_on:
        output += "PASSED [100%]\n\n=== 1 passed in 0.02s ===\n"
    step = RunStep(real.command, output, 0 if went_on else real.exit_code)
    [job] = project.triage(step).jobs
    crashes = [f for f in job.failures if f.message.startswith("Windows fatal exception")]
    if went_on:
        assert crashes == []
    else:
        [crash] = crashes
        assert crash.test_id == "tests/test_crash.py::test_segfault"
        assert crash.message.startswith("Windows fatal exception: access violation in ")


def test_a_banner_cut_by_another_process_still_starts_the_dump(project: Project) -> None:
    # As pytest-xdist's controller and a crashing worker write at once: the controller's
    # progress line lands inside the worker's banner (seen in real runs; made certain here).
    project.write("tests/test_crash.py", CRASH)
    real = _as_shell(project.pytest("tests/test_crash.py", "-k", "segfault"))
    banner = "Fatal Python error: Segmentation fault"
    assert banner in real.output, real.output
    output = real.output.replace(
        banner, "Fatal Python error: \ntests/test_other.py::test_x Segmentation fault"
    )
    [job] = project.triage(RunStep(real.command, output, real.exit_code)).jobs
    [failure] = job.failures
    assert failure.test_id == "tests/test_crash.py::test_segfault"
    assert failure.message.startswith("Fatal Python error in tests/test_crash.py::test_segfault")


METHODS = """\
import ctypes
import time


class TestNative:
    class TestDeeper:
        def test_segfault(self):
            ctypes.string_at(0)

    def test_hang(self):
        time.sleep(30)
"""


@pytest.mark.parametrize(
    ("args", "node", "line"),
    [
        (("-k", "segfault"), "TestNative::TestDeeper::test_segfault", 8),
        (
            ("-q", "--timeout=1", "--timeout-method=thread", "-k", "hang"),
            "TestNative::test_hang",
            11,
        ),
    ],
    ids=["crash", "thread-timeout"],
)
def test_a_methods_id_names_its_classes_from_the_source(
    project: Project, tmp_path: Path, args: tuple[str, ...], node: str, line: int
) -> None:
    # Without -v no line names the test: the stack names the function, the source its classes
    project.write("tests/test_methods.py", METHODS)
    step = _as_shell(project.pytest(*args, "tests/test_methods.py"))
    assert "::TestNative" not in step.output, step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.test_id == f"tests/test_methods.py::{node}"
    assert str(failure.location) == f"tests/test_methods.py:{line}"
    # Where the checkout is not at hand (triage elsewhere than the project), the function alone
    log = tmp_path / "elsewhere.log"
    log.write_text(job_log([step]), encoding="utf-8")
    rootdir = str(project.root)
    moved = project.root.rename(tmp_path / "moved")
    try:
        [away] = triage_logs([log], TriageOptions(roots=(str(tmp_path / "nowhere"),))).jobs
    finally:
        moved.rename(rootdir)
    # (with -q pytest prints no rootdir line: the path stays as the stack gives it)
    assert str(away.failures[0].test_id).endswith(
        f"tests/test_methods.py::{node.rsplit('::', 1)[1]}"
    )


@pytest.mark.parametrize(
    ("command", "code", "test"),
    [
        ("-m pytest -p no:cacheprovider -v tests/test_stop.py -k killed", 137, "killed"),
        ("-m pytest -p no:cacheprovider -v tests/test_stop.py -k terminated", 143, "terminated"),
        ("-m unittest -v test_native", 139, "native"),
    ],
    ids=["killed", "terminated", "unittest-crash"],
)
def test_a_step_scripts_shell_report_does_not_hide_the_running_test(
    project: Project, command: str, code: int, test: str
) -> None:
    # A run: step is a bash script; bash reports a command a signal ended on stderr, often on
    # the line the killed process left unfinished (`tests/x.py::t script.sh: line 1: 905 Killed`)
    project.write("tests/test_stop.py", STOPPED)
    project.write("test_native.py", UNITTEST_CRASH)
    project.write("step.sh", f"{sys.executable} {command}\n")
    step = project.run("bash -e step.sh", "bash", "-e", "step.sh")
    assert step.exit_code == code, step.output
    [job] = project.triage(step).jobs
    # (bash's "Killed" is also read as an out-of-memory kill by its words: the same rerun)
    failure = next(f for f in job.failures if f.tool == "github-actions")
    expected = {
        "killed": "tests/test_stop.py::test_killed",
        "terminated": "tests/test_stop.py::test_terminated",
        "native": "test_native.TestNative.test_segfault",
    }[test]
    assert failure.test_id == expected, (failure, step.output)


def test_failures_before_a_crashed_xdist_worker_are_reported_once(project: Project) -> None:
    project.write("tests/test_a_bad.py", BROKEN)
    project.write("tests/test_crash.py", CRASH)
    # One worker, so the failure comes first in its progress, then the crash
    step = project.pytest("-n", "1", "tests", "-k", "bad or segfault")
    assert "crashed while running" in step.output, step.output
    [job] = project.triage(step).jobs
    assert set(job.failing_tests) == {
        "tests/test_a_bad.py::test_bad",
        "tests/test_crash.py::test_segfault",
    }
    assert not [f for f in job.failures if "failed before" in f.message]
