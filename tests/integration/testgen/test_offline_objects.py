"""Offline mode on a class: the examples engine constructs it, asserts what its ``__init__``
stored, and the accepted test fails when that ``__init__`` is broken."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli

LEDGER = """\
class OverdrawnError(ValueError):
    def __init__(self, total, spent):
        super().__init__(f"spent {spent} of {total}")
        self.total = total
        self.spent = spent


def add(a: int, b: int) -> int:
    return a + b
"""
TESTS = "from ledger import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def test_offline_mode_tests_a_constructor_with_a_test_that_can_fail(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    root = make_project({"ledger.py": LEDGER, "tests/test_ledger.py": TESTS})

    result = run_cli(
        "tests", "--all", "--repo", str(root), "--python", str(project_python), "--output", "json"
    )

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert [t["function"] for t in data["targets"]["list"]] == ["OverdrawnError.__init__"]
    accepted = [a for a in data["accepted"] if a["engine"] == "examples"]
    assert len(accepted) == 1 and accepted[0]["killed"] >= 1, data
    text = (root / "tests/test_ledger_generated.py").read_text()
    assert "# ci-agent: target ledger.py::OverdrawnError.__init__ (examples)" in text
    assert "made = OverdrawnError(total, spent)" in text
    assert "assert str(made) == message" in text and "assert vars(made) == attributes" in text
    # Green as written; red on each of two bugs planted in the constructor.
    run = [str(project_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    assert subprocess.run(run, check=False, cwd=root, capture_output=True).returncode == 0
    for bug in ("self.spent = total", 'f"spent {total} of {total}"'):
        old = "self.spent = spent" if bug.startswith("self") else 'f"spent {spent} of {total}"'
        (root / "ledger.py").write_text(LEDGER.replace(old, bug))
        assert subprocess.run(run, check=False, cwd=root, capture_output=True).returncode == 1
