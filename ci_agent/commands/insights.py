"""``ci-agent insights``: the CI health dashboard of a repository's workflows — metrics, flaky
jobs and tests, failure causes, recommendations — kept in one issue, updated incrementally."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ci_agent.commands.common import Invocation, execute, global_options
from ci_agent.config import CliOverrides
from ci_agent.outcome import Outcome

__all__ = ["insights", "insights_outcome"]


@click.command()
@click.option("--repo", "repo", metavar="OWNER/NAME", help="The repository (in Actions: this one).")
@click.option(
    "--days",
    "days",
    type=click.IntRange(1, 90),
    default=None,
    help="The window of history in days (default: insights.days, 30).",
)
@click.option(
    "--workflow",
    "workflow",
    metavar="NAME",
    help="Only this workflow (a view: the dashboard is not written).",
)
@click.option(
    "--branch",
    "branch",
    metavar="BRANCH",
    help="Only runs on this branch (a view: the dashboard is not written).",
)
@click.option(
    "--full", is_flag=True, help="Ignore the saved state and read the whole window again."
)
@global_options
def insights(
    overrides: CliOverrides,
    *,
    repo: str | None,
    days: int | None,
    workflow: str | None,
    branch: str | None,
    full: bool,
) -> int:
    """Measure a repository's CI: runs, success, p50/p95 durations, queue, re-runs, minutes,
    time to green, flaky jobs and tests, failure causes; recommend with evidence; keep the
    dashboard issue up to date (only new runs are read after the first time)."""

    def body(invocation: Invocation) -> Outcome:
        return insights_outcome(
            invocation, repo=repo, days=days, workflow=workflow, branch=branch, full=full
        )

    return execute(overrides, "insights", body)


def insights_outcome(
    invocation: Invocation,
    *,
    repo: str | None = None,
    days: int | None = None,
    workflow: str | None = None,
    branch: str | None = None,
    full: bool = False,
) -> Outcome:
    """The insights run as an outcome (the CLI's and the action's)."""
    from ci_agent.insights.run import InsightsRequest, run_insights

    settings = invocation.settings
    config = settings.config.insights
    forge = invocation.use.github(repo or settings.repository)
    request = InsightsRequest(
        repository=str(forge.repo),
        days=days or config.days,
        now=datetime.now(UTC),
        workflow=workflow,
        branch=branch,
        dry_run=settings.dry_run,
        full=full,
    )
    metrics = invocation.metrics

    def requests() -> int:
        return metrics.snapshot().api_calls.total

    provider = None
    if config.model_summary:
        from ci_agent.llm.factory import build_provider

        # No model configured is a configuration error (CA406/CA116), as in every command.
        provider = build_provider(
            invocation.use.llm_setup(), metrics=metrics, log=invocation.term.detail
        )

    return run_insights(
        forge,
        config,
        request,
        environ=invocation.environ,
        requests=requests,
        progress=invocation.term.detail,
        provider=provider,
    )
