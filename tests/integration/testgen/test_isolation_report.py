"""The result names what confined the project's code; with ``tests.isolation: none`` the text
and the comment warn, naming the secrets that code could reach."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.conftest import RunCli

# Covered already: the run measures the baseline and stops, and still reports how it ran.
DONE = "def one() -> int:\n    return 1\n"
DONE_TEST = "from done import one\n\n\ndef test_one():\n    assert one() == 1\n"


def test_a_run_without_isolation_warns_and_names_the_secrets_in_reach(
    make_project: Callable[[Mapping[str, str]], Path],
    project_python: Path,
    run_cli: RunCli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = "tests:\n  isolation: none\n"
    root = make_project({"done.py": DONE, "tests/test_done.py": DONE_TEST, ".ci.yml": config})
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_isolationreport1234567890")
    args = ("tests", "--path", "done.py", "--repo", str(root), "--python", str(project_python))

    data = run_cli(*args, "--config", str(root / ".ci.yml"), "--dry-run", "--output", "json")
    text = run_cli(*args, "--config", str(root / ".ci.yml"), "--dry-run")

    assert data.code == 0, data.out + data.err
    isolation = data.json()["result"]["isolation"]
    assert isolation["mechanism"] == "none"
    assert "GITHUB_TOKEN (this process)" in isolation["secrets_in_reach"]
    first = text.out.splitlines()[0]
    assert first.startswith("warning: tests.isolation is 'none'") and "GITHUB_TOKEN" in first
    assert "ghs_isolationreport" not in text.out + data.out
