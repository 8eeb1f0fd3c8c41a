"""What a run says when the repository gets in the way of its baseline: a file that does not
parse is skipped with its line (or, named with ``--path``, refused before the suite runs), a
coverage report that fails carries coverage's own words, and a failing suite says why in one
line before the end of pytest's output."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.integration.testgen.test_offline import CALC, TESTS

BROKEN = "def f(x):\n    return x +\n"
Project = Callable[[Mapping[str, str]], Path]


def test_a_named_file_that_does_not_parse_is_ca586_before_the_suite_runs(
    make_project: Project, run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_project({"calc.py": CALC, "pkg/broken.py": BROKEN, "tests/test_calc.py": TESTS})
    # No pytest, no coverage: a baseline run would fail with CA581 if it came first.
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)

    result = run_cli(
        "tests", "--path", "pkg/broken.py", "--repo", str(root),
        "--python", str(bare / "bin" / "python"), "--output", "json",
    )  # fmt: skip

    assert result.code != 0, result.out + result.err
    (error,) = result.json()["errors"]
    assert error["code"] == "CA586", error
    assert "pkg/broken.py" in error["message"] and "line 2" in error["message"]
    assert "Traceback" not in result.err


def test_a_file_that_does_not_parse_is_skipped_and_the_others_get_tests(
    make_project: Project, project_python: Path, run_cli: RunCli
) -> None:
    # Coverage reports every source of the measured directories: one file it cannot parse
    # used to fail the whole run, whatever was asked for.
    # A script whose name is no module name parses, but no test can import it: its candidates
    # were refused at lint as "does not parse" (the test's own `from scripts.check-x import`).
    root = make_project(
        {
            "calc.py": CALC,
            "broken.py": BROKEN,
            "scripts/check-x.py": "def twice(x):\n    return 2 * x\n",
            "tests/test_calc.py": TESTS,
        }
    )

    result = run_cli(
        "tests", "--all", "--repo", str(root), "--python", str(project_python),
        "--dry-run", "--output", "json",
    )  # fmt: skip

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert [a["target"] for a in data["accepted"]] == ["calc.py::clamp"]
    assert data["skipped"] == [
        {"target": "broken.py", "reason": "does not parse: line 2: invalid syntax"},
        {
            "target": "scripts/check-x.py",
            "reason": "not importable by a test: 'scripts.check-x' is not a dotted module name",
        },
    ]
    assert [c["target"] for c in data["candidates"]] == ["calc.py::clamp"]


def test_a_coverage_report_that_fails_is_ca585_with_coverage_s_words(
    make_project: Project, project_python: Path, run_cli: RunCli
) -> None:
    rc = "[report]\ninclude = nowhere/*\n"
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS, ".coveragerc": rc})

    result = run_cli(
        "tests", "--all", "--repo", str(root), "--python", str(project_python),
        "--output", "json",
    )  # fmt: skip

    assert result.code != 0, result.out + result.err
    (error,) = result.json()["errors"]
    assert error["code"] == "CA585", error
    assert "No data to report" in error["message"]


def test_a_failing_suite_says_how_pytest_ended(
    make_project: Project, project_python: Path, run_cli: RunCli
) -> None:
    failing = TESTS + "\n\ndef test_wrong():\n    assert add(2, 2) == 5\n"
    conftest = "def pytest_collection_finish(session):\n    raise RuntimeError('hook broke')\n"
    for files, cause in (
        ({"tests/test_calc.py": failing}, "pytest exited with code 1 (tests failed)"),
        ({"tests/test_calc.py": TESTS, "conftest.py": conftest}, "code 3 (an internal error)"),
    ):
        root = make_project({"calc.py": CALC, **files}, name=f"p{len(files)}")
        result = run_cli(
            "tests", "--all", "--repo", str(root), "--python", str(project_python),
            "--output", "json",
        )  # fmt: skip
        assert result.code != 0, result.out + result.err
        (error,) = result.json()["errors"]
        assert error["code"] == "CA580", error
        assert cause in error["message"], error["message"]


def test_a_module_that_hangs_at_import_is_named_with_the_limit_it_ran_past(
    make_project: Project, project_python: Path, run_cli: RunCli
) -> None:
    # The suite never imports it; only the engines do, and each stops at its limit.
    sleepy = "import time\n\ntime.sleep(600)\n\n\ndef double(x: int) -> int:\n    return 2 * x\n"
    config = "test-generation:\n  test-timeout: 2\n"
    root = make_project(
        {
            "calc.py": CALC,
            "sleepy.py": sleepy,
            "tests/test_calc.py": TESTS,
            ".github/ci-agent.yml": config,
        }
    )

    result = run_cli(
        "tests", "--path", "sleepy.py", "--repo", str(root), "--python", str(project_python),
        "--config", str(root / ".github/ci-agent.yml"), "--output", "json",
    )  # fmt: skip

    assert result.code == 0, result.out + result.err
    notes = result.json()["result"]["no_candidate"]
    assert (
        "sleepy.py::double: examples: cannot probe double: importing sleepy did not finish "
        "within 2 s (test-generation.test-timeout)"
    ) in notes, notes


def test_an_interpreter_without_pytest_or_coverage_is_named_before_anything_runs(
    make_project: Project, run_cli: RunCli, tmp_path: Path
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    true = "/bin/true"

    python = str(bare / "bin" / "python")
    result = run_cli("tests", "--all", "--repo", str(root), "--python", python, "--output", "json")
    assert result.code == 4, result.out + result.err
    (error,) = result.json()["errors"]
    assert error["code"] == "CA560", error
    assert python in error["message"] and "no pytest" in error["message"], error
    # The hint is about the interpreter named, not about tests.command.
    assert f"'{python} -m pip install pytest coverage'" in error["suggestion"], error

    # Not a Python at all: said so, not as what it printed about an option it does not know.
    result = run_cli("tests", "--all", "--repo", str(root), "--python", true, "--output", "json")
    assert result.code == 2, result.out + result.err
    (error,) = result.json()["errors"]
    assert error["code"] == "CA190", error
    assert f"'{true}' is not a Python interpreter" in error["message"], error


def test_tests_that_cannot_be_written_are_ca252_and_the_result_is_kept(
    make_project: Project,
    project_python: Path,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})

    def refused(path: Path, data: bytes) -> None:
        # As a read-only checkout answers (this suite runs as root, which writes anywhere).
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    monkeypatch.setattr("ci_agent.testgen.pipeline.write_bytes_atomically", refused)

    result = run_cli(
        "tests", "--path", "calc.py", "--repo", str(root), "--python", str(project_python),
        "--output", "json",
    )  # fmt: skip

    assert result.code == 2, result.out + result.err
    envelope = result.json()
    (error,) = envelope["errors"]
    assert error["code"] == "CA252" and "tests/test_calc_generated.py" in error["message"]
    assert "Read-only file system" in error["message"]
    (generated,) = envelope["result"]["files"]
    assert "def test_clamp_returns" in generated["text"]
    assert envelope["result"]["written"] == []
    assert not (root / "tests" / "test_calc_generated.py").exists()
