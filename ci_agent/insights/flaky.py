"""Flakiness, kept in the state: jobs that failed and then passed on the same commit (a later
attempt of the run, or a later run), and tests ranked by flip rate — an exponentially weighted
moving average of "the outcome changed since the test's previous run" across runs.

Only tests that failed at least once are kept: one that always passed has a flip rate of 0 and
its last outcome is a pass, which is what an absent test means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ci_agent.insights.model import JobFacts, RunFacts

__all__ = ["empty", "expire", "flaky_jobs", "flaky_tests", "record"]

_SEP = "\t"
_EVIDENCE = 6  # runs kept as evidence per flaky job or test
_SHAS = 200  # commits whose failed jobs wait for a later pass (the newest)
_EWMA, _LAST, _RUNS, _FAILS, _FLIPS, _DAY, _EVIDENCE_RUNS = range(7)


def empty() -> dict[str, Any]:
    """The flakiness parts of an empty state."""
    return {"fails": {}, "flaky_jobs": {}, "flaky_runs": {}, "tests": {}}


def record(
    data: dict[str, Any], run: RunFacts, latest: Sequence[JobFacts], day: str, alpha: float
) -> None:
    """Count ``run``'s flaky jobs and update its tests' flip rates."""
    flaky_here: set[str] = set()
    for job in latest:
        key = _SEP.join((run.workflow, job.name))
        earlier = [j for j in run.jobs if j.name == job.name and j.attempt < job.attempt]
        if job.ok and any(j.failed for j in earlier):  # failed, then passed on a re-run
            _flaky_job(data, key, [run.id], day)
            flaky_here.add(key)
        sha = run.sha[:12]
        waiting = data["fails"].get(sha, {})
        if job.ok and key in waiting:  # failed in an earlier run of this commit, passes now
            _flaky_job(data, key, [*waiting.pop(key)[1], run.id], day)
            flaky_here.add(key)
            if not waiting:
                data["fails"].pop(sha, None)
        elif job.failed:
            entry = data["fails"].setdefault(sha, {}).setdefault(key, [day, []])
            entry[0] = day
            entry[1] = [*entry[1], run.id][-_EVIDENCE:]
    if len(data["fails"]) > _SHAS:  # dicts keep insertion order: the oldest commits go
        for sha in list(data["fails"])[: len(data["fails"]) - _SHAS]:
            del data["fails"][sha]
    if flaky_here:
        data["flaky_runs"][day] = data["flaky_runs"].get(day, 0) + 1
    _tests(data["tests"], run, day, alpha)


def _flaky_job(data: dict[str, Any], key: str, runs: list[int], day: str) -> None:
    entry = data["flaky_jobs"].setdefault(key, {"days": {}, "runs": []})
    entry["days"][day] = entry["days"].get(day, 0) + 1
    entry["runs"] = list(dict.fromkeys([*entry["runs"], *runs]))[-_EVIDENCE:]


def _tests(tests: dict[str, Any], run: RunFacts, day: str, alpha: float) -> None:
    outcomes: dict[str, list[str]] = {}
    for case in run.tests:
        if case.outcome != "skip":
            outcomes.setdefault(case.id, []).append(case.outcome)
    for test, seen in outcomes.items():
        # A test that failed and passed in one run (retried, or two attempts' reports) flipped
        # twice: fail, then pass.
        sequence = ["fail", "pass"] if "fail" in seen and "pass" in seen else seen[:1]
        for outcome in sequence:
            entry = tests.get(test)
            if entry is None:
                if outcome == "pass":
                    continue
                entry = tests[test] = [0.0, "pass", 0, 0, 0, day, []]
            flip = outcome != entry[_LAST]
            entry[_EWMA] = round(alpha * flip + (1 - alpha) * entry[_EWMA], 6)
            entry[_LAST] = outcome
            entry[_RUNS] += 1
            entry[_FAILS] += outcome == "fail"
            entry[_FLIPS] += int(flip)
            entry[_DAY] = day
            if flip and run.id not in entry[_EVIDENCE_RUNS]:
                entry[_EVIDENCE_RUNS] = [*entry[_EVIDENCE_RUNS], run.id][-_EVIDENCE:]


def expire(data: dict[str, Any], first: str) -> None:
    """Forget what happened before day ``first``."""
    for key in list(data["flaky_jobs"]):
        entry = data["flaky_jobs"][key]
        entry["days"] = {d: c for d, c in entry["days"].items() if d >= first}
        if not entry["days"]:
            del data["flaky_jobs"][key]
    data["flaky_runs"] = {d: c for d, c in data["flaky_runs"].items() if d >= first}
    for sha in list(data["fails"]):
        waiting = {k: v for k, v in data["fails"][sha].items() if v[0] >= first}
        if waiting:
            data["fails"][sha] = waiting
        else:
            del data["fails"][sha]
    for test in list(data["tests"]):
        if data["tests"][test][_DAY] < first:
            del data["tests"][test]


def flaky_jobs(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Jobs that failed then passed on the same commit in the window, most often first."""
    found = []
    for key, entry in data["flaky_jobs"].items():
        workflow, _, job = key.partition(_SEP)
        found.append(
            {
                "workflow": workflow,
                "job": job,
                "count": sum(entry["days"].values()),
                "last_seen": max(entry["days"]),
                "runs": list(entry["runs"]),
            }
        )
    return sorted(found, key=lambda f: (-f["count"], f["workflow"], f["job"]))


def flaky_tests(data: Mapping[str, Any], threshold: float) -> list[dict[str, Any]]:
    """Tests whose weighted flip rate reaches ``threshold``, highest first."""
    found = [
        {
            "test": test,
            "flip_rate": round(entry[_EWMA], 4),
            "runs": entry[_RUNS],
            "failures": entry[_FAILS],
            "flips": entry[_FLIPS],
            "last_outcome": entry[_LAST],
            "last_seen": entry[_DAY],
            "evidence": list(entry[_EVIDENCE_RUNS]),
        }
        for test, entry in data["tests"].items()
        if entry[_EWMA] >= threshold and entry[_FLIPS] >= 2
    ]
    return sorted(found, key=lambda f: (-f["flip_rate"], f["test"]))
