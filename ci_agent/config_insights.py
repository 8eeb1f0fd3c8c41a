"""The ``insights:`` section of ``.github/ci-agent.yml``: the CI health dashboard's window,
bounds, flakiness and alert thresholds (its schema; validated like the rest of the file)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["InsightsAlerts", "InsightsConfig"]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Section(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=_kebab, populate_by_name=True
    )


class InsightsAlerts(_Section):
    """When the dashboard raises an alert at its top (and, with ``fail``, fails the run)."""

    red_hours: float | None = Field(
        default=24.0,
        gt=0,
        description="Alert when the default branch has been red this many hours (null: never).",
    )
    flake_rate: float | None = Field(
        default=0.05,
        gt=0,
        le=1,
        description="Alert when this share of runs show a job that failed, then passed on the "
        "same commit (null: never).",
    )
    fail: bool = Field(default=False, description="Fail the run (CA610) when an alert is raised.")


class InsightsConfig(_Section):
    """``ci-agent insights``: what it reads and how it judges."""

    days: int = Field(default=30, ge=1, le=90, description="The window of history, in days.")
    max_runs: int = Field(
        default=500,
        ge=1,
        le=20_000,
        description="New runs read per invocation (each costs one jobs request); older runs "
        "past the cap are counted in the report, not read.",
    )
    logs_per_run: int = Field(
        default=2,
        ge=0,
        le=20,
        description="Failed jobs' logs read per run for failure signatures (the rest counted).",
    )
    junit_artifacts: tuple[str, ...] = Field(
        default=("*junit*", "*test-results*"),
        description="Glob patterns of artifact names that hold JUnit XML reports.",
    )
    max_junit_downloads: int = Field(
        default=200,
        ge=0,
        le=20_000,
        description="JUnit artifacts downloaded per invocation, newest first (the rest counted).",
    )
    max_junit_bytes: int = Field(
        default=20 << 20,
        ge=1024,
        description="Artifacts larger than this are not downloaded (counted in the report).",
    )
    ewma_alpha: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="Weight of the newest run in a test's flip rate (exponentially weighted).",
    )
    flaky_flip_rate: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="A test whose weighted flip rate reaches this is flaky (quarantine it).",
    )
    queue_seconds: int = Field(
        default=300,
        ge=1,
        description="A p95 wait for a runner above this is a recommendation.",
    )
    near_timeout: float = Field(
        default=0.8,
        gt=0,
        le=1,
        description="A job whose longest run reaches this share of its timeout is near it.",
    )
    model_summary: bool = Field(
        default=False,
        description="Ask the configured model for an opening paragraph; it is kept only when "
        "every number in it comes from the metrics.",
    )
    label: str = Field(
        default="ci-insights",
        min_length=1,
        max_length=50,
        description="The label of the dashboard issue.",
    )
    alerts: InsightsAlerts = InsightsAlerts()
