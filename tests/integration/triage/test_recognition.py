"""Failures that used to go unrecognised or get wrong ids, each made by really running the tool:
a conftest that does not import and a plugin that does not load (pytest's exit 4), unittest's
loader errors with dotted names, doctests under pytest and under the standard runner, JUnit
reports of both families with inherited tests, pytest's ``rootdir`` far above the failure, and
library frames after the project's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ci_agent.triage.model import Kind
from ci_agent.triage.triage import TriageOptions, triage_logs

from .conftest import BIN, Project
from .joblog import RunStep, job_log

DOCTESTED = '''\
def add(a, b):
    """Add.

    >>> add(1, 2)
    4
    """
    return a + b


def div(a, b):
    """Divide.

    >>> div(1, 0)
    0
    >>> div(4, 2)
    3
    """
    return a / b
'''


def test_a_conftest_that_does_not_import(project: Project) -> None:
    project.write("tests/conftest.py", "import pathlib\nimport nonexistent_module\n")
    step = project.pytest("tests")
    assert step.exit_code == 4, step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/conftest.py",)
    assert job.locations == ("tests/conftest.py:2",)
    assert job.failures[0].message == (
        "conftest error: ModuleNotFoundError: No module named 'nonexistent_module'"
    )
    assert (str(job.decision.strategy), job.kind) == ("patch", Kind.TEST)


def test_a_plugin_that_does_not_load(project: Project) -> None:
    project.write("tests/conftest.py", 'pytest_plugins = ["widgets_missing_plugin"]\n')
    step = project.pytest("tests")
    assert step.exit_code == 4, step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert failure.kind is Kind.DEPENDENCY
    assert failure.message == (
        "pytest plugin 'widgets_missing_plugin' does not load: "
        "No module named 'widgets_missing_plugin'"
    )
    assert str(job.decision.strategy) == "patch"


def test_unittest_loader_errors_with_dotted_names(project: Project) -> None:
    for package in ("ut", "ut/sub"):
        project.write(f"{package}/__init__.py", "")
    project.write("ut/test_io.py", "import nonexistent\n")
    project.write("ut/sub/test_deep.py", 'raise RuntimeError("boom at import")\n')
    project.write(
        "ut/test_ok.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n"
        "    def test_f(self):\n        self.assertEqual(1, 2)\n",
    )
    step = project.python("-m", "unittest", "discover", "-s", ".", "-t", ".", "-p", "test_*.py")
    assert "unittest.loader._FailedTest.ut.sub.test_deep" in step.output
    [job] = project.triage(step).jobs
    assert sorted(job.failing_tests) == ["ut.sub.test_deep", "ut.test_io", "ut.test_ok.T.test_f"]
    messages = {f.test_id: f.message for f in job.failures}
    assert messages["ut.test_io"] == "ModuleNotFoundError: No module named 'nonexistent'"
    assert messages["ut.sub.test_deep"] == "RuntimeError: boom at import"
    assert set(job.locations) == {"ut/sub/test_deep.py:1", "ut/test_io.py:1", "ut/test_ok.py:6"}


def test_a_loader_error_in_the_standard_library_is_listed_after_the_project(
    project: Project,
) -> None:
    project.write("ut/__init__.py", "")
    project.write(
        "ut/test_ok.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n"
        "    def test_f(self):\n        self.assertEqual(1, 2)\n",
    )
    step = project.python("-m", "unittest", "ut.test_missing", "ut.test_ok")
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("test_missing", "ut.test_ok.T.test_f")
    assert job.locations[0] == "ut/test_ok.py:6"
    assert "unittest/loader.py" in job.locations[1]


def test_doctests_under_pytest_count_once_with_their_ids(project: Project) -> None:
    project.write("src/pkg/__init__.py", "")
    project.write("src/pkg/mathx.py", DOCTESTED)
    [job] = project.triage(project.pytest("--doctest-modules", "src")).jobs
    assert job.failing_tests == (
        "src/pkg/mathx.py::pkg.mathx.add",
        "src/pkg/mathx.py::pkg.mathx.div",
    )
    assert [f.message for f in job.failures] == [
        "doctest expected '4', got '3'",
        "doctest raised ZeroDivisionError('division by zero')",
    ]
    assert job.locations[0] == "src/pkg/mathx.py:4"
    assert job.decision.reason.startswith("2 failing tests (pytest)")


def test_doctests_under_the_standard_runner(project: Project) -> None:
    project.write("src/mathx.py", DOCTESTED)
    step = project.python("-m", "doctest", "src/mathx.py")
    assert "Failed example:" in step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("src/mathx.py::mathx.add", "src/mathx.py::mathx.div")
    assert [f.message for f in job.failures] == [
        "doctest expected '4', got '3'",
        "doctest raised ZeroDivisionError: division by zero",
    ]
    assert job.locations == ("src/mathx.py:4", "src/mathx.py:13")


def test_junit_families_give_the_same_ids_for_inherited_tests(project: Project) -> None:
    project.write("tests/__init__.py", "")
    project.write(
        "tests/base.py",
        "class BaseChecks:\n    value = 1\n\n    def test_value(self):\n"
        "        assert self.value == 2\n\n    def test_ok(self):\n        assert True\n",
    )
    project.write(
        "tests/test_child.py",
        "from tests.base import BaseChecks\n\n\nclass TestOne(BaseChecks):\n    pass\n\n\n"
        "class TestTwo(BaseChecks):\n    value = 3\n\n\ndef test_plain():\n    assert 1 == 2\n",
    )
    expected = (
        "tests/test_child.py::TestOne::test_value",
        "tests/test_child.py::TestTwo::test_value",
        "tests/test_child.py::test_plain",
    )
    for family in ("xunit1", "xunit2"):
        report = project.root / f"{family}.xml"
        project.pytest("-o", f"junit_family={family}", f"--junitxml={report}", "tests")
        result = triage_logs([], TriageOptions(roots=(str(project.root),), junit=(report,)))
        [job] = result.jobs
        assert job.failing_tests == expected, family
        assert job.locations[0] == "tests/base.py:5", family


def test_rootdir_far_above_the_failure(project: Project, tmp_path: Path) -> None:
    """pytest prints ``rootdir:`` once, first; 1.5 MB of passing output later, the native
    traceback's absolute paths are still made relative to it."""
    project.write(
        "tests/test_noisy.py",
        "import pytest\n\n\n@pytest.mark.parametrize('n', range(600))\n"
        "def test_noisy(n):\n    print('x' * 2500)\n",
    )
    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    step = project.pytest("-s", "--tb=native", "tests")
    assert len(step.output) > 1_500_000 and "rootdir: " in step.output[:2000]
    log = tmp_path / "job.log"
    log.write_text(job_log([RunStep("pytest", step.output, step.exit_code)]))
    [job] = triage_logs([log], TriageOptions()).jobs
    assert job.failing_tests == ("tests/test_calc.py::test_add",)
    assert job.locations == ("tests/test_calc.py:2",)
    assert sys.executable  # the run used this interpreter's pytest


def test_subtests_count_as_their_test(project: Project) -> None:
    """pytest 9 reports each failed subtest (``SUBFAILED(i=1) path::test``) and heads its
    section ``Class.test (i=1)``: the test failed, once."""
    project.write(
        "tests/test_sub.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_each(self):\n"
        "        for i in range(3):\n            with self.subTest(i=i):\n"
        "                self.assertLess(i, 1)\n",
    )
    step = project.pytest("tests/test_sub.py")
    assert "SUBFAILED" in step.output, step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("tests/test_sub.py::T::test_each",)
    assert job.locations == ("tests/test_sub.py:8",)


def test_a_collection_error_in_junit_is_the_module(project: Project) -> None:
    project.write("tests/test_broken.py", "def test_x(:\n    pass\n")
    report = project.root / "junit.xml"
    project.pytest(f"--junitxml={report}", "tests")
    [job] = triage_logs([], TriageOptions(roots=(str(project.root),), junit=(report,))).jobs
    assert job.failing_tests == ("tests/test_broken.py",)


def test_unittest_subtests_count_once_in_the_reason(project: Project) -> None:
    project.write(
        "ut/test_sub.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_each(self):\n"
        "        for i in range(3):\n            with self.subTest(i=i):\n"
        "                self.assertLess(i, 1)\n",
    )
    step = project.python("-m", "unittest", "ut/test_sub.py")
    assert step.output.count("FAIL: test_each") == 2, step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("ut.test_sub.T.test_each",)
    assert job.decision.reason.startswith("1 failing test (unittest)")


@pytest.mark.parametrize("options", [("-q",), ("-qq",), ()], ids=["q", "qq", "plain"])
def test_a_run_whose_only_summary_is_its_tally(project: Project, options: tuple[str, ...]) -> None:
    project.write(
        "tests/test_more.py",
        """\
        import pytest


        @pytest.fixture
        def broken():
            raise RuntimeError("no database")


        def test_one():
            assert 1 == 2


        def test_two(broken):
            pass
        """,
    )
    step = project.pytest(*options, "--tb=no", "-rN", "tests")
    assert step.exit_code == 1, step.output
    assert "FAILED" not in step.output and "test_one" not in step.output, step.output
    tally = "1 failed, 3 passed, 1 error"
    if options == ("-qq",):  # -qq prints no tally at all: nothing names a failure
        assert tally not in step.output, step.output
        [job] = project.triage(step).jobs
        assert job.kind is Kind.UNKNOWN
        return
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert (failure.kind, failure.tool, failure.test_id) == (Kind.TEST, "pytest", None)
    assert failure.message == (
        f"{tally}; the log names no failing test (-rN and --tb=no hide them, -rf lists them)"
    )
    assert (str(job.decision.strategy), job.kind) == ("patch", Kind.TEST)
    # -q: the tally alone on its line (no session header, no rule); else inside a rule.
    [line] = failure.context
    assert line.startswith(tally if options == ("-q",) else "=" * 10), line
    assert "test session starts" in step.output or options == ("-q",), step.output


def test_a_passing_tally_is_no_failure(project: Project) -> None:
    step = project.pytest("-q", "--tb=no", "-rN", "tests")
    assert step.exit_code == 0, step.output
    failing = project.pytest("-q", "--tb=no", "-rN", "tests/test_missing.py")
    assert failing.exit_code == 4, failing.output
    [job] = project.triage(step, failing).jobs
    assert all(f.tool != "pytest" or "passed" not in f.message for f in job.failures)


XPASS_AND_RAISES = """\
import pytest


@pytest.mark.xfail(strict=True)
def test_xpass():
    assert True


def test_fixture_fails(broken):
    pass


def test_failed_on_purpose():
    pytest.fail("explicit failure reason, longer than the summary line has room for")


def test_last():
    assert 1 + 1 == 3


@pytest.fixture
def broken():
    raise RuntimeError("the fixture could not be set up, said at length to overflow the summary")
"""


def test_a_strict_xpass_under_tb_line_and_native_tracebacks(project: Project) -> None:
    """``--tb=line`` prints a strict XPASS's report twice (its string, then its crash line)
    and no location: the entries after it keep their own tests. ``--tb=native`` prints the
    exception unprefixed as the traceback's last line: it is the message, not the summary's
    line cut to the terminal's width."""
    project.write("tests/test_more.py", XPASS_AND_RAISES)
    line = project.pytest("--tb=line", "tests/test_more.py")
    assert line.output.count("[XPASS(strict)]") == 3, line.output  # twice, and the summary
    failures = {f.test_id: f for f in project.triage(line).jobs[0].failures}
    last = failures["tests/test_more.py::test_last"]
    assert last.location is not None and str(last.location) == "tests/test_more.py:18"
    assert last.message == "assert (1 + 1) == 3"
    xpass = failures["tests/test_more.py::test_xpass"]
    assert xpass.location is None and xpass.message.startswith("[XPASS(strict)]")
    native = project.pytest("--tb=native", "tests/test_more.py")
    failures = {f.test_id: f for f in project.triage(native).jobs[0].failures}
    assert failures["tests/test_more.py::test_failed_on_purpose"].message == (
        "Failed: explicit failure reason, longer than the summary line has room for"
    )
    assert failures["tests/test_more.py::test_fixture_fails"].message == (
        "RuntimeError: the fixture could not be set up, said at length to overflow the summary"
    )


def test_an_unexpected_success_fails_a_unittest_run(project: Project) -> None:
    """Python 3.11+ lists a test marked ``expectedFailure`` that passed as ``UNEXPECTED
    SUCCESS:`` and fails the run: alone, it is the job's failing test (it was "nothing
    recognised")."""
    project.write(
        "tests/test_fixed.py",
        "import unittest\n\n\nclass T(unittest.TestCase):\n    @unittest.expectedFailure\n"
        "    def test_fixed_now(self):\n        self.assertEqual(1, 1)\n",
    )
    discover = ("-m", "unittest", "discover", "-s", "tests", "-p", "test_fixed.py")
    step = project.run("python -m unittest discover", sys.executable, *discover)
    assert step.exit_code == 1 and "UNEXPECTED SUCCESS: " in step.output, step.output
    [job] = project.triage(step).jobs
    assert job.failing_tests == ("test_fixed.T.test_fixed_now",)
    assert "marked expectedFailure and passed" in job.failures[0].message
    assert (str(job.decision.strategy), job.kind) == ("patch", Kind.TEST)


def test_a_group_of_the_steps_own_output_titled_run(project: Project) -> None:
    """``echo "::group::Run unit tests"`` prints ``##[group]Run unit tests``, as the runner heads
    a step: its lines are the step's output (they were skipped as a header's script, so the
    failing tests in it went unseen), whether ``bash -e`` left it open or the step closed it."""
    project.write("tests/test_calc.py", "def test_add():\n    assert 1 + 2 == 4\n")
    step = project.pytest("tests")
    command = 'echo "::group::Run unit tests"; python -m pytest tests'
    for output in (
        f"##[group]Run unit tests\n{step.output}",
        f"##[group]Run unit tests\n{step.output}##[endgroup]\n",
    ):
        [job] = project.triage(RunStep(command, output, step.exit_code)).jobs
        assert job.failing_tests == ("tests/test_calc.py::test_add",), output[-40:]
        assert job.locations == ("tests/test_calc.py:2",)
        assert job.steps == (f"Run {command}",)  # the runner's header names the step


def test_lines_a_problem_matcher_marked_are_read_as_the_tool_printed_them(
    project: Project,
) -> None:
    """A problem matcher (or a tool's ``::error::`` command) makes the runner print a matched
    line after ``##[error]``: mypy's diagnostics are still type errors, located (they were
    generic runner errors, and the job went to ``analyze``)."""
    project.write("src/typed.py", "def f(x: int) -> str:\n    return x\n")
    argv = (str(BIN / "mypy"), "--no-incremental", "--cache-dir=/dev/null", "src/typed.py")
    step = project.run("mypy src/typed.py", *argv, colour=False)
    assert step.exit_code == 1, step.output
    lines = step.output.splitlines()
    marked = [f"##[error]{line}" if ": error: " in line else line for line in lines]
    assert marked != lines
    [job] = project.triage(RunStep(step.command, "\n".join(marked), step.exit_code)).jobs
    assert (str(job.decision.strategy), job.kind) == ("patch", Kind.TYPE)
    assert job.locations == ("src/typed.py:2",)
    assert [f.kind for f in job.failures] == [Kind.TYPE]  # no generic error beside it


def test_a_linters_github_output_read_outside_actions(project: Project) -> None:
    """``ruff --output-format=github`` prints ``::error title=…,file=…::path:l:c: CODE …``:
    outside Actions (a saved log) the prefix stays, and is not the violation's path."""
    project.write("src/bad.py", "import os\n")
    step = project.ruff("check", "--output-format=github", "--select", "F401", "src")
    assert step.exit_code == 1 and step.output.startswith("::error "), step.output
    [job] = project.triage(step).jobs
    [failure] = job.failures
    assert (failure.kind, failure.code, str(failure.location)) == (
        Kind.LINT,
        "F401",
        "src/bad.py:1",
    )


TEARDOWN_AFTER_FAILURE = """\
import pytest


@pytest.fixture(scope="module")
def resource():
    yield 1
    raise RuntimeError("module teardown")


def test_first(resource):
    pass


def test_last(resource):
    assert resource == 2
"""


def test_a_failed_test_whose_teardown_errors_keeps_its_own_failure(project: Project) -> None:
    """pytest reports the last test of a module twice (``FAILED`` and ``ERROR`` at the module
    fixture's teardown): its failure is its own assertion, not the fixture's error (which the
    ERRORS section prints first), with ``--tb=line`` too."""
    project.write("tests/test_td.py", TEARDOWN_AFTER_FAILURE)
    for style in ("--tb=auto", "--tb=line"):
        step = project.pytest(style, "tests/test_td.py")
        assert "ERROR at teardown of test_last" in step.output, step.output
        [job] = project.triage(step).jobs
        assert job.failing_tests == ("tests/test_td.py::test_last",), style
        [failure] = job.failures
        assert failure.message == "assert 1 == 2", style
        assert str(failure.location) == "tests/test_td.py:15", style
