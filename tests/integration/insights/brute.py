"""The expected dashboard numbers, computed directly from the generated runs (no histograms,
no state): what the incremental aggregates must agree with."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tests.integration.insights.history import FLIPPING, GenRun

__all__ = ["expected", "nearest_rank"]


def nearest_rank(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _stats(durations: list[float], ok: int, runs: int) -> dict[str, Any]:
    return {
        "runs": runs,
        "success_rate": round(ok / runs, 4),
        "p50": nearest_rank(durations, 0.5),
        "p95": nearest_rank(durations, 0.95),
    }


def expected(runs: Sequence[GenRun], alpha: float = 0.1) -> dict[str, Any]:
    """Per workflow and job: runs, success rate, p50/p95; minutes; flaky runs; the flipping
    test's weighted flip rate; runs per failure signature test id."""
    runs = sorted(runs, key=lambda r: (r.created, r.id))
    workflows: dict[str, Any] = {}
    jobs: dict[tuple[str, str], list[Any]] = {}
    minutes: dict[str, int] = {}
    flaky_runs = 0
    for run in runs:
        entry = workflows.setdefault(run.workflow, [[], 0, 0, 0])
        entry[0].append(run.seconds)
        entry[1] += run.conclusion == "success"
        entry[2] += 1
        entry[3] += run.attempts > 1
        for job in run.jobs:
            row = jobs.setdefault((run.workflow, job.name), [[], 0, 0, []])
            row[0].append(job.seconds)
            row[1] += job.conclusion == "success"
            row[2] += 1
            row[3].append(job.queued)
            system = "Windows" if "windows-latest" in job.labels else "Linux"
            minutes[system] = minutes.get(system, 0) + max(1, math.ceil(job.seconds / 60))
        names = {j.name for j in run.jobs if j.attempt > 1}
        if any(j.name in names and j.attempt == 1 and j.conclusion == "failure" for j in run.jobs):
            flaky_runs += 1
    ewma, last = 0.0, "pass"
    for run in runs:
        seen = [o for t, o, _ in run.tests if t == FLIPPING]
        sequence = ["fail", "pass"] if "fail" in seen and "pass" in seen else seen[:1]
        for outcome in sequence:
            if last == "pass" and outcome == "pass" and ewma == 0.0:
                continue
            flip = outcome != last
            ewma = round(alpha * flip + (1 - alpha) * ewma, 6)
            last = outcome
    total = sum(w[2] for w in workflows.values())
    return {
        "workflows": {
            name: {**_stats(w[0], w[1], w[2]), "rerun_rate": round(w[3] / w[2], 4)}
            for name, w in workflows.items()
        },
        "jobs": {
            key: {**_stats(j[0], j[1], j[2]), "queue_p95": nearest_rank(j[3], 0.95)}
            for key, j in jobs.items()
        },
        "minutes": minutes,
        "flaky_runs": flaky_runs,
        "flake_rate": round(flaky_runs / total, 4),
        "flip_rate": ewma,
        "broken_runs": sum(1 for r in runs if r.event == "pull_request"),
    }
