"""Coverage of changed lines raises a unit's risk: reports made by really running coverage.py.

A repository with two Python units changes both; the tests exercise one well and the other
barely. ``coverage xml`` and ``coverage json`` reports of that run both give the poorly covered
unit a finding with the numbers and the uncovered lines, and leave the other alone.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.plan.inprocess import PlanCli, plan_cli
from tests.integration.plan.test_plan_cli import write
from tests.support import git

__all__ = ["plan_cli"]

MANIFEST = """deploy:
  units:
    - {name: billing, paths: ["billing/**"]}
    - {name: search, paths: ["search/**"]}
"""
BASE = {
    ".github/ci-agent.yml": MANIFEST,
    "billing/__init__.py": "",
    "billing/tax.py": "def rate():\n    return 0.2\n",
    "search/__init__.py": "",
    "search/rank.py": "def score(x):\n    return x\n",
}
CHANGE = {
    # New functions the run below imports but never calls.
    "billing/tax.py": (
        "def rate():\n    return 0.2\n\n\n"
        "def refund(amount):\n    if amount < 0:\n        raise ValueError(amount)\n"
        "    fee = amount * 0.01\n    total = amount - fee\n    return round(total, 2)\n\n\n"
        "def audit(items):\n    seen = set()\n    for item in items:\n        seen.add(item)\n"
        "    return sorted(seen)\n"
    ),
    # A new function the run calls.
    "search/rank.py": "def score(x):\n    return x\n\n\ndef boost(x):\n    return x * 2\n",
}
RUN = "import billing.tax, search.rank\nbilling.tax.rate()\nsearch.rank.boost(3)\n"


def coverage(repo: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "coverage", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "COVERAGE_FILE": str(repo / ".coverage")},
    )


@pytest.fixture
def measured(tmp_path: Path) -> Path:
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, BASE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, CHANGE)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    write(repo, {"run_it.py": RUN})
    coverage(repo, "run", "--source=billing,search", "run_it.py")
    coverage(repo, "xml", "-o", "coverage.xml")
    coverage(repo, "json", "-o", "coverage.json")
    return repo


@pytest.mark.parametrize("report", ["coverage.xml", "coverage.json"])
def test_poorly_covered_changed_lines_raise_the_risk(
    measured: Path, report: str, plan_cli: PlanCli
) -> None:
    code, data = plan_cli(measured, "--base", "HEAD~1", "--coverage", report)
    assert code == 0, data["errors"]
    plan = data["result"]
    assert plan["source"]["coverage"] == {"report": report, "files": 4}
    units = {u["name"]: u for u in plan["units"]}
    (finding,) = units["billing"]["risk"]["evidence"]
    assert finding == {
        "rule": "coverage-changed-lines",
        "level": "high",
        # The `def` lines ran at import: 2 of the 11 measured changed lines.
        "reason": f"2 of 11 changed lines covered (18%, under 50%) in {report}",
        "path": "billing/tax.py",
        "line": 6,
        "text": "not covered: billing/tax.py:6-10, billing/tax.py:14-17",
    }
    assert units["search"]["risk"]["evidence"] == []


def test_without_a_report_nothing_changes(measured: Path, plan_cli: PlanCli) -> None:
    code, data = plan_cli(measured, "--base", "HEAD~1")
    assert code == 0
    assert "coverage" not in data["result"]["source"]
    assert all(not u["risk"]["evidence"] for u in data["result"]["units"])


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (".coverage", None, "a .coverage data file"),  # the run's own data file
        ("bomb.xml", '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "x">]><coverage/>', "DTD"),
        ("other.xml", "<report/>", "the root element is <report>"),
        ("broken.json", '{"files": 3}', "not a 'coverage json' report"),
        ("notes.txt", "hello", "neither coverage XML nor coverage JSON"),
        ("missing.xml", None, "No such file"),
    ],
)
def test_a_bad_report_is_a_coded_error(
    measured: Path,
    name: str,
    content: str | None,
    problem: str,
    plan_cli: PlanCli,
) -> None:
    if content is not None:
        (measured / name).write_text(content, encoding="utf-8")
    code, data = plan_cli(measured, "--base", "HEAD~1", "--coverage", name)
    assert code == 2
    (error,) = data["errors"]
    assert error["code"] == "CA162"
    assert problem in error["message"]
