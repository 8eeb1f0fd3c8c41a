"""The recommendation rules and the flakiness ledger on hand-made runs: each rule fires on its
evidence and stays quiet without it; flaky jobs need a failure then a pass on one commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ci_agent.insights.ledger import Ledger, empty
from ci_agent.insights.metrics import compute
from ci_agent.insights.model import CaseResult, JobFacts, RunFacts, StepFacts
from ci_agent.insights.recommend import Thresholds, recommend
from ci_agent.insights.workflow_files import parse_workflow

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def job(
    name: str, conclusion: str, seconds: float, *, attempt: int = 1, queued: float = 5
) -> JobFacts:
    created = NOW - timedelta(days=1)
    started = created + timedelta(seconds=queued)
    steps = (StepFacts("work", conclusion, seconds),)
    return JobFacts(
        1,
        name,
        attempt,
        conclusion,
        created,
        started,
        started + timedelta(seconds=seconds),
        ("ubuntu-latest",),
        steps,
    )


def run(
    run_id: int,
    jobs: list[JobFacts],
    *,
    sha: str = "a" * 40,
    tests: tuple[CaseResult, ...] = (),
    branch: str = "main",
) -> RunFacts:
    latest = {j.name: j for j in sorted(jobs, key=lambda j: j.attempt)}
    ok = all(j.conclusion == "success" for j in latest.values())
    attempts = max(j.attempt for j in jobs)
    created = NOW - timedelta(days=1, minutes=-run_id)
    return RunFacts(
        run_id,
        "CI",
        ".github/workflows/ci.yml",
        branch,
        "push",
        sha,
        created,
        "success" if ok else "failure",
        attempts,
        jobs=tuple(jobs),
        tests=tests,
    )


def metrics_of(runs: list[RunFacts]) -> dict[str, Any]:
    ledger = Ledger(empty(), default_branch="main", alpha=0.5)
    for item in runs:
        ledger.add(item)
    ledger.finish(NOW - timedelta(days=30), NOW, {"id": 0})
    return compute(ledger.data, NOW, days=30, flip_threshold=0.05)


def test_a_failure_then_a_pass_on_the_same_commit_is_flaky() -> None:
    runs = [
        run(1, [job("test", "failure", 60), job("test", "success", 60, attempt=2)], sha="1" * 40),
        run(2, [job("test", "failure", 60)], sha="2" * 40),
        run(3, [job("test", "success", 60)], sha="2" * 40),  # a later run of that commit passes
        run(4, [job("test", "failure", 60)], sha="4" * 40),  # fails and stays failed: not flaky
    ]
    metrics = metrics_of(runs)
    (flaky,) = metrics["flaky_jobs"]
    assert flaky["count"] == 2 and flaky["runs"] == [1, 2, 3]
    assert metrics["flaky_runs"] == 2 and metrics["flake_rate"] == 0.5


def test_a_test_flipping_is_flaky_and_a_broken_one_is_not() -> None:
    def cases(flip: str) -> tuple[CaseResult, ...]:
        return (CaseResult("t.py::flip", flip, 1.0), CaseResult("t.py::broken", "fail", 0.1))

    runs = [
        run(i, [job("test", "success", 60)], sha=f"{i:040d}", tests=cases(o))
        for i, o in enumerate(["pass", "fail", "pass", "fail", "pass"], 1)
    ]
    flaky = {t["test"]: t for t in metrics_of(runs)["flaky_tests"]}
    assert set(flaky) == {"t.py::flip"} and flaky["t.py::flip"]["flips"] == 4
    assert flaky["t.py::flip"]["evidence"] == [2, 3, 4, 5]


def test_rules_fire_on_their_evidence() -> None:
    workflow = parse_workflow(
        ".github/workflows/ci.yml",
        b"""
name: CI
on: pull_request
jobs:
  test:
    name: test (${{ matrix.py }})
    strategy: {matrix: {py: ["3.9", "3.12"]}}
    steps:
      - run: pip install -r requirements.txt
""",
    )
    assert workflow is not None
    runs = [
        run(
            i,
            [job("test (3.9)", "failure", 17_500, queued=900), job("test (3.12)", "success", 100)],
            sha=f"{i:040d}",
        )
        for i in range(1, 6)
    ]
    found = {r.rule: r for r in recommend(metrics_of(runs), [workflow], Thresholds())}
    assert set(found) >= {
        "uncached-install",
        "no-concurrency",
        "near-timeout",
        "failing-matrix-leg",
        "long-queue",
        "slowest-steps",
    }
    assert found["failing-matrix-leg"].evidence["job"] == "test (3.9)"
    assert found["near-timeout"].evidence["limit_minutes"] == 360
    assert found["long-queue"].evidence["queue_p95_seconds"] >= 850


def test_quiet_without_evidence() -> None:
    workflow = parse_workflow(
        ".github/workflows/ci.yml",
        b"""
name: CI
on: pull_request
concurrency: {group: ci, cancel-in-progress: true}
jobs:
  test:
    timeout-minutes: 10
    steps:
      - uses: actions/setup-python@v5
        with: {cache: pip}
      - run: pip install .
""",
    )
    assert workflow is not None
    runs = [run(i, [job("test", "success", 100)], sha=f"{i:040d}") for i in range(1, 4)]
    rules = {r.rule for r in recommend(metrics_of(runs), [workflow], Thresholds())}
    assert rules == {"slowest-steps"}
