"""Fixtures: a small real Python project in a temporary directory whose tools (pytest, ruff,
mypy, python) really run, and the ``triage`` command called in-process."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest

from ci_agent.cli_app import CONTEXT_SETTINGS
from ci_agent.commands.common import report_early_error
from ci_agent.commands.triage import triage
from ci_agent.errors import fail
from ci_agent.triage.triage import TriageOptions, TriageResult, triage_logs

from .joblog import RunStep, job_log, run_tool

__all__ = ["CALC", "Project", "TriageCli", "project", "triage_cli", "triage_text"]

BIN = Path(sys.executable).parent
CALC = """\
def add(a, b):
    return a + b


def divide(a, b):
    if b == 0:
        raise ZeroDivisionError("b must not be zero")
    return a / b
"""
CONFTEST = """\
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent.parent / "src"))


@pytest.fixture
def numbers():
    return [1, 2, 3]
"""
TESTS = """\
from calc import add, divide


def test_add():
    assert add(1, 2) == 3


def test_divide():
    assert divide(6, 3) == 2


def test_numbers(numbers):
    assert sum(numbers) == 6
"""
COLOUR = {"FORCE_COLOR": "1", "MYPY_FORCE_COLOR": "1", "PY_COLORS": "1"}


@dataclass
class Project:
    """A project directory whose tools run for real; each run returns the step it makes."""

    root: Path

    def write(self, path: str, text: str) -> None:
        """Write a file of the project (dedented)."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")

    def run(
        self, command: str, *args: str, colour: bool = True, env: dict[str, str] | None = None
    ) -> RunStep:
        """Run ``args`` in the project as the step ``command`` (``env`` added to the
        environment)."""
        output, code = run_tool(args, self.root, {**(COLOUR if colour else {}), **(env or {})})
        return RunStep(command, output, code)

    def pytest(self, *args: str) -> RunStep:
        """``pytest --color=yes`` (no cache, no plugins from outside the project)."""
        return self.run(
            "python -m pytest " + " ".join(args),
            sys.executable,
            "-m",
            "pytest",
            "--color=yes",
            "-p",
            "no:cacheprovider",
            *args,
        )

    def ruff(self, *args: str) -> RunStep:
        """``ruff`` with colours, no cache."""
        return self.run("ruff " + " ".join(args), str(BIN / "ruff"), *args, "--no-cache")

    def mypy(self, *args: str) -> RunStep:
        """``mypy`` with colours, no cache."""
        return self.run(
            "mypy " + " ".join(args),
            str(BIN / "mypy"),
            "--no-incremental",
            "--cache-dir=/dev/null",
            *args,
        )

    def python(self, *args: str) -> RunStep:
        """The interpreter on a script of the project."""
        return self.run("python " + " ".join(args), sys.executable, *args)

    def triage(self, *steps: RunStep, name: str = "test.log", **log: Any) -> TriageResult:
        """Triage the job log made of ``steps``, relative to the project."""
        path = self.root.parent / name
        path.write_text(job_log(steps, **log), encoding="utf-8")
        return triage_logs([path], TriageOptions(roots=(str(self.root),)))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A small project (``src/calc.py``, tests with a fixture) whose tests pass."""
    made = Project(tmp_path / "proj")
    made.write("src/calc.py", CALC)
    made.write("tests/conftest.py", CONFTEST)
    made.write("tests/test_calc.py", TESTS)
    return made


@dataclass
class TriageCli:
    """Exit code and output of one ``ci-agent triage`` call."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        """stdout as the JSON envelope."""
        data = json.loads(self.out)
        assert isinstance(data, dict)
        return data


def _invoke(args: list[str]) -> int:
    """What ``ci_agent.cli_app.invoke`` does, for the triage command alone."""
    try:
        # The application's context settings (``-h``): click caches a command's help option
        # on first use, and a bare call would leave ``triage --help`` without ``-h`` for the
        # rest of the process (the stored help pages compare against click's rendering).
        result = triage.main(
            args=args, prog_name="ci-agent triage", standalone_mode=False, **CONTEXT_SETTINGS
        )
    except click.ClickException as exc:
        problem = exc.format_message()
        return report_early_error(fail("CA108", problem=problem, usage="ci-agent triage"), args)
    return result if isinstance(result, int) else 0


@pytest.fixture
def triage_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., TriageCli]:
    """Call ``ci-agent triage ARGS`` in-process; exit code, stdout, stderr."""

    def call(*args: str) -> TriageCli:
        capsys.readouterr()
        code = _invoke(list(args))
        captured = capsys.readouterr()
        return TriageCli(code, captured.out, captured.err)

    return call


def triage_text(result: TriageResult) -> str:
    """A failing assertion's help: the whole report."""
    from ci_agent.triage.present import triage_text as render

    return render(result)
