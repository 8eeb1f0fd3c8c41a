"""Fast checks of the plan's extra inputs and outputs: coverage lookups, which workflows test a
unit, the CI failure rule's thresholds, the check run on the in-memory forge, the environment
order and the narrative check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_agent.config_deploy import DeployConfig, RiskThresholds, Unit
from ci_agent.errors import CiAgentError
from ci_agent.forge.memory import InMemoryForge
from ci_agent.forge.run_types import WorkflowRun
from ci_agent.plan.check import plan_annotations, plan_conclusion, publish_check
from ci_agent.plan.coverage import CoverageReport, FileCoverage, coverage_evidence
from ci_agent.plan.history import CiHistory, history_evidence, unit_workflows
from ci_agent.plan.narrative import check_narrative
from ci_agent.plan.promotion import environment_order
from ci_agent.plan.risk import ChangedText


def report(**files: FileCoverage) -> CoverageReport:
    return CoverageReport("coverage.xml", {k.replace("__", "/"): v for k, v in files.items()})


def test_a_report_written_from_a_subdirectory_is_matched_by_suffix() -> None:
    lines = FileCoverage(frozenset({1, 2}), frozenset({1}))
    found = report(pkg__mod_py=lines)
    assert found.lookup("pkg/mod_py") is lines
    assert found.lookup("src/pkg/mod_py") is lines
    assert found.lookup("other/mod_py") is None


def test_coverage_needs_enough_measured_lines_and_says_how_much_is_cut() -> None:
    limits = RiskThresholds(coverage_below=0.5, coverage_min_lines=3)
    measured = frozenset(range(1, 40))
    lines = FileCoverage(measured, frozenset())
    few = ChangedText("a.py", ((1, "x"), (2, "y")))
    assert coverage_evidence([few], report(a_py=lines), limits) == []
    spread = ChangedText("a.py", tuple((n, "x") for n in range(1, 40, 2)))
    (finding,) = coverage_evidence([spread], CoverageReport("c.json", {"a.py": lines}), limits)
    assert finding.level == "high"
    assert finding.text.endswith("and 10 more range(s)")
    assert "0 of 20 changed lines covered" in finding.reason


def run(number: int, path: str, conclusion: str, status: str = "completed") -> WorkflowRun:
    return WorkflowRun(
        number, "CI", 1, "sha", "main", "push", status, conclusion, url=f"u/{number}", path=path
    )


def test_cancelled_and_running_runs_do_not_count() -> None:
    ci = ".github/workflows/ci.yml"
    runs = (
        run(1, ci, "failure"),
        run(2, ci, "cancelled"),
        run(3, ci, "failure", "in_progress"),
        run(4, ci, "success"),
        run(5, ".github/workflows/other.yml", "failure"),
    )
    history = CiHistory("main", 100, runs, complete=True)
    limits = RiskThresholds(min_runs=2, failure_rate_above=0.4)
    (finding,) = history_evidence([ci], history, limits)
    assert finding.reason.startswith("1 of the last 2 completed runs")
    assert finding.level == "medium"
    assert history_evidence([ci], history, RiskThresholds(min_runs=3)) == []


def test_workflows_reach_units_by_their_path_filters(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "all.yml").write_text("on: [push, pull_request]\njobs: {}\n", encoding="utf-8")
    (folder / "api.yml").write_text(
        "on:\n  push:\n    paths: ['services/api/**', '!services/api/docs/**']\njobs: {}\n",
        encoding="utf-8",
    )
    (folder / "mixed.yaml").write_text(
        "on:\n  push:\n    paths: ['web/**']\n  pull_request:\njobs: {}\n", encoding="utf-8"
    )
    (folder / "nightly.yml").write_text("on: {schedule: [{cron: '0 0 * * *'}]}\n", "utf-8")
    (folder / "broken.yml").write_text("on: [push\n", encoding="utf-8")
    units = [
        Unit(name="api", paths=("services/api/**",)),
        Unit(name="db", paths=("db/*.sql",)),
        Unit(name="named", paths=("x/**",), ci_workflows=(".github/workflows/deploy-x.yml",)),
    ]
    found = unit_workflows(tmp_path, units)
    every = [".github/workflows/all.yml", ".github/workflows/mixed.yaml"]
    assert found["api"] == (".github/workflows/all.yml", ".github/workflows/api.yml", every[1])
    assert found["db"] == tuple(every)
    assert found["named"] == (".github/workflows/deploy-x.yml",)


PLAN: dict[str, Any] = {
    "units": [
        {
            "name": "api",
            "changed_paths": ["api/app.py"],
            "risk": {
                "level": "high",
                "score": 28,
                "evidence": [
                    {
                        "rule": "sql-rename",
                        "level": "high",
                        "reason": "renames",
                        "path": "a.sql",
                        "line": 3,
                        "text": "RENAME COLUMN",
                    },
                    {"rule": "change-size", "level": "medium", "reason": "600 changed lines"},
                ],
            },
        }
    ],
    "groups": [["api"]],
    "unowned_paths": [],
}


def test_the_conclusion_follows_the_highest_risk() -> None:
    assert plan_conclusion(PLAN, "high")[0] == "failure"
    assert plan_conclusion(PLAN, "critical") == (
        "success",
        "1 unit(s) in 1 group(s), highest risk high",
    )
    assert plan_conclusion(PLAN, "never")[0] == "success"
    assert plan_conclusion({**PLAN, "units": []}, "low")[0] == "neutral"
    (note,) = plan_annotations(PLAN)  # the size finding has no line
    assert (note.path, note.start_line, note.level) == ("a.sql", 3, "failure")


def test_the_check_run_is_updated_in_place_on_the_in_memory_forge() -> None:
    forge = InMemoryForge()
    diff = "diff --git a/a.sql b/a.sql\n--- a/a.sql\n+++ b/a.sql\n@@ -1 +1 @@\n-x\n+y\n"
    head = forge.seed_pull_from_diff(diff).head_sha
    first = publish_check(forge, head, PLAN, "summary", fail_level="high")
    second = publish_check(forge, head, PLAN, "summary", fail_level="critical")
    assert first["id"] == second["id"]
    assert (second["action"], second["annotations_sent"], second["conclusion"]) == (
        "updated",
        0,
        "success",
    )


def test_environment_orders_merge_and_contradictions_are_named() -> None:
    deploy = DeployConfig(
        units=(
            Unit(name="a", paths=("a/**",), environments=("dev", "prod")),
            Unit(name="b", paths=("b/**",), environments=("dev", "qa", "prod")),
        )
    )
    assert environment_order(deploy) == ("dev", "qa", "prod")
    clash = DeployConfig(
        units=(
            Unit(name="a", paths=("a/**",), environments=("dev", "prod")),
            Unit(name="b", paths=("b/**",), environments=("prod", "dev")),
        )
    )
    with pytest.raises(CiAgentError) as caught:
        environment_order(clash)
    assert caught.value.code == "CA163"


def test_the_narrative_check_reads_numbers_names_and_paths() -> None:
    assert check_narrative("`api` is high risk, score 28, from line 3 of `a.sql`.", PLAN) == []
    assert check_narrative("The 1 unit `api` changes api/app.py.", PLAN) == []
    assert check_narrative("`api` has 600 changed lines, e.g. renames and/or drops.", PLAN) == []
    assert check_narrative("`api` scores 29 and touches `billing`.", PLAN) == ["29", "`billing`"]
    assert check_narrative("See api/other.py, 1,000 lines.", PLAN) == ["1,000", "api/other.py"]
