"""The dashboard as people read it: Markdown (Mermaid charts, tables, recommendations, flaky
jobs and tests, failure causes) fitted to a limit by leaving out whole rows, and short text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ci_agent.render import TemplateRenderer
from ci_agent.report.fit import Fitted, fit_lists

__all__ = ["dashboard_markdown", "dashboard_text"]

_CHART_DAYS = 30
_KIND = re.compile(r"[^a-z0-9-]")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _trend(value: float | None) -> str:
    if value is None:
        return "-"
    arrow = "▲" if value > 0.05 else "▼" if value < -0.05 else "≈"
    return f"{arrow} {value * 100:+.0f}%"


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} h"


def dashboard_markdown(
    report: Mapping[str, Any],
    limit: int,
    *,
    where: str = "",
    renderer: TemplateRenderer | None = None,
) -> Fitted:
    """The dashboard within ``limit`` characters; what was left out is in ``cuts``."""
    metrics = report["metrics"]
    jobs = [(w["name"], j) for w in metrics["workflows"] for j in w["jobs"]]
    daily = metrics["daily"][-_CHART_DAYS:]
    causes: dict[str, int] = {}
    for signature in metrics["signatures"]:
        # Inside a Mermaid block nothing is escaped: only a kind's letters reach it.
        kind = _KIND.sub("", str(signature["kind"]))[:30] or "other"
        causes[kind] = causes.get(kind, 0) + int(signature["count"])
    recommendations = [{**r, "runs": _runs_of(r["evidence"])} for r in report["recommendations"]]
    totals = {
        "jobs": len(jobs),
        "signatures": len(metrics["signatures"]),
        "flaky_tests": len(metrics["flaky_tests"]),
        "flaky_jobs": len(metrics["flaky_jobs"]),
        "recommendations": len(recommendations),
        "workflows": len(metrics["workflows"]),
    }
    engine = renderer or TemplateRenderer()

    def render(shown: Mapping[str, int]) -> str:
        return engine.render(
            "reports/insights.md.j2",
            repository=report["repository"],
            m=metrics,
            alerts=report["alerts"],
            summary=report.get("summary"),
            filters=report["filters"],
            jobs=jobs,
            recommendations=recommendations,
            causes=sorted(causes.items(), key=lambda item: -item[1]),
            chart_days=", ".join(f'"{_KIND.sub("", str(d["day"])[5:])}"' for d in daily),
            chart_p50=", ".join(str(float(d["p50"] or 0)) for d in daily),
            chart_failures=", ".join(str(int(d["failures"])) for d in daily),
            reading=report["reading"],
            notes=report["notes"],
            shown=shown,
            pct=_pct,
            dur=_dur,
            trend=_trend,
            hours=_hours,
        )

    return fit_lists(render, totals, limit, where=where)


def _runs_of(evidence: Mapping[str, Any]) -> list[int]:
    """The run ids an evidence mapping names (``run``, ``runs`` lists, ``failed_runs``...)."""
    found: list[int] = []
    for key in ("run", "failed_runs", "evidence"):
        value = evidence.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, int)]
    longest = evidence.get("longest")
    if isinstance(longest, dict) and isinstance(longest.get("run"), int) and longest["run"]:
        found.append(longest["run"])
    return list(dict.fromkeys(found))[:6]


def dashboard_text(report: Mapping[str, Any], alerts: Sequence[str] = ()) -> str:
    """A few lines for the terminal: totals, alerts, recommendations
    (templates/text/insights.txt.j2)."""
    from ci_agent.render import render_text

    return render_text(
        "insights.txt.j2",
        metrics=report["metrics"],
        alerts=alerts,
        recommendations=report["recommendations"],
        reading=report["reading"],
        dashboard=report.get("dashboard"),
        pct=_pct,
        dur=_dur,
    )
