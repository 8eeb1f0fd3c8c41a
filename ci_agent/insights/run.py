"""``ci-agent insights`` end to end: read what is new, extend the saved aggregates, compute the
metrics, apply the rules, raise alerts, and keep the dashboard issue and the JSON report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ci_agent.config_insights import InsightsConfig
from ci_agent.errors import CiAgentError, fail
from ci_agent.forge.protocol import InsightsForge
from ci_agent.forge.types import IssueInfo
from ci_agent.insights.collect import Bounds, Reading, read_history
from ci_agent.insights.dashboard import body_of, find_dashboard, publish_dashboard
from ci_agent.insights.ledger import Ledger, empty
from ci_agent.insights.metrics import compute
from ci_agent.insights.present import dashboard_markdown, dashboard_text
from ci_agent.insights.recommend import Thresholds, recommend
from ci_agent.insights.state import STATE_ARTIFACT, load_state, state_comment
from ci_agent.insights.workflow_files import read_workflows
from ci_agent.json_form import to_json
from ci_agent.llm.provider import LLMProvider
from ci_agent.outcome import Outcome
from ci_agent.report.limits import ISSUE_BODY_LIMIT
from ci_agent.report.value import ArtifactRef, Report

__all__ = ["REPORT_SCHEMA", "InsightsRequest", "run_insights"]

REPORT_SCHEMA = "ci-agent/insights@1"
_SUMMARY_LIMIT = 512 * 1024  # of the job summary's 1 MiB, leaving room for the errors after
_BODY_SLACK = 256  # the marker line and blank lines around the state comment


@dataclass(frozen=True)
class InsightsRequest:
    """One insights run: the repository, the window, filters, the time it runs at."""

    repository: str
    days: int
    now: datetime
    workflow: str | None = None
    branch: str | None = None
    dry_run: bool = False
    full: bool = False  # ignore the saved state and read the whole window


def run_insights(
    forge: InsightsForge,
    config: InsightsConfig,
    request: InsightsRequest,
    *,
    environ: Mapping[str, str],
    requests: Callable[[], int],
    progress: Callable[[str], None] | None = None,
    provider: LLMProvider | None = None,
) -> Outcome:
    """Read, count, judge and publish; the outcome's result is the JSON report."""
    say = progress or (lambda _message: None)
    filtered = request.workflow is not None or request.branch is not None
    notes: list[str] = []
    default_branch = forge.repository_facts().default_branch
    existing, others = find_dashboard(forge, config.label)
    if others and existing is not None:
        notes.append(
            f"{others} more open dashboard issue(s) carry the marker; #{existing.number} "
            "(the oldest) is kept up to date."
        )
    state = None
    if existing is not None and not filtered and not request.full:
        state = _saved(forge, existing.body, notes)
    window_start = request.now - timedelta(days=request.days)
    if state is not None and state["cursor"].get("days") != request.days:
        notes.append(f"the window changed to {request.days} days: the history is read again")
        state = None
    cursor = (state or empty())["cursor"]
    bounds = Bounds(
        window_start=window_start,
        since_id=int(cursor.get("id") or 0),
        pending=tuple(int(i) for i in cursor.get("pending") or ()),
        workflow=request.workflow,
        branch=request.branch,
        logs_per_run=config.logs_per_run,
        max_runs=config.max_runs,
        junit_patterns=config.junit_artifacts,
        max_junit_bytes=config.max_junit_bytes,
        max_junit_downloads=config.max_junit_downloads,
    )
    reading = read_history(forge, bounds, say)
    if reading.junit_capped:
        notes.append(
            f"{reading.junit_capped} JUnit report artifact(s) of older runs were not downloaded: "
            f"at most {config.max_junit_downloads} per run (insights.max-junit-downloads)"
        )
    if reading.capped:
        notes.append(
            f"{reading.capped} older run(s) of the window were not read: at most "
            f"{config.max_runs} new runs are read per run (insights.max-runs); the counts "
            "start after them"
        )
    ledger = Ledger(state or empty(), default_branch=default_branch, alpha=config.ewma_alpha)
    for run in reading.runs:
        ledger.add(run)
    ledger.finish(
        window_start,
        request.now,
        {"id": reading.newest_id, "pending": list(reading.pending), "days": request.days},
    )
    metrics = compute(
        ledger.data, request.now, days=request.days, flip_threshold=config.flaky_flip_rate
    )
    if filtered and not metrics["runs"]:
        seen = ", ".join(reading.seen) or "no runs at all"
        wanted = " and ".join(
            f"{name} {value!r}"
            for name, value in (("workflow", request.workflow), ("branch", request.branch))
            if value
        )
        raise fail("CA180", days=request.days, filters=wanted, seen=f"workflows seen: {seen}")
    workflows, unreadable = read_workflows(forge)
    if unreadable:
        notes.append("workflow files not read: " + ", ".join(unreadable))
    thresholds = Thresholds(queue_seconds=config.queue_seconds, near_timeout=config.near_timeout)
    recommendations = [to_json(r) for r in recommend(metrics, workflows, thresholds)]
    alerts = _alerts(metrics, config)
    written: dict[str, Any] | None = None
    if provider is not None:
        from ci_agent.insights.phrasing import facts_of, phrase_summary
        from ci_agent.render import TemplateRenderer

        phrased = phrase_summary(provider, facts_of(metrics, recommendations), TemplateRenderer())
        written = to_json(phrased)
        if phrased.note:
            notes.append(phrased.note)
    report: dict[str, Any] = {
        "schema": REPORT_SCHEMA,
        "repository": request.repository,
        "default_branch": default_branch,
        "filters": _filters(request),
        "alerts": alerts,
        "summary": written,
        "metrics": metrics,
        "recommendations": recommendations,
        "reading": _reading(reading, bounds, requests(), incremental=state is not None),
        "notes": notes,
    }
    errors, artifact = _publish(
        forge,
        config=config,
        request=request,
        report=report,
        state=ledger.data,
        existing=existing,
        environ=environ,
    )
    summary = dashboard_markdown(report, _SUMMARY_LIMIT, where="the JSON report artifact")
    return Outcome(
        "insights",
        result=report,
        text=dashboard_text(report, alerts),
        markdown=summary.text,
        errors=errors,
        dry_run=request.dry_run,
        report=Report(
            f"CI insights: {len(alerts)} alert(s)",
            conclusion="failure" if errors else "success",
            artifact=artifact,
        ),
    )


def _saved(forge: InsightsForge, body: str, notes: list[str]) -> dict[str, Any] | None:
    """The dashboard's saved state; a state that cannot be used is a note (CA610)."""
    try:
        state = load_state(body, forge)
        if state is not None:
            _check_shape(state)
        return state
    except CiAgentError as exc:
        if exc.code != "CA610":
            raise
        notes.append(f"{exc.code}: {exc.message}")
        return None


def _check_shape(state: dict[str, Any]) -> None:
    """CA610 unless the numbers can be computed from ``state`` (an edited body may hold any
    JSON): a dry computation on a copy, so nothing half-read is kept."""
    import copy
    from datetime import UTC, datetime

    try:
        trial = Ledger(copy.deepcopy(state), default_branch="", alpha=0.1)
        trial.finish(datetime.min.replace(tzinfo=UTC), datetime.now(UTC), dict(state["cursor"]))
        compute(trial.data, datetime.now(UTC), days=1, flip_threshold=1.0)
        int(state["cursor"].get("id") or 0)
        [int(i) for i in state["cursor"].get("pending") or ()]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise fail("CA610", problem=f"its shape is not a state's ({type(exc).__name__})") from None


def _publish(
    forge: InsightsForge,
    *,
    config: InsightsConfig,
    request: InsightsRequest,
    report: dict[str, Any],
    state: Mapping[str, Any],
    existing: IssueInfo | None,
    environ: Mapping[str, str],
) -> tuple[list[CiAgentError], ArtifactRef | None]:
    """The dashboard issue (with the state), the JSON report artifact, the alert's error."""
    notes = report["notes"]
    comment, artifact = state_comment(state)
    if artifact is not None:
        comment = _state_artifact(environ, artifact, comment, notes, request.dry_run)
    # Triage reads this one (it stays inline: a few hundred names at most).
    comment = f"{known_flaky_comment(report['metrics'])}\n{comment}"
    room = ISSUE_BODY_LIMIT - len(comment) - _BODY_SLACK
    fitted = dashboard_markdown(report, room, where="the JSON report artifact")
    if fitted.cuts:
        report["cut"] = [{"list": c.name, "shown": c.shown, "total": c.total} for c in fitted.cuts]
    if report["filters"]:
        notes.append("a filtered view is not written to the dashboard issue")
    elif not request.dry_run:
        report["dashboard"] = publish_dashboard(
            forge, existing, body_of(fitted.text, comment), config.label
        )
    written = None
    if not request.dry_run:
        from ci_agent.report.artifact import report_artifact_name, write_json_artifact

        name = report_artifact_name("insights", "report", environ)
        written = write_json_artifact(environ, name, report)
        if written is not None:
            report["artifact"] = to_json(written)
    if report["alerts"] and config.alerts.fail:
        return [fail("CA570", alerts="; ".join(report["alerts"]))], written
    return [], written


def known_flaky_comment(metrics: Mapping[str, Any]) -> str:
    """The hidden list of flaky tests and jobs triage reads, each with its evidence."""
    from ci_agent.triage.known_flaky import flaky_comment

    tests = {
        t["test"]: (
            f"flip rate {t['flip_rate']:.2f}, {t['flips']} flips in {t['runs']} runs "
            f"(runs {', '.join(str(r) for r in t['evidence'])})"
        )
        for t in metrics["flaky_tests"]
    }
    jobs = {
        f"{j['workflow']}\t{j['job']}": (
            f"failed, then passed on the same commit {j['count']} time(s) in "
            f"{metrics['window']['days']} days (runs {', '.join(str(r) for r in j['runs'])})"
        )
        for j in metrics["flaky_jobs"]
    }
    return flaky_comment(tests, jobs)


def _alerts(metrics: Mapping[str, Any], config: InsightsConfig) -> list[str]:
    alerts = []
    red_hours = config.alerts.red_hours
    if red_hours is not None:
        for workflow, green in metrics["time_to_green"].items():
            hours = green["red_for_hours"]
            if hours is not None and hours >= red_hours:
                alerts.append(
                    f"{workflow} has been red on the default branch for {hours:.1f} h "
                    f"(since run {green['red_since_run']}; threshold {red_hours:g} h)"
                )
    rate = config.alerts.flake_rate
    if rate is not None and metrics["runs"] and metrics["flake_rate"] >= rate:
        alerts.append(
            f"flake rate {metrics['flake_rate'] * 100:.1f}% ({metrics['flaky_runs']} of "
            f"{metrics['runs']} runs; threshold {rate * 100:.1f}%)"
        )
    return alerts


def _filters(request: InsightsRequest) -> str:
    parts = [
        f"workflow {request.workflow}" if request.workflow else "",
        f"branch {request.branch}" if request.branch else "",
    ]
    return ", ".join(p for p in parts if p)


def _reading(
    reading: Reading, bounds: Bounds, requests: int, *, incremental: bool
) -> dict[str, Any]:
    return {
        "incremental": incremental,
        "since_run": bounds.since_id,
        "listed": reading.listed,
        "new": len(reading.runs),
        "pending": list(reading.pending),
        "logs_read": reading.logs_read,
        "logs_skipped": reading.logs_skipped,
        "logs_per_run": bounds.logs_per_run,
        "not_read": reading.capped,
        "junit_reports": reading.junit_reports,
        "junit_skipped": list(reading.junit_skipped),
        "junit_not_downloaded": reading.junit_capped,
        "requests": requests,
    }


def _state_artifact(
    environ: Mapping[str, str], raw: bytes, comment: str, notes: list[str], dry_run: bool
) -> str:
    """Write the state for the workflow to upload; without a runner temp it is not kept."""
    from pathlib import Path

    from ci_agent.atomic import write_bytes_atomically

    folder = environ.get("RUNNER_TEMP")
    if not folder or dry_run:
        notes.append(
            f"the state ({len(raw):,} bytes) is too large for the issue and is not saved here: "
            "the next run reads the whole window again"
        )
        return ""
    write_bytes_atomically(Path(folder) / f"{STATE_ARTIFACT}.json", raw)
    notes.append(f"the state ({len(raw):,} bytes) is kept in the {STATE_ARTIFACT} artifact")
    return comment
