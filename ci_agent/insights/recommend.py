"""Recommendations: each a deterministic rule over the metrics and the workflow files, with
the numbers and the runs that made it fire."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ci_agent.insights.workflow_files import JobDef, WorkflowDef

__all__ = ["DEFAULT_TIMEOUT_MINUTES", "Recommendation", "Thresholds", "recommend"]

# "The maximum number of minutes to let a job run before GitHub automatically cancels it.
# Default: 360" (workflow syntax, jobs.<job_id>.timeout-minutes).
DEFAULT_TIMEOUT_MINUTES = 360
_MATRIX_LEG = re.compile(r"^(?P<job>.+?) \((?P<leg>.+)\)$")
_MIN_RUNS = 3  # fewer runs say nothing about a job's habits
_SHOWN = 5


@dataclass(frozen=True)
class Thresholds:
    """The rules' limits (``insights:`` in the configuration)."""

    queue_seconds: float = 300
    near_timeout: float = 0.8


@dataclass(frozen=True)
class Recommendation:
    """One rule that fired: what to do, why, and the evidence (numbers and runs)."""

    rule: str
    title: str
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


def recommend(
    metrics: Mapping[str, Any], workflows: Sequence[WorkflowDef], thresholds: Thresholds
) -> list[Recommendation]:
    """Every rule's findings, in a fixed order."""
    found: list[Recommendation] = []
    stats = {w["name"]: w for w in metrics["workflows"]}
    for definition in workflows:
        measured = stats.get(definition.name)
        found += _uncached(definition, measured)
        found += _timeouts(definition, measured, thresholds)
        found += _concurrency(definition, measured)
    found += _slow_steps(metrics)
    found += _slow_tests(metrics)
    found += _quarantine(metrics)
    found += _failing_legs(metrics)
    found += _queue(metrics, thresholds)
    return found


def _jobs_of(job: JobDef, measured: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if measured is None:
        return []
    return [j for j in measured["jobs"] if job.matches(j["name"])]


def _uncached(definition: WorkflowDef, measured: Mapping[str, Any] | None) -> list[Recommendation]:
    found = []
    for job in definition.jobs:
        if not job.installs or job.cached:
            continue
        runs = _jobs_of(job, measured)
        evidence = {
            "workflow": definition.path,
            "job": job.id,
            "installs": list(job.installs),
            "runs": sum(r["runs"] for r in runs),
            "p50_seconds": max((r["p50"] or 0 for r in runs), default=None),
        }
        found.append(
            Recommendation(
                "uncached-install",
                f"Cache dependencies of {definition.name} / {job.id}",
                f"`{job.installs[0]}` runs without actions/cache or a setup action's `cache:`; "
                "every run downloads the packages again.",
                evidence,
            )
        )
    return found


def _timeouts(
    definition: WorkflowDef, measured: Mapping[str, Any] | None, thresholds: Thresholds
) -> list[Recommendation]:
    found = []
    for job in definition.jobs:
        limit = job.timeout_minutes or DEFAULT_TIMEOUT_MINUTES
        for run in _jobs_of(job, measured):
            longest = run["longest"]["seconds"]
            if longest < thresholds.near_timeout * limit * 60:
                continue
            set_here = job.timeout_minutes is not None
            found.append(
                Recommendation(
                    "near-timeout",
                    f"{definition.name} / {run['name']} runs near its "
                    f"{'timeout' if set_here else 'default 6-hour limit'}",
                    (
                        f"its longest run took {longest / 60:.0f} min of {limit:.0f}"
                        + ("" if set_here else "; set `timeout-minutes` to stop a hung job early")
                    ),
                    {
                        "workflow": definition.path,
                        "job": run["name"],
                        "longest_seconds": longest,
                        "run": run["longest"]["run"],
                        "limit_minutes": limit,
                        "p95_seconds": run["p95"],
                    },
                )
            )
    return found


def _concurrency(
    definition: WorkflowDef, measured: Mapping[str, Any] | None
) -> list[Recommendation]:
    pull = {"pull_request", "pull_request_target"} & set(definition.events)
    if not pull or definition.cancels:
        return []
    return [
        Recommendation(
            "no-concurrency",
            f"Cancel superseded runs of {definition.name}",
            "it runs on pull requests without `concurrency:` and `cancel-in-progress: true`; "
            "a push to a pull request leaves the previous run going.",
            {
                "workflow": definition.path,
                "events": sorted(pull),
                "runs": measured["runs"] if measured else 0,
                "p50_seconds": measured["p50"] if measured else None,
            },
        )
    ]


def _slow_steps(metrics: Mapping[str, Any]) -> list[Recommendation]:
    steps = [
        (w["name"], j["name"], s)
        for w in metrics["workflows"]
        for j in w["jobs"]
        for s in j["steps"]
        if s["runs"] >= _MIN_RUNS and s["p50"]
    ]
    steps.sort(key=lambda item: -(item[2]["p50"] or 0) * item[2]["runs"])
    if not steps:
        return []
    rows = [
        {
            "workflow": w,
            "job": j,
            "step": s["name"],
            "p50_seconds": s["p50"],
            "p95_seconds": s["p95"],
            "runs": s["runs"],
        }
        for w, j, s in steps[:_SHOWN]
    ]
    top = rows[0]
    return [
        Recommendation(
            "slowest-steps",
            "Speed up the slowest steps",
            f"{top['workflow']} / {top['job']} / {top['step']} takes {top['p50_seconds']:.0f} s "
            f"at the median over {top['runs']} runs; the steps that cost the most time in all "
            "are listed.",
            {"steps": rows},
        )
    ]


def _slow_tests(metrics: Mapping[str, Any]) -> list[Recommendation]:
    tests = [t for t in metrics["slow_tests"] if t["runs"] >= 1][:_SHOWN]
    if not tests:
        return []
    top = tests[0]
    return [
        Recommendation(
            "slowest-tests",
            "Speed up the slowest tests",
            f"{top['test']} takes {top['mean_seconds']:.1f} s on average over {top['runs']} runs.",
            {"tests": tests},
        )
    ]


def _quarantine(metrics: Mapping[str, Any]) -> list[Recommendation]:
    return [
        Recommendation(
            "quarantine-flaky-test",
            f"Quarantine or fix the flaky test {test['test']}",
            f"its outcome flipped {test['flips']} times in {test['runs']} runs (weighted flip "
            f"rate {test['flip_rate']:.2f}); triage re-runs it instead of patching.",
            test,
        )
        for test in metrics["flaky_tests"][:_SHOWN]
    ]


def _failing_legs(metrics: Mapping[str, Any]) -> list[Recommendation]:
    found = []
    for workflow in metrics["workflows"]:
        legs: dict[str, list[Mapping[str, Any]]] = {}
        for job in workflow["jobs"]:
            match = _MATRIX_LEG.match(job["name"])
            if match:
                legs.setdefault(match["job"], []).append(job)
        for base, jobs in legs.items():
            if len(jobs) < 2 or not any(j["success_rate"] for j in jobs):
                continue  # the whole matrix fails: not one leg's problem
            for job in jobs:
                if job["runs"] >= _MIN_RUNS and job["success_rate"] == 0:
                    found.append(
                        Recommendation(
                            "failing-matrix-leg",
                            f"{workflow['name']} / {job['name']} always fails",
                            f"it failed all {job['runs']} runs while other legs of {base} pass; "
                            "fix it, or drop it from the matrix (or mark it continue-on-error).",
                            {
                                "workflow": workflow["name"],
                                "job": job["name"],
                                "runs": job["runs"],
                                "failed_runs": job["failed_runs"],
                            },
                        )
                    )
    return found


def _queue(metrics: Mapping[str, Any], thresholds: Thresholds) -> list[Recommendation]:
    found = []
    for workflow in metrics["workflows"]:
        for job in workflow["jobs"]:
            wait = job["queue_p95"]
            if wait is None or job["runs"] < _MIN_RUNS or wait <= thresholds.queue_seconds:
                continue
            found.append(
                Recommendation(
                    "long-queue",
                    f"{workflow['name']} / {job['name']} waits long for a runner",
                    f"p95 wait {wait / 60:.1f} min (threshold {thresholds.queue_seconds / 60:.1f} "
                    "min): check runner capacity, concurrency limits, or a label no runner has.",
                    {
                        "workflow": workflow["name"],
                        "job": job["name"],
                        "queue_p95_seconds": wait,
                        "queue_p50_seconds": job["queue_p50"],
                        "longest": job["longest_queue"],
                        "runs": job["runs"],
                    },
                )
            )
    return found
