"""The dashboard's saved aggregates (a JSON document), extended run by run and trimmed to the
window: per day and per workflow, job and step — counts, duration and queue histograms, the
longest run — billable minutes by runner OS, the default branch's red spells, signatures.

A later run adds only the runs it reads; nothing needs the runs counted before. Flakiness has
its own part (:mod:`ci_agent.insights.flaky`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ci_agent.insights import flaky
from ci_agent.insights.histogram import add as count_into
from ci_agent.insights.model import RunFacts, billable_minutes, runner_os

__all__ = ["SEP", "VERSION", "Ledger", "day_of", "empty"]

VERSION = 1
SEP = "\t"  # between the parts of a series key: workflow, job, step names hold anything else
_N, _OK, _RERUN, _DUR, _QUEUE, _MAX, _MAX_RUN, _QMAX, _QMAX_RUN, _FAILS = range(10)
_FAIL_RUNS = 3
_SIGNATURE_RUNS = 5
_SIGNATURES = 100
_SLOW_TESTS = 100
_RECOVERIES = 50


def empty() -> dict[str, Any]:
    """A state with nothing counted."""
    return {
        "v": VERSION,
        "cursor": {"id": 0, "pending": []},
        "workflows": {},
        "days": {},
        "minutes": {},
        "green": {},
        "sigs": {},
        "slow_tests": {},
        **flaky.empty(),
    }


def day_of(moment: datetime) -> str:
    """The UTC day of ``moment`` as ``YYYY-MM-DD`` (the state's bucket key)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


class Ledger:
    """Counts runs into a state document (a builder: the document changes in place)."""

    def __init__(self, data: dict[str, Any], *, default_branch: str, alpha: float) -> None:
        self.data = data
        self.default_branch = default_branch
        self.alpha = alpha

    def add(self, run: RunFacts) -> None:
        """Count one completed run (runs come oldest first)."""
        day = day_of(run.created_at)
        series = self.data["days"].setdefault(day, {})
        latest = run.latest_jobs()
        first_wait = [j.queued for j in run.jobs if j.attempt == 1 and j.queued is not None]
        if run.conclusion not in ("skipped", "cancelled"):
            _count(
                series.setdefault(run.workflow, _new()),
                run.id,
                ok=run.ok,
                rerun=run.attempts > 1,
                seconds=run.seconds(),
                queued=min(first_wait) if first_wait else None,
            )
        minutes = self.data["minutes"].setdefault(day, {})
        for job in run.jobs:
            billed = billable_minutes(job)
            if billed:
                system = runner_os(job.labels)
                minutes[system] = minutes.get(system, 0) + billed
            if job.conclusion in ("skipped", None):
                continue
            key = SEP.join((run.workflow, job.name))
            _count(
                series.setdefault(key, _new()),
                run.id,
                ok=job.ok,
                rerun=job.attempt > 1,
                seconds=job.seconds,
                queued=job.queued,
            )
            for step in job.steps:
                if step.seconds is None or step.conclusion in ("skipped", None):
                    continue
                _count(
                    series.setdefault(SEP.join((key, step.name)), _new()),
                    run.id,
                    ok=step.conclusion == "success",
                    rerun=False,
                    seconds=step.seconds,
                    queued=None,
                )
        self._green(run)
        self._signatures(run, day)
        self._slow_tests(run)
        flaky.record(self.data, run, latest, day, self.alpha)
        seen = self.data["workflows"].setdefault(run.workflow, {"newest": 0, "path": run.path})
        seen["newest"] = max(seen["newest"], run.id)

    def _green(self, run: RunFacts) -> None:
        """The default branch's red spells: from a failed run to the next passing one."""
        if run.branch != self.default_branch or run.conclusion in ("cancelled", "skipped"):
            return
        green = self.data["green"].setdefault(run.workflow, {"red": None, "recoveries": []})
        if not run.ok and green["red"] is None:
            green["red"] = [run.created_at.isoformat(), run.id]
        elif run.ok and green["red"] is not None:
            since = datetime.fromisoformat(green["red"][0])
            done = run.created_at + timedelta(seconds=run.seconds() or 0)
            spell = max(0.0, (done - since).total_seconds())
            green["recoveries"].append(
                [day_of(run.created_at), round(spell), green["red"][1], run.id]
            )
            del green["recoveries"][:-_RECOVERIES]
            green["red"] = None

    def _signatures(self, run: RunFacts, day: str) -> None:
        sigs = self.data["sigs"]
        for signature in run.signatures:
            entry = sigs.setdefault(
                signature.key,
                [signature.kind, signature.message, {}, day, day, [], signature.job],
            )
            entry[2][day] = entry[2].get(day, 0) + 1
            entry[4] = max(entry[4], day)
            if run.id not in entry[5]:
                entry[5] = [*entry[5], run.id][-_SIGNATURE_RUNS:]
        if len(sigs) > _SIGNATURES:  # the least recently seen go first
            for key in sorted(sigs, key=lambda k: (sigs[k][4], sum(sigs[k][2].values())))[
                : len(sigs) - _SIGNATURES
            ]:
                del sigs[key]

    def _slow_tests(self, run: RunFacts) -> None:
        slow = self.data["slow_tests"]
        for case in run.tests:
            if case.outcome == "skip":
                continue
            entry = slow.setdefault(case.id, [0, 0.0])
            entry[0] += 1
            entry[1] = round(entry[1] + case.seconds, 3)

    def finish(self, start: datetime, now: datetime, cursor: dict[str, Any]) -> None:
        """Drop what fell out of the window, keep the slowest tests only, set the cursor."""
        first = day_of(start)
        for part in ("days", "minutes"):
            self.data[part] = {d: v for d, v in self.data[part].items() if d >= first}
        for green in self.data["green"].values():
            green["recoveries"] = [r for r in green["recoveries"] if r[0] >= first]
        for key in list(self.data["sigs"]):
            entry = self.data["sigs"][key]
            entry[2] = {d: c for d, c in entry[2].items() if d >= first}
            if not entry[2]:
                del self.data["sigs"][key]
            else:
                entry[3] = min(entry[2])
        slow = self.data["slow_tests"]
        keep = sorted(slow, key=lambda k: -slow[k][1] / max(slow[k][0], 1))[:_SLOW_TESTS]
        self.data["slow_tests"] = {k: slow[k] for k in keep}
        flaky.expire(self.data, first)
        self.data["cursor"] = {**cursor, "at": now.isoformat()}


def _new() -> list[Any]:
    return [0, 0, 0, [], [], 0.0, 0, 0.0, 0, []]


def _count(
    row: list[Any],
    run_id: int,
    *,
    ok: bool,
    rerun: bool,
    seconds: float | None,
    queued: float | None,
) -> None:
    row[_N] += 1
    row[_OK] += int(ok)
    row[_RERUN] += int(rerun)
    if seconds is not None:
        count_into(row[_DUR], seconds)
        if seconds > row[_MAX]:
            row[_MAX], row[_MAX_RUN] = round(seconds, 1), run_id
    if queued is not None:
        count_into(row[_QUEUE], queued)
        if queued > row[_QMAX]:
            row[_QMAX], row[_QMAX_RUN] = round(queued, 1), run_id
    if not ok and run_id not in row[_FAILS]:
        row[_FAILS] = [*row[_FAILS], run_id][-_FAIL_RUNS:]
