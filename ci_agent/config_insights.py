"""The ``insights:`` section of ``.github/ci-agent.yml``: the CI health dashboard's window,
bounds, flakiness and alert thresholds (its schema; validated like the rest of the file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from ci_agent.config_rules import SECTION_CONFIG, Rule

__all__ = ["InsightsAlerts", "InsightsConfig"]


class _Section:
    # The validator's settings for every section (read by pydantic; plain data here).
    __pydantic_config__: ClassVar[dict[str, Any]] = SECTION_CONFIG


@dataclass(frozen=True, kw_only=True)
class InsightsAlerts(_Section):
    """When the dashboard raises an alert at its top (and, with ``fail``, fails the run)."""

    red_hours: Annotated[
        float | None,
        Rule(
            gt=0,
            description="Alert when the default branch has been red this many hours (null: never).",
        ),
    ] = 24.0
    flake_rate: Annotated[
        float | None,
        Rule(
            gt=0,
            le=1,
            description=(
                "Alert when this share of runs show a job that failed, then passed on the "
                "same commit (null: never)."
            ),
        ),
    ] = 0.05
    fail: Annotated[bool, Rule(description="Fail the run (CA610) when an alert is raised.")] = False


@dataclass(frozen=True, kw_only=True)
class InsightsConfig(_Section):
    """``ci-agent insights``: what it reads and how it judges."""

    days: Annotated[int, Rule(ge=1, le=90, description="The window of history, in days.")] = 30
    max_runs: Annotated[
        int,
        Rule(
            ge=1,
            le=20_000,
            description=(
                "New runs read per invocation (each costs one jobs request); older runs "
                "past the cap are counted in the report, not read."
            ),
        ),
    ] = 500
    logs_per_run: Annotated[
        int,
        Rule(
            ge=0,
            le=20,
            description="Failed jobs' logs read per run for failure signatures (the rest counted).",
        ),
    ] = 2
    junit_artifacts: Annotated[
        tuple[str, ...],
        Rule(description="Glob patterns of artifact names that hold JUnit XML reports."),
    ] = ("*junit*", "*test-results*")
    max_junit_downloads: Annotated[
        int,
        Rule(
            ge=0,
            le=20_000,
            description="JUnit artifacts downloaded per invocation, newest first "
            "(the rest counted).",
        ),
    ] = 200
    max_junit_bytes: Annotated[
        int,
        Rule(
            ge=1024,
            description="Artifacts larger than this are not downloaded (counted in the report).",
        ),
    ] = 20 << 20
    ewma_alpha: Annotated[
        float,
        Rule(
            gt=0,
            le=1,
            description="Weight of the newest run in a test's flip rate (exponentially weighted).",
        ),
    ] = 0.1
    flaky_flip_rate: Annotated[
        float,
        Rule(
            gt=0,
            le=1,
            description="A test whose weighted flip rate reaches this is flaky (quarantine it).",
        ),
    ] = 0.05
    queue_seconds: Annotated[
        int, Rule(ge=1, description="A p95 wait for a runner above this is a recommendation.")
    ] = 300
    near_timeout: Annotated[
        float,
        Rule(
            gt=0,
            le=1,
            description="A job whose longest run reaches this share of its timeout is near it.",
        ),
    ] = 0.8
    model_summary: Annotated[
        bool,
        Rule(
            description=(
                "Ask the configured model for an opening paragraph; it is kept only when "
                "every number in it comes from the metrics."
            )
        ),
    ] = False
    label: Annotated[
        str, Rule(min_length=1, max_length=50, description="The label of the dashboard issue.")
    ] = "ci-insights"
    alerts: InsightsAlerts = InsightsAlerts()
