"""How the proof runs pytest: argument lists, a clean environment, test ids inside the root."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ci_agent.change.proof import (
    broader_targets,
    clean_environment,
    run_pytest,
    valid_test_ids,
)


def test_clean_environment_drops_tokens() -> None:
    env = clean_environment(
        {"PATH": "/bin", "GITHUB_TOKEN": "x", "OPENAI_API_KEY": "y", "AWS_SECRET": "z"}
    )
    assert env["PATH"] == "/bin"
    assert not {"GITHUB_TOKEN", "OPENAI_API_KEY", "AWS_SECRET"} & set(env)


def test_pytest_runs_as_an_argument_list_without_a_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], dict[str, Any]]] = []

    def fake_run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append((args, kwargs))
        return subprocess.CompletedProcess(args, 1, b"F\n1 failed, 2 passed in 0.1s\n", b"")

    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setattr(subprocess, "run", fake_run)
    run = run_pytest(tmp_path, ["test_a.py::test_x"], timeout=5)
    args, kwargs = calls[0]
    assert args[:3] == [sys.executable, "-m", "pytest"] and args[-1] == "test_a.py::test_x"
    assert "shell" not in kwargs and kwargs["timeout"] == 5 and kwargs["cwd"] == tmp_path
    assert "GITHUB_TOKEN" not in kwargs["env"]
    assert (run.passed, run.failed, run.ok) == (2, 1, False)


def test_a_timeout_is_a_failed_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(args: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        raise subprocess.TimeoutExpired(args, 1, output=b"collected 1 item\n")

    monkeypatch.setattr(subprocess, "run", slow)
    run = run_pytest(tmp_path, ["t.py"], timeout=1)
    assert run.timed_out and not run.ok and "collected" in run.tail


def test_only_test_ids_naming_files_inside_the_root_are_kept(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("")
    ids = [
        "tests/test_a.py::test_x[1-2]",
        "tests/test_a.py::test_x[1-2]",
        "-p evil",
        "../test_a.py::t",
        "tests/missing.py::t",
        "tests/test_a.py",
    ]
    assert valid_test_ids(tmp_path, ids) == ("tests/test_a.py::test_x[1-2]", "tests/test_a.py")
    assert broader_targets(["a.py::x", "a.py::y", "b.py"]) == ("a.py", "b.py")
