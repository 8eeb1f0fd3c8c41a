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
    # The project's coverage measures another directory (python-slugify names its package
    # only): the files outside it are targets, and the coverage gate measures them too.
    coverage = '[tool.coverage.run]\nsource = ["src"]\n'
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS, "pyproject.toml": coverage})

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


# A module no test imports: its import, its constant and its def line run at import.
LIMITS = """\
import math

FLOOR = -math.inf


def clamp(value: int, low: int, high: int) -> int:
    if value < low:
        return low
    if value > high:
        return high
    return value
"""


def test_dry_run_writes_nothing(
    make_project: Callable[[Mapping[str, str]], Path], project_python: Path, run_cli: RunCli
) -> None:
    # A pull request that adds a module no test imports yet: the lines its import runs are
    # run by the accepted test's import too, so they are not left as the change's unrun lines,
    # and the def line does not keep the target open for another round.
    root = make_project({"calc.py": CALC, "tests/test_calc.py": TESTS})
    git = ["git", "-c", "user.name=u", "-c", "user.email=u@example.com"]
    subprocess.run([*git, "checkout", "-q", "-b", "feature"], cwd=root, check=True)
    (root / "limits.py").write_text(LIMITS)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "limits"], cwd=root, check=True)
    index = (root / ".git" / "index").stat()

    result = run_cli(
        "tests", "--base", "main", "--repo", str(root), "--python", str(project_python),
        "--dry-run", "--output", "json",
    )  # fmt: skip

    assert result.code == 0, result.out + result.err
    data = result.json()["result"]
    assert [f["path"] for f in data["files"]] == ["tests/test_limits_generated.py"]
    assert data["written"] == []
    (target,) = data["targets"]["list"]
    assert target["function"] == "clamp" and target["missing_lines"] == [7, 8, 9, 10, 11]
    assert data["targets"]["uncovered_lines_outside_functions"] == 3
    diff = data["diff_coverage"]
    assert diff["uncovered_before"] == 8
    assert diff["still_uncovered"] == [] and diff["still_uncovered_branches"] == []
    # The examples' test left nothing of clamp open: no second round was asked for it.
    assert not any(c["engine"] == "ghostwriter" for c in data["candidates"])
    assert not (root / "tests/test_limits_generated.py").exists()
    # Not even git's index is refreshed (a plain git status rewrites it: so does the next one).
    after = (root / ".git" / "index").stat()
    assert (after.st_mtime_ns, after.st_size) == (index.st_mtime_ns, index.st_size)
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], check=False, cwd=root, capture_output=True
    )
    assert status.stdout == b""
