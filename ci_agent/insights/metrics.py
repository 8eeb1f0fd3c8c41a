"""The numbers of the dashboard, read from the state: per workflow, job and step — runs,
success rate, p50/p95 duration and its week-over-week trend, queue time, re-run rate — plus
billable minutes by runner OS, the default branch's time to green and the top signatures."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ci_agent.insights import flaky
from ci_agent.insights.histogram import merge, percentile
from ci_agent.insights.ledger import SEP, day_of

__all__ = ["MINUTES_NOTE", "compute"]

_N, _OK, _RERUN, _DUR, _QUEUE, _MAX, _MAX_RUN, _QMAX, _QMAX_RUN, _FAILS = range(10)
_TOP_SIGNATURES = 10
MINUTES_NOTE = (
    "Billable minutes are estimated: each job's start-to-end time rounded up to a whole "
    "minute (as GitHub bills), its OS read from its runs-on labels; self-hosted runners are "
    "not billed and larger runners' rates are not applied."
)


def compute(
    data: Mapping[str, Any],
    now: datetime,
    *,
    days: int,
    flip_threshold: float,
) -> dict[str, Any]:
    """Every metric of the window ending at ``now``."""
    week = day_of(now - timedelta(days=7))
    fortnight = day_of(now - timedelta(days=14))
    rows: dict[str, list[tuple[str, list[Any]]]] = {}
    for day, series in sorted(data["days"].items()):
        for key, row in series.items():
            rows.setdefault(key, []).append((day, row))
    stats = {key: _stats(found, week, fortnight) for key, found in rows.items()}
    workflows = []
    for key in sorted(k for k in stats if SEP not in k):
        jobs = []
        for job_key in sorted(k for k in stats if k.count(SEP) == 1 and k.startswith(key + SEP)):
            steps = [
                {"name": k.split(SEP)[2], **stats[k]}
                for k in sorted(stats)
                if k.count(SEP) == 2 and k.startswith(job_key + SEP)
            ]
            jobs.append({"name": job_key.split(SEP)[1], **stats[job_key], "steps": steps})
        workflows.append({"name": key, **stats[key], "jobs": jobs})
    total_runs = sum(w["runs"] for w in workflows)
    flaky_runs = sum(data["flaky_runs"].values())
    return {
        "window": {
            "days": days,
            "end": now.isoformat(),
            "first_day": day_of(now - timedelta(days=days)),
        },
        "runs": total_runs,
        "workflows": workflows,
        "minutes": _minutes(data["minutes"]),
        "minutes_note": MINUTES_NOTE,
        "time_to_green": _green(data["green"], now),
        "signatures": _signatures(data["sigs"]),
        "flaky_jobs": flaky.flaky_jobs(data),
        "flaky_tests": flaky.flaky_tests(data, flip_threshold),
        "flake_rate": round(flaky_runs / total_runs, 4) if total_runs else 0.0,
        "flaky_runs": flaky_runs,
        "slow_tests": _slow_tests(data["slow_tests"]),
        "daily": _daily(rows),
    }


def _stats(found: list[tuple[str, list[Any]]], week: str, fortnight: str) -> dict[str, Any]:
    runs = sum(r[_N] for _, r in found)
    ok = sum(r[_OK] for _, r in found)
    durations = merge(r[_DUR] for _, r in found)
    queue = merge(r[_QUEUE] for _, r in found)
    this_week = percentile(merge(r[_DUR] for d, r in found if d > week), 0.5)
    last_week = percentile(merge(r[_DUR] for d, r in found if fortnight < d <= week), 0.5)
    trend = (
        round((this_week - last_week) / last_week, 4)
        if this_week is not None and last_week
        else None
    )
    longest = max(found, key=lambda item: item[1][_MAX])[1]
    waited = max(found, key=lambda item: item[1][_QMAX])[1]
    failed_runs = [run for _, r in found for run in r[_FAILS]][-3:]
    return {
        "runs": runs,
        "success_rate": round(ok / runs, 4) if runs else None,
        "failures": runs - ok,
        "p50": _round(percentile(durations, 0.5)),
        "p95": _round(percentile(durations, 0.95)),
        "trend": trend,
        "queue_p50": _round(percentile(queue, 0.5)),
        "queue_p95": _round(percentile(queue, 0.95)),
        "rerun_rate": round(sum(r[_RERUN] for _, r in found) / runs, 4) if runs else None,
        "longest": {"seconds": longest[_MAX], "run": longest[_MAX_RUN]},
        "longest_queue": {"seconds": waited[_QMAX], "run": waited[_QMAX_RUN]},
        "failed_runs": failed_runs,
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _minutes(minutes: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for day in minutes.values():
        for system, count in day.items():
            total[system] = total.get(system, 0) + count
    return dict(sorted(total.items(), key=lambda item: -item[1]))


def _green(green: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    found = {}
    for workflow, entry in sorted(green.items()):
        spells = [r[1] for r in entry["recoveries"]]
        red = entry["red"]
        red_hours = (
            round((now - datetime.fromisoformat(red[0])).total_seconds() / 3600, 2) if red else None
        )
        found[workflow] = {
            "recoveries": len(spells),
            "median_hours": round(statistics.median(spells) / 3600, 2) if spells else None,
            "max_hours": round(max(spells) / 3600, 2) if spells else None,
            "red_for_hours": red_hours,
            "red_since_run": red[1] if red else None,
            "evidence": [
                {"red": r[2], "green": r[3], "hours": round(r[1] / 3600, 2)}
                for r in entry["recoveries"][-3:]
            ],
        }
    return found


def _signatures(sigs: Mapping[str, Any]) -> list[dict[str, Any]]:
    found = [
        {
            "signature": key.split("|", 2)[-1],
            "kind": entry[0],
            "message": entry[1],
            "count": sum(entry[2].values()),
            "first_seen": entry[3],
            "last_seen": entry[4],
            "runs": list(entry[5]),
            "job": entry[6],
        }
        for key, entry in sigs.items()
    ]
    found.sort(key=lambda s: (-s["count"], s["last_seen"], s["signature"]))
    return found[:_TOP_SIGNATURES]


def _slow_tests(slow: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    found = [
        {"test": test, "runs": n, "mean_seconds": round(total / n, 3)}
        for test, (n, total) in slow.items()
        if n
    ]
    return sorted(found, key=lambda t: (-t["mean_seconds"], t["test"]))[:20]


def _daily(rows: Mapping[str, list[tuple[str, list[Any]]]]) -> list[dict[str, Any]]:
    """Per day, all workflows together: runs, failures and the p50 duration (for the chart)."""
    days: dict[str, list[list[Any]]] = {}
    for key, found in rows.items():
        if SEP in key:
            continue
        for day, row in found:
            days.setdefault(day, []).append(row)
    return [
        {
            "day": day,
            "runs": sum(r[_N] for r in day_rows),
            "failures": sum(r[_N] - r[_OK] for r in day_rows),
            "p50": _round(percentile(merge(r[_DUR] for r in day_rows), 0.5)),
        }
        for day, day_rows in sorted(days.items())
    ]
