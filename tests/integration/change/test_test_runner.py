"""The test runner with real interpreters: which one it finds, what it reads from a run, and
the coded errors when there is none or the sandbox cannot be had."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_agent.change import sandbox as sandbox_module
from ci_agent.change.isolation import Isolation, choose_isolation
from ci_agent.change.job_python import TestCommand, python_candidates
from ci_agent.change.sandbox import Sandbox, make_sandbox
from ci_agent.change.secret_places import Mounts
from ci_agent.change.test_runner import PytestRunner, TestRequest, find_test_runner
from ci_agent.config_tests import TestsConfig
from ci_agent.errors import CiAgentError
from ci_agent.json_form import to_json

TESTS = "def test_ok():\n    assert 1\n\n\ndef test_bad():\n    assert 0\n"
LINUX = sys.platform.startswith("linux")
NONE = Isolation("none", "no isolation (test)")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "test_mod.py").write_text(TESTS)
    (root / "mod.py").write_text("VALUE = 1\n")
    return root


def fake_python(directory: Path, body: str) -> Path:
    """An executable named python that prints like an interpreter without pytest."""
    directory.mkdir(parents=True, exist_ok=True)
    python = directory / "python"
    python.write_text(f"#!/bin/sh\n{body}\n")
    python.chmod(0o755)
    return python


def test_the_job_python_runs_the_tests_and_every_outcome_is_read(project: Path) -> None:
    runner = find_test_runner(TestsConfig(), project)
    assert runner.command.argv[1:] == ("-m", "pytest")
    result = runner.run(TestRequest(project, ("test_mod.py",), coverage=True))
    assert result.returncode == 1 and not result.timed_out
    outcomes = {o.test_id: o.outcome for o in result.outcomes}
    assert outcomes == {"test_mod.py::test_ok": "passed", "test_mod.py::test_bad": "failed"}
    assert (result.count("passed"), result.count("failed")) == (1, 1)
    assert result.summary == {"passed": 1, "failed": 1}
    assert result.coverage is not None and "test_mod.py" in result.coverage.arcs
    assert "1 failed, 1 passed" in result.tail
    data = to_json(result)
    assert data["outcomes"]["test_mod.py::test_ok"] == "passed" and data["isolation"]


def test_coverage_through_coverage_run_when_pytest_cov_is_missing(project: Path) -> None:
    sandbox = make_sandbox(TestsConfig())
    command = TestCommand((sys.executable, "-m", "pytest"), "test", False, True, sys.executable)
    result = PytestRunner(command, sandbox).run(
        TestRequest(project, ("test_mod.py",), coverage=True)
    )
    assert result.command[:4] == (sys.executable, "-m", "coverage", "run")
    assert result.coverage is not None and result.coverage.covered_lines("test_mod.py")
    bare = TestCommand((sys.executable, "-m", "pytest"), "a bare python")
    plain = PytestRunner(bare, sandbox).run(TestRequest(project, ("test_mod.py",), coverage=True))
    assert plain.coverage is None
    assert plain.notes == ("no coverage: neither pytest-cov nor coverage in a bare python",)


def test_without_junit_the_counts_come_from_pytest_s_summary(project: Path) -> None:
    runner = find_test_runner(TestsConfig(), project)
    result = runner.run(TestRequest(project, ("test_mod.py::test_ok",), junit=False))
    assert result.outcomes == () and result.count("passed") == 1 and result.returncode == 0


def test_a_run_past_its_timeout_is_stopped(project: Path) -> None:
    (project / "test_slow.py").write_text("import time\n\ndef test_slow():\n    time.sleep(60)\n")
    runner = find_test_runner(TestsConfig(), project)
    result = runner.run(TestRequest(project, ("test_slow.py",), timeout=3))
    assert result.timed_out and result.seconds < 30


def test_a_configured_command_is_probed_and_used(project: Path) -> None:
    config = TestsConfig(command=f"{sys.executable} -m pytest")
    runner = find_test_runner(config, project)
    assert runner.command.source == f"tests.command '{sys.executable} -m pytest'"
    assert runner.command.pytest_cov  # the test environment has pytest-cov
    assert runner.run(TestRequest(project, ("test_mod.py::test_ok",))).returncode == 0


def test_a_configured_command_without_pytest_is_ca560(project: Path) -> None:
    with pytest.raises(CiAgentError) as caught:
        find_test_runner(TestsConfig(command=f"{sys.executable} -c pass"), project)
    assert caught.value.code == "CA560" and "does not run pytest" in caught.value.message


def test_a_configured_program_that_does_not_exist_is_coded(project: Path) -> None:
    with pytest.raises(CiAgentError) as caught:
        find_test_runner(TestsConfig(command="no-such-runner-xyz run", isolation="none"), project)
    assert caught.value.code == "CA563"
    if LINUX:
        with pytest.raises(CiAgentError) as inside:
            find_test_runner(TestsConfig(command="no-such-runner-xyz run"), project)
        assert inside.value.code == "CA560" and "no-such-runner-xyz" in inside.value.message


def test_no_python_with_pytest_names_everything_tried(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python = fake_python(
        tmp_path / "bin", "echo \"ModuleNotFoundError: No module named 'pytest'\" >&2; exit 1"
    )
    own = str(Path(sys.executable).parent)
    monkeypatch.delenv("VIRTUAL_ENV")  # the session's environment counts as ci-agent's own
    monkeypatch.setenv("PATH", os.pathsep.join((own, str(python.parent))))
    with pytest.raises(CiAgentError) as caught:
        find_test_runner(TestsConfig(), project)
    message = caught.value.message
    assert caught.value.code == "CA560"
    assert f"{python}: no pytest (ModuleNotFoundError: No module named 'pytest')" in message
    assert f"skipped ci-agent's own environment on PATH: {own}" in message
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(CiAgentError, match="no python or python3 on PATH"):
        find_test_runner(TestsConfig(), project)


def test_an_activated_environment_is_the_user_s(tmp_path: Path) -> None:
    own = str(Path(sys.executable).parent)
    elsewhere = fake_python(tmp_path / "other", "exit 1")
    path = os.pathsep.join((own, str(elsewhere.parent), str(tmp_path / "unreadable")))
    candidates, skipped = python_candidates({"PATH": path})
    assert skipped == (own,) and candidates[0] == str(elsewhere)
    candidates, skipped = python_candidates({"PATH": path, "VIRTUAL_ENV": sys.prefix})
    assert skipped == () and candidates[0] == str(Path(own) / "python")


def test_isolation_none_is_said_in_every_result(project: Path) -> None:
    runner = find_test_runner(TestsConfig(isolation="none"), project)
    result = runner.run(TestRequest(project, ("test_mod.py::test_ok",)))
    assert "no isolation from secrets" in result.isolation


def test_a_mechanism_that_is_not_available_is_ca562(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no unshare, no sudo
    for wanted in ("namespaces", "sudo"):
        with pytest.raises(CiAgentError) as caught:
            choose_isolation(wanted, {})  # type: ignore[arg-type]
        assert caught.value.code == "CA562" and wanted in caught.value.message
    assert choose_isolation("auto", {}).mechanism == "none"


@pytest.mark.skipif(not LINUX, reason="the namespaces sandbox is Linux only")
def test_a_sandbox_that_cannot_be_set_up_is_ca564(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(TestsConfig(isolation="namespaces"))
    assert isinstance(sandbox, Sandbox) and sandbox.isolation.mechanism == "namespaces"
    target = project / "mod.py"
    broken = Mounts((), ((str(target), str(project / "missing-copy")),), ())
    monkeypatch.setattr(sandbox_module, "hidden_mounts", lambda *_: broken)
    with pytest.raises(CiAgentError) as caught:
        sandbox.run(["true"], project, 30)
    assert caught.value.code == "CA564" and "missing-copy" in caught.value.message


@pytest.mark.skipif(not LINUX, reason="the namespaces sandbox is Linux only")
def test_the_sandbox_init_refuses_a_bad_spec() -> None:
    from ci_agent.change import sandbox_init

    done = subprocess.run(
        [sys.executable, "-I", "-S", sandbox_init.__file__, "{not json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == sandbox_init.SETUP_FAILED
    assert done.stderr.startswith("ci-agent sandbox:")
