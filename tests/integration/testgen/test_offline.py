"""Offline mode (no model configured): a typed pure function gets an accepted test that runs
green in the project's interpreter and fails when the function is broken."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.conftest import RunCli

CALC = '''\
def clamp(value: int, low: int, high: int) -> int:
    """Clamp value into [low, high]."""
    if value < low:
        return low
    if value > high:
        return high
    return value


def add(a: int, b: int) -> int:
    return a + b
'''
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"


def test_offline_mode_writes_a_test_that_catches_a_bug(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})

    result = run_cli(
        "tests", "--all", "--repo", str(root), "--python", str(project_python), "--output", "json"
    )

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert data["engines"] == ["examples", "ghostwriter"]
    assert [t["function"] for t in data["targets"]["list"]] == ["clamp"]
    assert data["funnel"] == {
        "candidates": 1,
        "lint": 1,
        "collect": 1,
        "alone": 1,
        "repeat": 1,
        "coverage": 1,
        "mutants": 1,
        "suite": 1,
    }
    # Where the time went: the baseline, each round's proposing and funnel, the engines' own
    # processes, the suite gate.
    phases = {p["phase"]: p["seconds"] for p in data["phases"]}
    assert list(phases)[:3] == [
        "baseline",
        "round 1 (examples): proposing",
        "round 1 (examples): funnel",
    ]
    assert {"examples: probe of calc", "suite"} <= set(phases)
    # Processes take time; a round whose engine wrote nothing (the ghostwriter's) has none.
    assert all(
        phases[k] > 0
        for k in ("baseline", "round 1 (examples): funnel", "examples: probe of calc", "suite")
    )
    assert phases["round 1 (examples): funnel"] < data["seconds"]
    # The mutant gate's packs by how they ran: clamp's mutants swapped into forks.
    assert [k for k in phases if k.startswith("mutants gate: ")] == [
        f"mutants gate: {data['accepted'][0]['mutants']} packs forked after collection"
    ]
    (accepted,) = data["accepted"]
    assert accepted["engine"] == "examples"
    assert accepted["lines"] == 5 and accepted["branches"] == 4
    assert accepted["killed"] >= 1
    assert data["written"] == ["tests/test_calc_generated.py"]
    text = (root / "tests/test_calc_generated.py").read_text()
    assert "# ci-agent: target calc.py::clamp (examples)" in text
    assert "def test_clamp_returns(value, low, high, expected):" in text
    # The file is a real test: green in the project's interpreter, red on a broken clamp.
    run = [str(project_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    assert subprocess.run(run, check=False, cwd=root, capture_output=True).returncode == 0
    (root / "calc.py").write_text(CALC.replace("return high", "return value"))
    assert subprocess.run(run, check=False, cwd=root, capture_output=True).returncode == 1


def test_dry_run_writes_nothing(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})

    result = run_cli(
        "tests",
        "--path",
        "calc.py",
        "--repo",
        str(root),
        "--python",
        str(project_python),
        "--dry-run",
    )

    assert result.code == 0, result.out + result.err
    assert "would write 1 file(s): tests/test_calc_generated.py" in result.out
    assert not (root / "tests/test_calc_generated.py").exists()
    status = subprocess.run(
        ["git", "status", "--porcelain"], check=False, cwd=root, capture_output=True
    )
    assert status.stdout == b""
